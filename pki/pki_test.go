package pki

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pavlo-v-chernykh/keystore-go/v4"
	streamplane "github.com/streamplane/streamplane"
	"software.sslmate.com/src/go-pkcs12"
)

var now = time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)

func mustCA(t *testing.T, name string) *CA {
	t.Helper()
	ca, err := NewCA(name, now)
	if err != nil {
		t.Fatal(err)
	}
	return ca
}

func TestServerCertificateVerifies(t *testing.T) {
	ca := mustCA(t, "cluster CA")
	leaf, err := ca.IssueServer("broker-0", []string{"127.0.0.1", "127.0.0.2", "localhost"}, now)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca.Cert)
	for _, host := range []string{"127.0.0.1", "127.0.0.2", "localhost"} {
		if _, err := leaf.Cert.Verify(x509.VerifyOptions{DNSName: host, Roots: roots, CurrentTime: now}); err != nil {
			t.Errorf("verify for %s: %v", host, err)
		}
	}
	if _, err := leaf.Cert.Verify(x509.VerifyOptions{DNSName: "10.0.0.1", Roots: roots, CurrentTime: now}); err == nil {
		t.Error("the certificate verified for an address it does not name")
	}
	other := mustCA(t, "other")
	pool := x509.NewCertPool()
	pool.AddCert(other.Cert)
	if _, err := leaf.Cert.Verify(x509.VerifyOptions{DNSName: "127.0.0.1", Roots: pool, CurrentTime: now}); err == nil {
		t.Error("the certificate verified against another CA")
	}
	ks, err := leaf.KeystorePEM()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(ks, []byte("-----BEGIN PRIVATE KEY-----")) || bytes.Count(ks, []byte("BEGIN CERTIFICATE")) != 2 {
		t.Fatalf("keystore PEM should be a PKCS#8 key then the chain:\n%s", ks)
	}
}

func TestCARoundTrip(t *testing.T) {
	ca := mustCA(t, "cluster CA")
	keyPEM, err := ca.KeyPEM()
	if err != nil {
		t.Fatal(err)
	}
	again, err := LoadCA(ca.CertPEM(), keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	if !again.Cert.Equal(ca.Cert) {
		t.Fatal("certificate changed")
	}
	otherKey, _ := mustCA(t, "x").KeyPEM()
	if _, err := LoadCA(ca.CertPEM(), otherKey); err == nil {
		t.Fatal("a CA loaded with another CA's key")
	}
}

func TestCheckServer(t *testing.T) {
	ca := mustCA(t, "user CA")
	leaf, _ := ca.IssueServer("kafka", []string{"127.0.0.1", "kafka.example.com"}, now)
	chain := []*x509.Certificate{leaf.Cert, ca.Cert}
	root, err := CheckServer(chain, leaf.Key, []string{"127.0.0.1", "kafka.example.com"}, now)
	if err != nil || root == nil || !root.Equal(ca.Cert) {
		t.Fatalf("a good chain: root %v, err %v", root, err)
	}
	if root, err := CheckServer(chain[:1], leaf.Key, []string{"127.0.0.1"}, now); err != nil || root != nil {
		t.Fatalf("a chain without its root: root %v, err %v", root, err)
	}
	otherKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	for name, tc := range map[string]struct {
		chain []*x509.Certificate
		hosts []string
		at    time.Time
		key   any
		want  string
	}{
		"WrongKey":    {chain, []string{"127.0.0.1"}, now, otherKey, "does not match"},
		"MissingIP":   {chain, []string{"127.0.0.2"}, now, leaf.Key, "IP:127.0.0.2"},
		"MissingName": {chain, []string{"other.example.com"}, now, leaf.Key, "DNS:other.example.com"},
		"Expired":     {chain, nil, now.Add(3 * 365 * 24 * time.Hour), leaf.Key, "not now"},
		"BrokenChain": {[]*x509.Certificate{leaf.Cert, mustCA(t, "x").Cert}, nil, now, leaf.Key, "not signed"},
		"ClientUsage": {[]*x509.Certificate{mustClient(t, ca)}, nil, now, nil, "serverAuth"},
	} {
		t.Run(name, func(t *testing.T) {
			key := leaf.Key
			if k, ok := tc.key.(*ecdsa.PrivateKey); ok {
				key = k
			}
			if tc.key == nil {
				key = lastClientKey
			}
			_, err := CheckServer(tc.chain, key, tc.hosts, tc.at)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

var lastClientKey *ecdsa.PrivateKey

func mustClient(t *testing.T, ca *CA) *x509.Certificate {
	l, err := ca.IssueClient("alice", now)
	if err != nil {
		t.Fatal(err)
	}
	lastClientKey = l.Key.(*ecdsa.PrivateKey)
	return l.Cert
}

func TestParsePrivateKeyForms(t *testing.T) {
	if _, err := ParsePrivateKey([]byte("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n")); err == nil || !strings.Contains(err.Error(), "encrypted") {
		t.Fatalf("encrypted key: %v", err)
	}
	if _, err := ParsePrivateKey([]byte("nothing")); err == nil {
		t.Fatal("garbage parsed as a key")
	}
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	sec1, _ := x509.MarshalECPrivateKey(key)
	got, err := ParsePrivateKey(pemBlock("EC PRIVATE KEY", sec1))
	if err != nil || !got.Public().(*ecdsa.PublicKey).Equal(&key.PublicKey) {
		t.Fatalf("SEC 1 key: %v", err)
	}
}

func TestBundles(t *testing.T) {
	ca := mustCA(t, "cluster CA")
	pemBundle, _ := Truststore([]*x509.Certificate{ca.Cert}, FormatPEM, "", now)
	if certs, err := ParseCertificates(pemBundle); err != nil || !certs[0].Equal(ca.Cert) {
		t.Fatalf("pem: %v", err)
	}
	p12, err := Truststore([]*x509.Certificate{ca.Cert}, FormatPKCS12, "secret-pw", now)
	if err != nil {
		t.Fatal(err)
	}
	certs, err := pkcs12.DecodeTrustStore(p12, "secret-pw")
	if err != nil || len(certs) != 1 || !certs[0].Equal(ca.Cert) {
		t.Fatalf("pkcs12 truststore: %v", err)
	}
	jks, err := Truststore([]*x509.Certificate{ca.Cert}, FormatJKS, "secret-pw", now)
	if err != nil {
		t.Fatal(err)
	}
	ks := keystore.New()
	if err := ks.Load(bytes.NewReader(jks), []byte("secret-pw")); err != nil {
		t.Fatal(err)
	}
	entry, err := ks.GetTrustedCertificateEntry("ca-0")
	if err != nil || !bytes.Equal(entry.Certificate.Content, ca.Cert.Raw) {
		t.Fatalf("jks truststore: %v", err)
	}

	clients := mustCA(t, "clients CA")
	leaf, _ := clients.IssueClient("alice", now)
	p12key, err := Keystore(leaf, FormatPKCS12, "pw123456", now)
	if err != nil {
		t.Fatal(err)
	}
	key, cert, chain, err := pkcs12.DecodeChain(p12key, "pw123456")
	if err != nil || cert.Subject.CommonName != "alice" || len(chain) != 1 || key == nil {
		t.Fatalf("pkcs12 keystore: %v", err)
	}
	if _, err := Keystore(leaf, FormatJKS, "pw123456", now); err != nil {
		t.Fatal(err)
	}
}

// A PKCS#12 password PKCS#12 cannot encode (UCS-2) is the caller's error,
// naming the password, not an internal one; characters up to U+FFFF work.
func TestPKCS12PasswordCharacters(t *testing.T) {
	ca := mustCA(t, "cluster CA")
	leaf, _ := mustCA(t, "clients CA").IssueClient("alice", now)
	if _, err := Truststore([]*x509.Certificate{ca.Cert}, FormatPKCS12, "pässwört-€", now); err != nil {
		t.Fatalf("a BMP password: %v", err)
	}
	for name, encode := range map[string]func() ([]byte, error){
		"truststore": func() ([]byte, error) {
			return Truststore([]*x509.Certificate{ca.Cert}, FormatPKCS12, "secret-\U0001F600", now)
		},
		"keystore": func() ([]byte, error) { return Keystore(leaf, FormatPKCS12, "secret-\U0001F600", now) },
	} {
		_, err := encode()
		var e *streamplane.Error
		if !errors.As(err, &e) || e.Code != streamplane.EINVALID || e.Field != "password" {
			t.Errorf("%s with an emoji password: got %v, want INVALID_ARGUMENT naming password", name, err)
		}
	}
}

// Java's keytool reads what Streamplane writes: the stores Java clients use.
func TestJavaReadsBundles(t *testing.T) {
	keytool, err := exec.LookPath("keytool")
	if err != nil {
		t.Skip("keytool not installed: the Java check needs a JDK") // Go-side checks above still ran
	}
	dir := t.TempDir()
	ca := mustCA(t, "cluster CA")
	leaf, _ := mustCA(t, "clients CA").IssueClient("alice", now)
	for _, f := range []struct {
		name, format, storetype string
		data                    func() ([]byte, error)
	}{
		{"trust.p12", FormatPKCS12, "PKCS12", func() ([]byte, error) { return Truststore([]*x509.Certificate{ca.Cert}, FormatPKCS12, "changeit", now) }},
		{"trust.jks", FormatJKS, "JKS", func() ([]byte, error) { return Truststore([]*x509.Certificate{ca.Cert}, FormatJKS, "changeit", now) }},
		{"alice.p12", FormatPKCS12, "PKCS12", func() ([]byte, error) { return Keystore(leaf, FormatPKCS12, "changeit", now) }},
		{"alice.jks", FormatJKS, "JKS", func() ([]byte, error) { return Keystore(leaf, FormatJKS, "changeit", now) }},
	} {
		data, err := f.data()
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, f.name)
		os.WriteFile(path, data, 0o600)
		out, err := exec.Command(keytool, "-list", "-keystore", path, "-storepass", "changeit", "-storetype", f.storetype).CombinedOutput()
		if err != nil {
			t.Errorf("keytool cannot read %s: %v\n%s", f.name, err, out)
			continue
		}
		want := "trustedCertEntry"
		if strings.HasPrefix(f.name, "alice") {
			want = "PrivateKeyEntry"
		}
		if !strings.Contains(string(out), want) {
			t.Errorf("%s lacks a %s:\n%s", f.name, want, out)
		}
	}
}

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

// A self-signed server certificate is its own trust anchor: a client that
// trusts it verifies it for every name it was made for and no other.
func TestSelfSignedServer(t *testing.T) {
	leaf, err := SelfSignedServer("streamplane", []string{"localhost", "127.0.0.1", "::1"}, now)
	if err != nil {
		t.Fatal(err)
	}
	if leaf.CA != leaf.Cert || leaf.Cert.IsCA || !bytes.Equal(leaf.Cert.RawIssuer, leaf.Cert.RawSubject) {
		t.Fatalf("not a self-signed leaf: CA %v, issuer %s", leaf.Cert.IsCA, leaf.Cert.Issuer)
	}
	roots := x509.NewCertPool()
	roots.AddCert(leaf.Cert)
	for _, host := range []string{"localhost", "127.0.0.1", "::1"} {
		if _, err := leaf.Cert.Verify(x509.VerifyOptions{DNSName: host, Roots: roots, CurrentTime: now}); err != nil {
			t.Errorf("verify for %s: %v", host, err)
		}
	}
	if _, err := leaf.Cert.Verify(x509.VerifyOptions{DNSName: "example.com", Roots: roots, CurrentTime: now}); err == nil {
		t.Error("the certificate verified for a name it does not hold")
	}
	if _, err := CheckServer([]*x509.Certificate{leaf.Cert}, leaf.Key, []string{"localhost", "::1"}, now); err != nil {
		t.Errorf("CheckServer: %v", err)
	}
}
