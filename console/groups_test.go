package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/streamplane/streamplane/iam"
)

// Group pages read the brokers, which an instance here never has: they
// answer with the API's refusal (its status and message), never a console
// failure; changes still need the CSRF token. The pages themselves are
// exercised end to end (e2e/console_groups_test.go).
func TestGroupPagesWithoutBrokers(t *testing.T) {
	e := newEnv(t)
	e.instance(t, "demo")
	e.user(t, "ann", iam.FullAccess)
	b := e.browser(t)
	csrf := b.signIn("ann")
	for _, path := range []string{"/instances/demo/groups", "/instances/demo/groups.csv?state=EMPTY", "/instances/demo/groups/app"} {
		resp, page := b.get(path)
		if resp.StatusCode < 400 || resp.StatusCode >= 500 || !strings.Contains(page, `role="alert"`) || !strings.Contains(page, "CREATING") {
			t.Errorf("%s on a CREATING instance answered %d:\n%s", path, resp.StatusCode, page)
		}
	}
	if resp, page := b.get("/instances/nowhere/groups"); resp.StatusCode != http.StatusNotFound || !strings.Contains(page, "nowhere") {
		t.Errorf("groups of a missing instance answered %d", resp.StatusCode)
	}
	if resp, _ := b.get("/instances/demo/groups?state=SLEEPY"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a filter on an unknown state answered %d, want the API's 400", resp.StatusCode)
	}
	for _, path := range []string{"/instances/demo/groups/app/reset", "/instances/demo/groups/app/delete"} {
		if resp, _ := b.do("POST", path, url.Values{"topic": {"t"}, "to": {"earliest"}}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s without the CSRF token answered %d, want 403", path, resp.StatusCode)
		}
	}
	if resp, _ := b.do("POST", "/instances/demo/groups/app/delete", url.Values{"_csrf": {csrf}}); resp.StatusCode < 400 || resp.StatusCode >= 500 {
		t.Errorf("deleting a group of a CREATING instance answered %d, want the API's refusal", resp.StatusCode)
	}
}
