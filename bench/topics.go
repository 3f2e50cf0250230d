package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

const (
	benchTopics        = 2000 // topics in the list measurement
	benchTopicRF       = 3    // their replicas: the limit counts partitions, not replicas
	benchTopicBatch    = 100  // topics per CreateTopics/DeleteTopics request
	benchTopicRequests = 50   // timed requests per latency measurement
	benchTopicCreates  = 20   // topics created through the API
)

// measureTopics times the topic API on the large instance with 2,000
// topics (1 partition, 3 replicas each, made straight through Kafka in
// batches): the list, which must not grow a round trip per topic, the
// disk usage report over the same topics, one topic's detail, and a
// creation through the API (checks, create, wait until every broker
// knows it, describe).
func measureTopics(ctx context.Context, env *benchEnv) ([]row, error) {
	srv, inst, err := env.LargeInstance(ctx)
	if err != nil {
		return nil, err
	}
	cl, err := kafkaClient(inst)
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	adm.SetTimeoutMillis(60_000)

	names := make([]string, benchTopics)
	for i := range names {
		names[i] = fmt.Sprintf("bench-topic-%04d", i)
	}
	var made []string
	defer func() {
		ctx := context.Background()
		for i := 0; i < len(made); i += benchTopicBatch {
			if _, err := adm.DeleteTopics(ctx, made[i:min(i+benchTopicBatch, len(made))]...); err != nil {
				fmt.Println("bench: delete topics:", err)
			}
		}
	}()

	start := time.Now()
	for i := 0; i < len(names); i += benchTopicBatch {
		batch := names[i:min(i+benchTopicBatch, len(names))]
		resps, err := adm.CreateTopics(ctx, 1, benchTopicRF, nil, batch...)
		if err != nil {
			return nil, fmt.Errorf("create topics: %w", err)
		}
		for _, r := range resps {
			if r.Err != nil {
				return nil, fmt.Errorf("create topic %s: %w (%s)", r.Topic, r.Err, r.ErrMessage)
			}
			made = append(made, r.Topic)
		}
	}
	// Every broker must know every topic before the list is timed: the
	// list answers from whichever broker the server asks.
	if err := waitBrokersKnow(ctx, cl, "bench-topic-", benchTopics, 10*time.Minute); err != nil {
		return nil, err
	}
	created := time.Since(start)
	// Brokers keep creating logs and starting replica fetchers for a while
	// after they know the topics; timing then measures that, not the API.
	time.Sleep(20 * time.Second)
	base := srv.client.BaseURL + "/api/v1/instances/" + url.PathEscape(inst.ID)

	rows := []row{{what: fmt.Sprintf("create %d topics (RF %d) through kadm, batches of %d", benchTopics, benchTopicRF, benchTopicBatch),
		value: created.Round(100 * time.Millisecond).String(), detail: "setup: until every broker knows them all"}}
	// The GETs take turns, so that load from outside the bench (this
	// machine has two cores) falls on all of them alike.
	var listSize int
	gets := []struct {
		what, path, detail string
		check              func(body string) error
	}{
		{fmt.Sprintf("GET …/topics, %d topics (RF %d)", benchTopics, benchTopicRF), "/topics",
			"Metadata + 1 DescribeConfigs + DescribeLogDirs per request", func(body string) error {
				listSize = len(body)
				var list streamplane.TopicList
				if err := json.Unmarshal([]byte(body), &list); err != nil {
					return err
				}
				if list.Total < benchTopics {
					return fmt.Errorf("listed %d topics, want %d", list.Total, benchTopics)
				}
				return nil
			}},
		{fmt.Sprintf("GET …/topics?format=csv, %d topics", benchTopics), "/topics?format=csv", "the same requests; CSV", nil},
		{fmt.Sprintf("GET …/disk-usage?top=1000, %d topics", benchTopics), "/disk-usage?top=1000", "Metadata + DescribeLogDirs", nil},
		{"GET …/topics/{topic} (detail)", "/topics/" + names[0], "Metadata, DescribeConfigs, DescribeLogDirs, ListOffsets ×2", nil},
	}
	lat := make([][]time.Duration, len(gets))
	for i := range benchTopicRequests + 3 { // the first three warm up
		for j, g := range gets {
			took, err := getTimed(base+g.path, srv.client.Token, g.check)
			if err != nil {
				return nil, err
			}
			if i >= 3 {
				lat[j] = append(lat[j], took)
			}
		}
	}
	for j, g := range gets {
		rows = append(rows, row{g.what, p50p99(lat[j], 100*time.Microsecond), fmt.Sprintf("%d requests; %s", benchTopicRequests, g.detail)})
	}
	rows[1].detail += fmt.Sprintf("; %d KB of JSON", listSize/1024)

	var creates []time.Duration
	for i := range benchTopicCreates {
		name := fmt.Sprintf("bench-api-topic-%02d", i)
		t0 := time.Now()
		_, err := srv.client.CreateTopic(ctx, inst.ID, streamplane.TopicSpec{Name: name, Partitions: 3, Replicas: 3})
		if err != nil {
			return nil, fmt.Errorf("create topic %s through the API: %w", name, err)
		}
		creates = append(creates, time.Since(t0))
		made = append(made, name)
	}
	rows = append(rows, row{fmt.Sprintf("POST …/topics (3 partitions, RF 3), %d topics present", benchTopics), p50p99(creates, 100*time.Microsecond),
		fmt.Sprintf("%d sequential creations: limit check, create, wait for every broker, describe", benchTopicCreates)})
	return rows, nil
}

// waitBrokersKnow waits until every broker's metadata has n topics whose
// names start with prefix.
func waitBrokersKnow(ctx context.Context, cl *kgo.Client, prefix string, n int, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	brokers, err := kmsg.NewPtrMetadataRequest().RequestWith(ctx, cl)
	if err != nil {
		return err
	}
	for _, b := range brokers.Brokers {
		for {
			resp, err := cl.Broker(int(b.NodeID)).Request(ctx, kmsg.NewPtrMetadataRequest())
			known := 0
			if err == nil {
				for _, t := range resp.(*kmsg.MetadataResponse).Topics {
					if t.Topic != nil && strings.HasPrefix(*t.Topic, prefix) && t.ErrorCode == 0 {
						known++
					}
				}
			}
			if known >= n {
				break
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("broker %d knows %d of %d topics: %w", b.NodeID, known, n, ctx.Err())
			case <-time.After(time.Second):
			}
		}
	}
	return nil
}
