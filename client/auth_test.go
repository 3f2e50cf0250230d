package client

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	streamplane "github.com/streamplane/streamplane"
)

// authServer implements the two sign-in endpoints and records the
// Authorization header of each request.
func authServer(t *testing.T, tlsServer bool) (*httptest.Server, func() []string) {
	var mu sync.Mutex
	var auth []string
	record := func(r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		auth = append(auth, r.Header.Get("Authorization"))
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/auth/login", func(w http.ResponseWriter, r *http.Request) {
		record(r)
		var in streamplane.Login
		json.NewDecoder(r.Body).Decode(&in)
		if in.User != "admin" || in.Password != "right" {
			w.WriteHeader(http.StatusUnauthorized)
			json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": "UNAUTHENTICATED", "message": "wrong user or password"}})
			return
		}
		json.NewEncoder(w).Encode(streamplane.TokenSecret{Secret: "sp_secret", Token: streamplane.Token{ID: "tok-1", Account: "admin", Login: true}})
	})
	mux.HandleFunc("GET /api/v1/auth/whoami", func(w http.ResponseWriter, r *http.Request) {
		record(r)
		json.NewEncoder(w).Encode(streamplane.Account{ID: "acc-1", Name: "admin", Project: "default"})
	})
	var srv *httptest.Server
	if tlsServer {
		srv = httptest.NewTLSServer(mux)
	} else {
		srv = httptest.NewServer(mux)
	}
	t.Cleanup(srv.Close)
	return srv, func() []string { mu.Lock(); defer mu.Unlock(); return slices.Clone(auth) }
}

func TestLoginSendsNoToken(t *testing.T) {
	srv, auth := authServer(t, false)
	c, err := NewWithOptions(srv.URL, Options{Token: "sp_old"})
	if err != nil {
		t.Fatal(err)
	}
	ts, err := c.Login(context.Background(), "admin", "right")
	if err != nil {
		t.Fatal(err)
	}
	if ts.Secret != "sp_secret" || ts.ID != "tok-1" || ts.Account != "admin" || !ts.Login {
		t.Errorf("token = %+v", ts)
	}
	_, err = c.Login(context.Background(), "admin", "wrong")
	if apiErr, ok := err.(*Error); !ok || apiErr.StatusCode != 401 || apiErr.App.Code != "UNAUTHENTICATED" {
		t.Errorf("wrong password: %v", err)
	}
	me, err := c.WhoAmI(context.Background())
	if err != nil || me.Name != "admin" {
		t.Fatalf("whoami = %+v, %v", me, err)
	}
	if want := []string{"", "", "Bearer sp_old"}; !slices.Equal(auth(), want) {
		t.Errorf("Authorization headers %q, want %q", auth(), want)
	}
}

func TestCAFile(t *testing.T) {
	srv, _ := authServer(t, true)
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}

	c, err := NewWithOptions(srv.URL, Options{CAFile: ca})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.WhoAmI(context.Background()); err != nil {
		t.Errorf("trusting the server's certificate: %v", err)
	}

	if _, err := New(srv.URL).WhoAmI(context.Background()); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("without the CA file: %v", err)
	}

	notPEM := filepath.Join(dir, "not.pem")
	os.WriteFile(notPEM, []byte("hello"), 0o600)
	for file, want := range map[string]string{notPEM: "holds no PEM certificate", filepath.Join(dir, "missing.pem"): "no such file"} {
		if _, err := NewWithOptions(srv.URL, Options{CAFile: file}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("CA file %s: %v, want %q", filepath.Base(file), err, want)
		}
	}
}
