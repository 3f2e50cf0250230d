package service

import (
	"context"
	"fmt"
	"time"

	streamplane "github.com/streamplane/streamplane"
)

// readTimeout bounds each cluster read of a status or cutover check, so
// that an unreachable source shows as such instead of hanging the answer.
const readTimeout = 15 * time.Second

func (s *Service) migrationStatus(ctx context.Context, instance, name string) (*streamplane.MigrationStatus, error) {
	m, inst, err := s.migrationAndInstance(ctx, instance, name)
	if err != nil {
		return nil, err
	}
	st := &streamplane.MigrationStatus{Migration: *m, Topics: []streamplane.MigrationTopic{}, Groups: []streamplane.MigrationGroup{},
		Connectors: []streamplane.MirrorConnector{}}
	if m.State == streamplane.MigrationDeleted {
		return st, nil
	}
	r, errs := s.readMigration(ctx, inst, m)
	st.Errors = errs
	st.Topics, st.Groups = r.Topics(), r.GroupsStatus()
	if cl, err := s.Admin.Get(ctx, inst); err == nil {
		rctx, cancel := context.WithTimeout(ctx, readTimeout)
		defer cancel()
		if conns, err := cl.MirrorConnectors(rctx, m); err == nil {
			st.Connectors = conns
		} else {
			st.Errors = append(st.Errors, "MirrorMaker's connectors: "+err.Error())
		}
	}
	return st, nil
}

func (s *Service) cutoverCheck(ctx context.Context, instance, name string) ([]streamplane.CutoverCheck, error) {
	m, inst, err := s.migrationAndInstance(ctx, instance, name)
	if err != nil {
		return nil, err
	}
	if m.State != streamplane.MigrationRunning {
		return nil, streamplane.Errorf(streamplane.ESTATE, "migration %s is %s: a cutover needs it RUNNING, copying and syncing offsets", m.Name, m.State)
	}
	if m.Groups == "" {
		return nil, streamplane.Invalid("groups", "migration %s syncs no consumer groups: there is nothing to cut over (update it with --groups)", m.Name)
	}
	r, errs := s.readMigration(ctx, inst, m)
	if len(errs) > 0 {
		return nil, streamplane.Errorf(streamplane.EUNAVAILABLE, "cannot check the cutover: %s", errs[0])
	}
	return r.Cutover(), nil
}

func (s *Service) migrationAndInstance(ctx context.Context, instance, name string) (*streamplane.Migration, *streamplane.Instance, error) {
	var m *streamplane.Migration
	var inst *streamplane.Instance
	err := s.Store.View(ctx, func(tx streamplane.Tx) (err error) {
		if inst, err = tx.Instance(instance); err != nil {
			return err
		}
		m, err = tx.Migration(inst.ID, name)
		return err
	})
	return m, inst, err
}

// readMigration reads, from the source and the instance, what a
// migration's progress and cutover depend on. What cannot be read is
// returned as errors beside what could.
func (s *Service) readMigration(ctx context.Context, inst *streamplane.Instance, m *streamplane.Migration) (*streamplane.MigrationReadings, []string) {
	ctx, cancel := context.WithTimeout(ctx, readTimeout)
	defer cancel()
	r := &streamplane.MigrationReadings{SourceStart: streamplane.TopicOffsets{}, SourceEnd: streamplane.TopicOffsets{},
		Copied: streamplane.TopicOffsets{}, TargetEnd: streamplane.TopicOffsets{}, Groups: map[string]streamplane.GroupReading{}}
	var errs []string
	src, err := s.dialSource(ctx, m)
	if err != nil {
		return r, []string{"source: " + err.Error()}
	}
	defer src.Close()
	names, err := src.MatchingTopics(ctx, streamplane.SelectionMatcher(m.Topics))
	if err != nil {
		return r, []string{"source: " + err.Error()}
	}
	if r.SourceStart, r.SourceEnd, err = src.Offsets(ctx, names); err != nil {
		errs = append(errs, "source offsets: "+err.Error())
	}
	var groups []string
	if m.Groups != "" {
		if groups, err = src.MatchingGroups(ctx, streamplane.SelectionMatcher(m.Groups)); err != nil {
			errs = append(errs, "source groups: "+err.Error())
		}
	}
	sourceGroups, err := src.GroupOffsets(ctx, groups)
	if err != nil {
		errs = append(errs, "source group offsets: "+err.Error())
	}

	cl, err := s.Admin.Get(ctx, inst)
	if err != nil {
		return r, append(errs, "instance: "+err.Error())
	}
	if r.Copied, err = cl.MirrorCopied(ctx, m); err != nil {
		errs = append(errs, "MirrorMaker's position: "+err.Error())
	}
	if r.TargetEnd, err = cl.EndOffsets(ctx, names...); err != nil {
		errs = append(errs, "the instance's offsets: "+err.Error())
	}
	checkpoints, err := cl.MirrorGroupCheckpoints(ctx, m)
	if err != nil {
		errs = append(errs, "MirrorMaker's checkpoints: "+err.Error())
	}
	r.LastSync = map[string]time.Time{}
	for group, cps := range checkpoints {
		for _, parts := range cps {
			for _, cp := range parts {
				if cp.At.After(r.LastSync[group]) {
					r.LastSync[group] = cp.At
				}
			}
		}
	}
	for _, g := range groups {
		reading := streamplane.GroupReading{Source: streamplane.TopicOffsets{}, Target: streamplane.TopicOffsets{}, Checkpoints: checkpoints[g]}
		if sg, ok := sourceGroups[g]; ok {
			reading.SourceState, reading.Source = sg.State, sg.Committed
		}
		if detail, err := cl.Group(ctx, g); err == nil {
			reading.TargetState, reading.TargetMembers, reading.Target = string(detail.State), len(detail.Members), committed(detail)
		} else if streamplane.ErrorCode(err) != streamplane.ENOTFOUND {
			errs = append(errs, fmt.Sprintf("group %s on the instance: %v", g, err))
		}
		r.Groups[g] = reading
	}
	r.BytesIn = s.topicBytesIn(ctx, inst)
	return r, errs
}

// committed is a group's committed offsets on the instance.
func committed(g *streamplane.GroupDetail) streamplane.TopicOffsets {
	out := streamplane.TopicOffsets{}
	for _, t := range g.Topics {
		for _, p := range t.Partitions {
			if p.Offset != nil {
				if out[t.Topic] == nil {
					out[t.Topic] = map[int32]int64{}
				}
				out[t.Topic][p.Partition] = *p.Offset
			}
		}
	}
	return out
}

// topicBytesIn is each topic's latest rate of bytes in on the instance,
// summed over brokers, from the metric history (nil without one).
func (s *Service) topicBytesIn(ctx context.Context, inst *streamplane.Instance) map[string]float64 {
	if s.Metrics == nil {
		return nil
	}
	now := time.Now()
	series, err := s.Metrics.Query(ctx, streamplane.MetricQuery{InstanceID: inst.ID, Metric: "topic_bytes_in_rate", From: now.Add(-5 * time.Minute), To: now})
	if err != nil {
		return nil
	}
	out := map[string]float64{}
	for _, ser := range series {
		if n := len(ser.Points); n > 0 {
			out[ser.Key.Topic] += ser.Points[n-1].Value
		}
	}
	return out
}
