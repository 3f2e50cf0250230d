package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// The upgrade measured: the last 3.9 onto the recommended release.
const benchUpgradeFrom, benchUpgradeTo = "3.9.2", "4.1.2"

// measureUpgrade times a rolling upgrade of a 3-broker instance, finalize
// included, while a producer writes about 2,000 records a second with
// acks=all, then reads the topic back: every acknowledged record must be
// there.
func measureUpgrade(ctx context.Context, env *benchEnv) ([]row, error) {
	srv, err := env.Server(ctx)
	if err != nil {
		return nil, err
	}
	c := srv.client
	if err := installRuntime(ctx, c, benchUpgradeFrom); err != nil {
		return nil, err
	}
	_, inst, err := timeCreate(ctx, c, streamplane.InstanceSpec{Name: "bench-upgrade", Version: benchUpgradeFrom, Flavor: streamplane.DevFlavor,
		BrokerCount: 3, StorageGBPerBroker: 10, Zones: []string{"az1", "az2", "az3"}})
	if err != nil {
		return nil, err
	}
	defer deleteInstance(ctx, c, inst.ID)
	if inst, err = c.Instance(ctx, inst.ID); err != nil {
		return nil, err
	}
	cl, err := kafkaClient(inst, kgo.RequiredAcks(kgo.AllISRAcks()), kgo.RecordDeliveryTimeout(2*time.Minute))
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	const topic = "upgrade-load"
	two := "2"
	if _, err := kadm.NewClient(cl).CreateTopic(ctx, 6, 3, map[string]*string{"min.insync.replicas": &two}, topic); err != nil {
		return nil, err
	}

	var (
		mu     sync.Mutex
		acked  = map[string]bool{}
		failed atomic.Int64
		wg     sync.WaitGroup
		halt   = make(chan struct{})
	)
	produced := make(chan struct{})
	go func() {
		defer close(produced)
		for i := 0; ; i++ {
			select {
			case <-halt:
				wg.Wait()
				return
			default:
			}
			v := fmt.Sprintf("r-%08d", i)
			wg.Add(1)
			cl.Produce(ctx, &kgo.Record{Topic: topic, Value: []byte(v)}, func(_ *kgo.Record, err error) {
				defer wg.Done()
				if err != nil {
					failed.Add(1)
					return
				}
				mu.Lock()
				acked[v] = true
				mu.Unlock()
			})
			if i%100 == 99 {
				time.Sleep(50 * time.Millisecond) // about 2,000 a second
			}
		}
	}()

	time.Sleep(2 * time.Second) // the stream runs before the roll starts
	start := time.Now()
	task, err := c.UpgradeInstance(ctx, inst.ID, streamplane.UpgradeRequest{Version: benchUpgradeTo})
	if err == nil {
		_, err = c.WaitTask(ctx, task.ID, nil)
	}
	took := time.Since(start)
	close(halt)
	<-produced
	if err != nil {
		return nil, err
	}
	lost, err := missingRecords(ctx, inst, topic, acked)
	if err != nil {
		return nil, err
	}
	return []row{{fmt.Sprintf("rolling upgrade %s → %s under 2,000 rec/s, finalize included", benchUpgradeFrom, benchUpgradeTo),
		took.Round(100 * time.Millisecond).String(),
		fmt.Sprintf("%d records acked, %d failed writes, %d lost", len(acked), failed.Load(), lost)}}, nil
}

// missingRecords reads the topic from the start and counts the records of
// want it does not hold.
func missingRecords(ctx context.Context, inst *streamplane.Instance, topic string, want map[string]bool) (int, error) {
	cl, err := kafkaClient(inst, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		return 0, err
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	left := len(want)
	seen := map[string]bool{}
	for left > 0 {
		fetches := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			break
		}
		fetches.EachRecord(func(r *kgo.Record) {
			v := string(r.Value)
			if want[v] && !seen[v] {
				seen[v] = true
				left--
			}
		})
	}
	return left, nil
}
