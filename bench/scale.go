package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"slices"
	"strings"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/kafkaruntime"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Scale-out measurement: a 3-broker instance holding scaleDataBytes in one
// topic (12 partitions, 3 replicas) scales out onto 2 new brokers with the
// replication throttle at scaleThrottleMBps.
const (
	scaleDataBytes    = 1 << 30
	scaleRecordBytes  = 16 << 10
	scaleThrottleMBps = 50
	scaleTopic        = "bench-scale"
)

// measureScale times the rebalance of a scale-out against what the throttle
// allows: the rebalance (from starting the moves until every replica has
// moved, as the task's steps record it) ÷ (bytes copied ÷ throttle). Kafka
// throttles each broker, so two new brokers can each take the throttle's
// rate at once: a ratio near 0.5 means both ran at the throttle. The
// zones are az1–az3 and the new brokers go to az1 and az2, so with 3
// replicas per partition, rack-aware placement keeps one on az3's only
// broker: the spread shows it.
func measureScale(ctx context.Context, env *benchEnv) ([]row, error) {
	srv, err := env.Server(ctx)
	if err != nil {
		return nil, err
	}
	c := srv.client
	spec := streamplane.InstanceSpec{Name: "bench-scale", Version: kafkaruntime.Recommended().Version, Flavor: "kafka.2u4g.cluster",
		BrokerCount: 3, StorageGBPerBroker: 100, Zones: []string{"az1", "az2", "az3"}}
	_, created, err := timeCreate(ctx, c, spec)
	if err != nil {
		return nil, err
	}
	defer deleteInstance(ctx, c, created.ID)
	inst, err := c.Instance(ctx, created.ID)
	if err != nil {
		return nil, err
	}
	cl, err := kafkaClient(inst, kgo.RequiredAcks(kgo.AllISRAcks()), kgo.ProducerBatchMaxBytes(1<<20), kgo.ProducerLinger(5*time.Millisecond),
		kgo.ProducerBatchCompression(kgo.NoCompression())) // the brokers store all of it
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	if _, err := adm.CreateTopic(ctx, 12, 3, nil, scaleTopic); err != nil {
		return nil, err
	}
	fillStart := time.Now()
	if err := fill(ctx, cl, scaleTopic, scaleDataBytes, scaleRecordBytes); err != nil {
		return nil, err
	}
	fillTime := time.Since(fillStart)
	before, err := replicaSpread(ctx, adm)
	if err != nil {
		return nil, err
	}

	task, err := c.Scale(ctx, inst.ID, streamplane.ScaleRequest{BrokerCount: 5, ThrottleMBps: scaleThrottleMBps})
	if err != nil {
		return nil, err
	}
	done, err := c.WaitTask(ctx, task.ID, nil)
	if err != nil {
		return nil, err
	}
	if done.Status != streamplane.TaskSucceeded {
		return nil, fmt.Errorf("scale-out %s: %s", done.Status, done.Error)
	}
	var moveStart, moveEnd time.Time
	for _, s := range done.Steps {
		switch {
		case s.Name == "Start the moves" && s.StartedAt != nil:
			moveStart = *s.StartedAt
		case s.Name == "Wait until every replica has moved" && s.FinishedAt != nil:
			moveEnd = *s.FinishedAt
		}
	}
	if moveStart.IsZero() || moveEnd.IsZero() {
		return nil, fmt.Errorf("scale-out task %s has no timed move steps", done.ID)
	}
	after, err := replicaSpread(ctx, adm)
	if err != nil {
		return nil, err
	}
	moved, err := bytesOn(ctx, adm, 3, 4) // the new brokers held nothing before
	if err != nil {
		return nil, err
	}
	rebalance := moveEnd.Sub(moveStart)
	bound := time.Duration(float64(moved) / float64(scaleThrottleMBps<<20) * float64(time.Second))
	return []row{
		{"scale-out 3 → 5 brokers, 1 GB × RF 3, throttle 50 MB/s: rebalance ÷ (bytes ÷ throttle)",
			fmt.Sprintf("%.2f", rebalance.Seconds()/bound.Seconds()),
			fmt.Sprintf("rebalance %s for %d MB copied (%s at the throttle); whole task %s; filling took %s",
				rebalance.Round(100*time.Millisecond), moved>>20, bound.Round(100*time.Millisecond),
				done.FinishedAt.Sub(*done.StartedAt).Round(100*time.Millisecond), fillTime.Round(100*time.Millisecond))},
		{"scale-out 3 → 5: replicas per broker before → after", after, "before: " + before},
	}, nil
}

// fill writes total bytes of records to the topic.
func fill(ctx context.Context, cl *kgo.Client, topic string, total, size int) error {
	value := make([]byte, size)
	rand.Read(value) // as real payloads, not a run of zeros
	var firstErr error
	var results = make(chan error, 1024)
	n := total / size
	go func() {
		for i := 0; i < n; i++ {
			cl.Produce(ctx, &kgo.Record{Topic: topic, Value: value}, func(_ *kgo.Record, err error) { results <- err })
		}
	}()
	for i := 0; i < n; i++ {
		if err := <-results; err != nil && firstErr == nil {
			firstErr = err
		}
	}
	return firstErr
}

// replicaSpread lists how many replicas each broker holds.
func replicaSpread(ctx context.Context, adm *kadm.Client) (string, error) {
	md, err := adm.Metadata(ctx)
	if err != nil {
		return "", err
	}
	counts := map[int32]int{}
	for _, td := range md.Topics {
		for _, p := range td.Partitions {
			for _, r := range p.Replicas {
				counts[r]++
			}
		}
	}
	ids := make([]int32, 0, len(counts))
	for id := range counts {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var parts []string
	for _, id := range ids {
		parts = append(parts, fmt.Sprintf("%d:%d", id, counts[id]))
	}
	return strings.Join(parts, " "), nil
}

// bytesOn sums the log sizes on the given brokers.
func bytesOn(ctx context.Context, adm *kadm.Client, brokers ...int32) (int64, error) {
	dirs, err := adm.DescribeAllLogDirs(ctx, nil)
	if err != nil {
		return 0, err
	}
	var n int64
	for _, b := range brokers {
		for _, d := range dirs[b] {
			n += d.Size()
		}
	}
	return n, nil
}
