package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/client"
	"github.com/twmb/franz-go/pkg/kgo"
)

// rollLoadRate is the producer's rate during an operation under load.
const rollLoadRate = 2000 // records per second

// rollResult is one operation under load.
type rollResult struct {
	took                 time.Duration // the operation's task, request to done
	acked, failed, lost  int
	p99, maxProduceDelay time.Duration
	perNode              []time.Duration // from one "restarting node" event to the next (the last: to the task's end)
}

// underLoad runs an operation on an instance (a rolling restart, a flavor
// change, an upgrade: op starts its task) while a producer writes
// rollLoadRate records/s with acks=all to a new topic of 3 replicas and
// min.insync.replicas 2, then reads the topic back to count acknowledged
// records that are missing. A write fails when the client gives up on it:
// after its retries, 30 s at most.
func underLoad(ctx context.Context, c *client.Client, id, topic string, op func(context.Context) (*streamplane.Task, error)) (rollResult, error) {
	var res rollResult
	inst, err := c.Instance(ctx, id)
	if err != nil {
		return res, err
	}
	if _, err := c.CreateTopic(ctx, id, streamplane.TopicSpec{Name: topic, Partitions: 3, Replicas: 3,
		Configs: map[string]string{streamplane.ConfigMinInsyncReplicas: "2"}}); err != nil {
		return res, fmt.Errorf("create %s: %w", topic, err)
	}
	prod, err := kafkaClient(inst, kgo.DefaultProduceTopic(topic), kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.RecordDeliveryTimeout(30*time.Second))
	if err != nil {
		return res, err
	}
	defer prod.Close()

	var mu sync.Mutex
	var latencies []time.Duration
	acked := map[string]bool{}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		seq := 0
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			for range rollLoadRate / 100 {
				sent := time.Now()
				value := strconv.Itoa(seq)
				seq++
				prod.Produce(ctx, &kgo.Record{Value: []byte(value)}, func(_ *kgo.Record, err error) {
					mu.Lock()
					defer mu.Unlock()
					if err != nil {
						res.failed++
						return
					}
					acked[value] = true
					latencies = append(latencies, time.Since(sent))
				})
			}
		}
	}()

	time.Sleep(2 * time.Second) // the producer in its stride first
	start := time.Now()
	task, err := op(ctx)
	var done *streamplane.TaskDetail
	if err == nil {
		done, err = waitTask(ctx, c, task.ID)
	}
	res.took = time.Since(start)
	if done != nil {
		res.perNode = perNode(done)
	}
	time.Sleep(2 * time.Second)
	close(stop)
	wg.Wait()
	if ferr := prod.Flush(ctx); err == nil {
		err = ferr
	}
	if err != nil {
		return res, err
	}
	mu.Lock()
	res.acked = len(acked)
	if len(latencies) > 0 {
		res.p99 = percentile(latencies, 99)
		res.maxProduceDelay = percentile(latencies, 100)
	}
	mu.Unlock()

	// Every acknowledged record must be in the topic.
	cons, err := kafkaClient(inst, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		return res, err
	}
	defer cons.Close()
	seen := 0
	deadline := time.Now().Add(time.Minute)
	for seen < res.acked && time.Now().Before(deadline) {
		fctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		fetches := cons.PollFetches(fctx)
		cancel()
		fetches.EachRecord(func(r *kgo.Record) {
			if acked[string(r.Value)] {
				delete(acked, string(r.Value))
				seen++
			}
		})
	}
	res.lost = res.acked - seen
	return res, nil
}

// perNode times each node's restart from the task's events.
func perNode(t *streamplane.TaskDetail) []time.Duration {
	var starts []time.Time
	for _, e := range t.Events {
		if strings.HasPrefix(e.Message, "restarting node ") {
			starts = append(starts, e.At)
		}
	}
	var out []time.Duration
	for i, at := range starts {
		end := t.UpdatedAt
		if i+1 < len(starts) {
			end = starts[i+1]
		}
		out = append(out, end.Sub(at))
	}
	return out
}
