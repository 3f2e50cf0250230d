package sourcekafka

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Bounds of an inventory: a source larger than MaxPartitions is listed
// whole, but sizes and rates are read for its first MaxPartitions only (by
// topic name); a sample is at most MaxSample; each round of requests ends
// after StepTimeout.
const (
	MaxPartitions = 10000
	MaxSample     = 5 * time.Minute
	StepTimeout   = 30 * time.Second
)

// reading is one measurement of the measured topics: end offsets and the
// leader replicas' sizes, and when it was taken.
type reading struct {
	at    time.Time
	ends  kadm.ListedOffsets
	sizes map[string]map[int32]int64 // leader replica's log size
}

// Inventory reads what the source holds: its topics with sizes, configs
// and rates measured over sample (end offsets and leader replica sizes at
// the start and end of it), its groups with lag, its ACLs when the user
// may read them, and the cluster's brokers. Kafka's internal topics (__*)
// are left out. A failure of a part that is not essential (ACLs, a
// broker's log dirs, groups) is a warning, not a failure.
func (c *Client) Inventory(ctx context.Context, sample time.Duration) (*streamplane.Inventory, error) {
	sample = min(max(sample, 0), MaxSample)
	step, cancel := context.WithTimeout(ctx, StepTimeout)
	meta, err := c.adm.Metadata(step)
	cancel()
	if err != nil {
		return nil, c.classify(err)
	}
	inv := &streamplane.Inventory{ClusterID: meta.Cluster, Controller: meta.Controller, Brokers: len(meta.Brokers),
		Topics: []streamplane.InventoryTopic{}, Groups: []streamplane.InventoryGroup{}, ACLs: []streamplane.InventoryACL{},
		SampleSeconds: sample.Seconds()}

	// The topics, and the ones measured: all of them up to MaxPartitions.
	leaders := map[string]map[int32]int32{}
	var measured []string
	budget := MaxPartitions
	for _, name := range slices.Sorted(maps.Keys(meta.Topics)) {
		t := meta.Topics[name]
		if t.IsInternal || strings.HasPrefix(name, "__") {
			continue
		}
		if t.Err != nil {
			inv.Warnings = append(inv.Warnings, fmt.Sprintf("topic %s: %v", name, t.Err))
			continue
		}
		it := streamplane.InventoryTopic{Name: name, Partitions: len(t.Partitions)}
		leaders[name] = map[int32]int32{}
		for _, p := range t.Partitions {
			it.ReplicationFactor = max(it.ReplicationFactor, len(p.Replicas))
			leaders[name][p.Partition] = p.Leader
		}
		inv.Topics = append(inv.Topics, it)
		inv.Partitions += it.Partitions
		if it.Partitions <= budget {
			measured = append(measured, name)
			budget -= it.Partitions
		} else {
			inv.Truncated = true
		}
	}
	if inv.Truncated {
		inv.Warnings = append(inv.Warnings, fmt.Sprintf("the source has %d partitions: sizes and rates are read for %d topics (%d partitions) only",
			inv.Partitions, len(measured), MaxPartitions-budget))
	}

	// First reading, with what needs reading once: configs, start offsets,
	// last write times, groups and ACLs, all at once.
	var (
		wg                   sync.WaitGroup
		first                reading
		firstErr             error
		configs              map[string]map[string]string
		starts, newest       kadm.ListedOffsets
		configErr, newestErr error
	)
	step, cancel = context.WithTimeout(ctx, StepTimeout)
	if len(measured) > 0 {
		wg.Go(func() { first, firstErr = c.read(step, measured, leaders) })
		wg.Go(func() { configs, configErr = c.topicConfigs(step, measured) })
		wg.Go(func() { starts, _ = c.adm.ListStartOffsets(step, measured...) })
		wg.Go(func() { newest, newestErr = c.adm.ListMaxTimestampOffsets(step, measured...) })
	}
	var groupWarnings []string
	wg.Go(func() { inv.Groups, groupWarnings = c.groups(step) })
	wg.Go(func() { inv.ACLs, inv.ACLsReadable, inv.ACLsReason = c.acls(step) })
	wg.Wait()
	cancel()
	inv.Warnings = append(inv.Warnings, groupWarnings...)
	if firstErr != nil {
		return nil, c.classify(firstErr)
	}
	if configErr != nil {
		inv.Warnings = append(inv.Warnings, "topic configs: "+configErr.Error())
	}
	if newestErr != nil {
		// Kafka before 3.0 has no max-timestamp listing: no last write.
		inv.Warnings = append(inv.Warnings, "last write times: "+newestErr.Error())
	}

	last := first
	if sample > 0 && len(measured) > 0 {
		select {
		case <-time.After(sample):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		step, cancel = context.WithTimeout(ctx, StepTimeout)
		last, err = c.read(step, measured, leaders)
		cancel()
		if err != nil {
			return nil, c.classify(err)
		}
	}
	inv.TakenAt = last.at
	isMeasured := map[string]bool{}
	for _, t := range measured {
		isMeasured[t] = true
	}
	for i := range inv.Topics {
		t := &inv.Topics[i]
		if !isMeasured[t.Name] {
			continue
		}
		fillTopic(t, first, last, starts, newest, configs[t.Name])
		inv.SizeBytes += t.SizeBytes
		inv.BytesInPerSec += t.BytesInPerSec
	}
	return inv, nil
}

// fillTopic sets a measured topic's size, records, rates, configs and
// activity from the two readings.
func fillTopic(t *streamplane.InventoryTopic, first, last reading, starts, newest kadm.ListedOffsets, configs map[string]string) {
	elapsed := last.at.Sub(first.at).Seconds()
	var grownBytes, grownRecords int64
	for p, end := range last.ends[t.Name] {
		if end.Err != nil || p < 0 {
			continue
		}
		if s, ok := starts.Lookup(t.Name, p); ok && s.Err == nil && s.Offset >= 0 {
			t.Records += end.Offset - s.Offset
		}
		if e0, ok := first.ends.Lookup(t.Name, p); ok && e0.Err == nil && end.Offset > e0.Offset {
			grownRecords += end.Offset - e0.Offset
		}
	}
	for p, size := range last.sizes[t.Name] {
		t.SizeBytes += size
		if s0, ok := first.sizes[t.Name][p]; ok && size > s0 {
			grownBytes += size - s0
		}
	}
	if elapsed > 0 {
		t.BytesInPerSec = float64(grownBytes) / elapsed
		t.RecordsInPerSec = float64(grownRecords) / elapsed
	}
	var newestMillis int64 = -1
	for _, o := range newest[t.Name] {
		if o.Err == nil && o.Offset >= 0 && o.Timestamp > newestMillis {
			newestMillis = o.Timestamp
		}
	}
	if newestMillis >= 0 {
		at := time.UnixMilli(newestMillis).UTC()
		t.LastWrite = &at
	}
	if len(configs) > 0 {
		t.Configs = configs
	}
	t.Inactive = inactive(t, last.at)
}

// inactive is the rule InventoryTopic.Inactive states: no records kept, or
// none written during the sample and the newest older than InactiveAfter.
func inactive(t *streamplane.InventoryTopic, now time.Time) bool {
	if t.Records == 0 {
		return true
	}
	return t.RecordsInPerSec == 0 && t.LastWrite != nil && now.Sub(*t.LastWrite) > streamplane.InactiveAfter
}

// read takes one reading of the topics.
func (c *Client) read(ctx context.Context, topics []string, leaders map[string]map[int32]int32) (reading, error) {
	r := reading{sizes: map[string]map[int32]int64{}}
	var (
		wg             sync.WaitGroup
		endErr, dirErr error
		dirs           kadm.DescribedAllLogDirs
	)
	set := kadm.TopicsSet{}
	for _, t := range topics {
		set.Add(t, slices.Collect(maps.Keys(leaders[t]))...)
	}
	wg.Go(func() { r.ends, endErr = c.adm.ListEndOffsets(ctx, topics...) })
	wg.Go(func() { dirs, dirErr = c.adm.DescribeAllLogDirs(ctx, set) })
	wg.Wait()
	r.at = time.Now()
	if endErr != nil && len(r.ends) == 0 {
		return r, endErr
	}
	var shardErrs *kadm.ShardErrors
	if dirErr != nil && !(errors.As(dirErr, &shardErrs) && !shardErrs.AllFailed) {
		return r, dirErr
	}
	// The leader's replica is the data once; a partition whose leader's
	// broker did not answer has no size.
	for broker, ds := range dirs {
		for _, d := range ds {
			if d.Err != nil {
				continue
			}
			for topic, parts := range d.Topics {
				for p, dp := range parts {
					if leaders[topic][p] != broker {
						continue
					}
					if r.sizes[topic] == nil {
						r.sizes[topic] = map[int32]int64{}
					}
					r.sizes[topic][p] += dp.Size
				}
			}
		}
	}
	return r, nil
}

// topicConfigs returns each topic's own settings: not defaults, not
// sensitive ones.
func (c *Client) topicConfigs(ctx context.Context, topics []string) (map[string]map[string]string, error) {
	rcs, err := c.adm.DescribeTopicConfigs(ctx, topics...)
	if err != nil && len(rcs) == 0 {
		return nil, err
	}
	out := map[string]map[string]string{}
	for _, rc := range rcs {
		if rc.Err != nil {
			continue
		}
		for _, cfg := range rc.Configs {
			if cfg.Sensitive || cfg.Value == nil || cfg.Source != kmsg.ConfigSourceDynamicTopicConfig {
				continue
			}
			if out[rc.Name] == nil {
				out[rc.Name] = map[string]string{}
			}
			out[rc.Name][cfg.Key] = *cfg.Value
		}
	}
	return out, err
}

// groups returns the source's groups, with members and lag, and what
// could not be read.
func (c *Client) groups(ctx context.Context) (out []streamplane.InventoryGroup, warnings []string) {
	out = []streamplane.InventoryGroup{}
	listed, err := c.adm.ListGroups(ctx)
	if err != nil && len(listed) == 0 {
		return out, []string{"groups: " + c.classify(err).Error()}
	}
	if len(listed) == 0 {
		return out, nil
	}
	lags, err := c.adm.Lag(ctx, listed.Groups()...)
	if err != nil && len(lags) == 0 {
		warnings = append(warnings, "group lag: "+c.classify(err).Error())
	}
	for _, name := range slices.Sorted(maps.Keys(listed)) {
		l := listed[name]
		g := streamplane.InventoryGroup{Group: name, State: l.State, ProtocolType: l.ProtocolType, Topics: []string{}}
		if d, ok := lags[name]; ok {
			if d.State != "" {
				g.State = d.State
			}
			g.Members = len(d.Members)
			for topic, parts := range d.Lag {
				g.Topics = append(g.Topics, topic)
				for _, pl := range parts {
					if pl.Err == nil && pl.Commit.At >= 0 { // a partition never committed has no lag
						g.Lag += pl.Lag
					}
				}
			}
			slices.Sort(g.Topics)
			if err := d.Error(); err != nil && !errors.Is(err, kerr.GroupIDNotFound) {
				warnings = append(warnings, fmt.Sprintf("group %s: %v", name, err))
			}
		}
		out = append(out, g)
	}
	return out, warnings
}

// acls returns the source's ACLs, or says why they cannot be read.
func (c *Client) acls(ctx context.Context) (out []streamplane.InventoryACL, readable bool, reason string) {
	out = []streamplane.InventoryACL{}
	req := kmsg.NewPtrDescribeACLsRequest()
	req.ResourceType = kmsg.ACLResourceTypeAny
	req.ResourcePatternType = kmsg.ACLResourcePatternTypeAny
	req.Operation = kmsg.ACLOperationAny
	req.PermissionType = kmsg.ACLPermissionTypeAny
	resp, err := req.RequestWith(ctx, c.kcl)
	if err == nil {
		err = kerr.ErrorForCode(resp.ErrorCode)
	}
	switch {
	case errors.Is(err, kerr.SecurityDisabled):
		return out, true, "the source has no authorizer: it keeps no ACLs"
	case errors.Is(err, kerr.ClusterAuthorizationFailed):
		return out, false, fmt.Sprintf("user %q may not describe the source's ACLs (it needs Describe on the cluster)", c.src.Username)
	case err != nil:
		return out, false, "the source did not list its ACLs: " + c.classify(err).Error()
	}
	for _, r := range resp.Resources {
		for _, a := range r.ACLs {
			out = append(out, streamplane.InventoryACL{Principal: a.Principal, Host: a.Host,
				ResourceType: r.ResourceType.String(), ResourceName: r.ResourceName, PatternType: r.ResourcePatternType.String(),
				Operation: a.Operation.String(), Permission: a.PermissionType.String()})
		}
	}
	return out, true, ""
}
