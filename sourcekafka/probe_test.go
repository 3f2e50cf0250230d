package sourcekafka

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

const (
	fakeUser     = "migrator"
	fakePassword = "s3cret-Passw0rd"
)

// fakeSource starts a kfake cluster with SASL and a SCRAM-SHA-512
// superuser, and returns it with a source description of it.
func fakeSource(t *testing.T, opts ...kfake.Opt) (*kfake.Cluster, streamplane.MigrationSource) {
	t.Helper()
	opts = append([]kfake.Opt{kfake.NumBrokers(3), kfake.EnableSASL(), kfake.Superuser(streamplane.SourceSCRAMSHA512, fakeUser, fakePassword)}, opts...)
	fake, err := kfake.NewCluster(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fake.Close)
	return fake, streamplane.MigrationSource{BootstrapServers: fake.ListenAddrs(), SecurityProtocol: streamplane.SourceSASLPlaintext,
		SASLMechanism: streamplane.SourceSCRAMSHA512, Username: fakeUser, Password: fakePassword}
}

func dial(t *testing.T, src streamplane.MigrationSource) *Client {
	t.Helper()
	c, err := Dial(src)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// wantError checks an application error's code and field, that its
// message holds want, and that it never holds the password.
func wantError(t *testing.T, err error, code, field, want string) {
	t.Helper()
	var appErr *streamplane.Error
	if !errors.As(err, &appErr) {
		t.Fatalf("got %v (%T), want a %s error on %s", err, err, code, field)
	}
	if appErr.Code != code || appErr.Field != field {
		t.Errorf("got %s on %q (%s), want %s on %q", appErr.Code, appErr.Field, appErr.Message, code, field)
	}
	if !strings.Contains(appErr.Message, want) {
		t.Errorf("message %q does not say %q", appErr.Message, want)
	}
	if strings.Contains(err.Error(), fakePassword) {
		t.Errorf("error %q holds the password", err)
	}
}

func TestProbe(t *testing.T) {
	fake, src := fakeSource(t, kfake.User(streamplane.SourcePlain, "plain-user", fakePassword))
	// kfake closes the connection on bad credentials; Kafka answers
	// SASL_AUTHENTICATION_FAILED first, as this control does for PLAIN.
	fake.ControlKey(int16(kmsg.SASLAuthenticate), func(req kmsg.Request) (kmsg.Response, error, bool) {
		fake.KeepControl()
		auth := req.(*kmsg.SASLAuthenticateRequest)
		parts := bytes.Split(auth.SASLAuthBytes, []byte{0})
		if len(parts) != 3 || string(parts[2]) == fakePassword {
			return nil, nil, false
		}
		resp := auth.ResponseKind().(*kmsg.SASLAuthenticateResponse)
		resp.ErrorCode = kerr.SaslAuthenticationFailed.Code
		resp.ErrorMessage = kmsg.StringPtr("Authentication failed: Invalid username or password")
		return resp, nil, true
	})
	t.Run("OK", func(t *testing.T) {
		if err := dial(t, src).Probe(testContext(t)); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("WrongPassword", func(t *testing.T) {
		bad := src
		bad.SASLMechanism, bad.Username, bad.Password = streamplane.SourcePlain, "plain-user", "not-the-password"
		err := dial(t, bad).Probe(testContext(t))
		wantError(t, err, streamplane.EPRECONDITION, "source.password", `refused the credentials of user "plain-user" (SASL PLAIN authentication failed)`)
	})
	t.Run("PlaintextAgainstSASL", func(t *testing.T) {
		plain := streamplane.MigrationSource{BootstrapServers: src.BootstrapServers, SecurityProtocol: streamplane.SourcePlaintext}
		err := dial(t, plain).Probe(testContext(t))
		wantError(t, err, streamplane.EPRECONDITION, "source.security_protocol", "requires SASL")
	})
	t.Run("Unreachable", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close() // nothing listens there now
		gone := src
		gone.BootstrapServers = []string{addr}
		err = dial(t, gone).Probe(testContext(t))
		wantError(t, err, streamplane.EUNAVAILABLE, "source.bootstrap_servers", addr)
	})
}

func TestProbeTLS(t *testing.T) {
	caPEM, serverCfg := selfSigned(t)
	_, src := fakeSource(t, kfake.TLS(serverCfg))
	src.SecurityProtocol = streamplane.SourceSASLSSL
	t.Run("OK", func(t *testing.T) {
		ok := src
		ok.CA = caPEM
		if err := dial(t, ok).Probe(testContext(t)); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("UntrustedCA", func(t *testing.T) {
		err := dial(t, src).Probe(testContext(t)) // the system's roots do not hold the test CA
		wantError(t, err, streamplane.EPRECONDITION, "source.ca_pem", "not trusted")
	})
	t.Run("PlaintextAgainstTLS", func(t *testing.T) {
		plain := src
		plain.SecurityProtocol = streamplane.SourceSASLPlaintext
		err := dial(t, plain).Probe(testContext(t))
		wantError(t, err, streamplane.EPRECONDITION, "source.security_protocol", "speaks TLS")
	})
	t.Run("TLSAgainstPlaintext", func(t *testing.T) {
		// A Kafka plaintext listener reads a TLS hello as an oversized
		// request and closes the connection, as this one does.
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.Close() })
		go func() {
			for {
				conn, err := l.Accept()
				if err != nil {
					return
				}
				_, _ = conn.Read(make([]byte, 4))
				conn.Close()
			}
		}()
		tlsSrc := src
		tlsSrc.BootstrapServers = []string{l.Addr().String()}
		err = dial(t, tlsSrc).Probe(testContext(t))
		wantError(t, err, streamplane.EPRECONDITION, "source.security_protocol", "does not speak TLS")
	})
}

// selfSigned returns a CA certificate as PEM and a server TLS config whose
// certificate it signs, for 127.0.0.1.
func selfSigned(t *testing.T) (string, *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test source"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	pair, err := tls.X509KeyPair(certPEM, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}))
	if err != nil {
		t.Fatal(err)
	}
	return string(certPEM), &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}
}

func TestProbeClassify(t *testing.T) {
	c := &Client{src: streamplane.MigrationSource{BootstrapServers: []string{"kafka-1:9093", "kafka-2:9093"}, SecurityProtocol: streamplane.SourceSASLSSL,
		SASLMechanism: streamplane.SourcePlain, Username: "alice", Password: fakePassword}}
	for _, tc := range []struct {
		name        string
		err         error
		code, field string
		want        string
	}{
		{"SASLFailed", fmt.Errorf("sasl: %w", kerr.SaslAuthenticationFailed), streamplane.EPRECONDITION, "source.password", `user "alice" (SASL PLAIN authentication failed)`},
		{"SASLFailedEchoingPassword", fmt.Errorf("bad %s: %w", fakePassword, kerr.SaslAuthenticationFailed), streamplane.EPRECONDITION, "source.password", "alice"},
		{"UnknownMechanism", kerr.UnsupportedSaslMechanism, streamplane.EPRECONDITION, "source.sasl_mechanism", "PLAIN"},
		{"UnknownCA", fmt.Errorf("dial: %w", x509.UnknownAuthorityError{}), streamplane.EPRECONDITION, "source.ca_pem", "not trusted"},
		{"Hostname", x509.HostnameError{Certificate: &x509.Certificate{}, Host: "kafka-1"}, streamplane.EPRECONDITION, "source.ca_pem", "not valid for the address"},
		{"Handshake", errors.New("remote error: tls: handshake failure"), streamplane.EPRECONDITION, "source.ca_pem", "handshake"},
		{"PlainToTLS", errors.New("invalid large response size 352518912 > limit 104857600; the first three bytes received appear to be a tls alert record for TLS v1.2; is this a plaintext connection speaking to a tls endpoint?"),
			streamplane.EPRECONDITION, "source.security_protocol", "speaks TLS"},
		{"DNS", &net.OpError{Op: "dial", Err: &net.DNSError{Name: "kafka-1", Err: "no such host"}}, streamplane.EUNAVAILABLE, "source.bootstrap_servers", "cannot resolve kafka-1"},
		{"Refused", &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")}, streamplane.EUNAVAILABLE, "source.bootstrap_servers", "kafka-1:9093, kafka-2:9093"},
		{"Timeout", context.DeadlineExceeded, streamplane.EUNAVAILABLE, "source.bootstrap_servers", "did not answer in time"},
	} {
		t.Run(tc.name, func(t *testing.T) { wantError(t, c.classify(tc.err), tc.code, tc.field, tc.want) })
	}
}
