package cli

import (
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/wire"
)

// authAPI implements the two sign-in endpoints: login takes admin's
// password "right", whoami names the account of each known token.
type authAPI struct {
	srv *httptest.Server
	ca  string // the certificate to trust, for a TLS server

	mu   sync.Mutex
	auth []string // the Authorization header of each request
}

var tokens = map[string]string{"sp_login_secret": "admin", "sp_flag": "from-flag", "sp_env": "from-env"}

func newAuthAPI(t *testing.T, tlsServer bool) *authAPI {
	a := &authAPI{}
	unauthenticated := func(w http.ResponseWriter, msg string) {
		w.WriteHeader(http.StatusUnauthorized)
		json.NewEncoder(w).Encode(wire.ErrorEnvelope{Error: wire.ErrorDetail{Code: "UNAUTHENTICATED", Message: msg}})
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/auth/login", func(w http.ResponseWriter, r *http.Request) {
		var in streamplane.Login
		json.NewDecoder(r.Body).Decode(&in)
		if in.User != "admin" || in.Password != "right" {
			unauthenticated(w, "wrong user name or password")
			return
		}
		expires := created.Add(12 * time.Hour)
		json.NewEncoder(w).Encode(streamplane.TokenSecret{Secret: "sp_login_secret",
			Token: streamplane.Token{ID: "tok-1", Account: "admin", CreatedAt: created, ExpiresAt: &expires, Login: true}})
	})
	mux.HandleFunc("GET /api/v1/auth/whoami", func(w http.ResponseWriter, r *http.Request) {
		name, ok := tokens[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
		if !ok {
			unauthenticated(w, "a valid API token is required")
			return
		}
		json.NewEncoder(w).Encode(streamplane.Account{ID: "acc-" + name, Name: name, Project: "default",
			Attachments: []streamplane.Attachment{{Policy: "FullAccess", Project: "*"}, {Policy: "ReadOnlyAccess", Project: "default"}}})
	})
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		a.auth = append(a.auth, r.Header.Get("Authorization"))
		a.mu.Unlock()
		mux.ServeHTTP(w, r)
	})
	if tlsServer {
		a.srv = httptest.NewTLSServer(handler)
		a.ca = filepath.Join(t.TempDir(), "server.crt")
		if err := os.WriteFile(a.ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: a.srv.Certificate().Raw}), 0o600); err != nil {
			t.Fatal(err)
		}
	} else {
		a.srv = httptest.NewServer(handler)
	}
	t.Cleanup(a.srv.Close)
	return a
}

func (a *authAPI) lastAuth() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.auth[len(a.auth)-1]
}

// withConfig points the credentials file into dir and feeds stdin.
func withConfig(dir, stdin string) func(*options) {
	return func(o *options) {
		o.configDir = func() (string, error) { return dir, nil }
		o.stdin = strings.NewReader(stdin)
	}
}

// Login keeps the token in a file only its owner reads, never prints it,
// and later commands to the same server send it until logout.
func TestLoginLogout(t *testing.T) {
	a := newAuthAPI(t, false)
	dir := t.TempDir()
	env := map[string]string{"STREAMPLANE_SERVER": a.srv.URL + "/"}

	res := runWith(env, withConfig(dir, "right\n"), "login", "--user", "admin", "--password-stdin")
	if res.code != 0 {
		t.Fatalf("login: exit %d, stderr %q", res.code, res.stderr)
	}
	path := filepath.Join(dir, "streamplane", "credentials.json")
	if !strings.HasPrefix(res.stdout, "Signed in to "+a.srv.URL+" as admin until ") || !strings.Contains(res.stdout, path) {
		t.Errorf("stdout %q", res.stdout)
	}
	if strings.Contains(res.stdout+res.stderr, "sp_login_secret") {
		t.Error("login printed the token")
	}
	if a.lastAuth() != "" {
		t.Errorf("login sent Authorization %q", a.lastAuth())
	}
	for p, want := range map[string]os.FileMode{path: 0o600, filepath.Dir(path): 0o700 | os.ModeDir} {
		if fi, err := os.Stat(p); err != nil || fi.Mode() != want {
			t.Fatalf("%s: %v, want mode %v", p, err, want)
		}
	}
	l, err := loadLogins(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := l.Servers[a.srv.URL]; got.Token != "sp_login_secret" || got.User != "admin" || got.ExpiresAt == nil {
		t.Errorf("stored %+v", l.Servers)
	}

	res = runWith(env, withConfig(dir, ""), "whoami")
	want := "Account:       admin\nID:            acc-admin\nHome project:  default\nToken from:    streamplane login\n\n" +
		"POLICY          PROJECT\nFullAccess      * (every project)\nReadOnlyAccess  default\n"
	if res.code != 0 || res.stdout != want {
		t.Errorf("whoami: exit %d, stderr %q, stdout\n%s\nwant\n%s", res.code, res.stderr, res.stdout, want)
	}

	res = runWith(env, withConfig(dir, ""), "logout")
	if res.code != 0 || !strings.HasPrefix(res.stdout, "Signed out of "+a.srv.URL) || !strings.Contains(res.stdout, "stays valid on the server") {
		t.Errorf("logout: exit %d, stdout %q, stderr %q", res.code, res.stdout, res.stderr)
	}
	if l, _ := loadLogins(path); len(l.Servers) != 0 {
		t.Errorf("after logout the file keeps %+v", l.Servers)
	}
	res = runWith(env, withConfig(dir, ""), "whoami")
	if res.code != 1 || !strings.Contains(res.stderr, signInHint) || a.lastAuth() != "" {
		t.Errorf("whoami after logout: exit %d, stderr %q, Authorization %q", res.code, res.stderr, a.lastAuth())
	}
	res = runWith(env, withConfig(dir, ""), "logout")
	if res.code != 0 || res.stdout != "No sign-in to "+a.srv.URL+" is kept here.\n" {
		t.Errorf("second logout: exit %d, stdout %q", res.code, res.stdout)
	}
}

func TestLoginErrors(t *testing.T) {
	a := newAuthAPI(t, false)
	dir := t.TempDir()
	env := map[string]string{"STREAMPLANE_SERVER": a.srv.URL}
	for _, tc := range []struct {
		name, stdin string
		args        []string
		want        string
	}{
		{"WrongPassword", "wrong\n", []string{"--user", "admin", "--password-stdin"}, "error: UNAUTHENTICATED: wrong user name or password\n"},
		{"NoUser", "right\n", []string{"--password-stdin"}, "error: 'streamplane login' needs --user\n"},
		{"EmptyStdin", "", []string{"--user", "admin", "--password-stdin"}, "error: --password-stdin: standard input holds no password\n"},
		{"NoTerminal", "right\n", []string{"--user", "admin"}, "error: standard input is not a terminal to ask the password on; pipe the password with --password-stdin\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := runWith(env, withConfig(dir, tc.stdin), append([]string{"login"}, tc.args...)...)
			// A wrong password is no case for the sign-in hint.
			if res.code != 1 || res.stderr != tc.want {
				t.Errorf("exit %d, stderr %q, want %q", res.code, res.stderr, tc.want)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "streamplane")); !os.IsNotExist(err) {
		t.Errorf("a failed login wrote credentials: %v", err)
	}
}

// --token wins over STREAMPLANE_TOKEN, which wins over the stored login;
// the stored login is only the one for --server.
func TestTokenPrecedence(t *testing.T) {
	a := newAuthAPI(t, false)
	dir := t.TempDir()
	l := &logins{Servers: map[string]storedLogin{
		a.srv.URL:               {User: "admin", Token: "sp_login_secret"},
		"http://127.0.0.1:9999": {User: "other", Token: "sp_other"},
	}}
	if err := l.save(filepath.Join(dir, "streamplane", "credentials.json")); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		env, args []string
		want      string
	}{
		{"Flag", []string{tokenEnv, "sp_env"}, []string{"--token", "sp_flag"}, "Bearer sp_flag"},
		{"Env", []string{tokenEnv, "sp_env"}, nil, "Bearer sp_env"},
		{"Stored", nil, nil, "Bearer sp_login_secret"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{"STREAMPLANE_SERVER": a.srv.URL}
			if tc.env != nil {
				env[tc.env[0]] = tc.env[1]
			}
			res := runWith(env, withConfig(dir, ""), append([]string{"whoami", "-o", "json"}, tc.args...)...)
			if res.code != 0 || a.lastAuth() != tc.want {
				t.Errorf("exit %d, stderr %q, sent %q, want %q", res.code, res.stderr, a.lastAuth(), tc.want)
			}
		})
	}

	t.Run("NoneForOtherServer", func(t *testing.T) {
		other := newAuthAPI(t, false)
		res := runWith(map[string]string{"STREAMPLANE_SERVER": other.srv.URL}, withConfig(dir, ""), "whoami")
		if res.code != 1 || other.lastAuth() != "" {
			t.Errorf("exit %d, sent %q to a server with no stored login", res.code, other.lastAuth())
		}
	})

	t.Run("BrokenFile", func(t *testing.T) {
		broken := t.TempDir()
		path := filepath.Join(broken, "streamplane", "credentials.json")
		os.MkdirAll(filepath.Dir(path), 0o700)
		os.WriteFile(path, []byte("{not json"), 0o600)
		env := map[string]string{"STREAMPLANE_SERVER": a.srv.URL}
		res := runWith(env, withConfig(broken, ""), "whoami", "--token", "sp_flag")
		if res.code != 0 {
			t.Errorf("--token with a broken credentials file: exit %d, stderr %q", res.code, res.stderr)
		}
		res = runWith(env, withConfig(broken, ""), "whoami")
		if res.code != 1 || !strings.Contains(res.stderr, path+" is not valid JSON") {
			t.Errorf("exit %d, stderr %q", res.code, res.stderr)
		}
	})
}

// A 401 tells how to sign in, and shows no token.
func TestUnauthenticatedHint(t *testing.T) {
	a := newAuthAPI(t, false)
	res := runWith(map[string]string{"STREAMPLANE_SERVER": a.srv.URL, tokenEnv: "sp_revoked"}, nil, "whoami")
	want := "error: UNAUTHENTICATED: a valid API token is required\n" + signInHint + "\n"
	if res.code != 1 || res.stderr != want {
		t.Errorf("exit %d, stderr %q, want %q", res.code, res.stderr, want)
	}
	if signInHint != "hint: sign in with 'streamplane login --user NAME' or set STREAMPLANE_TOKEN" {
		t.Errorf("hint %q", signInHint)
	}
	// Other errors get no hint.
	res = runWith(map[string]string{"STREAMPLANE_SERVER": a.srv.URL}, nil, "zone", "list")
	if res.code != 1 || strings.Contains(res.stderr, "hint:") {
		t.Errorf("a 404 got the hint: %q", res.stderr)
	}
	help := runWith(map[string]string{tokenEnv: "sp_env"}, nil, "zone", "list", "--help")
	if strings.Contains(help.stdout, "sp_env") || !strings.Contains(help.stdout, "--token string") || !strings.Contains(help.stdout, "--ca string") {
		t.Errorf("help:\n%s", help.stdout)
	}
}

// The --ca given at login is kept with the token, so later commands to an
// https server with a self-signed certificate need neither.
func TestLoginKeepsCA(t *testing.T) {
	a := newAuthAPI(t, true)
	dir := t.TempDir()
	env := map[string]string{"STREAMPLANE_SERVER": a.srv.URL}
	res := runWith(env, withConfig(dir, "right\n"), "login", "--user", "admin", "--password-stdin")
	if res.code != 1 || !strings.Contains(res.stderr, "certificate signed by unknown authority") || !strings.HasSuffix(res.stderr, "\n"+trustHint+"\n") {
		t.Fatalf("login without --ca: exit %d, stderr %q", res.code, res.stderr)
	}
	res = runWith(env, withConfig(dir, "right\n"), "login", "--user", "admin", "--password-stdin", "--ca", a.ca)
	if res.code != 0 {
		t.Fatalf("login with --ca: exit %d, stderr %q", res.code, res.stderr)
	}
	res = runWith(env, withConfig(dir, ""), "whoami", "-o", "json")
	if res.code != 0 || !strings.Contains(res.stdout, `"name": "admin"`) {
		t.Errorf("whoami with the kept CA: exit %d, stdout %q, stderr %q", res.code, res.stdout, res.stderr)
	}
	res = runWith(map[string]string{"STREAMPLANE_SERVER": a.srv.URL, caEnv: filepath.Join(dir, "missing.pem")}, withConfig(dir, ""), "whoami")
	if res.code != 1 || !strings.HasPrefix(res.stderr, "error: --ca: CA file: open ") {
		t.Errorf("a missing STREAMPLANE_CA: exit %d, stderr %q", res.code, res.stderr)
	}
}
