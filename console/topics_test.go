package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/streamplane/streamplane/iam"
)

// The create form posts through the API: its refusal shows beside the
// field it names, with what the user typed, escaped.
func TestTopicCreateFieldErrors(t *testing.T) {
	e := newEnv(t)
	e.user(t, "ann", iam.FullAccess)
	e.instance(t, "demo")
	b := e.browser(t)
	csrf := b.signIn("ann")

	resp, page := b.get("/instances/demo/create-topic")
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `action="/instances/demo/topics"`) || !strings.Contains(page, "Create topic</button>") {
		t.Fatalf("the create form answered %d:\n%s", resp.StatusCode, page)
	}
	checkNoInline(t, "create-topic", page)

	hostile := `<script>alert(1)</script>`
	resp, page = b.do("POST", "/instances/demo/topics", url.Values{"_csrf": {csrf}, "name": {hostile}, "partitions": {"3"}})
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("a bad name answered %d, want the API's 400:\n%s", resp.StatusCode, page)
	}
	if !strings.Contains(page, `id="err-name"`) || !strings.Contains(page, `aria-describedby="err-name"`) {
		t.Errorf("the refusal is not beside the name field:\n%s", page)
	}
	if strings.Contains(page, hostile) || !strings.Contains(page, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("the hostile name is not escaped:\n%s", page)
	}
	// As htmx posts it: the token in a header, the form in the body.
	resp, page = b.do("POST", "/instances/demo/topics", url.Values{"name": {"__reserved"}}, "X-CSRF-Token", csrf, "HX-Request", "true")
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, "is reserved") || !strings.Contains(page, `value="__reserved"`) {
		t.Errorf("an htmx post of a reserved name answered %d, want the refusal of that name:\n%s", resp.StatusCode, page)
	}
	resp, page = b.do("POST", "/instances/demo/topics", url.Values{"_csrf": {csrf}, "name": {"orders"}, "partitions": {"1000"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, `id="err-partitions"`) || !strings.Contains(page, `value="orders"`) {
		t.Errorf("too many partitions answered %d, want the refusal beside partitions and the name kept:\n%s", resp.StatusCode, page)
	}
	resp, page = b.do("POST", "/instances/demo/topics", url.Values{"_csrf": {csrf}, "name": {"orders"}, "configs": {"retention.ms=5"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, `id="err-configs"`) {
		t.Errorf("a bad config answered %d, want the refusal beside configs:\n%s", resp.StatusCode, page)
	}
	resp, page = b.do("POST", "/instances/demo/topics", url.Values{"_csrf": {csrf}, "name": {"orders"}, "replicas": {"two"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, `id="err-replicas"`) {
		t.Errorf("a replica count that is no number answered %d, want the refusal beside replicas:\n%s", resp.StatusCode, page)
	}
}

// The topic forms need the session's CSRF token.
func TestTopicFormsNeedCSRF(t *testing.T) {
	e := newEnv(t)
	e.user(t, "ann", iam.FullAccess)
	e.instance(t, "demo")
	b := e.browser(t)
	b.signIn("ann")
	for _, path := range []string{"/instances/demo/topics", "/instances/demo/delete-topics", "/instances/demo/topics/orders",
		"/instances/demo/topics/orders/grants", "/instances/demo/topics/orders/revoke", "/instances/demo/topics/orders/elect-leaders"} {
		resp, page := b.do("POST", path, url.Values{"name": {"orders"}, "topic": {"orders"}})
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(page, "CSRF") {
			t.Errorf("POST %s without the CSRF token answered %d, want 403:\n%s", path, resp.StatusCode, page)
		}
	}
}

// A read-only user gets no create button, and the API refuses the
// changes it posts anyway, with its 403 page.
func TestTopicReadOnly(t *testing.T) {
	e := newEnv(t)
	e.user(t, "rita", iam.ReadOnlyAccess)
	e.instance(t, "demo")
	b := e.browser(t)
	csrf := b.signIn("rita")
	resp, page := b.get("/instances/demo/create-topic")
	if resp.StatusCode != http.StatusOK || strings.Contains(page, "Create topic</button>") || !strings.Contains(page, "do not allow creating topics") {
		t.Errorf("a read-only user's create form (%d) offers the button:\n%s", resp.StatusCode, page)
	}
	for path, form := range map[string]url.Values{
		"/instances/demo/topics":                      {"name": {"orders"}},
		"/instances/demo/delete-topics":               {"topic": {"orders", "payments"}},
		"/instances/demo/topics/orders/grants":        {"user": {"bob1"}, "permission": {"publish"}},
		"/instances/demo/topics/orders/revoke":        {"user": {"bob1"}},
		"/instances/demo/topics/orders/elect-leaders": {},
	} {
		form.Set("_csrf", csrf)
		resp, page := b.do("POST", path, form)
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(page, "403") {
			t.Errorf("read-only POST %s answered %d, want the API's 403:\n%s", path, resp.StatusCode, page)
		}
	}
}
