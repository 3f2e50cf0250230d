package kafkaadmin

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/poll"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Partition is one partition's replica placement and in-sync set.
type Partition struct {
	Topic    string
	ID       int32
	Leader   int32
	Replicas []int32
	ISR      []int32
	MinISR   int // the topic's effective min.insync.replicas
}

// Voter is one KRaft controller as the quorum leader sees it.
type Voter struct {
	ID             int32
	LogEndOffset   int64
	LastCaughtUpMs int64 // when it was last caught up, by the leader's clock; -1 unknown
}

// Quorum is the KRaft controller quorum's state.
type Quorum struct {
	Leader int32 // the active controller, -1 if none
	Voters []Voter
}

// AliveBrokers returns the brokers that serve requests: listed in the
// cluster's metadata (registered, not fenced) and answering a request of
// their own. Metadata alone is not enough: a broker killed a moment ago
// stays listed until its session times out.
func (c *Client) AliveBrokers(ctx context.Context) (map[int32]bool, error) {
	m, err := c.freshMetadata(ctx, false)
	if err != nil {
		return nil, err
	}
	type answer struct {
		id int32
		ok bool
	}
	answers := make(chan answer, len(m.Brokers))
	for _, b := range m.Brokers {
		go func(id int32) { answers <- answer{id, c.Ping(ctx, id) == nil} }(b.NodeID)
	}
	alive := map[int32]bool{}
	for range m.Brokers {
		if a := <-answers; a.ok {
			alive[a.id] = true
		}
	}
	return alive, nil
}

// Ping sends ApiVersions to one broker and waits briefly for its answer.
func (c *Client) Ping(ctx context.Context, id int32) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	_, err := c.kcl.Broker(int(id)).Request(ctx, kmsg.NewPtrApiVersionsRequest())
	return err
}

// Partitions returns every partition of every topic, internal ones
// included, with each topic's effective min.insync.replicas.
func (c *Client) Partitions(ctx context.Context) ([]Partition, error) {
	m, err := c.freshMetadata(ctx, true)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(m.Topics))
	for _, t := range m.Topics {
		if t.Topic != nil && t.ErrorCode == 0 {
			names = append(names, *t.Topic)
		}
	}
	sort.Strings(names)
	byName := map[string]kmsg.MetadataResponseTopic{}
	for _, t := range m.Topics {
		if t.Topic != nil {
			byName[*t.Topic] = t
		}
	}
	minISR := map[string]int{}
	if len(names) > 0 {
		configs, err := c.adm.DescribeTopicConfigs(ctx, names...)
		if err != nil {
			return nil, err
		}
		for _, rc := range configs {
			if rc.Err != nil {
				continue // deleted meanwhile
			}
			for _, cfg := range rc.Configs {
				if cfg.Key == "min.insync.replicas" && cfg.Value != nil {
					n, _ := strconv.Atoi(*cfg.Value)
					minISR[rc.Name] = n
				}
			}
		}
	}
	var out []Partition
	for _, name := range names {
		parts := byName[name].Partitions
		sort.Slice(parts, func(i, j int) bool { return parts[i].Partition < parts[j].Partition })
		for _, p := range parts {
			out = append(out, Partition{Topic: name, ID: p.Partition, Leader: p.Leader,
				Replicas: p.Replicas, ISR: p.ISR, MinISR: max(1, minISR[name])})
		}
	}
	return out, nil
}

// freshMetadata asks a broker for metadata, bypassing franz-go's metadata
// cache: health and ISR checks must see the cluster as it is now, and the
// client's list of brokers is refreshed only by real metadata requests.
func (c *Client) freshMetadata(ctx context.Context, allTopics bool) (*kmsg.MetadataResponse, error) {
	req := kmsg.NewPtrMetadataRequest()
	if !allTopics {
		req.Topics = []kmsg.MetadataRequestTopic{}
	}
	return req.RequestWith(ctx, c.kcl)
}

// waitBrokers polls each broker the cluster lists until check holds for
// it, for at most timeout. A change the controller accepted reaches each
// broker a moment later, through the metadata log, and the next request may
// go to any of them; what names the awaited state in the error.
func (c *Client) waitBrokers(ctx context.Context, timeout time.Duration, what string, check func(context.Context, *kgo.Broker) bool) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	m, err := c.freshMetadata(ctx, false)
	if err != nil {
		return err
	}
	for _, mb := range m.Brokers {
		b := c.kcl.Broker(int(mb.NodeID))
		err := poll.Until(ctx, 50*time.Millisecond, 0, func(ctx context.Context) error {
			if !check(ctx, b) {
				return fmt.Errorf("broker %d does not show %s yet", mb.NodeID, what)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// DescribeQuorum returns the controller quorum's state (through any broker,
// which forwards the request to the controllers).
func (c *Client) DescribeQuorum(ctx context.Context) (Quorum, error) {
	req := kmsg.NewPtrDescribeQuorumRequest()
	t := kmsg.NewDescribeQuorumRequestTopic()
	t.Topic = "__cluster_metadata"
	p := kmsg.NewDescribeQuorumRequestTopicPartition()
	p.Partition = 0
	t.Partitions = append(t.Partitions, p)
	req.Topics = append(req.Topics, t)
	resp, err := req.RequestWith(ctx, c.kcl)
	if err != nil {
		return Quorum{Leader: -1}, err
	}
	if err := kerrOf(resp.ErrorCode, resp.ErrorMessage); err != nil {
		return Quorum{Leader: -1}, err
	}
	if len(resp.Topics) != 1 || len(resp.Topics[0].Partitions) != 1 {
		return Quorum{Leader: -1}, fmt.Errorf("kafkaadmin: unexpected DescribeQuorum response shape")
	}
	part := resp.Topics[0].Partitions[0]
	if err := kerrOf(part.ErrorCode, part.ErrorMessage); err != nil {
		return Quorum{Leader: -1}, err
	}
	q := Quorum{Leader: part.LeaderID}
	for _, v := range part.CurrentVoters {
		q.Voters = append(q.Voters, Voter{ID: v.ReplicaID, LogEndOffset: v.LogEndOffset, LastCaughtUpMs: v.LastCaughtUpTimestamp})
	}
	sort.Slice(q.Voters, func(i, j int) bool { return q.Voters[i].ID < q.Voters[j].ID })
	return q, nil
}

// ElectPreferredLeaders moves leadership back to each partition's preferred
// replica (the first of its replica list) where it is in sync, to even out
// load after restarts and reassignments. partitions names the partitions
// per topic; nil means every partition of the cluster. A partition already
// led by its preferred replica counts as such, not as a failure.
func (c *Client) ElectPreferredLeaders(ctx context.Context, partitions map[string][]int32) (streamplane.LeaderElection, error) {
	var set kadm.TopicsSet
	if partitions != nil {
		set = kadm.TopicsSet{}
		for topic, ps := range partitions {
			set.Add(topic, ps...)
		}
	}
	var out streamplane.LeaderElection
	res, err := c.adm.ElectLeaders(ctx, kadm.ElectPreferredReplica, set)
	if err != nil {
		return out, err
	}
	for topic, ps := range res {
		for p, r := range ps {
			switch {
			case r.Err == nil:
				out.Elected++
			case errors.Is(r.Err, kerr.ElectionNotNeeded):
				out.AlreadyPreferred++
			default:
				msg := r.Err.Error()
				if r.ErrMessage != "" {
					msg += ": " + r.ErrMessage
				}
				out.Failed = append(out.Failed, streamplane.PartitionFailure{Topic: topic, Partition: p, Error: msg})
			}
		}
	}
	slices.SortFunc(out.Failed, func(a, b streamplane.PartitionFailure) int {
		return cmp.Or(strings.Compare(a.Topic, b.Topic), cmp.Compare(a.Partition, b.Partition))
	})
	return out, nil
}

// UsedBytes returns, per broker, the bytes its log directories hold.
func (c *Client) UsedBytes(ctx context.Context) (map[int32]int64, error) {
	dirs, err := c.adm.DescribeAllLogDirs(ctx, nil)
	if err != nil {
		return nil, err
	}
	out := map[int32]int64{}
	for broker, d := range dirs {
		out[broker] = d.Size()
	}
	return out, nil
}
