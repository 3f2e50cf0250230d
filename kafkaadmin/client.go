// Package kafkaadmin is Streamplane's admin client for an instance: franz-go
// over the internal listener, authenticated as the instance's admin
// principal. Everything Kafka can do through its Admin API goes through here.
package kafkaadmin

import (
	"context"
	"errors"
	"net"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/plain"
)

// Client talks to one instance.
type Client struct {
	kcl *kgo.Client
	adm *kadm.Client
}

// Dial returns a client for the instance whose internal listeners are seeds.
// It connects lazily; the first request tells whether the cluster answers.
// dial, when not nil, is how connections are made (a provisioner's own
// way to its brokers).
func Dial(seeds []string, user, password string, dial func(ctx context.Context, network, address string) (net.Conn, error)) (*Client, error) {
	if len(seeds) == 0 {
		return nil, errors.New("kafkaadmin: no seed brokers")
	}
	opts := []kgo.Opt{
		kgo.SeedBrokers(seeds...),
		kgo.SASL(plain.Auth{User: user, Pass: password}.AsMechanism()),
		kgo.DialTimeout(5 * time.Second),
		kgo.RetryTimeout(10 * time.Second),
		// Retries back off 100 ms, doubling to 500 ms at most, not
		// franz-go's 250 ms doubling to 5 s: waits for a starting broker
		// ask again and again, and a request that met the broker still down
		// slept up to seconds after it came up. The brokers are local.
		kgo.RetryBackoffFn(func(fails int) time.Duration {
			return min(100*time.Millisecond<<min(max(fails-1, 0), 3), 500*time.Millisecond)
		}),
		kgo.MetadataMinAge(500 * time.Millisecond),
		// The internal listener's settings are generated with the brokers',
		// so an EOF at the first read is a broker going down for a roll,
		// not a misconfigured client: retry it as any disconnect.
		kgo.AlwaysRetryEOF(),
		kgo.ClientID("streamplane"),
		// Producing: messages sent through the API, one at a time for a
		// person waiting on the answer. No RecordDeliveryTimeout: franz-go
		// counts it from the record's timestamp, which the sender may set
		// in the past; the caller's context bounds a send.
		kgo.RecordPartitioner(newPartitioner()),
		kgo.ProducerLinger(0),
		kgo.ProducerBatchCompression(kgo.NoCompression()), // as Java's default: Kafka's size limits apply to what was sent
	}
	if dial != nil {
		opts = append(opts, kgo.Dialer(dial))
	}
	kcl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, err
	}
	return &Client{kcl: kcl, adm: kadm.NewClient(kcl)}, nil
}

// Close closes the client's connections.
func (c *Client) Close() { c.kcl.Close() }
