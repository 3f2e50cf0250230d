// Not in kfake: SASL_SSL listeners, mutual TLS and public access changed by rolling restarts.

package e2e

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
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// A SASL_SSL instance offers only its SASL_SSL listener; SCRAM and PLAIN
// logins succeed with the right password and fail with a wrong one; stock
// clients (franz-go, kcat, the Java console tools) connect with the
// downloaded bundle and host name verification on.
func TestSecureInstanceClients(t *testing.T) {
	s, inst := sharedSecureInstance(t)
	ctx := context.Background()
	if _, ok := inst.BootstrapServers[streamplane.ListenerPrivatePlaintext]; ok || inst.BootstrapServers[streamplane.ListenerPrivateSASLSSL] == "" {
		t.Fatalf("bootstrap servers of a SASL_SSL instance: %v", inst.BootstrapServers)
	}
	if !inst.SASL() || !inst.HasMechanism(streamplane.MechanismPlain) || inst.KafkaUser != secureUser {
		t.Fatalf("instance security: %s %v %s", inst.SecurityProtocol, inst.SASLMechanisms, inst.KafkaUser)
	}
	if _, err := s.Client.CreateTopic(ctx, inst.Name, streamplane.TopicSpec{Name: "s-clients", Partitions: 3, Replicas: 3}); err != nil {
		t.Fatal(err)
	}
	pool, caPEM := caPool(t, s, inst.Name)
	listener := streamplane.ListenerPrivateSASLSSL
	for _, m := range []string{streamplane.MechanismSCRAM, streamplane.MechanismPlain} {
		if err := roundTrip(t, inst, listener, "s-clients", "franz-"+m, saslOpts(pool, m, secureUser, securePassword)...); err != nil {
			t.Errorf("%s login with the right password: %v", m, err)
		}
		adm := kadm.NewClient(listenerClient(t, inst, listener, saslOpts(pool, m, secureUser, "Wrong-Pass1")...))
		if _, err := adm.BrokerMetadata(ctx); err == nil || !strings.Contains(err.Error(), "SASL_AUTHENTICATION_FAILED") {
			t.Errorf("%s login with a wrong password: %v, want SASL_AUTHENTICATION_FAILED", m, err)
		}
	}
	// A client that does not trust the instance's CA cannot connect.
	other := x509.NewCertPool()
	adm := kadm.NewClient(listenerClient(t, inst, listener, saslOpts(other, streamplane.MechanismSCRAM, secureUser, securePassword)...))
	if _, err := adm.BrokerMetadata(ctx); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("a client that does not trust the CA connected: %v", err)
	}

	dir := t.TempDir()
	caFile := filepath.Join(dir, "ca.pem")
	os.WriteFile(caFile, caPEM, 0o600)
	bootstrap := inst.BootstrapServers[listener]

	// kcat (librdkafka) over PLAIN. Debian's librdkafka 2.0 cannot do SCRAM
	// with Kafka 4 (librdkafka#4895, fixed in 2.6.1): PLAIN is the portable
	// mechanism for it.
	kcatArgs := []string{"-b", bootstrap, "-t", "s-clients", "-X", "security.protocol=SASL_SSL", "-X", "sasl.mechanisms=PLAIN",
		"-X", "sasl.username=" + secureUser, "-X", "sasl.password=" + securePassword, "-X", "ssl.ca.location=" + caFile,
		"-X", "ssl.endpoint.identification.algorithm=https"}
	produce := exec.Command("kcat", append(kcatArgs, "-P", "-X", "acks=all")...)
	produce.Stdin = strings.NewReader("kcat-secure\n")
	if out, err := produce.CombinedOutput(); err != nil {
		t.Fatalf("kcat produce: %v\n%s", err, out)
	}
	out, err := exec.Command("kcat", append(kcatArgs, "-C", "-o", "beginning", "-e", "-q")...).Output()
	if err != nil || !strings.Contains(string(out), "kcat-secure") || !strings.Contains(string(out), "franz-SCRAM-SHA-512") {
		t.Fatalf("kcat consume: %v\n%s", err, out)
	}

	// The Java console tools with a JKS and a PKCS#12 truststore, SCRAM.
	libDir := runtimeLib(t, s, inst.Version)
	written := 3 // two franz-go records and kcat's
	for _, format := range []string{"jks", "pkcs12"} {
		store := filepath.Join(dir, "trust."+format)
		data, err := s.Client.CertificateBundle(ctx, inst.Name, format, "truststore-pw")
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(store, data, 0o600)
		props := filepath.Join(dir, format+".properties")
		os.WriteFile(props, []byte(fmt.Sprintf(`security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="%s" password="%s";
ssl.truststore.location=%s
ssl.truststore.password=truststore-pw
ssl.truststore.type=%s
`, secureUser, securePassword, store, strings.ToUpper(format))), 0o600)
		value := "java-" + format
		producer := exec.Command("java", "-cp", libDir+"/*", "org.apache.kafka.tools.ConsoleProducer",
			"--bootstrap-server", bootstrap, "--topic", "s-clients", "--producer.config", props, "--producer-property", "acks=all")
		producer.Stdin = strings.NewReader(value + "\n")
		if out, err := producer.CombinedOutput(); err != nil {
			t.Fatalf("java console producer (%s truststore): %v\n%s", format, err, lastLines(out, 15))
		}
		written++
		consumer := exec.Command("java", "-cp", libDir+"/*", "org.apache.kafka.tools.consumer.ConsoleConsumer",
			"--bootstrap-server", bootstrap, "--topic", "s-clients", "--from-beginning", "--max-messages", fmt.Sprint(written),
			"--timeout-ms", "60000", "--consumer.config", props)
		out, _ := consumer.Output()
		if !strings.Contains(string(out), value) {
			t.Fatalf("java console consumer (%s truststore) did not read %q:\n%s", format, value, out)
		}
	}
}

// steadyProducer writes to a topic through one listener until stopped,
// with acks=all and retries, and counts what was acknowledged and refused.
type steadyProducer struct {
	acked, refused atomic.Int64
	firstErr       atomic.Value
	stop           chan struct{}
	done           chan struct{}
}

func startProducer(t *testing.T, inst *streamplane.Instance, listener, topic string, opts ...kgo.Opt) *steadyProducer {
	t.Helper()
	// AlwaysRetryEOF: a broker that is going down for a roll may accept a
	// connection and close it mid-handshake. franz-go alone takes such an
	// EOF for a misconfigured client and fails the records; this client's
	// configuration is known good, and Java clients retry it as any
	// disconnect, so the producer here does too.
	cl := listenerClient(t, inst, listener, append(opts, kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.RecordDeliveryTimeout(2*time.Minute), kgo.AlwaysRetryEOF())...)
	p := &steadyProducer{stop: make(chan struct{}), done: make(chan struct{})}
	go func() { // bounded: at most 100,000 records or 10 minutes
		defer close(p.done)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		var wg sync.WaitGroup
		for i := 0; i < 100000; i++ {
			select {
			case <-p.stop:
				wg.Wait()
				return
			case <-time.After(5 * time.Millisecond):
			}
			wg.Add(1)
			cl.Produce(ctx, &kgo.Record{Topic: topic, Value: []byte(fmt.Sprintf("v-%06d", i))}, func(_ *kgo.Record, err error) {
				defer wg.Done()
				if err != nil {
					p.refused.Add(1)
					p.firstErr.CompareAndSwap(nil, err)
					return
				}
				p.acked.Add(1)
			})
		}
		wg.Wait()
	}()
	return p
}

func (p *steadyProducer) finish(t *testing.T, what string) {
	t.Helper()
	close(p.stop)
	<-p.done
	if n := p.refused.Load(); n > 0 {
		t.Errorf("%s: %d records refused on the private listener; first: %v", what, n, p.firstErr.Load())
	}
	if p.acked.Load() < 100 {
		t.Errorf("%s: only %d records acknowledged; the check proves nothing", what, p.acked.Load())
	}
}

// Public access, mutual TLS and certificate replacement on a running
// SASL_SSL instance: each change keeps the private listener serving.
func TestListenerChanges(t *testing.T) {
	s, _ := sharedInstance(t)
	ctx := context.Background()
	inst := ownInstance(t, s, secureSpec("sec-changes", 3, streamplane.MechanismSCRAM))
	if _, err := s.Client.CreateTopic(ctx, inst.Name, streamplane.TopicSpec{Name: "s-changes", Partitions: 3, Replicas: 3}); err != nil {
		t.Fatal(err)
	}
	pool, _ := caPool(t, s, inst.Name)
	scramOpts := saslOpts(pool, streamplane.MechanismSCRAM, secureUser, securePassword)
	private := streamplane.ListenerPrivateSASLSSL

	t.Run("PublicAccess", func(t *testing.T) {
		p := startProducer(t, inst, private, "s-changes", scramOpts...)
		task, err := s.Client.SetPublicAccess(ctx, inst.Name, true)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Client.WaitTask(ctx, task.ID, nil); err != nil {
			t.Fatal(err)
		}
		on, _ := s.Client.Instance(ctx, inst.ID)
		public := on.BootstrapServers[streamplane.ListenerPublicSASLSSL]
		if !on.PublicAccess || !strings.HasPrefix(public, "127.0.0.2:") {
			t.Fatalf("public access on: %v %v", on.PublicAccess, on.BootstrapServers)
		}
		if err := roundTrip(t, on, streamplane.ListenerPublicSASLSSL, "s-changes", "via-public", scramOpts...); err != nil {
			t.Fatalf("the public address does not work: %v", err)
		}
		// Again, the CLI way.
		mustCLI(t, s, "instance", "public-access", inst.Name, "--disable")
		off, _ := s.Client.Instance(ctx, inst.ID)
		if off.PublicAccess || off.BootstrapServers[streamplane.ListenerPublicSASLSSL] != "" {
			t.Fatalf("public access off: %v", off.BootstrapServers)
		}
		for _, addr := range strings.Split(public, ",") {
			if conn, err := net.DialTimeout("tcp", addr, 2*time.Second); err == nil {
				conn.Close()
				t.Errorf("public address %s still accepts connections", addr)
			}
		}
		p.finish(t, "public access on and off")
	})

	t.Run("MutualTLS", func(t *testing.T) {
		mustCLI(t, s, "instance", "mtls", inst.Name, "--enable")
		cur, _ := s.Client.Instance(ctx, inst.ID)
		if !cur.MutualTLS {
			t.Fatal("mutual TLS not on")
		}
		adm := kadm.NewClient(listenerClient(t, cur, private, scramOpts...))
		if _, err := adm.BrokerMetadata(ctx); err == nil {
			t.Error("a client without a certificate connected under mutual TLS")
		}
		file := filepath.Join(t.TempDir(), "alice.pem")
		mustCLI(t, s, "instance", "client-cert", inst.Name, "--cn", "alice", "--format", "pem", "-o", file)
		raw, _ := os.ReadFile(file)
		cert, err := tls.X509KeyPair(raw, raw)
		if err != nil {
			t.Fatalf("the issued PEM bundle is not a key pair: %v", err)
		}
		withCert := append(saslOpts(pool, streamplane.MechanismSCRAM, secureUser, securePassword),
			kgo.DialTLSConfig(&tls.Config{RootCAs: pool, Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}))
		if err := roundTrip(t, cur, private, "s-changes", "with-cert", withCert...); err != nil {
			t.Fatalf("a client with an issued certificate: %v", err)
		}
		p12, err := s.Client.IssueClientCertificate(ctx, inst.Name, "bob", "pkcs12", "short")
		if err == nil || len(p12) > 0 {
			t.Error("a PKCS#12 keystore with a 5-character password was issued")
		}
		mustCLI(t, s, "instance", "mtls", inst.Name, "--disable")
		if err := roundTrip(t, cur, private, "s-changes", "no-cert-again", scramOpts...); err != nil {
			t.Fatalf("after mutual TLS is off: %v", err)
		}
	})

	t.Run("CertificateReplacement", func(t *testing.T) {
		oldPool, _ := caPool(t, s, inst.Name)
		caCert, chainPEM, keyPEM := userCertificate(t, []string{"127.0.0.1", "127.0.0.2", "localhost"})
		both := oldPool.Clone()
		both.AddCert(caCert)
		p := startProducer(t, inst, private, "s-changes", saslOpts(both, streamplane.MechanismSCRAM, secureUser, securePassword)...)
		defer p.finish(t, "certificate replacement")

		// A certificate that does not name every address is refused.
		_, badChain, badKey := userCertificate(t, []string{"127.0.0.1"})
		_, err := s.Client.ReplaceCertificate(ctx, inst.Name, streamplane.CertificateUpload{Certificate: string(badChain), Key: string(badKey)})
		if e := wantErrorCode(t, err, 400, streamplane.EINVALID, "certificate"); !strings.Contains(e.App.Message, "127.0.0.2") {
			t.Errorf("the refusal should name the missing address: %s", e.App.Message)
		}

		task, err := s.Client.ReplaceCertificate(ctx, inst.Name, streamplane.CertificateUpload{Certificate: string(chainPEM), Key: string(keyPEM)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Client.WaitTask(ctx, task.ID, nil); err != nil {
			t.Fatal(err)
		}
		cur, _ := s.Client.Instance(ctx, inst.ID)
		if !cur.CustomCertificate || cur.Status != streamplane.InstanceRunning {
			t.Fatalf("after replacement: custom %v, status %s", cur.CustomCertificate, cur.Status)
		}
		// The bundle now holds the new CA; new connections need it.
		newPool, bundle := caPool(t, s, inst.Name)
		if !bytes.Contains(bundle, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caCert.Raw})) {
			t.Error("the bundle does not hold the new CA")
		}
		if err := roundTrip(t, cur, private, "s-changes", "new-ca", saslOpts(newPool, streamplane.MechanismSCRAM, secureUser, securePassword)...); err != nil {
			t.Fatalf("a client trusting the new CA: %v", err)
		}
		adm := kadm.NewClient(listenerClient(t, cur, private, saslOpts(oldPool, streamplane.MechanismSCRAM, secureUser, securePassword)...))
		if _, err := adm.BrokerMetadata(ctx); err == nil {
			t.Error("a client trusting only the old CA still connected")
		}
	})
}

// userCertificate makes a CA and a server certificate for hosts, as a user
// would with openssl: the CA, the chain (leaf, CA) and the key, PEM.
func userCertificate(t *testing.T, hosts []string) (*x509.Certificate, []byte, []byte) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Users' own CA"}, IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(365 * 24 * time.Hour)}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, caKey.Public(), caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "kafka.users.example"},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, KeyUsage: x509.KeyUsageDigitalSignature,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(90 * 24 * time.Hour)}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, key.Public(), caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalPKCS8PrivateKey(key)
	chain := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})...)
	return ca, chain, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
}
