package console_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/api"
	"github.com/streamplane/streamplane/authn"
	"github.com/streamplane/streamplane/console"
	"github.com/streamplane/streamplane/iam"
	"github.com/streamplane/streamplane/identity"
	"github.com/streamplane/streamplane/kafkaruntime"
	"github.com/streamplane/streamplane/provision/local"
	"github.com/streamplane/streamplane/secrets"
	"github.com/streamplane/streamplane/service"
	"github.com/streamplane/streamplane/sqlite"
	"github.com/streamplane/streamplane/task"
	"github.com/streamplane/streamplane/workflow"
)

// env is a console over the real API and store, with no task workers:
// tasks stay PENDING, brokers never start. Pages that need a running
// instance are tested end to end (e2e/console_test.go).
type env struct {
	URL        string
	svc        *service.Service
	ids        *identity.Service
	adminToken string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	log := slog.New(slog.DiscardHandler)
	cache := &kafkaruntime.Cache{Dir: t.TempDir()}
	prov := local.New(local.Config{Root: t.TempDir(), PortLo: 40200, PortHi: 40300, Zones: []string{"az1", "az2", "az3"}}, store, cache, log)
	wf := (&workflow.Env{Store: store, Provisioner: prov, Runtimes: cache, Log: log}).Workflows()
	key, err := secrets.LoadOrCreateKey(filepath.Join(t.TempDir(), "secret.key"))
	if err != nil {
		t.Fatal(err)
	}
	box, err := secrets.New(key)
	if err != nil {
		t.Fatal(err)
	}
	svc := &service.Service{Store: store, Provisioner: prov, Runtimes: cache, Engine: &task.Engine{}, Workflows: wf, Log: log,
		Vault: &secrets.Vault{Store: store, Box: box}, Limits: service.Limits{MaxInstances: 5, MaxBrokers: 9, MaxStorageGB: 1000}}
	ids := &identity.Service{Store: store, Throttle: authn.NewThrottle(), Log: log}
	dir := t.TempDir()
	if _, err := ids.Bootstrap(ctx, dir); err != nil {
		t.Fatal(err)
	}
	token, err := os.ReadFile(filepath.Join(dir, identity.AdminTokenFile))
	if err != nil {
		t.Fatal(err)
	}
	apiHandler := (&api.Server{Service: svc, Identity: ids, Log: log}).Handler()
	mux := http.NewServeMux()
	mux.Handle("/api/", apiHandler)
	mux.Handle("/", (&console.Server{API: apiHandler, Log: log}).Handler())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &env{URL: srv.URL, svc: svc, ids: ids, adminToken: strings.TrimSpace(string(token))}
}

// user makes a control-plane user with a password and the given policy in
// every project.
func (e *env) user(t *testing.T, name, policy string) {
	t.Helper()
	ctx := context.Background()
	if _, err := e.ids.CreateAccount(ctx, streamplane.AccountSpec{Name: name, Password: "Good-Pass-42"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.ids.Attach(ctx, name, streamplane.Attachment{Policy: policy, Project: streamplane.AllProjects}); err != nil {
		t.Fatal(err)
	}
}

// browser is a cookie-keeping HTTP client that does not follow redirects,
// so tests see where the console sends it.
type browser struct {
	t    *testing.T
	base string
	http *http.Client
}

func (e *env) browser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: e.URL, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) do(method, path string, form url.Values, header ...string) (*http.Response, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.base+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := b.http.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp, string(raw)
}

func (b *browser) get(path string) (*http.Response, string) { return b.do("GET", path, nil) }

// signIn signs in with a password and returns the page's CSRF token.
func (b *browser) signIn(user string) string {
	b.t.Helper()
	resp, _ := b.do("POST", "/login", url.Values{"user": {user}, "password": {"Good-Pass-42"}, "next": {"/instances"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/instances" {
		b.t.Fatalf("sign-in as %s answered %d to %q, want 303 to /instances", user, resp.StatusCode, resp.Header.Get("Location"))
	}
	_, page := b.get("/instances")
	return csrfOf(b.t, page)
}

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

func csrfOf(t *testing.T, page string) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF token on the page:\n%s", page)
	}
	return m[1]
}

func TestSignInAndOut(t *testing.T) {
	e := newEnv(t)
	e.user(t, "ann", iam.ReadOnlyAccess)
	b := e.browser(t)

	resp, _ := b.get("/instances?status=RUNNING")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login?next="+url.QueryEscape("/instances?status=RUNNING") {
		t.Fatalf("signed out, /instances answered %d to %q; want 303 to the sign-in page, back here after", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, page := b.do("POST", "/login", url.Values{"user": {"ann"}, "password": {"wrong-password"}})
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(page, `role="alert"`) {
		t.Fatalf("a wrong password answered %d; want 401 with the refusal shown:\n%s", resp.StatusCode, page)
	}
	resp, _ = b.do("POST", "/login", url.Values{"user": {"ann"}, "password": {"Good-Pass-42"}, "next": {"https://evil.example/"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Fatalf("sign-in with an outside next answered %d to %q; want 303 to / (never off the site)", resp.StatusCode, resp.Header.Get("Location"))
	}
	var session *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == "streamplane_session" {
			session = ck
		}
	}
	if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Path != "/" {
		t.Fatalf("session cookie %+v: want HttpOnly, SameSite=Lax, Path=/", session)
	}
	resp, page = b.get("/instances")
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "ann") {
		t.Fatalf("signed in, /instances answered %d:\n%s", resp.StatusCode, page)
	}
	csrf := csrfOf(t, page)

	// Signing out needs the CSRF token, then revokes the session's token.
	if resp, _ := b.do("POST", "/logout", url.Values{}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("sign-out without the CSRF token answered %d, want 403", resp.StatusCode)
	}
	if resp, _ := b.do("POST", "/logout", url.Values{"_csrf": {csrf}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-out answered %d, want 303", resp.StatusCode)
	}
	if resp, _ := b.get("/instances"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("after sign-out /instances answered %d, want 303 to sign in", resp.StatusCode)
	}
	// The revoked token no longer works even if someone kept the cookie.
	req, _ := http.NewRequest("GET", e.URL+"/instances", nil)
	req.AddCookie(session)
	kept, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	kept.Body.Close()
	if kept.StatusCode != http.StatusSeeOther {
		t.Errorf("the signed-out session's cookie still opened /instances (%d)", kept.StatusCode)
	}
}

// The admin's first-start token signs in too; signing out forgets it in
// the browser without revoking it.
func TestSignInWithToken(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	if resp, page := b.do("POST", "/login", url.Values{"token": {"not-a-token"}}); resp.StatusCode != http.StatusUnauthorized || !strings.Contains(page, `id="token-error"`) {
		t.Fatalf("a bad token answered %d; want 401 with the refusal:\n%s", resp.StatusCode, page)
	}
	if resp, _ := b.do("POST", "/login", url.Values{"token": {e.adminToken}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("token sign-in answered %d", resp.StatusCode)
	}
	_, page := b.get("/instances")
	if resp, _ := b.do("POST", "/logout", url.Values{"_csrf": {csrfOf(t, page)}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-out answered %d", resp.StatusCode)
	}
	if _, err := e.ids.Authenticate(context.Background(), e.adminToken); err != nil {
		t.Errorf("signing out of a pasted token revoked it: %v", err)
	}
}

// Every answer carries the strict CSP; pages load no inline script or
// style, and nothing from another origin.
func TestContentSecurityPolicy(t *testing.T) {
	e := newEnv(t)
	e.user(t, "ann", iam.FullAccess)
	b := e.browser(t)
	resp, _ := b.get("/login")
	csp := resp.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	b.signIn("ann")
	e.instance(t, "demo")
	for _, path := range []string{"/login", "/instances", "/instances/new", "/instances/demo", "/instances/demo/alarms",
		"/tasks", "/iam/users", "/iam/tokens", "/iam/policies", "/iam/simulate", "/iam/projects", "/audit", "/alarm-channels", "/no-such-page"} {
		resp, page := b.get(path)
		if resp.Header.Get("Content-Security-Policy") != csp {
			t.Errorf("%s: CSP %q, want %q", path, resp.Header.Get("Content-Security-Policy"), csp)
		}
		if resp.Header.Get("X-Frame-Options") != "DENY" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: framing or sniffing allowed: %v", path, resp.Header)
		}
		checkNoInline(t, path, page)
	}
}

var inlineScript = regexp.MustCompile(`<script(?:\s[^>]*)?>\s*[^<\s]|<style|\sstyle=|\son[a-z]+=|src="(?:https?:)?//|href="(?:https?:)?//[^"]*\.(?:css|js)"`)

// checkNoInline fails on markup the CSP would block: inline scripts,
// style elements or attributes, event handler attributes, assets from
// other origins.
func checkNoInline(t *testing.T, path, page string) {
	t.Helper()
	if m := inlineScript.FindString(page); m != "" {
		t.Errorf("%s: markup the CSP blocks: %q", path, m)
	}
}

// A change posted from another site is refused before any page runs: by
// the cross-origin check, and without the session's CSRF token.
func TestCrossSiteChangesRefused(t *testing.T) {
	e := newEnv(t)
	e.user(t, "ann", iam.FullAccess)
	b := e.browser(t)
	csrf := b.signIn("ann")
	resp, _ := b.do("POST", "/logout", url.Values{"_csrf": {csrf}}, "Sec-Fetch-Site", "cross-site")
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("a cross-site post answered %d, want 403", resp.StatusCode)
	}
	resp, _ = b.do("POST", "/logout", url.Values{"_csrf": {"forged"}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("a post with a forged CSRF token answered %d, want 403", resp.StatusCode)
	}
	if resp, _ := b.get("/instances"); resp.StatusCode != http.StatusOK {
		t.Errorf("refused posts signed the user out: /instances answered %d", resp.StatusCode)
	}
}

// Static assets are served under a content-hashed path and cached long.
func TestStaticAssets(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	_, page := b.get("/login")
	m := regexp.MustCompile(`href="(/static/[0-9a-f]{12}/app\.css)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("the sign-in page links no hashed app.css:\n%s", page)
	}
	resp, css := b.get(m[1])
	if resp.StatusCode != http.StatusOK || !strings.Contains(css, "--accent") || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") {
		t.Errorf("app.css answered %d %q", resp.StatusCode, resp.Header.Get("Cache-Control"))
	}
	if resp, _ := b.get("/static/000000000000/app.css"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("an asset under another hash answered %d, want 404", resp.StatusCode)
	}
}

// wantFieldError checks that a refused form answered status and shows the
// refusal beside field, tied to it for screen readers.
func wantFieldError(t *testing.T, what string, resp *http.Response, page string, status int, field string) {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("%s answered %d, want %d:\n%s", what, resp.StatusCode, status, page)
	}
	if !strings.Contains(page, `id="err-`+field+`"`) || !strings.Contains(page, `aria-describedby="err-`+field+`"`) {
		t.Fatalf("%s: no error beside field %s:\n%s", what, field, page)
	}
}

// instance creates an instance through the service; with no task workers
// it stays CREATING, brokerless.
func (e *env) instance(t *testing.T, name string) {
	t.Helper()
	spec := streamplane.InstanceSpec{Name: name, Version: kafkaruntime.Recommended().Version, Flavor: "kafka.2u4g.cluster",
		BrokerCount: 3, StorageGBPerBroker: 100, Zones: []string{"az1", "az2", "az3"}}
	if _, _, err := e.svc.CreateInstance(context.Background(), spec); err != nil {
		t.Fatal(err)
	}
}
