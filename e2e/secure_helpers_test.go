// Not in kfake: TLS listeners, SCRAM-SHA-512 with our iteration count and the PLAIN plugin; these are their helpers.

package e2e

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"strings"
	"sync"
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// The shared SASL_SSL instance: SCRAM-SHA-512 and PLAIN, initial user
// secureUser. Tests that change its listeners or certificate use their own.
const (
	secureUser     = "appuser"
	securePassword = "Initial-Pass1"
)

var sharedSecure struct {
	mu   sync.Mutex
	inst *streamplane.Instance
}

func secureSpec(name string, brokers int, mechanisms ...string) streamplane.InstanceSpec {
	spec := devSpec(name, brokers)
	spec.SecurityProtocol, spec.SASLMechanisms = streamplane.ProtocolSASLSSL, mechanisms
	spec.KafkaUser, spec.KafkaPassword = secureUser, securePassword
	return spec
}

// sharedSecureInstance returns the shared SASL_SSL instance, creating it
// (3 brokers, SCRAM and PLAIN) on first use.
func sharedSecureInstance(t *testing.T) (*Server, *streamplane.Instance) {
	t.Helper()
	s, _ := sharedInstance(t)
	sharedSecure.mu.Lock()
	defer sharedSecure.mu.Unlock()
	if sharedSecure.inst == nil {
		sharedSecure.inst = createInstance(t, s, secureSpec("secure", 3, streamplane.MechanismSCRAM, streamplane.MechanismPlain))
	}
	inst, err := s.Client.Instance(context.Background(), sharedSecure.inst.ID)
	if err != nil {
		t.Fatal(err)
	}
	return s, inst
}

// caPool downloads the instance's CA bundle as a certificate pool.
func caPool(t testing.TB, s *Server, instance string) (*x509.CertPool, []byte) {
	t.Helper()
	pemBytes, err := s.Client.CertificateBundle(context.Background(), instance, "pem", "")
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemBytes) {
		t.Fatalf("the certificate bundle holds no PEM certificate:\n%s", pemBytes)
	}
	return pool, pemBytes
}

// saslOpts are a stock franz-go client's settings for a SASL_SSL listener:
// TLS verified against the bundle (host names checked), SCRAM or PLAIN.
func saslOpts(pool *x509.CertPool, mechanism, user, password string) []kgo.Opt {
	tlsCfg := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	return []kgo.Opt{kgo.DialTLSConfig(tlsCfg), saslMechanism(mechanism, user, password)}
}

// saslMechanism signs in with SCRAM-SHA-512 or PLAIN.
func saslMechanism(mechanism, user, password string) kgo.Opt {
	if mechanism == streamplane.MechanismPlain {
		return kgo.SASL(plain.Auth{User: user, Pass: password}.AsMechanism())
	}
	return kgo.SASL(scram.Auth{User: user, Pass: password}.AsSha512Mechanism())
}

// listenerClient connects to one of an instance's listeners.
func listenerClient(t testing.TB, inst *streamplane.Instance, listener string, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	seeds := strings.Split(inst.BootstrapServers[listener], ",")
	if seeds[0] == "" {
		t.Fatalf("instance %s has no %s listener: %v", inst.Name, listener, inst.BootstrapServers)
	}
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(seeds...), kgo.RetryTimeout(15 * time.Second)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}

// roundTrip produces a record through cl and reads it back through a new
// client with the same settings, proving both directions work.
func roundTrip(t testing.TB, inst *streamplane.Instance, listener, topic, value string, opts ...kgo.Opt) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cl := listenerClient(t, inst, listener, opts...)
	if err := cl.ProduceSync(ctx, &kgo.Record{Topic: topic, Value: []byte(value)}).FirstErr(); err != nil {
		return err
	}
	consumer := listenerClient(t, inst, listener, append(opts, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))...)
	for ctx.Err() == nil {
		fetches := consumer.PollFetches(ctx)
		if err := fetches.Err0(); err != nil && ctx.Err() == nil {
			return err
		}
		found := false
		fetches.EachRecord(func(r *kgo.Record) { found = found || string(r.Value) == value })
		if found {
			return nil
		}
	}
	return ctx.Err()
}
