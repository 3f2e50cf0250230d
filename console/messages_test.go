package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/streamplane/streamplane/iam"
)

// Sending a message needs the CSRF token, and a read-only user is refused
// by the API with its 403 page.
func TestMessageSendRules(t *testing.T) {
	e := newEnv(t)
	e.user(t, "ann", iam.FullAccess)
	e.user(t, "rita", iam.ReadOnlyAccess)
	e.instance(t, "demo")
	b := e.browser(t)
	b.signIn("ann")
	resp, page := b.do("POST", "/instances/demo/topics/orders/send", url.Values{"value": {"hello"}})
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(page, "CSRF") {
		t.Errorf("a send without the CSRF token answered %d, want 403:\n%s", resp.StatusCode, page)
	}

	r := e.browser(t)
	csrf := r.signIn("rita")
	resp, page = r.do("POST", "/instances/demo/topics/orders/send", url.Values{"_csrf": {csrf}, "key": {"<script>k</script>"}, "value": {"<script>v</script>"}})
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(page, "403") {
		t.Errorf("a read-only user's send answered %d, want the API's 403:\n%s", resp.StatusCode, page)
	}
	if strings.Contains(page, "<script>k") || strings.Contains(page, "<script>v") {
		t.Errorf("the refused send echoes the hostile key or value unescaped:\n%s", page)
	}
}

// The message pages of an instance without brokers show the API's
// refusal, and its live tail starts no stream.
func TestMessagePagesNeedBrokers(t *testing.T) {
	e := newEnv(t)
	e.user(t, "ann", iam.FullAccess)
	e.instance(t, "demo")
	b := e.browser(t)
	b.signIn("ann")
	// The instance has no brokers, so the topic list the browser offers
	// cannot be read: the API's refusal is the page.
	resp, page := b.get("/instances/demo/messages")
	if resp.StatusCode != http.StatusConflict || !strings.Contains(page, "INVALID_STATE") {
		t.Errorf("the browser of an instance without brokers answered %d, want the API's 409:\n%s", resp.StatusCode, page)
	}
	// The tail of a topic there is refused before any stream starts.
	resp, _ = b.get("/instances/demo/topics/orders/tail")
	if resp.StatusCode != http.StatusConflict || strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Errorf("the tail of an instance without brokers answered %d %s, want the API's 409 and no stream", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}
