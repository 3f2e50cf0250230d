package listen

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/client"
	"github.com/streamplane/streamplane/pki"
)

var now = time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)

func TestLoopback(t *testing.T) {
	lookup := func(host string) ([]net.IP, error) {
		switch host {
		case "localhost":
			return []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1")}, nil
		case "mixed.example":
			return []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("10.0.0.5")}, nil
		case "lan.example":
			return []net.IP{net.ParseIP("192.168.1.20")}, nil
		case "empty.example":
			return nil, nil
		}
		return nil, errors.New("no such host")
	}
	for _, tc := range []struct {
		host string
		want bool
	}{
		{"127.0.0.1", true},
		{"127.0.0.2", true},
		{"::1", true},
		{"localhost", true},
		{"", false},
		{"0.0.0.0", false},
		{"::", false},
		{"10.1.2.3", false},
		{"fe80::1", false},
		{"lan.example", false},
		{"mixed.example", false},
		{"empty.example", false},
		{"unknown.example", false},
	} {
		if got := Loopback(tc.host, lookup); got != tc.want {
			t.Errorf("Loopback(%q) = %v, want %v", tc.host, got, tc.want)
		}
	}
}

func TestResolveMode(t *testing.T) {
	for _, tc := range []struct {
		mode, cert, key string
		want, err       string
	}{
		{"", "", "", TLSOff, ""},
		{"", "c.pem", "k.pem", TLSFiles, ""},
		{"off", "", "", TLSOff, ""},
		{"auto", "", "", TLSAuto, ""},
		{"files", "c.pem", "k.pem", TLSFiles, ""},
		{"", "c.pem", "", "", "--tls-cert needs --tls-key"},
		{"", "", "k.pem", "", "--tls-key needs --tls-cert"},
		{"files", "c.pem", "", "", "--tls-cert needs --tls-key"},
		{"files", "", "", "", "--tls files needs --tls-cert and --tls-key"},
		{"auto", "c.pem", "k.pem", "", "--tls auto does not use --tls-cert"},
		{"off", "c.pem", "", "", "--tls off does not use --tls-cert"},
		{"on", "", "", "", `tls must be off, auto or files, got "on"`},
	} {
		got, err := ResolveMode(tc.mode, tc.cert, tc.key)
		if got != tc.want || (err == nil) != (tc.err == "") || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("ResolveMode(%q, %q, %q) = %q, %v; want %q, %q", tc.mode, tc.cert, tc.key, got, err, tc.want, tc.err)
		}
	}
}

// Without TLS only a loopback listener is accepted, unless the operator
// asks for plain HTTP; the error says every way out.
func TestPrepareRefusesPlainOpenListener(t *testing.T) {
	dir := t.TempDir()
	_, err := Prepare(Config{Address: "0.0.0.0:8080", TLS: TLSOff, DataDir: dir}, now)
	if err == nil {
		t.Fatal("a plain listener on every interface was accepted")
	}
	for _, want := range []string{"--tls auto", "--tls-cert", "127.0.0.1", "--insecure-listen"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
	for _, cfg := range []Config{
		{Address: "127.0.0.1:0", TLS: TLSOff},
		{Address: ":8080", TLS: TLSOff, InsecureListen: true},
		{Address: ":8080", TLS: TLSAuto, DataDir: dir},
	} {
		if _, err := Prepare(cfg, now); err != nil {
			t.Errorf("%+v: %v", cfg, err)
		}
	}
}

// The auto certificate is made once, names the listen host and loopback,
// keeps its key private, and is made again only when it no longer fits.
func TestAutoCertificate(t *testing.T) {
	dir := t.TempDir()
	e, err := Prepare(Config{Address: "127.0.0.1:0", TLS: TLSAuto, DataDir: dir}, now)
	if err != nil {
		t.Fatal(err)
	}
	certFile := filepath.Join(dir, "tls", "server.crt")
	if e.CertFile != certFile || !e.Generated {
		t.Fatalf("cert file %q, generated %v", e.CertFile, e.Generated)
	}
	leaf := e.TLSConfig().Certificates[0].Leaf
	for _, h := range []string{"127.0.0.1", "localhost", "::1"} {
		if err := leaf.VerifyHostname(h); err != nil {
			t.Errorf("not valid for %s: %v", h, err)
		}
	}
	if key, ok := leaf.PublicKey.(*ecdsa.PublicKey); !ok || key.Curve != elliptic.P256() {
		t.Errorf("key %T, want ECDSA P-256", leaf.PublicKey)
	}
	for file, want := range map[string]os.FileMode{filepath.Join(dir, "tls", "server.key"): 0o600, filepath.Join(dir, "tls"): 0o700 | os.ModeDir} {
		if fi, err := os.Stat(file); err != nil || fi.Mode() != want {
			t.Errorf("%s: mode %v, %v; want %v", file, fi.Mode(), err, want)
		}
	}

	again, err := Prepare(Config{Address: "localhost:0", TLS: TLSAuto, DataDir: dir}, now.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if again.Generated || !again.TLSConfig().Certificates[0].Leaf.Equal(leaf) {
		t.Error("a later start did not reuse the certificate")
	}

	other, err := Prepare(Config{Address: "sp.example:0", TLS: TLSAuto, DataDir: dir}, now)
	if err != nil {
		t.Fatal(err)
	}
	if !other.Generated || other.TLSConfig().Certificates[0].Leaf.VerifyHostname("sp.example") != nil {
		t.Error("a new listen host did not get a certificate naming it")
	}

	late, err := Prepare(Config{Address: "sp.example:0", TLS: TLSAuto, DataDir: dir}, other.Expires.Add(-renewBefore/2))
	if err != nil {
		t.Fatal(err)
	}
	if !late.Generated || !late.Expires.After(other.Expires) {
		t.Error("a certificate close to its end was not renewed")
	}
}

func TestCertificateFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	pair := func(name string, at time.Time) (string, string) {
		leaf, err := pki.SelfSignedServer(name, []string{"localhost"}, at)
		if err != nil {
			t.Fatal(err)
		}
		key, _ := pki.EncodePrivateKey(leaf.Key)
		return write(name+".crt", pki.EncodeCertificates(leaf.Cert)), write(name+".key", key)
	}
	goodCert, goodKey := pair("good", now)
	_, otherKey := pair("other", now)
	oldCert, oldKey := pair("old", now.Add(-3*pki.LeafValidity))
	garbage := write("garbage.pem", []byte("not PEM"))

	e, err := Prepare(Config{Address: "0.0.0.0:0", TLS: TLSFiles, CertFile: goodCert, KeyFile: goodKey}, now)
	if err != nil || e.CertFile != goodCert || e.Generated {
		t.Fatalf("good pair: %+v, %v", e, err)
	}
	for _, tc := range []struct {
		name, cert, key, want string
	}{
		{"Mismatch", goodCert, otherKey, "does not go with --tls-cert"},
		{"Expired", oldCert, oldKey, "not now"},
		{"MissingCert", filepath.Join(dir, "none.crt"), goodKey, "--tls-cert: open"},
		{"MissingKey", goodCert, filepath.Join(dir, "none.key"), "--tls-key: open"},
		{"NotPEMCert", garbage, goodKey, "no PEM certificate"},
		{"NotPEMKey", goodCert, garbage, "no PEM private key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Prepare(Config{Address: "127.0.0.1:0", TLS: TLSFiles, CertFile: tc.cert, KeyFile: tc.key}, now)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

// A client that trusts the auto certificate reaches the server over TLS
// 1.2 or newer; one that does not is refused.
func TestServeAutoCertificate(t *testing.T) {
	e, err := Prepare(Config{Address: "127.0.0.1:0", TLS: TLSAuto, DataDir: t.TempDir()}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	l, url, err := e.Listen()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(url, "https://127.0.0.1:") {
		t.Errorf("url %q", url)
	}
	srv := &http.Server{TLSConfig: e.TLSConfig(), Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(streamplane.Account{Name: "admin"})
	})}
	go srv.ServeTLS(l, "", "")
	t.Cleanup(func() { srv.Close() })

	c, err := client.NewWithOptions(url, client.Options{CAFile: e.CertFile})
	if err != nil {
		t.Fatal(err)
	}
	if me, err := c.WhoAmI(context.Background()); err != nil || me.Name != "admin" {
		t.Fatalf("whoami over TLS: %+v, %v", me, err)
	}
	if _, err := client.New(url).WhoAmI(context.Background()); err == nil {
		t.Error("a client that does not trust the certificate got an answer")
	}
	roots := x509.NewCertPool()
	roots.AddCert(e.TLSConfig().Certificates[0].Leaf)
	old := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots, MaxVersion: tls.VersionTLS11}}}
	if _, err := old.Get(url); err == nil {
		t.Error("TLS 1.1 was accepted")
	}
}
