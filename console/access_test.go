package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/client"
	"github.com/streamplane/streamplane/iam"
	"github.com/streamplane/streamplane/kafkaruntime"
)

const kafkaPassword = "Sekrit-Pass1"

// instances creates, through the API, a PLAINTEXT instance "plain" and a
// SASL_SSL one "secure" (initial user appuser). With no task workers both
// stay CREATING: the user list answers from the store, every change is
// refused as busy, and nothing reaches a broker.
func (e *env) instances(t *testing.T) {
	t.Helper()
	c := client.New(e.URL)
	c.Token = e.adminToken
	for _, spec := range []streamplane.InstanceSpec{
		{Name: "plain", Version: kafkaruntime.Recommended().Version, Flavor: "kafka.2u4g.cluster", BrokerCount: 3, StorageGBPerBroker: 100, Zones: []string{"az1", "az2", "az3"}},
		{Name: "secure", Version: kafkaruntime.Recommended().Version, Flavor: "kafka.2u4g.cluster", BrokerCount: 3, StorageGBPerBroker: 100, Zones: []string{"az1", "az2", "az3"},
			SecurityProtocol: streamplane.ProtocolSASLSSL, KafkaUser: "appuser", KafkaPassword: kafkaPassword},
	} {
		if _, _, err := c.CreateInstance(context.Background(), spec); err != nil {
			t.Fatal(err)
		}
	}
}

// The Users tab: a PLAINTEXT instance shows the API's refusal in place of
// the list; a SASL_SSL one lists its users with their forms, and a change
// the API refuses is shown on the tab without the password sent.
func TestKafkaUsersTab(t *testing.T) {
	e := newEnv(t)
	e.user(t, "ann", iam.FullAccess)
	e.instances(t)
	b := e.browser(t)
	csrf := b.signIn("ann")

	resp, page := b.get("/instances/plain/users")
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "The API answers:") || !strings.Contains(page, "SASL_SSL") || strings.Contains(page, `action="/instances/plain/users"`) {
		t.Fatalf("a PLAINTEXT instance's users tab answered %d without the API's refusal (or with forms):\n%s", resp.StatusCode, page)
	}
	if !strings.Contains(page, `<a href="/instances/plain/users" aria-current="page">Users</a>`) {
		t.Errorf("the Users tab is not marked current")
	}
	checkNoInline(t, "/instances/plain/users", page)

	resp, page = b.get("/instances/secure/users")
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "appuser") || !strings.Contains(page, streamplane.MechanismSCRAM) {
		t.Fatalf("the SASL instance's users tab answered %d without appuser:\n%s", resp.StatusCode, page)
	}
	if strings.Contains(page, `action="/instances/secure/users/appuser/delete"`) {
		t.Error("the initial user has a delete button")
	}
	for _, want := range []string{`action="/instances/secure/users"`, `action="/instances/secure/grants"`, `action="/instances/secure/users/appuser/password"`,
		`data-confirm="Reset the password of user appuser of instance secure?`} {
		if !strings.Contains(page, want) {
			t.Errorf("the users tab lacks %s", want)
		}
	}

	if resp, _ := b.do("POST", "/instances/secure/users", url.Values{"name": {"alice"}, "password": {kafkaPassword}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a create without the CSRF token answered %d", resp.StatusCode)
	}
	resp, page = b.post("/instances/secure/users", csrf, url.Values{"name": {"<svg onload=x>"}, "password": {"Another-Pass9"}})
	wantFieldError(t, "a hostile user name", resp, page, http.StatusBadRequest, "name")
	if strings.Contains(page, "<svg onload=x>") || strings.Contains(page, "Another-Pass9") {
		t.Errorf("the refused form shows the name unescaped or the password back")
	}
	resp, page = b.post("/instances/secure/users", csrf, url.Values{"name": {"alice"}, "password": {"Another-Pass9"}})
	if resp.StatusCode != http.StatusConflict || !strings.Contains(page, `class="alert"`) || strings.Contains(page, "Another-Pass9") {
		t.Fatalf("a create on a busy instance answered %d without the API's refusal:\n%s", resp.StatusCode, page)
	}
	resp, page = b.post("/instances/secure/users/appuser/password", csrf, url.Values{"password": {"x"}})
	wantFieldError(t, "a weak password reset", resp, page, http.StatusBadRequest, "password")
	if !strings.Contains(page, "<details open>") {
		t.Errorf("the refused reset's form is not open beside its user")
	}
	resp, page = b.post("/instances/secure/grants", csrf, url.Values{"user": {"appuser"}, "topic": {"orders"}, "permission": {"sometimes"}})
	wantFieldError(t, "a bad permission", resp, page, http.StatusBadRequest, "permission")
	resp, page = b.post("/instances/secure/grants", csrf, url.Values{"user": {"appuser"}, "topic": {"orders"}, "permission": {"publish"}})
	if resp.StatusCode != http.StatusConflict {
		t.Errorf("a grant on a busy instance answered %d, want the API's 409:\n%s", resp.StatusCode, page)
	}
	resp, page = b.get("/instances/secure/users?topic=" + url.QueryEscape("<b>t</b>"))
	if resp.StatusCode != http.StatusOK || strings.Contains(page, "<b>t</b>") || !strings.Contains(page, `role="alert"`) {
		t.Errorf("a topic's permissions on a busy instance answered %d, without the refusal or escaping:\n%s", resp.StatusCode, page)
	}
}

// The Quotas tab without brokers shows the API's refusal; the Security
// tab shows the protocol and offers, to a caller who may, each change
// with a confirmation naming the instance.
func TestQuotaAndSecurityTabs(t *testing.T) {
	e := newEnv(t)
	e.user(t, "ann", iam.FullAccess)
	e.instances(t)
	b := e.browser(t)
	csrf := b.signIn("ann")

	resp, page := b.get("/instances/plain/quotas")
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "The API answers:") || !strings.Contains(page, `aria-current="page">Quotas</a>`) {
		t.Fatalf("the quotas tab of an instance without brokers answered %d:\n%s", resp.StatusCode, page)
	}
	resp, page = b.post("/instances/plain/quotas", csrf, url.Values{"client_id": {"c1"}, "produce_mbps": {"fast"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, "produce_mbps must be a number") {
		t.Errorf("a rate that is not a number answered %d without the refusal:\n%s", resp.StatusCode, page)
	}

	resp, page = b.get("/instances/plain/security")
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "PLAINTEXT") {
		t.Fatalf("the security tab answered %d:\n%s", resp.StatusCode, page)
	}
	if !strings.Contains(page, `data-confirm="Turn public access on for instance plain?`) || strings.Contains(page, "security/mutual-tls") {
		t.Errorf("a PLAINTEXT instance's security tab: public access not confirmed by name, or mutual TLS offered:\n%s", page)
	}
	_, page = b.get("/instances/secure/security")
	for _, want := range []string{"SASL_SSL", "appuser", `action="/instances/secure/security/ca"`, `action="/instances/secure/security/client-certificate"`,
		`data-confirm="Turn mutual TLS on for instance secure?`, `data-confirm="Replace the broker certificate of instance secure?`,
		`data-confirm="Reset the password of appuser, the initial user of instance secure?"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the SASL instance's security tab lacks %s", want)
		}
	}
	resp, page = b.post("/instances/secure/security/public-access", csrf, url.Values{"enabled": {"true"}})
	if resp.StatusCode != http.StatusConflict || !strings.Contains(page, `role="alert"`) {
		t.Errorf("public access on a CREATING instance answered %d, want the API's 409 shown:\n%s", resp.StatusCode, page)
	}
	resp, page = b.post("/instances/secure/security/reset-kafka-password", csrf, url.Values{"password": {"Fresh-Pass-12"}})
	if resp.StatusCode != http.StatusConflict || strings.Contains(page, "Fresh-Pass-12") {
		t.Errorf("a reset on a busy instance answered %d, or shows the password back", resp.StatusCode)
	}
	resp, page = b.post("/instances/secure/security/client-certificate", csrf, url.Values{"cn": {"<bad cn>"}, "format": {"pem"}})
	wantFieldError(t, "a bad common name", resp, page, http.StatusBadRequest, "cn")
	resp, page = b.post("/instances/secure/security/certificate", csrf, url.Values{"certificate": {"not pem"}, "key": {"PRIVATE KEY MATERIAL"}})
	if resp.StatusCode < 400 || strings.Contains(page, "PRIVATE KEY MATERIAL") {
		t.Errorf("a bad certificate answered %d, or the key is shown back", resp.StatusCode)
	}
}

// A ReadOnlyAccess user sees the access tabs without change buttons or
// forms, and the API refuses what it posts anyway.
func TestAccessTabsReadOnly(t *testing.T) {
	e := newEnv(t)
	e.user(t, "rita", iam.ReadOnlyAccess)
	e.instances(t)
	b := e.browser(t)
	csrf := b.signIn("rita")
	for _, path := range []string{"/instances/secure/users", "/instances/secure/quotas", "/instances/secure/security", "/instances/plain/security"} {
		resp, page := b.get(path)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s answered %d to a read-only user", path, resp.StatusCode)
			continue
		}
		if m := destructive.FindString(page); m != "" {
			t.Errorf("%s shows a read-only user %q", path, m)
		}
		for _, form := range []string{`action="/instances/secure/users"`, `action="/instances/secure/grants"`, `security/public-access"`, `security/client-certificate"`} {
			if strings.Contains(page, form) {
				t.Errorf("%s shows a read-only user the form %s", path, form)
			}
		}
	}
	for path, form := range map[string]url.Values{
		"/instances/secure/users":                         {"name": {"alice"}, "password": {kafkaPassword}},
		"/instances/secure/users/appuser/delete":          {},
		"/instances/secure/grants":                        {"user": {"appuser"}, "topic": {"orders"}, "permission": {"publish"}},
		"/instances/plain/quotas":                         {"client_id": {"c1"}, "produce_mbps": {"1"}},
		"/instances/plain/security/public-access":         {"enabled": {"true"}},
		"/instances/secure/security/reset-kafka-password": {"password": {"Fresh-Pass-12"}},
	} {
		resp, page := b.post(path, csrf, form)
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(page, "403") {
			t.Errorf("a read-only post to %s answered %d, want the API's 403:\n%.300s", path, resp.StatusCode, page)
		}
	}
}
