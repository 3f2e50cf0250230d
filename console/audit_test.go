package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/streamplane/streamplane/iam"
)

// The audit trail: the console's own changes are in it; the filters
// (user, action, result, resource, time) narrow it; a bad time is refused
// beside its field; the CSV export is the API's; the chain verifies.
func TestAuditTrail(t *testing.T) {
	e := newEnv(t)
	e.user(t, "ann", iam.FullAccess)
	e.user(t, "rita", iam.ReadOnlyAccess)
	admin := e.browser(t)
	csrf := admin.signIn("ann")
	if resp, page := admin.post("/iam/users", csrf, url.Values{"name": {"audited"}, "password": {"Good-Pass-42"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("creating a user answered %d:\n%s", resp.StatusCode, page)
	}
	ro := e.browser(t)
	roCSRF := ro.signIn("rita")
	if resp, _ := ro.post("/iam/projects", roCSRF, url.Values{"name": {"<img src=x>"}}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a read-only create answered %d", resp.StatusCode)
	}

	resp, page := admin.get("/audit?user=ann&action=iam:createUser")
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "<strong>audited</strong>") || !strings.Contains(page, `<span class="badge ok">success</span>`) {
		t.Fatalf("the trail filtered by user and action lacks ann's creation of audited (%d):\n%s", resp.StatusCode, page)
	}
	if strings.Contains(page, ">rita<") {
		t.Errorf("the user filter shows rita's entries")
	}
	if !strings.Contains(page, `href="/audit.csv?action=iam%3AcreateUser&amp;user=ann&amp;"`) {
		t.Errorf("the CSV link does not carry the filters:\n%s", page)
	}
	_, page = admin.get("/audit?result=denied")
	if !strings.Contains(page, `<span class="badge bad">denied</span>`) || !strings.Contains(page, "project:create") || strings.Contains(page, `<td class="mono">iam:createUser</td>`) {
		t.Errorf("the result filter does not show only rita's refusal:\n%s", page)
	}
	if strings.Contains(page, "<img src=x>") {
		t.Errorf("a hostile name in the trail is not escaped")
	}
	_, page = admin.get("/audit?resource=audited")
	if !strings.Contains(page, "iam:createUser") {
		t.Errorf("the resource filter does not find the user's creation")
	}
	future := time.Now().Add(time.Hour).UTC().Format("2006-01-02T15:04")
	_, page = admin.get("/audit?from=" + future)
	if !strings.Contains(page, "No audit entries match") {
		t.Errorf("entries from the future:\n%s", page)
	}
	resp, page = admin.get("/audit?to=yesterday")
	wantFieldError(t, "a bad time", resp, page, http.StatusBadRequest, "to")
	if !strings.Contains(page, `value="yesterday"`) {
		t.Errorf("the bad time is not shown back")
	}

	resp, csv := admin.get("/audit.csv?user=ann")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), `filename="audit.csv"`) {
		t.Fatalf("the CSV answered %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"))
	}
	lines := strings.Split(strings.TrimSpace(csv), "\n")
	if len(lines) < 2 || !strings.Contains(lines[0], "action") || !strings.Contains(csv, "iam:createUser") || strings.Contains(csv, "rita") {
		t.Errorf("the CSV is not ann's entries:\n%s", csv)
	}
	if strings.Contains(csv, "Good-Pass-42") {
		t.Error("the audit trail holds a password")
	}

	_, page = admin.get("/audit")
	if !strings.Contains(page, `hx-get="/audit/verify?fragment=verify"`) {
		t.Errorf("the trail does not load the chain's verification")
	}
	resp, frag := admin.do("GET", "/audit/verify?fragment=verify", nil, "HX-Request", "true")
	if resp.StatusCode != http.StatusOK || !strings.Contains(frag, `<span class="badge ok">intact</span>`) || strings.Contains(frag, "<html") {
		t.Errorf("the verification fragment answered %d:\n%s", resp.StatusCode, frag)
	}
	_, page = admin.get("/audit/verify")
	if !strings.Contains(page, "<h1>Audit chain</h1>") || !strings.Contains(page, "intact") {
		t.Errorf("the verification page:\n%s", page)
	}

	// ReadOnlyAccess reads the trail, with nothing to change on it.
	resp, page = ro.get("/audit")
	if resp.StatusCode != http.StatusOK || destructive.MatchString(page) || strings.Contains(page, `method="post"`+" action=\"/audit") {
		t.Errorf("a read-only user's /audit answered %d:\n%s", resp.StatusCode, page)
	}
}
