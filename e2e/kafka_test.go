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

// instanceClientOpts are more client options an instance's clients need,
// by instance id: on the Kubernetes test cluster, how to reach its pods.
var instanceClientOpts sync.Map

// kafkaClient returns a stock franz-go client on the instance's private
// plaintext listener, as any application would connect.
func kafkaClient(t testing.TB, inst *streamplane.Instance, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	seeds := strings.Split(inst.BootstrapServers[streamplane.ListenerPrivatePlaintext], ",")
	if len(seeds) == 0 || seeds[0] == "" {
		t.Fatalf("instance %s has no private_plaintext bootstrap servers: %v", inst.Name, inst.BootstrapServers)
	}
	base := []kgo.Opt{kgo.SeedBrokers(seeds...)}
	if more, ok := instanceClientOpts.Load(inst.ID); ok {
		base = append(base, more.([]kgo.Opt)...)
	}
	cl, err := kgo.NewClient(append(base, opts...)...)
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

// load is a producer writing a steady stream with acks=all and retries
// while an operation runs, and what became of its records.
type load struct {
	inst     *streamplane.Instance
	topic    string
	mu       sync.Mutex
	acked    []string
	refused  atomic.Int64
	firstErr atomic.Value
	halt     chan struct{}
	halted   sync.Once
	done     chan struct{}
}

// startLoad starts producing to topic, about 2,000 records a second, until
// stop (bounded: at most 1,200,000 records or 10 minutes). The rate keeps
// the stream going through operations that take minutes.
func startLoad(t *testing.T, inst *streamplane.Instance, topic string) *load {
	cl := kafkaClient(t, inst, kgo.RequiredAcks(kgo.AllISRAcks()), kgo.RecordDeliveryTimeout(2*time.Minute))
	l := &load{inst: inst, topic: topic, halt: make(chan struct{}), done: make(chan struct{})}
	t.Cleanup(l.stop) // also when the test fails before stopping it
	go func() {
		defer close(l.done)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		var wg sync.WaitGroup
		defer wg.Wait()
		for i := 0; i < 1200000; i++ {
			select {
			case <-l.halt:
				return
			default:
			}
			v := fmt.Sprintf("r-%07d", i)
			wg.Add(1)
			cl.Produce(ctx, &kgo.Record{Topic: topic, Value: []byte(v)}, func(_ *kgo.Record, err error) {
				defer wg.Done()
				if err != nil {
					l.refused.Add(1)
					l.firstErr.CompareAndSwap(nil, err)
					return
				}
				l.mu.Lock()
				l.acked = append(l.acked, v)
				l.mu.Unlock()
			})
			if i%100 == 99 {
				time.Sleep(50 * time.Millisecond) // a steady stream, not a flood
			}
		}
	}()
	return l
}

// stop ends the stream and waits for every record's answer.
func (l *load) stop() {
	l.halted.Do(func() { close(l.halt) })
	<-l.done
}

// check fails the test if any record was refused or an acknowledged one
// cannot be read back.
func (l *load) check(t *testing.T, during string) {
	t.Helper()
	if n := l.refused.Load(); n > 0 {
		t.Fatalf("%d records refused during %s; first: %v", n, during, l.firstErr.Load())
	}
	l.mu.Lock()
	values := append([]string(nil), l.acked...)
	l.mu.Unlock()
	if len(values) < 1000 {
		t.Fatalf("only %d records were produced during %s; the test proves nothing", len(values), during)
	}
	seen := consumeAll(t, l.inst, l.topic, len(values))
	if m := missing(values, seen); len(m) > 0 {
		t.Fatalf("%d of %d acknowledged records lost during %s, e.g. %v", len(m), len(values), during, m[:min(5, len(m))])
	}
	t.Logf("%d records acknowledged during %s, none refused, none lost", len(values), during)
}
