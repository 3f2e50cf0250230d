package kafkaadmin

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Moving replicas (KIP-455): AlterPartitionReassignments starts a move and
// the controller finishes it once the new replicas are in sync; the
// replication throttle (KIP-73) keeps the copying from starving clients.

// Reassignment is one partition being moved, as the controller reports it.
type Reassignment struct {
	Topic     string
	Partition int32
	Replicas  []int32 // during the move: the old and the new replicas
	Adding    []int32
	Removing  []int32
}

// Reassignments lists the moves in progress, of every topic of the cluster:
// one request to the controller (null topics asks for all), which a wait
// for the moves to end can send every second.
func (c *Client) Reassignments(ctx context.Context) ([]Reassignment, error) {
	req := kmsg.NewPtrListPartitionReassignmentsRequest() // Topics nil: every topic
	resp, err := req.RequestWith(ctx, c.kcl)
	if err != nil {
		return nil, err
	}
	if err := kerr.ErrorForCode(resp.ErrorCode); err != nil {
		var msg string
		if resp.ErrorMessage != nil {
			msg = *resp.ErrorMessage
		}
		return nil, withMessage(err, msg)
	}
	var out []Reassignment
	for _, t := range resp.Topics {
		for _, p := range t.Partitions {
			out = append(out, Reassignment{Topic: t.Topic, Partition: p.Partition, Replicas: p.Replicas, Adding: p.AddingReplicas, Removing: p.RemovingReplicas})
		}
	}
	slices.SortFunc(out, func(a, b Reassignment) int {
		return cmp.Or(strings.Compare(a.Topic, b.Topic), cmp.Compare(a.Partition, b.Partition))
	})
	return out, nil
}

// Reassign starts moving each partition to its replica list (the first one
// the preferred leader). Asking again for a move in progress to the same
// list is harmless, so a resumed task may repeat it.
func (c *Client) Reassign(ctx context.Context, targets map[string]map[int32][]int32) error {
	req := kadm.AlterPartitionAssignmentsReq{}
	for topic, parts := range targets {
		for p, replicas := range parts {
			req.Assign(topic, p, replicas)
		}
	}
	return c.alterAssignments(ctx, req, nil)
}

// CancelReassignments stops the moves of these partitions where they are:
// each keeps its old replicas.
func (c *Client) CancelReassignments(ctx context.Context, parts map[string][]int32) error {
	req := kadm.AlterPartitionAssignmentsReq{}
	for topic, ps := range parts {
		for _, p := range ps {
			req.CancelAssign(topic, p)
		}
	}
	// A move that finished between listing and cancelling has nothing to
	// cancel: it is where it was going, which is not an error.
	return c.alterAssignments(ctx, req, kerr.NoReassignmentInProgress)
}

// alterAssignments sends the request and joins the partitions' errors,
// leaving out fine (if not nil), the error that means the partition is fine.
func (c *Client) alterAssignments(ctx context.Context, req kadm.AlterPartitionAssignmentsReq, fine error) error {
	if len(req) == 0 {
		return nil
	}
	resps, err := c.adm.AlterPartitionAssignments(ctx, req)
	if err != nil {
		return err
	}
	var errs []error
	resps.Each(func(r kadm.AlterPartitionAssignmentsResponse) {
		if r.Err != nil && (fine == nil || !errors.Is(r.Err, fine)) {
			errs = append(errs, fmt.Errorf("%s-%d: %w", r.Topic, r.Partition, withMessage(r.Err, r.ErrMessage)))
		}
	})
	return errors.Join(errs...)
}

// Replication throttle settings: rates on the brokers, and which replicas
// of a topic they apply to ("*": all of them; replicas in sync are never
// throttled, so clients' writes are not held up).
const (
	leaderThrottleRate        = "leader.replication.throttled.rate"
	followerThrottleRate      = "follower.replication.throttled.rate"
	leaderThrottledReplicas   = "leader.replication.throttled.replicas"
	followerThrottledReplicas = "follower.replication.throttled.replicas"
)

// SetReplicationThrottle limits the copying of the topics' replicas to
// bytesPerSecond on each of the brokers, as leader and as follower.
func (c *Client) SetReplicationThrottle(ctx context.Context, brokers []int32, topics []string, bytesPerSecond int64) error {
	rate := strconv.FormatInt(bytesPerSecond, 10)
	if err := c.alterBrokers(ctx, brokers, setConfigs(map[string]string{leaderThrottleRate: rate, followerThrottleRate: rate})); err != nil {
		return fmt.Errorf("set the replication throttle rate: %w", err)
	}
	for _, topic := range topics {
		if err := c.AlterTopicConfigs(ctx, topic, map[string]string{leaderThrottledReplicas: "*", followerThrottledReplicas: "*"}, nil, false); err != nil {
			return fmt.Errorf("throttle the replicas of %s: %w", topic, err)
		}
	}
	return nil
}

// RemoveReplicationThrottle removes what SetReplicationThrottle set;
// removing settings that are not there is harmless. Topics that no longer
// exist are skipped.
func (c *Client) RemoveReplicationThrottle(ctx context.Context, brokers []int32, topics []string) error {
	del := []kadm.AlterConfig{{Op: kadm.DeleteConfig, Name: leaderThrottleRate}, {Op: kadm.DeleteConfig, Name: followerThrottleRate}}
	if err := c.alterBrokers(ctx, brokers, del); err != nil {
		return fmt.Errorf("remove the replication throttle rate: %w", err)
	}
	for _, topic := range topics {
		err := c.AlterTopicConfigs(ctx, topic, nil, []string{leaderThrottledReplicas, followerThrottledReplicas}, false)
		if err != nil && !IsUnknownTopic(err) {
			return fmt.Errorf("stop throttling the replicas of %s: %w", topic, err)
		}
	}
	return nil
}

// ReplicationThrottle reads the throttle rate each broker runs with: 0
// where none is set.
func (c *Client) ReplicationThrottle(ctx context.Context, brokers []int32) (map[int32]int64, error) {
	configs, err := c.BrokerConfigs(ctx, brokers, []string{leaderThrottleRate})
	if err != nil {
		return nil, err
	}
	out := map[int32]int64{}
	for _, b := range brokers {
		out[b], _ = strconv.ParseInt(configs[b][leaderThrottleRate], 10, 64)
	}
	return out, nil
}

// alterBrokers changes each broker's own dynamic configuration.
func (c *Client) alterBrokers(ctx context.Context, brokers []int32, ops []kadm.AlterConfig) error {
	for _, b := range slices.Sorted(slices.Values(brokers)) {
		resps, err := c.adm.AlterBrokerConfigs(ctx, ops, b)
		if err != nil {
			return err
		}
		for _, r := range resps {
			if r.Err != nil {
				return fmt.Errorf("broker %d: %w", b, withMessage(r.Err, r.ErrMessage))
			}
		}
	}
	return nil
}
