package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/streamplane/streamplane/iam"
)

// The reassignment form's own refusals show beside their fields, the
// API's refusal of an instance that cannot move anything yet is shown,
// and a read-only user gets no form and a 403 when posting anyway.
func TestReassignForm(t *testing.T) {
	e := newEnv(t)
	e.instance(t, "demo")
	e.user(t, "ann", iam.FullAccess)
	e.user(t, "rita", iam.ReadOnlyAccess)
	b := e.browser(t)
	csrf := b.signIn("ann")
	path := "/instances/demo/topics/orders/reassign"

	// The instance is CREATING, without brokers: the API cannot read the
	// topic, and the page says so rather than showing a form.
	if resp, page := b.get(path); resp.StatusCode < 400 || !strings.Contains(page, `role="alert"`) {
		t.Errorf("the form of a brokerless instance answered %d:\n%s", resp.StatusCode, page)
	}
	resp, page := b.do("POST", path, url.Values{"_csrf": {csrf}, "replicas": {"two"}})
	if resp.StatusCode < 400 {
		t.Errorf("a post to a brokerless instance answered %d:\n%s", resp.StatusCode, page)
	}
	if resp, _ := b.do("POST", path, url.Values{"replicas": {"2"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a post without the CSRF token answered %d, want 403", resp.StatusCode)
	}

	r := e.browser(t)
	rcsrf := r.signIn("rita")
	if resp, _ := r.do("POST", "/instances/demo/reassignments/cancel", url.Values{"_csrf": {rcsrf}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a read-only cancel answered %d, want 403", resp.StatusCode)
	}
}
