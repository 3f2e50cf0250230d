package e2e

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// waitFor waits until a JavaScript expression is true in the page, for at
// most d: the condition, not a sleep.
func (b *Browser) waitFor(d time.Duration, what, expr string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, d)
	defer cancel()
	for {
		_, err := chromedp.Run(ctx, chromedp.Poll[bool](expr))
		if err == nil {
			return
		}
		// A page load (a redirect answered to a form post) ends the
		// poll's page and its JavaScript context; poll the new page
		// until the deadline.
		if ctx.Err() == nil {
			continue
		}
		main, _ := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS("main")))
		b.t.Fatalf("browser: waiting %s for %s: %v (at %s)\n%s", d, what, err, b.Location(), main)
	}
}

// mainHas is an expression true when the page's main content holds text.
func mainHas(text string) string {
	return "document.querySelector('main') !== null && document.querySelector('main').textContent.includes(" + strconv.Quote(text) + ")"
}

// set sets form controls, by id, to values (id, value, id, value…) and
// then clicks the button sel: in the page, at once, so an htmx swap
// between steps never leaves a step on a node no longer shown.
func (b *Browser) set(sel string, pairs ...string) {
	b.t.Helper()
	var js strings.Builder
	js.WriteString("(() => {")
	for k := 0; k+1 < len(pairs); k += 2 {
		fmt.Fprintf(&js, "document.getElementById(%s).value = %s;", strconv.Quote(pairs[k]), strconv.Quote(pairs[k+1]))
	}
	fmt.Fprintf(&js, "document.querySelector(%s).click(); return true; })()", strconv.Quote(sel))
	Eval[bool](b, js.String())
}

// changeControls counts what a read-only user must not see on the page:
// danger buttons, confirmed forms, and forms that post (but signing out).
const changeControls = `document.querySelectorAll("main button.danger, main form[data-confirm], main form[method=post]").length`

// postAnyway posts a form to path from the page, with the CSRF token of
// the page's own form field, as a user editing the page could, and
// answers the HTTP status.
func postAnyway(b *Browser, path string, fields map[string]string) int {
	b.t.Helper()
	var body []string
	for k, v := range fields {
		body = append(body, fmt.Sprintf("%q: %q", k, v))
	}
	return Eval[int](b, `(() => {
		const f = new URLSearchParams({`+strings.Join(body, ", ")+`});
		f.set("_csrf", document.querySelector("input[name=_csrf]").value);
		return fetch(`+strconv.Quote(path)+`, {method: "POST", body: f, redirect: "manual"}).then(r => r.status);
	})()`)
}

// The access area in a real browser: as admin, create a control-plane
// user with ReadOnlyAccess through the IAM pages, see the SASL users tab
// give the API's answer for a PLAINTEXT instance, set a client quota (the
// permission a PLAINTEXT instance takes) and see a user quota refused
// beside its field, run the policy simulator; then, as the read-only
// user, find no change controls on the access pages and have a change
// posted anyway refused with 403; then see that refusal in the audit
// trail filtered by the user.
func TestConsoleAccess(t *testing.T) {
	s, inst := sharedInstance(t)
	const (
		roUser   = "console-access-ro"
		roPass   = "Console-Access-42"
		clientID = "console-access-client"
		project  = "console-access-proj"
	)
	i := "/instances/" + inst.Name
	b := NewBrowser(t, s)
	b.SignInWithToken(s.Token)
	b.AcceptDialogs()

	// IAM users: create the read-only user through the form.
	b.Open("/iam/users")
	b.set(`form[action="/iam/users"] button[type=submit]`, "iam-name", "Bad Name", "iam-password", roPass)
	b.waitFor(10*time.Second, "the name refused beside its field", `document.querySelector("#err-name") !== null && document.querySelector("#iam-name").getAttribute("aria-invalid") === "true"`)
	if v := Eval[string](b, `document.querySelector("#iam-password").value`); v != "" {
		t.Errorf("the refused form shows the password back: %q", v)
	}
	b.set(`form[action="/iam/users"] button[type=submit]`, "iam-name", roUser, "iam-password", roPass)
	b.waitFor(10*time.Second, "the new user's page", `document.querySelector("main h1") && document.querySelector("main h1").textContent === "User `+roUser+`"`)
	b.set(`form[action$="/attach"] button[type=submit]`, "attach-policy", "ReadOnlyAccess", "attach-project", "*")
	b.waitFor(10*time.Second, "ReadOnlyAccess attached", `document.querySelector('main a[href="/iam/policies/ReadOnlyAccess"]') !== null`)
	b.Open("/iam/users")
	b.waitFor(5*time.Second, "the user in the list", mainHas(roUser))
	b.Accessibility("IAM users")
	b.Screenshot("access-iam-users")

	// The instance's Users tab: the shared instance is PLAINTEXT, so the
	// API refuses SASL users and grants, and the tab says so.
	b.Open(i + "/users")
	b.waitFor(5*time.Second, "the API's refusal", mainHas("The API answers:")+" && "+mainHas("SASL_SSL"))
	if n := Eval[int](b, `document.querySelectorAll("main form[method=post]").length`); n != 0 {
		t.Errorf("the PLAINTEXT instance's users tab offers %d forms the API would refuse", n)
	}
	b.Accessibility("instance users")
	b.Screenshot("access-users")

	// Quotas: a user quota is refused beside its field on PLAINTEXT; a
	// client-id quota is set, changed and listed, and its CSV exported.
	b.Open(i + "/quotas")
	b.set(`form[action$="/quotas"] button[type=submit]`, "q-user", "someone", "q-produce", "5")
	b.waitFor(30*time.Second, "the user quota refused beside its field", `document.querySelector("#err-user") !== null`)
	b.set(`form[action$="/quotas"] button[type=submit]`, "q-user", "", "q-client", clientID, "q-produce", "5", "q-consume", "7.5")
	b.waitFor(30*time.Second, "the client quota listed", mainHas("client-id "+clientID)+" && "+mainHas("5 MB/s")+" && "+mainHas("7.5 MB/s"))
	csv := Eval[string](b, `fetch(document.querySelector('a[href$="/quotas.csv"]').href).then(r => r.text())`)
	if !strings.Contains(csv, clientID) {
		t.Errorf("the quota CSV lacks %s:\n%s", clientID, csv)
	}
	b.Open(i + "/quotas?usage=produce")
	b.waitFor(30*time.Second, "the usage report", mainHas("Busiest clients by produce")+" || "+mainHas("No client moved bytes"))
	b.Accessibility("instance quotas")
	b.Screenshot("access-quotas")

	// Security: the protocol, and public access offered with a
	// confirmation naming the instance (not clicked: it restarts brokers).
	b.Open(i + "/security")
	b.waitFor(5*time.Second, "the protocol", mainHas("PLAINTEXT"))
	confirm := Eval[string](b, `document.querySelector('form[action$="/security/public-access"]').getAttribute("data-confirm")`)
	if !strings.Contains(confirm, inst.Name) {
		t.Errorf("the public access confirmation %q does not name the instance", confirm)
	}
	b.Accessibility("instance security")
	b.Screenshot("access-security")

	// The simulator: the read-only user may get the instance, not delete it.
	b.Open("/iam/simulate")
	b.set(`form[action="/iam/simulate"] button[type=submit]`, "sim-user", roUser, "sim-action", "instance:delete", "sim-resource", "instance:"+inst.Name)
	b.waitFor(10*time.Second, "a deny", `document.querySelector(".decision.denied") !== null`)
	b.set(`form[action="/iam/simulate"] button[type=submit]`, "sim-action", "instance:get")
	b.waitFor(10*time.Second, "an allow by ReadOnlyAccess", `document.querySelector(".decision.allowed") !== null && document.querySelector('.decision a[href="/iam/policies/ReadOnlyAccess"]') !== null`)
	b.Accessibility("policy simulator")
	b.Screenshot("access-simulator")

	b.Open("/iam/policies")
	b.waitFor(5*time.Second, "the built-in policies", mainHas("FullAccess")+" && "+mainHas("ReadOnlyAccess"))
	b.Accessibility("policies")
	b.Screenshot("access-policies")

	b.Open("/iam/projects")
	b.set(`form[action="/iam/projects"] button[type=submit]`, "new-name", project, "new-max_instances", "4")
	b.waitFor(10*time.Second, "the new project", mainHas(project))
	b.Accessibility("projects")
	b.Screenshot("access-projects")

	// The read-only user, in a browser of its own.
	ro := NewBrowser(t, s)
	ro.SignIn(roUser, roPass)
	for _, path := range []string{i + "/users", i + "/quotas", i + "/security", "/iam/users", "/iam/users/" + roUser, "/iam/tokens", "/iam/policies", "/iam/projects", "/audit"} {
		ro.Open(path)
		if h := ro.Text("main h1"); strings.Contains(h, "403") || strings.Contains(h, "404") {
			t.Errorf("%s: the read-only user gets %q", path, h)
		}
		if n := Eval[int](ro, changeControls); n != 0 {
			t.Errorf("%s shows the read-only user %d change controls", path, n)
		}
	}
	ro.Open(i + "/quotas")
	if !ro.waitForText(mainHas(clientID)) {
		t.Errorf("the read-only user does not see the quota")
	}
	for path, fields := range map[string]map[string]string{
		i + "/quotas":                          {"client_id": "console-access-sneaky", "produce_mbps": "1"},
		i + "/quotas/delete":                   {"client_id": clientID},
		i + "/security/public-access":          {"enabled": "true"},
		"/iam/users":                           {"name": "console-access-sneaky", "password": roPass},
		"/iam/projects/" + project + "/delete": {},
	} {
		if status := postAnyway(ro, path, fields); status != 403 {
			t.Errorf("the read-only user's post to %s answered %d, want 403", path, status)
		}
	}

	// The admin sees the refusals in the audit trail, filtered by the user.
	b.Open("/audit")
	b.set(`form.filters button[type=submit]`, "audit-user", roUser, "audit-result", "denied")
	// The filtered page has replaced the whole trail once the URL says so.
	b.waitFor(10*time.Second, "the filtered trail", `location.search.includes("result=denied") && document.querySelector("#audit-result").value === "denied"`)
	rows := `[...document.querySelectorAll("table.audit tbody tr")]`
	if n := Eval[int](b, rows+`.length`); n < 5 {
		t.Errorf("the filtered trail has %d rows, want the read-only user's 5 refusals at least", n)
	}
	if n := Eval[int](b, rows+`.filter(r => !r.textContent.includes(`+strconv.Quote(roUser)+`) || !r.textContent.includes("denied")).length`); n != 0 {
		t.Errorf("%d rows of the filtered trail are not the read-only user's refusals", n)
	}
	for _, action := range []string{"quota:create", "quota:delete", "security:update", "iam:createUser", "project:delete"} {
		if !Eval[bool](b, rows+`.some(r => r.textContent.includes(`+strconv.Quote(action)+`))`) {
			t.Errorf("the filtered trail lacks the refused %s", action)
		}
	}
	b.waitFor(30*time.Second, "the chain's verification", `document.querySelector(".verify-result .badge") !== null`)
	if got := b.Text(".verify-result .badge"); got != "intact" {
		t.Errorf("the audit chain is %q", got)
	}
	b.Accessibility("audit trail")
	b.Screenshot("access-audit")
}

// waitForText reports whether expr becomes true within a few seconds.
func (b *Browser) waitForText(expr string) bool {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](expr))
	return err == nil
}
