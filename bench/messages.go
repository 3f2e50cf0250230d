package main

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/client"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// The message benchmark: a topic of 5,000,000 records over 6 partitions
// whose timestamps span an hour, then message queries by time windows of a
// few seconds to ten minutes, through the REST API as users make them.
const (
	benchMessageTopic      = "bench-messages"
	benchMessageRecords    = 5_000_000
	benchMessagePartitions = 6
	benchMessageSpan       = time.Hour
	benchMessageQueries    = 100 // per order
	benchMessageTarget     = 200 * time.Millisecond
)

func measureMessages(ctx context.Context, env *benchEnv) ([]row, error) {
	srv, inst, err := env.LargeInstance(ctx)
	if err != nil {
		return nil, err
	}
	cl, err := kafkaClient(inst,
		kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.RequiredAcks(kgo.LeaderAck()), kgo.DisableIdempotentWrite(), // loading only: acks=1 is enough
		kgo.ProducerBatchCompression(kgo.Lz4Compression()),
		kgo.ProducerBatchMaxBytes(1<<20), kgo.ProducerLinger(50*time.Millisecond),
		kgo.MaxBufferedRecords(200_000))
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	if _, err := adm.CreateTopic(ctx, benchMessagePartitions, 3, nil, benchMessageTopic); err != nil {
		return nil, fmt.Errorf("create %s: %w", benchMessageTopic, err)
	}
	defer adm.DeleteTopic(context.Background(), benchMessageTopic)

	base := time.Now().Add(-benchMessageSpan - time.Minute).Truncate(time.Second)
	loadTime, err := loadMessages(ctx, cl, base)
	if err != nil {
		return nil, err
	}
	rows := []row{{
		what:   fmt.Sprintf("load %d records into %d partitions (RF 3)", benchMessageRecords, benchMessagePartitions),
		value:  loadTime.Round(100 * time.Millisecond).String(),
		detail: fmt.Sprintf("%.0f records/s from franz-go: lz4, 1 MB batches, acks=1; timestamps span %s", float64(benchMessageRecords)/loadTime.Seconds(), benchMessageSpan),
	}}

	rng := rand.New(rand.NewPCG(1, 2))
	for _, newest := range []bool{false, true} {
		lat, err := timeQueries(ctx, srv.client, inst.Name, base, newest, rng)
		if err != nil {
			return nil, err
		}
		order := "oldest first"
		if newest {
			order = "newest first"
		}
		verdict := "meets"
		if percentile(lat, 99) > benchMessageTarget {
			verdict = "MISSES"
		}
		rows = append(rows, row{
			what:   fmt.Sprintf("message query by time, %s, limit 50", order),
			value:  p50p99(lat, 100*time.Microsecond),
			detail: fmt.Sprintf("%d random windows of 2 s–10 min over %dM records; %s the %s target", len(lat), benchMessageRecords/1_000_000, verdict, benchMessageTarget),
		})
	}

	var show []time.Duration
	for i := range 100 {
		p, off := int32(i%benchMessagePartitions), rng.Int64N(benchMessageRecords/benchMessagePartitions)
		start := time.Now()
		if _, err := srv.client.Message(ctx, inst.Name, benchMessageTopic, p, off); err != nil {
			return nil, fmt.Errorf("show %d/%d: %w", p, off, err)
		}
		show = append(show, time.Since(start))
	}
	rows = append(rows, row{
		what:   "message show (one record by offset)",
		value:  p50p99(show, 100*time.Microsecond),
		detail: "100 random offsets",
	})
	return rows, nil
}

// loadMessages produces the records as fast as the producer goes: record i
// goes to partition i mod 6 with a timestamp i × span/records after base.
func loadMessages(ctx context.Context, cl *kgo.Client, base time.Time) (time.Duration, error) {
	step := benchMessageSpan / benchMessageRecords
	payload := strings.Repeat("lorem ipsum dolor sit amet ", 3)
	var failed atomic.Int64
	var firstErr error
	var once sync.Once
	start := time.Now()
	for i := range benchMessageRecords {
		r := &kgo.Record{Topic: benchMessageTopic, Partition: int32(i % benchMessagePartitions),
			Timestamp: base.Add(time.Duration(i) * step),
			Key:       fmt.Appendf(nil, "key-%d", i%10_000),
			Value:     fmt.Appendf(nil, `{"seq":%d,"text":"%s"}`, i, payload)}
		cl.Produce(ctx, r, func(_ *kgo.Record, err error) {
			if err != nil {
				failed.Add(1)
				once.Do(func() { firstErr = err })
			}
		})
		if i%1_000_000 == 999_999 {
			fmt.Fprintf(os.Stderr, "bench: produced %dM records in %s\n", (i+1)/1_000_000, time.Since(start).Round(time.Second))
		}
	}
	if err := cl.Flush(ctx); err != nil {
		return 0, err
	}
	if n := failed.Load(); n > 0 {
		return 0, fmt.Errorf("%d records were refused; first: %w", n, firstErr)
	}
	return time.Since(start), nil
}

// timeQueries times queries over random windows (log-uniform from 2 s to
// 10 min) and checks each answer: 50 messages inside the window, in order,
// no budget spent.
func timeQueries(ctx context.Context, c *client.Client, instance string, base time.Time, newest bool, rng *rand.Rand) ([]time.Duration, error) {
	var lat []time.Duration
	for i := -5; i < benchMessageQueries; i++ { // the first five warm up
		width := time.Duration(2 * float64(time.Second) * math.Pow(300, rng.Float64()))
		from := base.Add(time.Duration(rng.Int64N(int64(benchMessageSpan - width))))
		to := from.Add(width)
		q := streamplane.MessageQuery{Topic: benchMessageTopic, From: &from, To: &to, NewestFirst: newest, Limit: 50}
		start := time.Now()
		page, err := c.QueryMessages(ctx, instance, q)
		took := time.Since(start)
		if err != nil {
			return nil, fmt.Errorf("query %s–%s: %w", from.Format(time.RFC3339Nano), to.Format(time.RFC3339Nano), err)
		}
		if err := checkPage(page, from, to, newest); err != nil {
			return nil, fmt.Errorf("query %s–%s: %w", from.Format(time.RFC3339Nano), to.Format(time.RFC3339Nano), err)
		}
		if i >= 0 {
			lat = append(lat, took)
		}
	}
	return lat, nil
}

func checkPage(page *streamplane.MessagePage, from, to time.Time, newest bool) error {
	if len(page.Messages) != 50 || page.StoppedEarly || !page.More {
		return fmt.Errorf("%d messages, stopped early %v (%s), more %v", len(page.Messages), page.StoppedEarly, page.Reason, page.More)
	}
	for i, m := range page.Messages {
		if m.Timestamp.Before(from.Truncate(time.Millisecond)) || m.Timestamp.After(to) {
			return fmt.Errorf("message %d/%d at %s is outside the window", m.Partition, m.Offset, m.Timestamp)
		}
		if i > 0 {
			prev := page.Messages[i-1].Timestamp
			if (!newest && m.Timestamp.Before(prev)) || (newest && m.Timestamp.After(prev)) {
				return fmt.Errorf("messages out of order at %d", i)
			}
		}
	}
	return nil
}
