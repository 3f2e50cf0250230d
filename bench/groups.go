package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

const (
	benchGroups        = 500  // groups in the list measurement
	benchLagPartitions = 1000 // partitions of the group in the lag measurement
	benchGroupRequests = 50   // timed requests per latency measurement
)

// measureGroups times the consumer group API on the large instance: the
// list with 500 groups (each with lag, so each described and its offsets
// fetched) and one group's lag over 1,000 partitions. Groups are made
// cheaply, by committing an offset for each, as any client can.
func measureGroups(ctx context.Context, env *benchEnv) ([]row, error) {
	srv, inst, err := env.LargeInstance(ctx)
	if err != nil {
		return nil, err
	}
	cl, err := kafkaClient(inst, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)

	small, wide := "bench-groups-small", "bench-groups-wide"
	var groups []string
	defer func() {
		// Clean up whatever was made, through the API's batch deletion.
		if len(groups) > 0 {
			if _, err := srv.client.DeleteGroups(context.Background(), inst.ID, groups...); err != nil {
				fmt.Println("bench: delete the groups:", err)
			}
		}
		adm.DeleteTopics(context.Background(), small, wide)
	}()

	// 500 groups, each with a committed offset in every partition of a
	// small topic.
	if err := benchTopic(ctx, adm, cl, small, 3, 100); err != nil {
		return nil, err
	}
	for i := range benchGroups {
		groups = append(groups, fmt.Sprintf("bench-group-%04d", i))
	}
	setup := time.Now()
	if err := commitEach(ctx, adm, groups, small, 3, 50); err != nil {
		return nil, err
	}
	setupTook := time.Since(setup)
	base := srv.client.BaseURL + "/api/v1/instances/" + url.PathEscape(inst.ID) + "/groups"
	listAll, err := timeGET(base+"?limit=1000", srv.client.Token, benchGroupRequests, 3, func(body string) error {
		if n := strings.Count(body, `"group": "bench-group-`); n != benchGroups {
			return fmt.Errorf("the list shows %d of the %d groups", n, benchGroups)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	listPage, err := timeGET(base, srv.client.Token, benchGroupRequests, 3, nil)
	if err != nil {
		return nil, err
	}

	// One group over 1,000 partitions, one record in each: lag 1,000.
	if err := benchTopic(ctx, adm, cl, wide, benchLagPartitions, 1); err != nil {
		return nil, err
	}
	lagGroup := "bench-group-wide"
	groups = append(groups, lagGroup)
	if err := commitEach(ctx, adm, []string{lagGroup}, wide, benchLagPartitions, 0); err != nil {
		return nil, err
	}
	lag, err := timeGET(base+"/"+lagGroup, srv.client.Token, benchGroupRequests, 3, func(body string) error {
		if !strings.Contains(body, fmt.Sprintf(`"lag": %d,`, benchLagPartitions)) {
			return fmt.Errorf("group %s does not show a lag of %d", lagGroup, benchLagPartitions)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}

	start := time.Now()
	results, err := srv.client.DeleteGroups(ctx, inst.ID, groups...)
	if err != nil {
		return nil, err
	}
	deleteTook := time.Since(start)
	for _, r := range results {
		if err := r.Err(); err != nil {
			return nil, fmt.Errorf("delete group %s: %w", r.Group, err)
		}
	}
	groups = nil

	lat := func(ds []time.Duration) string { return p50p99(ds, 100*time.Microsecond) }
	return []row{
		{fmt.Sprintf("GET …/groups, %d groups, all in one page", benchGroups), lat(listAll),
			fmt.Sprintf("%d sequential requests; every group described and its lag computed (set up by %d commits in %s)", benchGroupRequests, benchGroups, setupTook.Round(100*time.Millisecond))},
		{fmt.Sprintf("GET …/groups, %d groups, default page (100)", benchGroups), lat(listPage), fmt.Sprintf("%d sequential requests", benchGroupRequests)},
		{fmt.Sprintf("GET …/groups/{group}, lag over %d partitions", benchLagPartitions), lat(lag),
			fmt.Sprintf("%d sequential requests; one topic, RF 1, a record and a commit in each partition", benchGroupRequests)},
		{fmt.Sprintf("POST …/groups/delete, %d EMPTY groups", len(results)), deleteTook.Round(time.Millisecond).String(), "one batch request"},
	}, nil
}

// benchTopic creates a topic and writes perPartition records to each
// partition.
func benchTopic(ctx context.Context, adm *kadm.Client, cl *kgo.Client, topic string, partitions int32, perPartition int) error {
	if _, err := adm.CreateTopic(ctx, partitions, 1, nil, topic); err != nil {
		return fmt.Errorf("create topic %s: %w", topic, err)
	}
	// The new partitions need leaders before they take writes.
	deadline := time.Now().Add(2 * time.Minute)
	for {
		ends, err := adm.ListEndOffsets(ctx, topic)
		if err == nil && ends.Error() == nil && len(ends[topic]) == int(partitions) {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("topic %s has no leaders after 2 minutes: %v", topic, errors.Join(err, ends.Error()))
		}
		time.Sleep(500 * time.Millisecond)
	}
	var records []*kgo.Record
	for p := range partitions {
		for i := range perPartition {
			records = append(records, &kgo.Record{Topic: topic, Partition: p, Value: fmt.Appendf(nil, "r-%d-%d", p, i)})
		}
	}
	if len(records) == 0 {
		return nil
	}
	return cl.ProduceSync(ctx, records...).FirstErr()
}

// commitEach commits offset `at` in every partition of topic for each
// group, sixteen groups at a time.
func commitEach(ctx context.Context, adm *kadm.Client, groups []string, topic string, partitions int32, at int64) error {
	offsets := make(kadm.Offsets)
	for p := range partitions {
		offsets.Add(kadm.Offset{Topic: topic, Partition: p, At: at, LeaderEpoch: -1})
	}
	work := make(chan string)
	errs := make(chan error, len(groups))
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for g := range work {
				errs <- adm.CommitAllOffsets(ctx, g, offsets)
			}
		})
	}
	for _, g := range groups {
		work <- g
	}
	close(work)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return fmt.Errorf("commit offsets: %w", err)
		}
	}
	return nil
}
