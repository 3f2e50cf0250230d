package kafkaadmin

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
)

// The admin principal of every fake cluster: a PLAIN superuser, as the
// instances' internal listeners have.
const (
	fakeAdmin    = "admin"
	fakePassword = "admin-secret"
)

// fakeClient starts a kfake cluster of three brokers and returns a client
// dialed at its listeners, exactly as the pool dials an instance.
func fakeClient(t *testing.T, opts ...kfake.Opt) (*Client, *kfake.Cluster) {
	t.Helper()
	opts = append([]kfake.Opt{kfake.NumBrokers(3), kfake.EnableSASL(), kfake.Superuser("PLAIN", fakeAdmin, fakePassword)}, opts...)
	fake, err := kfake.NewCluster(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fake.Close)
	c, err := Dial(fake.ListenAddrs(), fakeAdmin, fakePassword, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c, fake
}

// testContext is a context that ends with the test, or after a generous
// bound so that a hang fails instead of stalling the suite.
func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// mustCreateTopic creates a topic through the client under test.
func mustCreateTopic(t *testing.T, c *Client, name string, partitions int, configs map[string]string) {
	t.Helper()
	if err := c.CreateTopic(testContext(t), name, partitions, 3, configs); err != nil {
		t.Fatalf("create topic %s: %v", name, err)
	}
}

// fakeEpoch is a time for records whose time does not matter.
var fakeEpoch = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
