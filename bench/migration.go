package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/client"
	"github.com/streamplane/streamplane/kafkaruntime"
	"github.com/streamplane/streamplane/poll"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// The migration measurement (issue 12): a 1-broker source instance holds
// 1 GiB of record values in one topic; the same records are copied into a
// 1-broker target instance twice, first by a raw franz-go consume→produce
// pipe, then by a migration (MirrorMaker 2), and the two rates are
// compared. Then a steady producer and a committing consumer group run on
// the source, the consumers stop, and the cutover check is polled until
// the group may switch.
const (
	migTopic       = "bench-migration"
	migPipeTopic   = migTopic + "-pipe" // MirrorMaker keeps names: the pipe writes elsewhere
	migPartitions  = 6
	migRecords     = 1 << 20
	migValueBytes  = 1 << 10
	migName        = "bench-migration"
	migGroup       = "bench-cutover"
	migTargetRatio = 0.8

	// The steady load of the cutover: 2,000 records/s for 30 s.
	migLiveRate     = 2000
	migLiveDuration = 30 * time.Second
	// migSettle is how long the cutover check is watched after READY.
	migSettle = 15 * time.Second
)

// migPayload is what one copy moves: every record's key, value and header.
type migPayload struct {
	records int64
	bytes   int64
	ends    map[int32]int64 // the source topic's end offsets
}

func (p migPayload) mbps(d time.Duration) float64 { return float64(p.bytes) / (1 << 20) / d.Seconds() }

func measureMigration(ctx context.Context, env *benchEnv) ([]row, error) {
	srv, err := env.Server(ctx)
	if err != nil {
		return nil, err
	}
	c := srv.client
	spec := func(name string) streamplane.InstanceSpec {
		// 10 GB: the source holds 1 GiB, the target two copies of it.
		return streamplane.InstanceSpec{Name: name, Version: kafkaruntime.Recommended().Version, Flavor: streamplane.DevFlavor,
			BrokerCount: 1, StorageGBPerBroker: 10, Zones: []string{"az1"}}
	}
	var insts []*streamplane.Instance
	for _, name := range []string{"bench-mig-source", "bench-mig-target"} {
		_, created, err := timeCreate(ctx, c, spec(name))
		if err != nil {
			return nil, fmt.Errorf("create %s: %w", name, err)
		}
		defer cleanup(func(ctx context.Context) { deleteInstance(ctx, c, created.ID) })
		inst, err := c.Instance(ctx, created.ID)
		if err != nil {
			return nil, err
		}
		insts = append(insts, inst)
	}
	src, dst := insts[0], insts[1]

	srcAdm, err := kafkaClient(src)
	if err != nil {
		return nil, err
	}
	defer srcAdm.Close()
	dstAdm, err := kafkaClient(dst)
	if err != nil {
		return nil, err
	}
	defer dstAdm.Close()
	if _, err := kadm.NewClient(srcAdm).CreateTopic(ctx, migPartitions, 1, nil, migTopic); err != nil {
		return nil, fmt.Errorf("create %s: %w", migTopic, err)
	}
	if _, err := kadm.NewClient(dstAdm).CreateTopic(ctx, migPartitions, 1, nil, migPipeTopic); err != nil {
		return nil, fmt.Errorf("create %s: %w", migPipeTopic, err)
	}

	loadCtx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	payload, loadTime, err := loadMigrationTopic(loadCtx, src)
	cancel()
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", migTopic, err)
	}
	if payload.ends, err = endOffsets(ctx, srcAdm, migTopic); err != nil {
		return nil, err
	}
	size := fmt.Sprintf("%d records × (1 KiB value + key + header) = %d bytes (%.0f MiB), %d partitions, RF 1",
		payload.records, payload.bytes, float64(payload.bytes)/(1<<20), migPartitions)

	// The pipe first, then the migration: one run each (a run copies
	// 1 GiB), both reading a source whose log the page cache holds.
	pipeCtx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	pipeTime, err := pipeCopy(pipeCtx, src, dst, payload.records)
	cancel()
	if err != nil {
		return nil, fmt.Errorf("pipe: %w", err)
	}

	mig, err := migrationCopy(ctx, c, src, dst, dstAdm, payload)
	if mig != nil && mig.created {
		defer cleanup(func(ctx context.Context) { deleteMigration(ctx, c, dst.Name) })
	}
	if err != nil {
		return nil, fmt.Errorf("migration: %w", err)
	}

	cut, err := cutover(ctx, c, src, dst)
	if err != nil {
		return nil, fmt.Errorf("cutover: %w", err)
	}

	pipeRate, migRate := payload.mbps(pipeTime), payload.mbps(mig.done)
	ratio := migRate / pipeRate
	verdict := "meets"
	if ratio < migTargetRatio {
		verdict = "MISSES"
	}
	return []row{
		{"migration source: load " + migTopic, loadTime.Round(100 * time.Millisecond).String(),
			fmt.Sprintf("%s; %.0f MB/s from franz-go, acks=all, no compression", size, payload.mbps(loadTime))},
		{"raw pipe, franz-go consume → produce (1-broker source → 1-broker target)", fmt.Sprintf("%.1f MB/s", pipeRate),
			fmt.Sprintf("%s for every record acknowledged (same partition, key, value, headers, timestamp; acks=all, no compression); run first", pipeTime.Round(100*time.Millisecond))},
		{"migration, MirrorMaker 2: create → 0 records behind and equal end offsets", fmt.Sprintf("%.1f MB/s", migRate),
			fmt.Sprintf("%s; first record on the target after %s (MirrorMaker's start), all records after %s (%.1f MB/s since the first); MirrorMaker RSS %.0f MB; run second",
				mig.done.Round(100*time.Millisecond), mig.first.Round(100*time.Millisecond),
				mig.data.Round(100*time.Millisecond), payload.mbps(mig.data-mig.first), mig.rssMB)},
		{"migration ÷ raw pipe copy rate", fmt.Sprintf("%.2f", ratio), fmt.Sprintf("target ≥ %.1f: %s", migTargetRatio, verdict)},
		{"cutover: consumers stop → cutover check READY", cut.ready.Round(100 * time.Millisecond).String(),
			fmt.Sprintf("records behind at READY %d, duplicates reported %d (%s later: %d); after %d records/s for %s (%d produced, %d read and committed by group %s)",
				cut.behind, cut.duplicates, migSettle, cut.settled, migLiveRate, migLiveDuration, cut.produced, cut.consumed, migGroup)},
	}, nil
}

// loadMigrationTopic writes migRecords records round-robin over the
// partitions: a key, a 1 KiB value of random bytes (no compression could
// shrink it anyway) and one header.
func loadMigrationTopic(ctx context.Context, inst *streamplane.Instance) (migPayload, time.Duration, error) {
	cl, err := kafkaClient(inst, kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.ProducerBatchCompression(kgo.NoCompression()),
		kgo.ProducerBatchMaxBytes(1<<20), kgo.ProducerLinger(5*time.Millisecond), kgo.MaxBufferedRecords(50_000))
	if err != nil {
		return migPayload{}, 0, err
	}
	defer cl.Close()
	pool := make([]byte, 1<<20)
	rand.Read(pool)
	var p migPayload
	var failed atomic.Int64
	var firstErr error
	var once sync.Once
	start := time.Now()
	for i := range migRecords {
		off := (i * 4099) % (len(pool) - migValueBytes)
		r := &kgo.Record{Topic: migTopic, Partition: int32(i % migPartitions),
			Key:     fmt.Appendf(nil, "key-%07d", i),
			Value:   pool[off : off+migValueBytes],
			Headers: []kgo.RecordHeader{{Key: "seq", Value: fmt.Appendf(nil, "%07d", i)}}}
		p.records++
		p.bytes += int64(len(r.Key) + len(r.Value) + len(r.Headers[0].Key) + len(r.Headers[0].Value))
		cl.Produce(ctx, r, func(_ *kgo.Record, err error) {
			if err != nil {
				failed.Add(1)
				once.Do(func() { firstErr = err })
			}
		})
	}
	if err := cl.Flush(ctx); err != nil {
		return p, 0, err
	}
	if n := failed.Load(); n > 0 {
		return p, 0, fmt.Errorf("%d records were refused; first: %w", n, firstErr)
	}
	return p, time.Since(start), nil
}

// pipeCopy is the baseline: a franz-go consumer reads the source topic
// from its start and a franz-go producer writes each record as it came
// (partition, key, value, headers, timestamp) to the target; it ends when
// every record is acknowledged. Both clients keep franz-go's defaults but
// for compression, off as MirrorMaker's.
func pipeCopy(ctx context.Context, src, dst *streamplane.Instance, total int64) (time.Duration, error) {
	start := time.Now()
	cons, err := kafkaClient(src, kgo.ConsumeTopics(migTopic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		return 0, err
	}
	defer cons.Close()
	prod, err := kafkaClient(dst, kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.ProducerBatchCompression(kgo.NoCompression()))
	if err != nil {
		return 0, err
	}
	defer prod.Close()
	var failed atomic.Int64
	var firstErr error
	var once sync.Once
	var consumed int64
	for consumed < total {
		fetches := cons.PollFetches(ctx)
		if ctx.Err() != nil {
			return 0, fmt.Errorf("read %d of %d records: %w", consumed, total, ctx.Err())
		}
		if err := fetches.Err(); err != nil {
			return 0, err
		}
		fetches.EachRecord(func(r *kgo.Record) {
			consumed++
			out := &kgo.Record{Topic: migPipeTopic, Partition: r.Partition, Key: r.Key, Value: r.Value, Headers: r.Headers, Timestamp: r.Timestamp}
			prod.Produce(ctx, out, func(_ *kgo.Record, err error) {
				if err != nil {
					failed.Add(1)
					once.Do(func() { firstErr = err })
				}
			})
		})
	}
	if err := prod.Flush(ctx); err != nil {
		return 0, err
	}
	if n := failed.Load(); n > 0 {
		return 0, fmt.Errorf("%d records were refused; first: %w", n, firstErr)
	}
	return time.Since(start), nil
}

// migCopy is what the migration's bulk copy took, each from the create
// request.
type migCopy struct {
	created bool
	first   time.Duration // the target topic holds a record
	data    time.Duration // the target's end offsets equal the source's
	done    time.Duration // and the status shows 0 records behind
	rssMB   float64
}

// migrationCopy creates the migration (the topic, and the cutover's group,
// which does not exist yet) and waits until the target holds every record
// and the status says so. The status, which reads both clusters, is only
// asked once the end offsets match, so as not to slow the copy.
func migrationCopy(ctx context.Context, c *client.Client, src, dst *streamplane.Instance, dstCl *kgo.Client, p migPayload) (*migCopy, error) {
	out := &migCopy{}
	start := time.Now()
	_, err := c.CreateMigration(ctx, dst.Name, streamplane.MigrationSpec{Name: migName,
		Source: streamplane.MigrationSource{BootstrapServers: strings.Split(src.BootstrapServers[streamplane.ListenerPrivatePlaintext], ",")},
		Topics: migTopic, Groups: migGroup})
	if err != nil {
		return nil, err
	}
	out.created = true
	var st *streamplane.MigrationStatus
	err = poll.Until(ctx, 250*time.Millisecond, 15*time.Minute, func(ctx context.Context) error {
		if out.data == 0 {
			ends, err := endOffsets(ctx, dstCl, migTopic)
			if err != nil {
				return err
			}
			var have int64
			for _, e := range ends {
				have += e
			}
			if have > 0 && out.first == 0 {
				out.first = time.Since(start)
			}
			for part, want := range p.ends {
				if ends[part] != want {
					return fmt.Errorf("the target holds %d of %d records", have, p.records)
				}
			}
			out.data = time.Since(start)
		}
		if st, err = c.Migration(ctx, dst.Name, migName); err != nil {
			return err
		}
		if st.State == streamplane.MigrationServiceException {
			return poll.Stop(fmt.Errorf("migration %s: %s", st.State, st.StateReason))
		}
		for _, t := range st.Topics {
			if t.Topic == migTopic && t.RecordsBehind == 0 {
				return nil
			}
		}
		return fmt.Errorf("the status shows %+v (errors %v)", st.Topics, st.Errors)
	})
	if err != nil {
		return out, err
	}
	out.done = time.Since(start)
	out.rssMB = rssMB(st.PID)
	return out, nil
}

// endOffsets are a topic's end offsets by partition; an error until
// every partition answers.
func endOffsets(ctx context.Context, cl *kgo.Client, topic string) (map[int32]int64, error) {
	listed, err := kadm.NewClient(cl).ListEndOffsets(ctx, topic)
	if err != nil {
		return nil, err
	}
	out := map[int32]int64{}
	var errs []error
	listed.Each(func(o kadm.ListedOffset) {
		if o.Err != nil {
			errs = append(errs, fmt.Errorf("%s/%d: %w", topic, o.Partition, o.Err))
			return
		}
		out[o.Partition] = o.Offset
	})
	if len(errs) > 0 || len(out) == 0 {
		return nil, fmt.Errorf("end offsets of %s: %w", topic, errors.Join(errs...))
	}
	return out, nil
}

// cutoverResult is the lag at cutover.
type cutoverResult struct {
	produced, consumed int64
	ready              time.Duration // from the consumers' stop
	behind, duplicates int64
	// settled is the duplicates the check reports migSettle after READY:
	// MirrorMaker's later checkpoints bring the translation closer.
	settled int64
}

// cutover runs the steady load on the source, a producer and a group of
// one consumer committing every second, then stops the producer and the
// consumer (a final commit, then it leaves the group) and polls the
// cutover check until the group is READY.
func cutover(ctx context.Context, c *client.Client, src, dst *streamplane.Instance) (*cutoverResult, error) {
	res := &cutoverResult{}
	cons, err := kafkaClient(src, kgo.ConsumerGroup(migGroup), kgo.ConsumeTopics(migTopic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtEnd()), kgo.AutoCommitInterval(time.Second))
	if err != nil {
		return nil, err
	}
	left := false
	defer func() {
		if !left {
			cons.Close()
		}
	}()
	consCtx, stopConsumer := context.WithCancel(ctx)
	consumed := make(chan int64, 1)
	go func() {
		var n int64
		for consCtx.Err() == nil {
			fetches := cons.PollFetches(consCtx)
			n += int64(fetches.NumRecords())
		}
		consumed <- n
	}()

	prod, err := kafkaClient(src, kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.ProducerBatchCompression(kgo.NoCompression()))
	if err != nil {
		stopConsumer()
		return nil, err
	}
	defer prod.Close()
	value := make([]byte, migValueBytes)
	rand.Read(value)
	var failed atomic.Int64
	tick := time.NewTicker(10 * time.Millisecond)
	end := time.Now().Add(migLiveDuration)
	for i := 0; time.Now().Before(end); {
		<-tick.C
		for range migLiveRate / 100 {
			r := &kgo.Record{Topic: migTopic, Partition: int32(i % migPartitions), Key: fmt.Appendf(nil, "live-%07d", i), Value: value}
			prod.Produce(ctx, r, func(_ *kgo.Record, err error) {
				if err != nil {
					failed.Add(1)
				}
			})
			i++
			res.produced++
		}
	}
	tick.Stop()
	err = prod.Flush(ctx)
	stopConsumer()
	res.consumed = <-consumed
	if err != nil {
		return nil, err
	}
	if n := failed.Load(); n > 0 {
		return nil, fmt.Errorf("%d of %d live records were refused", n, res.produced)
	}
	if err := cons.CommitUncommittedOffsets(ctx); err != nil {
		return nil, fmt.Errorf("final commit: %w", err)
	}
	cons.Close() // leaves the group: it is Empty on the source
	left = true
	stopped := time.Now()

	err = poll.Until(ctx, 250*time.Millisecond, 3*time.Minute, func(ctx context.Context) error {
		checks, err := c.CutoverCheck(ctx, dst.Name, migName)
		if err != nil {
			return err
		}
		for _, ch := range checks {
			if ch.Group == migGroup && ch.Ready {
				res.behind, res.duplicates = ch.RecordsBehind, ch.Duplicates
				return nil
			}
		}
		return fmt.Errorf("cutover check: %+v", checks)
	})
	if err != nil {
		return nil, err
	}
	res.ready = time.Since(stopped)

	// How the duplicates go down as MirrorMaker checkpoints again.
	settle := time.Now().Add(migSettle)
	err = poll.Until(ctx, time.Second, migSettle+30*time.Second, func(ctx context.Context) error {
		checks, err := c.CutoverCheck(ctx, dst.Name, migName)
		if err != nil {
			return err
		}
		for _, ch := range checks {
			if ch.Group == migGroup {
				res.settled = ch.Duplicates
			}
		}
		if time.Now().Before(settle) {
			return fmt.Errorf("%s after READY", migSettle)
		}
		return nil
	})
	return res, err
}

// cleanup runs a deletion with a bounded time of its own, even when the
// measurement's context has ended.
func cleanup(del func(ctx context.Context)) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	del(ctx)
}

// deleteMigration stops the migration and waits until it is deleted.
func deleteMigration(ctx context.Context, c *client.Client, instance string) {
	if _, err := c.DeleteMigration(ctx, instance, migName); err != nil {
		return
	}
	poll.Until(ctx, 500*time.Millisecond, 0, func(ctx context.Context) error {
		st, err := c.Migration(ctx, instance, migName)
		if err != nil || st.State == streamplane.MigrationDeleted {
			return nil
		}
		return fmt.Errorf("migration is %s", st.State)
	})
}
