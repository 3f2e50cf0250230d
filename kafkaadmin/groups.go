package kafkaadmin

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"

	streamplane "github.com/streamplane/streamplane"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Consumer groups. Kafka has two group protocols: the classic one
// (JoinGroup/SyncGroup, described by DescribeGroups) and KIP-848's consumer
// protocol (ConsumerGroupHeartbeat, described by ConsumerGroupDescribe).
// ListGroups (v5+, Kafka 3.8+) says which protocol each group runs, so the
// list describes each group with the right API; a single group is tried as
// classic first, then as a consumer group. Offsets and lag are the same for
// both: OffsetFetch and ListOffsets.

// ListGroups returns every group Kafka knows, sorted by name, with state,
// type and coordinator but without members or lag (see DescribeGroups).
func (c *Client) ListGroups(ctx context.Context) ([]streamplane.Group, error) {
	req := kmsg.NewPtrListGroupsRequest()
	var out []streamplane.Group
	for _, shard := range c.kcl.RequestSharded(ctx, req) {
		if shard.Err != nil {
			return nil, groupsErr(shard.Err, "list groups on broker %d", shard.Meta.NodeID)
		}
		resp := shard.Resp.(*kmsg.ListGroupsResponse)
		if err := kerrOf(resp.ErrorCode, nil); err != nil {
			return nil, groupsErr(err, "list groups on broker %d", shard.Meta.NodeID)
		}
		for _, g := range resp.Groups {
			typ := strings.ToLower(g.GroupType)
			if typ == "" {
				typ = streamplane.GroupTypeClassic // Kafka before 3.8 has no other kind
			}
			out = append(out, streamplane.Group{Name: g.Group, State: streamplane.GroupStateOf(g.GroupState), KafkaState: g.GroupState,
				Type: typ, ProtocolType: g.ProtocolType, Coordinator: shard.Meta.NodeID})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Group describes one group with its members and offsets. Its protocol is
// not known beforehand, so it is described both as a classic and as a
// consumer group, at once. A group Kafka does not know (or knows only as
// DEAD) is NOT_FOUND.
func (c *Client) Group(ctx context.Context, name string) (*streamplane.GroupDetail, error) {
	details, err := c.DescribeGroups(ctx, []streamplane.Group{{Name: name, Coordinator: -1}})
	if err != nil {
		return nil, err
	}
	switch d := details[0]; {
	case d.State != streamplane.GroupDead:
		return d, nil
	case d.Error != "":
		return nil, streamplane.Errorf(streamplane.EUNAVAILABLE, "describe group %s: %s", name, d.Error)
	}
	return nil, &streamplane.Error{Code: streamplane.ENOTFOUND, Field: "group", Message: fmt.Sprintf("group %q does not exist", name)}
}

// DescribeGroups adds members, committed offsets, end offsets and lag to
// listed groups, in a few batched requests whatever their number: one
// describe per coordinator and protocol, one offset fetch per coordinator
// and one end-offset listing for all topics. A group of no given type is
// described as both classic and consumer group, and takes the type of the
// one that finds it. A group no describe finds comes back DEAD. A group
// whose offsets cannot be read keeps its members and says why in Error.
func (c *Client) DescribeGroups(ctx context.Context, groups []streamplane.Group) ([]*streamplane.GroupDetail, error) {
	details := make([]*streamplane.GroupDetail, len(groups))
	byName := map[string]*streamplane.GroupDetail{}
	var classic, consumer, withOffsets []string
	for i, g := range groups {
		details[i] = &streamplane.GroupDetail{Group: g, Members: []streamplane.GroupMember{}, Topics: []streamplane.GroupTopic{}}
		byName[g.Name] = details[i]
		switch g.Type {
		case streamplane.GroupTypeClassic:
			classic = append(classic, g.Name)
		case streamplane.GroupTypeConsumer:
			consumer = append(consumer, g.Name)
		case "":
			classic, consumer = append(classic, g.Name), append(consumer, g.Name)
		}
		if g.Type != streamplane.GroupTypeShare { // share groups keep no committed offsets
			withOffsets = append(withOffsets, g.Name)
		}
	}

	// Describing and fetching offsets are independent: run them together.
	var (
		wg                     sync.WaitGroup
		classicErr, consumeErr error
		described              kadm.DescribedGroups
		describedConsumers     kadm.DescribedConsumerGroups
		fetched                kadm.FetchOffsetsResponses
	)
	if len(classic) > 0 {
		wg.Go(func() { described, classicErr = c.adm.DescribeGroups(ctx, classic...) })
	}
	if len(consumer) > 0 {
		wg.Go(func() { describedConsumers, consumeErr = c.adm.DescribeConsumerGroups(ctx, consumer...) })
	}
	if len(withOffsets) > 0 {
		wg.Go(func() { fetched = c.adm.FetchManyOffsets(ctx, withOffsets...) })
	}
	wg.Wait()
	// Describing a group of unknown type as a consumer group is a guess:
	// its failure matters only for groups the classic describe missed.
	var guessErr error
	if consumeErr != nil && !slices.ContainsFunc(groups, func(g streamplane.Group) bool { return g.Type == streamplane.GroupTypeConsumer }) {
		guessErr, consumeErr = consumeErr, nil
	}
	if err := errors.Join(classicErr, consumeErr); err != nil {
		return nil, groupsErr(err, "describe groups")
	}

	// subscribed: per group, the topics it reads or is assigned; owner: who
	// is assigned each partition.
	subscribed := map[string]map[string]bool{}
	subscribe := func(group, topic string) {
		if subscribed[group] == nil {
			subscribed[group] = map[string]bool{}
		}
		subscribed[group][topic] = true
	}
	owner := map[string]map[string]map[int32]string{}
	assign := func(group, member, topic string, partitions []int32) {
		if owner[group] == nil {
			owner[group] = map[string]map[int32]string{}
		}
		if owner[group][topic] == nil {
			owner[group][topic] = map[int32]string{}
		}
		for _, p := range partitions {
			owner[group][topic][p] = member
		}
		subscribe(group, topic)
	}
	// A describe that does not find a group leaves it to one that does.
	found := map[string]bool{}
	dead := func(d *streamplane.GroupDetail, err error) {
		if found[d.Name] {
			return
		}
		d.State, d.KafkaState = streamplane.GroupDead, "Dead"
		if err != nil && !errors.Is(err, kerr.GroupIDNotFound) {
			d.Error = "describe: " + err.Error()
		}
	}
	for _, g := range described {
		d := byName[g.Group]
		if d == nil {
			continue
		}
		if g.Err != nil || strings.EqualFold(g.State, "Dead") {
			dead(d, g.Err)
			continue
		}
		found[d.Name], d.Error = true, ""
		d.Type = streamplane.GroupTypeClassic
		d.State, d.KafkaState, d.ProtocolType, d.Protocol = streamplane.GroupStateOf(g.State), g.State, g.ProtocolType, g.Protocol
		d.Coordinator = g.Coordinator.NodeID
		for _, m := range g.Members {
			member := streamplane.GroupMember{MemberID: m.MemberID, ClientID: m.ClientID, ClientHost: strings.TrimPrefix(m.ClientHost, "/"),
				Assignment: []streamplane.MemberAssignment{}}
			if m.InstanceID != nil {
				member.InstanceID = *m.InstanceID
			}
			if a, ok := m.Assigned.AsConsumer(); ok {
				for _, t := range a.Topics {
					member.Assignment = append(member.Assignment, streamplane.MemberAssignment{Topic: t.Topic, Partitions: slices.Sorted(slices.Values(t.Partitions))})
					assign(g.Group, m.MemberID, t.Topic, t.Partitions)
				}
			}
			if j, ok := m.Join.AsConsumer(); ok {
				for _, t := range j.Topics {
					subscribe(g.Group, t)
				}
			}
			d.Members = append(d.Members, member)
		}
	}
	for _, g := range describedConsumers {
		d := byName[g.Group]
		if d == nil {
			continue
		}
		if g.Err != nil || strings.EqualFold(g.State, "Dead") {
			dead(d, g.Err)
			continue
		}
		found[d.Name], d.Error = true, ""
		d.Type = streamplane.GroupTypeConsumer
		d.State, d.KafkaState, d.Protocol = streamplane.GroupStateOf(g.State), g.State, g.AssignorName
		d.ProtocolType = "consumer"
		d.Coordinator = g.Coordinator.NodeID
		for _, m := range g.Members {
			member := streamplane.GroupMember{MemberID: m.MemberID, ClientID: m.ClientID, ClientHost: strings.TrimPrefix(m.ClientHost, "/"),
				Assignment: []streamplane.MemberAssignment{}}
			if m.InstanceID != nil {
				member.InstanceID = *m.InstanceID
			}
			for _, t := range m.Assignment.Sorted() {
				member.Assignment = append(member.Assignment, streamplane.MemberAssignment{Topic: t.Topic, Partitions: slices.Sorted(slices.Values(t.Partitions))})
				assign(g.Group, m.MemberID, t.Topic, t.Partitions)
			}
			for _, t := range m.SubscribedTopics {
				subscribe(g.Group, t)
			}
			d.Members = append(d.Members, member)
		}
	}
	if guessErr != nil && !unsupported(guessErr) {
		for _, d := range details {
			if d.Type == "" && !found[d.Name] {
				d.Error = "describe as a consumer group: " + guessErr.Error()
			}
		}
	}
	committed := map[string]kadm.OffsetResponses{}
	for _, r := range fetched {
		d := byName[r.Group]
		if d == nil {
			continue
		}
		if r.Err != nil {
			if !errors.Is(r.Err, kerr.GroupIDNotFound) {
				d.Error = strings.TrimPrefix(d.Error+"; offsets: "+r.Err.Error(), "; ")
			}
			continue
		}
		committed[r.Group] = r.Fetched
		for t := range r.Fetched {
			subscribe(r.Group, t)
		}
	}

	topics := map[string]bool{}
	for _, ts := range subscribed {
		for t := range ts {
			topics[t] = true
		}
	}
	var ends kadm.ListedOffsets
	if len(topics) > 0 {
		var err error
		ends, err = c.adm.ListEndOffsets(ctx, slices.Sorted(maps.Keys(topics))...)
		if err != nil && ends == nil {
			return nil, groupsErr(err, "list end offsets")
		}
	}

	for _, d := range details {
		d.MemberCount = len(d.Members)
		sort.Slice(d.Members, func(i, j int) bool { return d.Members[i].MemberID < d.Members[j].MemberID })
		// kadm computes each partition's lag (end offset minus committed,
		// never below 0) and the totals. It is given the group without
		// members, as an EMPTY group: who owns a partition is taken above
		// for both protocols (kadm knows only classic members). A
		// partition nobody committed in has no lag here, where kadm counts
		// it from the log start: it is dropped before the totals.
		lag := kadm.CalculateGroupLag(kadm.DescribedGroup{Group: d.Name}, committed[d.Name], ends)
		for _, parts := range lag {
			maps.DeleteFunc(parts, func(_ int32, l kadm.GroupMemberLag) bool { return l.Commit.At < 0 })
		}
		totals := lag.TotalByTopic()
		for _, topic := range slices.Sorted(maps.Keys(subscribed[d.Name])) {
			parts := ends[topic]
			if len(parts) == 0 || parts[-1].Err != nil {
				continue // the topic is gone (or unreadable): nothing to measure against
			}
			gt := streamplane.GroupTopic{Topic: topic, Lag: totals[topic].Lag, Partitions: []streamplane.GroupPartition{}}
			for _, p := range slices.Sorted(maps.Keys(parts)) {
				end := parts[p]
				if end.Err != nil {
					d.Error = strings.TrimPrefix(fmt.Sprintf("%s; end offset of %s-%d: %v", d.Error, topic, p, end.Err), "; ")
					continue
				}
				gp := streamplane.GroupPartition{Partition: p, EndOffset: end.Offset, MemberID: owner[d.Name][topic][p]}
				if l, ok := lag.Lookup(topic, p); ok && l.Err == nil {
					at, behind := l.Commit.At, l.Lag
					gp.Offset, gp.Lag = &at, &behind
				}
				gt.Partitions = append(gt.Partitions, gp)
			}
			d.Lag += gt.Lag
			d.Topics = append(d.Topics, gt)
		}
	}
	return details, nil
}

// DeleteGroups deletes groups; Kafka itself refuses any that has members.
// Each group gets its own outcome.
func (c *Client) DeleteGroups(ctx context.Context, groups ...string) ([]streamplane.GroupDeletion, error) {
	resps, err := c.adm.DeleteGroups(ctx, groups...)
	if err != nil && len(resps) == 0 {
		return nil, groupsErr(err, "delete groups")
	}
	out := make([]streamplane.GroupDeletion, len(groups))
	for i, g := range groups {
		out[i].Group = g
		r, ok := resps[g]
		switch {
		case !ok:
			out[i].Err = streamplane.Errorf(streamplane.EUNAVAILABLE, "delete group %s: its coordinator did not answer: %v", g, err)
		case r.Err != nil:
			out[i].Err = AppError(r.Err, "groups", "delete group %s", g)
		}
	}
	return out, nil
}

// ResetPlan computes where a reset moves the group's offsets in one topic
// (or one partition of it), with the group's current offsets. It commits
// nothing.
func (c *Client) ResetPlan(ctx context.Context, group string, req streamplane.OffsetResetRequest) ([]streamplane.PartitionReset, error) {
	type listing struct {
		offsets kadm.ListedOffsets
		err     error
	}
	var (
		wg                   sync.WaitGroup
		starts, ends, byTime listing
		current              kadm.OffsetResponses
		currentErr           error
	)
	wg.Go(func() { starts.offsets, starts.err = c.adm.ListStartOffsets(ctx, req.Topic) })
	wg.Go(func() { ends.offsets, ends.err = c.adm.ListEndOffsets(ctx, req.Topic) })
	if req.To == streamplane.ResetTimestamp {
		wg.Go(func() {
			byTime.offsets, byTime.err = c.adm.ListOffsetsAfterMilli(ctx, req.Timestamp.UnixMilli(), req.Topic)
		})
	}
	wg.Go(func() { current, currentErr = c.adm.FetchOffsetsForTopics(ctx, group, req.Topic) })
	wg.Wait()
	// A missing topic first: every other call fails on it as well.
	parts := ends.offsets[req.Topic]
	if p, ok := parts[-1]; ends.err == nil && (len(parts) == 0 || ok) {
		err := error(kerr.UnknownTopicOrPartition)
		if ok && p.Err != nil {
			err = p.Err
		}
		if errors.Is(err, kerr.UnknownTopicOrPartition) {
			return nil, &streamplane.Error{Code: streamplane.ENOTFOUND, Field: "topic", Message: fmt.Sprintf("topic %q does not exist", req.Topic)}
		}
		return nil, AppError(err, "topic", "list offsets of topic %s", req.Topic)
	}
	for _, l := range []listing{starts, ends, byTime} {
		if l.err != nil {
			return nil, groupsErr(l.err, "list offsets of topic %s", req.Topic)
		}
	}
	if currentErr != nil && !errors.Is(currentErr, kerr.GroupIDNotFound) {
		return nil, groupsErr(currentErr, "fetch the offsets of group %s", group)
	}
	ids := slices.Sorted(maps.Keys(parts))
	if req.Partition != nil {
		if _, ok := parts[*req.Partition]; !ok {
			return nil, &streamplane.Error{Code: streamplane.ENOTFOUND, Field: "partition",
				Message: fmt.Sprintf("topic %s has partitions 0 to %d; there is no partition %d", req.Topic, len(ids)-1, *req.Partition)}
		}
		ids = []int32{*req.Partition}
	}

	var out []streamplane.PartitionReset
	for _, p := range ids {
		start, sok := starts.offsets.Lookup(req.Topic, p)
		end := parts[p]
		if !sok {
			return nil, streamplane.Errorf(streamplane.EUNAVAILABLE, "list offsets of %s-%d: no answer for the partition", req.Topic, p)
		}
		for _, o := range []kadm.ListedOffset{start, end} {
			if o.Err != nil {
				return nil, groupsErr(o.Err, "list offsets of %s-%d", req.Topic, p)
			}
		}
		r := streamplane.PartitionReset{Partition: p}
		if o, ok := current.Lookup(req.Topic, p); ok && o.Err == nil && o.At >= 0 {
			at := o.At
			r.OldOffset = &at
		}
		switch req.To {
		case streamplane.ResetEarliest:
			r.NewOffset = start.Offset
		case streamplane.ResetLatest:
			r.NewOffset = end.Offset
		case streamplane.ResetTimestamp:
			// The first record at or after the time, by the time index;
			// the end offset when there is none (kadm asks again for it).
			o, ok := byTime.offsets.Lookup(req.Topic, p)
			if !ok || o.Err != nil || o.Offset < 0 {
				return nil, groupsErr(cmp.Or(o.Err, errors.New("no answer")), "find the offset of %s-%d at %s", req.Topic, p, req.Describe())
			}
			r.NewOffset = o.Offset
		case streamplane.ResetOffset:
			r.NewOffset, r.Clamped = streamplane.ClampResetOffset(*req.Offset, start.Offset, end.Offset)
		}
		out = append(out, r)
	}
	return out, nil
}

// CommitGroupOffsets commits new offsets for a group with no members, as
// the admin client does: generation -1 and no member id. A group that does
// not exist yet is created (EMPTY, classic). A group that gained members
// meanwhile makes Kafka refuse the commit, which is INVALID_STATE.
func (c *Client) CommitGroupOffsets(ctx context.Context, group, topic string, resets []streamplane.PartitionReset) error {
	offsets := make(kadm.Offsets)
	for _, r := range resets {
		offsets.Add(kadm.Offset{Topic: topic, Partition: r.Partition, At: r.NewOffset, LeaderEpoch: -1})
	}
	resps, err := c.adm.CommitOffsets(ctx, group, offsets)
	if err == nil {
		err = resps.Error()
	}
	switch {
	case err == nil:
		return nil
	case errors.Is(err, kerr.UnknownMemberID), errors.Is(err, kerr.IllegalGeneration), errors.Is(err, kerr.StaleMemberEpoch),
		errors.Is(err, kerr.FencedMemberEpoch), errors.Is(err, kerr.RebalanceInProgress):
		return streamplane.Errorf(streamplane.ESTATE, "group %s gained members while its offsets were being reset (%v); stop its consumers and retry", group, err)
	}
	return groupsErr(err, "commit the offsets of group %s", group)
}

// unsupported reports whether a request failed because the brokers do not
// know it: ConsumerGroupDescribe before Kafka 4.0 (KIP-848). franz-go does
// not export these errors, so their text is matched.
func unsupported(err error) bool {
	return errors.Is(err, kerr.UnsupportedVersion) ||
		strings.Contains(err.Error(), "broker is too old") || strings.Contains(err.Error(), "request key is unknown")
}

// groupsErr is AppError for operations where a non-Kafka error means the
// brokers could not be reached, not a bug.
func groupsErr(err error, format string, args ...any) error {
	mapped := AppError(err, "", format, args...)
	var appErr *streamplane.Error
	if errors.As(mapped, &appErr) {
		return mapped
	}
	if errors.Is(err, context.Canceled) {
		return err
	}
	return &streamplane.Error{Code: streamplane.EUNAVAILABLE, Message: fmt.Sprintf(format, args...) + ": " + err.Error()}
}
