// Not in kfake: stock clients (franz-go, Java tools) against real brokers; these are their shared helpers.

package e2e

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// kafkaClient returns a stock franz-go client on the instance's private
// plaintext listener, as any application would connect.
func kafkaClient(t testing.TB, inst *streamplane.Instance, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	seeds := strings.Split(inst.BootstrapServers[streamplane.ListenerPrivatePlaintext], ",")
	if len(seeds) == 0 || seeds[0] == "" {
		t.Fatalf("instance %s has no private_plaintext bootstrap servers: %v", inst.Name, inst.BootstrapServers)
	}
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(seeds...)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}

// createTopic creates a topic through the client listener.
func createTopic(t testing.TB, inst *streamplane.Instance, name string, partitions int32, rf int16, configs map[string]*string) {
	t.Helper()
	adm := kadm.NewClient(kafkaClient(t, inst))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := adm.CreateTopic(ctx, partitions, rf, configs, name); err != nil {
		t.Fatalf("create topic %s: %v", name, err)
	}
}

// produce writes n records with acks=all and returns their values.
func produce(t testing.TB, cl *kgo.Client, topic, prefix string, n int) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	values := make([]string, n)
	var failed atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	for i := range values {
		values[i] = fmt.Sprintf("%s-%06d", prefix, i)
		wg.Add(1)
		cl.Produce(ctx, &kgo.Record{Topic: topic, Key: []byte(values[i]), Value: []byte(values[i])}, func(_ *kgo.Record, err error) {
			defer wg.Done()
			if err != nil {
				failed.Add(1)
				firstErr.CompareAndSwap(nil, err)
			}
		})
	}
	wg.Wait()
	if failed.Load() > 0 {
		t.Fatalf("%d of %d records were refused; first error: %v", failed.Load(), n, firstErr.Load())
	}
	return values
}

// consumeAll reads topic from the start until want records arrived (or the
// timeout passes) and returns every value read.
func consumeAll(t testing.TB, inst *streamplane.Instance, topic string, want int) map[string]int {
	t.Helper()
	cl := kafkaClient(t, inst, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	seen := map[string]int{}
	total := 0
	deadline := time.Now().Add(2 * time.Minute)
	for total < want && time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		fetches := cl.PollFetches(ctx)
		cancel()
		fetches.EachError(func(topic string, p int32, err error) {
			if err != context.DeadlineExceeded {
				t.Logf("fetch %s-%d: %v", topic, p, err)
			}
		})
		fetches.EachRecord(func(r *kgo.Record) {
			seen[string(r.Value)]++
			total++
		})
	}
	return seen
}

// missing returns the values not in seen.
func missing(values []string, seen map[string]int) []string {
	var out []string
	for _, v := range values {
		if seen[v] == 0 {
			out = append(out, v)
		}
	}
	return out
}
