package console_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/client"
	"github.com/streamplane/streamplane/iam"
)

// api is a client of the env's API as the admin, to set up and check what
// the console's forms did.
func (e *env) api() *client.Client {
	c := client.New(e.URL)
	c.Token = e.adminToken
	return c
}

// ruleForm is a valid rule as the create form posts it.
func ruleForm(csrf string, kv ...string) url.Values {
	f := url.Values{"_csrf": {csrf}, "name": {"disk-high"}, "metric": {"broker_disk_usage"}, "op": {">"}, "threshold": {"80"},
		"periods": {"3"}, "severity": {"major"}, "enabled": {"true"}}
	for i := 0; i+1 < len(kv); i += 2 {
		f.Set(kv[i], kv[i+1])
	}
	return f
}

func TestAlarmRuleForms(t *testing.T) {
	e := newEnv(t)
	e.instance(t, "demo")
	e.user(t, "ann", iam.FullAccess)
	b := e.browser(t)
	csrf := b.signIn("ann")
	ctx := context.Background()

	resp, page := b.get("/instances/demo/alarms")
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "No alarm rules") || !strings.Contains(page, `id="create-defaults"`) {
		t.Fatalf("alarms page answered %d:\n%s", resp.StatusCode, page)
	}
	checkNoInline(t, "alarms", page)

	if resp, _ := b.do("POST", "/instances/demo/alarms/rules", ruleForm("")); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a rule posted without the CSRF token answered %d, want 403", resp.StatusCode)
	}
	// Refusals land beside their fields, with the values kept: a number
	// that does not parse (the console's), and the API's own checks.
	for _, c := range []struct {
		field string
		form  url.Values
	}{
		{"threshold", ruleForm(csrf, "threshold", "lots")},
		{"periods", ruleForm(csrf, "periods", "0")},
		{"name", ruleForm(csrf, "name", "9lives")},
		{"op", ruleForm(csrf, "op", "~")},
		{"broker", ruleForm(csrf, "broker", "one")},
		{"topic", ruleForm(csrf, "topic", "orders")}, // broker_disk_usage has no topic dimension
	} {
		resp, page := b.do("POST", "/instances/demo/alarms/rules", c.form)
		wantFieldError(t, "rule with a bad "+c.field, resp, page, http.StatusBadRequest, c.field)
		if !strings.Contains(page, `value="`+c.form.Get("name")+`"`) {
			t.Errorf("the refused rule form lost the name %q", c.form.Get("name"))
		}
	}

	hostile := `<script>alert("rule")</script>`
	resp, _ = b.do("POST", "/instances/demo/alarms/rules", ruleForm(csrf, "description", hostile, "broker", "1"))
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/instances/demo/alarms?") {
		t.Fatalf("creating a rule answered %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	rule, err := e.api().AlarmRule(ctx, "demo", "disk-high")
	if err != nil {
		t.Fatal(err)
	}
	if rule.Threshold != 80 || rule.Periods != 3 || rule.Broker == nil || *rule.Broker != 1 || !rule.Enabled || rule.Description != hostile {
		t.Errorf("created rule %+v", rule)
	}
	_, page = b.get("/instances/demo/alarms")
	if strings.Contains(page, hostile) || !strings.Contains(page, "&lt;script&gt;") {
		t.Errorf("the rule's description is not shown as text")
	}
	if !strings.Contains(page, `data-rule="disk-high"`) {
		t.Errorf("the new rule is not listed")
	}

	// DMS's defaults in one click, with a limit; a second click adds none.
	resp, _ = b.do("POST", "/instances/demo/alarms/defaults", url.Values{"_csrf": {csrf}, "group_messages_limit": {"many"}})
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("defaults with a limit that is no number answered %d", resp.StatusCode)
	}
	resp, _ = b.do("POST", "/instances/demo/alarms/defaults", url.Values{"_csrf": {csrf}, "group_messages_limit": {"50000"}})
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(loc, "added=") || strings.Contains(loc, "added=0") {
		t.Fatalf("defaults answered %d to %q", resp.StatusCode, loc)
	}
	rules, err := e.api().AlarmRules(ctx, "demo")
	if err != nil || len(rules.Rules) < 3 {
		t.Fatalf("after the defaults the instance has %d rules: %v", len(rules.Rules), err)
	}
	_, page = b.get(loc)
	if !strings.Contains(page, `id="defaults-added"`) {
		t.Errorf("no notice of the rules added:\n%s", page)
	}
	for _, r := range rules.Rules {
		if !strings.Contains(page, `data-rule="`+r.Name+`"`) {
			t.Errorf("rule %s is not listed", r.Name)
		}
	}
	if resp, _ := b.do("POST", "/instances/demo/alarms/defaults", url.Values{"_csrf": {csrf}}); !strings.Contains(resp.Header.Get("Location"), "added=0") {
		t.Errorf("the second click on the defaults went to %q, want added=0", resp.Header.Get("Location"))
	}

	// Disable, edit (refused, then saved), delete.
	path := "/instances/demo/alarms/rules/" + rule.ID
	resp, _ = b.do("POST", path+"/enabled", url.Values{"_csrf": {csrf}, "enabled": {"false"}, "resource_version": {"1"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("disabling answered %d", resp.StatusCode)
	}
	if r, _ := e.api().AlarmRule(ctx, "demo", rule.ID); r.Enabled {
		t.Errorf("the rule is still enabled")
	}
	resp, page = b.get(path)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `value="80"`) || !strings.Contains(page, `name="resource_version" value="2"`) {
		t.Fatalf("the edit page answered %d:\n%s", resp.StatusCode, page)
	}
	edit := ruleForm(csrf, "threshold", "85", "broker", "", "resource_version", "2")
	edit.Del("enabled")
	resp, page = b.do("POST", path, ruleForm(csrf, "severity", "loud", "resource_version", "2"))
	wantFieldError(t, "edit with a bad severity", resp, page, http.StatusBadRequest, "severity")
	if resp, _ := b.do("POST", path, edit); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("saving the rule answered %d", resp.StatusCode)
	}
	r, _ := e.api().AlarmRule(ctx, "demo", rule.ID)
	if r.Threshold != 85 || r.Broker != nil || r.Enabled {
		t.Errorf("edited rule %+v: want threshold 85, every broker, disabled", r)
	}
	// A form read at an older version is refused, not applied over the
	// change made since.
	if resp, _ := b.do("POST", path, ruleForm(csrf, "threshold", "90", "resource_version", "2")); resp.StatusCode < 400 {
		t.Errorf("a stale edit answered %d", resp.StatusCode)
	}
	_, page = b.get("/instances/demo/alarms")
	if !strings.Contains(page, `data-confirm="Delete alarm rule disk-high of instance demo?"`) {
		t.Errorf("the delete button asks no confirmation naming the rule and instance")
	}
	if resp, _ := b.do("POST", path+"/delete", url.Values{"_csrf": {csrf}, "name": {"disk-high"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("deleting answered %d", resp.StatusCode)
	}
	if _, err := e.api().AlarmRule(ctx, "demo", rule.ID); !client.IsNotFound(err) {
		t.Errorf("the deleted rule is still there: %v", err)
	}

	// History: empty, filters kept, a wrong time refused.
	resp, page = b.get("/instances/demo/alarms?state=firing")
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "No alarms match") {
		t.Errorf("filtered history answered %d", resp.StatusCode)
	}
	if resp, _ := b.get("/instances/demo/alarms?from=yesterday"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("history from a wrong time answered %d, want 400", resp.StatusCode)
	}
}

func TestAlarmChannelForms(t *testing.T) {
	e := newEnv(t)
	e.user(t, "ann", iam.FullAccess)
	b := e.browser(t)
	csrf := b.signIn("ann")
	ctx := context.Background()
	const secret = "s3cret-signing-key-0123456789"

	resp, page := b.get("/alarm-channels")
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `aria-current="page">Alarm channels`) {
		t.Fatalf("channels page answered %d:\n%s", resp.StatusCode, page)
	}
	checkNoInline(t, "alarm channels", page)
	form := url.Values{"_csrf": {csrf}, "name": {"ops-hook"}, "kind": {"webhook"}, "url": {"ftp://example.com/hook"}, "secret": {secret}}
	resp, page = b.do("POST", "/alarm-channels", form)
	wantFieldError(t, "webhook with an ftp URL", resp, page, http.StatusBadRequest, "url")
	if strings.Contains(page, secret) {
		t.Errorf("the refused form shows the secret back")
	}
	form.Set("url", "https://hooks.example.com/sp")
	if resp, _ := b.do("POST", "/alarm-channels", form); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("creating the webhook answered %d", resp.StatusCode)
	}
	ch, err := e.api().AlarmChannel(ctx, "ops-hook")
	if err != nil || !ch.HasSecret || ch.URL != "https://hooks.example.com/sp" {
		t.Fatalf("channel %+v %v", ch, err)
	}
	resp, page = b.do("POST", "/alarm-channels", url.Values{"_csrf": {csrf}, "name": {"mail"}, "kind": {"email"}, "to": {"ops@example.com, not-an-address"}})
	wantFieldError(t, "e-mail with a bad address", resp, page, http.StatusBadRequest, "to")
	if resp, _ := b.do("POST", "/alarm-channels", url.Values{"_csrf": {csrf}, "name": {"mail"}, "kind": {"email"}, "to": {"ops@example.com\nteam@example.com"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("creating the e-mail channel answered %d", resp.StatusCode)
	}
	if ch, _ := e.api().AlarmChannel(ctx, "mail"); ch == nil || strings.Join(ch.To, " ") != "ops@example.com team@example.com" {
		t.Errorf("e-mail channel %+v", ch)
	}
	_, page = b.get("/alarm-channels")
	if strings.Contains(page, secret) || !strings.Contains(page, `data-channel="ops-hook"`) || !strings.Contains(page, `data-channel="mail"`) ||
		!strings.Contains(page, `data-confirm="Delete alarm channel ops-hook?`) {
		t.Errorf("channel list:\n%s", page)
	}
	resp, page = b.get("/alarm-channels/ops-hook?status=failed")
	if resp.StatusCode != http.StatusOK || strings.Contains(page, secret) || !strings.Contains(page, "No deliveries with status failed") {
		t.Errorf("channel page answered %d:\n%s", resp.StatusCode, page)
	}

	// A channel a rule names cannot go: the API's refusal shows.
	e.instance(t, "demo")
	if resp, _ := b.do("POST", "/instances/demo/alarms/rules", ruleForm(csrf, "channels", "ops-hook")); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("a rule notifying ops-hook answered %d", resp.StatusCode)
	}
	resp, page = b.do("POST", "/alarm-channels/ops-hook/delete", url.Values{"_csrf": {csrf}})
	if resp.StatusCode != http.StatusConflict || !strings.Contains(page, `class="alert"`) {
		t.Errorf("deleting a channel in use answered %d:\n%s", resp.StatusCode, page)
	}
	if resp, _ := b.do("POST", "/alarm-channels/mail/delete", url.Values{"_csrf": {csrf}}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("deleting the e-mail channel answered %d", resp.StatusCode)
	}
	if _, err := e.api().AlarmChannel(ctx, "mail"); !client.IsNotFound(err) {
		t.Errorf("the deleted channel is still there: %v", err)
	}
}

var changeButton = regexp.MustCompile(`id="create-defaults"|>Create rule<|>Create channel<|>Delete<|>Disable<|>Enable<`)

// A ReadOnlyAccess user sees rules, history and channels but no button
// that changes them, and is refused if they post anyway.
func TestAlarmsReadOnly(t *testing.T) {
	e := newEnv(t)
	e.instance(t, "demo")
	ctx := context.Background()
	if _, err := e.api().CreateAlarmChannel(ctx, streamplane.AlarmChannelSpec{Name: "ops-hook", Kind: "webhook", URL: "https://hooks.example.com/sp"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.api().CreateDefaultAlarmRules(ctx, "demo", streamplane.DefaultAlarmRules{}); err != nil {
		t.Fatal(err)
	}
	rules, _ := e.api().AlarmRules(ctx, "demo")
	e.user(t, "rita", iam.ReadOnlyAccess)
	b := e.browser(t)
	csrf := b.signIn("rita")
	for _, path := range []string{"/instances/demo/alarms", "/alarm-channels"} {
		resp, page := b.get(path)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s answered %d to a reader", path, resp.StatusCode)
		}
		if m := changeButton.FindString(strings.ReplaceAll(page, `<span class="sr-only">`, "")); m != "" {
			t.Errorf("%s shows a reader the change button %q", path, m)
		}
	}
	_, page := b.get("/instances/demo/alarms")
	if !strings.Contains(page, `data-rule="`+rules.Rules[0].Name+`"`) {
		t.Errorf("the reader does not see the rules")
	}
	for _, post := range []struct {
		path string
		form url.Values
	}{
		{"/instances/demo/alarms/rules", ruleForm(csrf)},
		{"/instances/demo/alarms/defaults", url.Values{"_csrf": {csrf}}},
		{"/instances/demo/alarms/rules/" + rules.Rules[0].ID + "/delete", url.Values{"_csrf": {csrf}}},
		{"/instances/demo/alarms/rules/" + rules.Rules[0].ID + "/enabled", url.Values{"_csrf": {csrf}, "enabled": {"false"}}},
		{"/alarm-channels", url.Values{"_csrf": {csrf}, "name": {"mine"}, "kind": {"webhook"}, "url": {"https://x.example/"}}},
		{"/alarm-channels/ops-hook/delete", url.Values{"_csrf": {csrf}}},
	} {
		if resp, _ := b.do("POST", post.path, post.form); resp.StatusCode != http.StatusForbidden {
			t.Errorf("a reader's POST %s answered %d, want 403", post.path, resp.StatusCode)
		}
	}
	if after, _ := e.api().AlarmRules(ctx, "demo"); len(after.Rules) != len(rules.Rules) {
		t.Errorf("the reader's posts changed the rules: %d, were %d", len(after.Rules), len(rules.Rules))
	}
}

// htmx posts forms with the CSRF token in a header, not in the body: the
// pages read the body themselves, and answer with HX-Location after a
// change.
func TestAlarmFormsPostedByHtmx(t *testing.T) {
	e := newEnv(t)
	e.instance(t, "demo")
	e.user(t, "ann", iam.FullAccess)
	b := e.browser(t)
	csrf := b.signIn("ann")
	form := ruleForm("", "name", "by-htmx")
	form.Del("_csrf")
	resp, _ := b.do("POST", "/instances/demo/alarms/rules", form, "X-CSRF-Token", csrf, "HX-Request", "true")
	if resp.StatusCode != http.StatusNoContent || !strings.HasPrefix(resp.Header.Get("HX-Location"), "/instances/demo/alarms?") {
		t.Fatalf("an htmx post answered %d with HX-Location %q", resp.StatusCode, resp.Header.Get("HX-Location"))
	}
	if r, err := e.api().AlarmRule(context.Background(), "demo", "by-htmx"); err != nil || r.Threshold != 80 {
		t.Errorf("the rule posted by htmx: %+v %v", r, err)
	}
	resp, page := b.do("POST", "/alarm-channels", url.Values{"name": {"x"}, "kind": {"webhook"}, "url": {"https://h.example/"}, "secret": {"0123456789abcdef-secret"}},
		"X-CSRF-Token", csrf, "HX-Request", "true")
	wantFieldError(t, "a channel with a one-letter name, by htmx", resp, page, http.StatusBadRequest, "name")
	if strings.Contains(page, "0123456789abcdef-secret") || !strings.Contains(page, `value="https://h.example/"`) {
		t.Errorf("the refused form shows the secret, or lost the URL")
	}
}
