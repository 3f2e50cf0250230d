// Package sourcekafka reads the Kafka cluster a migration copies from: its
// reachability (Probe), what it holds (Inventory) and, for the status page,
// its end offsets and its groups' committed offsets. It only reads: nothing
// here writes to a source cluster.
package sourcekafka

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// Client talks to one source cluster.
type Client struct {
	kcl *kgo.Client
	adm *kadm.Client
	src streamplane.MigrationSource // to name the user and mechanism in errors
}

// Dial returns a client of the source. It connects lazily: Probe tells
// whether the source answers. An invalid CA bundle is refused at once.
func Dial(src streamplane.MigrationSource) (*Client, error) {
	if len(src.BootstrapServers) == 0 {
		return nil, streamplane.Invalid("source.bootstrap_servers", "at least one host:port of the source cluster is required")
	}
	opts := []kgo.Opt{
		kgo.SeedBrokers(src.BootstrapServers...),
		kgo.DialTimeout(5 * time.Second),
		// A source is remote and not ours: give up on a request after
		// 10 s of retries, not franz-go's 30 s, so that a status page
		// shows it unreachable while the user still waits.
		kgo.RetryTimeout(10 * time.Second),
		kgo.RequestRetries(3),
		kgo.MetadataMinAge(time.Second),
		kgo.ClientID("streamplane-migration"),
	}
	if src.TLS() {
		cfg := &tls.Config{MinVersion: tls.VersionTLS12}
		if src.CA != "" {
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM([]byte(src.CA)) {
				return nil, streamplane.Invalid("source.ca_pem", "holds no PEM certificate that parses")
			}
			cfg.RootCAs = pool
		} // else the system's roots
		opts = append(opts, kgo.DialTLSConfig(cfg))
	}
	if src.SASL() {
		m, err := mechanism(src)
		if err != nil {
			return nil, err
		}
		opts = append(opts, kgo.SASL(m))
	}
	kcl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, streamplane.Invalid("source.bootstrap_servers", "%v", err)
	}
	return &Client{kcl: kcl, adm: kadm.NewClient(kcl), src: src}, nil
}

// mechanism is the source's SASL mechanism with its credentials.
func mechanism(src streamplane.MigrationSource) (sasl.Mechanism, error) {
	switch src.SASLMechanism {
	case streamplane.SourcePlain:
		return plain.Auth{User: src.Username, Pass: src.Password}.AsMechanism(), nil
	case streamplane.SourceSCRAMSHA256:
		return scram.Auth{User: src.Username, Pass: src.Password}.AsSha256Mechanism(), nil
	case streamplane.SourceSCRAMSHA512, "":
		return scram.Auth{User: src.Username, Pass: src.Password}.AsSha512Mechanism(), nil
	}
	return nil, streamplane.Invalid("source.sasl_mechanism", "unknown SASL mechanism %q", src.SASLMechanism)
}

// Close closes the client's connections.
func (c *Client) Close() { c.kcl.Close() }

// errNoBrokers is a metadata answer without brokers.
var errNoBrokers = errors.New("the cluster's metadata lists no brokers")
