package streamplane

import (
	"fmt"
	"slices"
	"sort"
	"time"
)

// How far a migration has got, and whether a group's consumers may switch
// to the instance, from what both clusters say: pure rules, free of I/O,
// so that they are tested on their own. service/migrationstatus.go reads
// the clusters.

// TopicOffsets are offsets by topic and partition.
type TopicOffsets map[string]map[int32]int64

// MigrationReadings is what one look at both clusters found.
type MigrationReadings struct {
	// SourceStart and SourceEnd are the selected topics' log start and
	// end offsets on the source.
	SourceStart, SourceEnd TopicOffsets
	// Copied is, per source partition, the offset MirrorMaker has copied
	// up to (the next record it will copy), from its committed position.
	Copied TopicOffsets
	// TargetEnd is the instance's end offsets of the same topics.
	TargetEnd TopicOffsets
	// BytesIn is the recent rate of bytes into each topic on the instance.
	BytesIn map[string]float64
	// Groups by name.
	Groups map[string]GroupReading
	// LastSync is, per group, when MirrorMaker last checkpointed it.
	LastSync map[string]time.Time
}

// GroupReading is one group on both sides.
type GroupReading struct {
	SourceState, TargetState     string
	SourceMembers, TargetMembers int
	// Committed offsets: the source's, and the translated ones
	// MirrorMaker committed on the instance.
	Source, Target TopicOffsets
	// Checkpoints are MirrorMaker's latest translations of the group.
	Checkpoints GroupCheckpoints
}

// Checkpoint is one translation MirrorMaker made of a group's position in
// a partition: the source offset, the instance's offset, and when.
type Checkpoint struct {
	Upstream, Downstream int64
	At                   time.Time
}

// GroupCheckpoints are a group's checkpoints by topic and partition.
type GroupCheckpoints map[string]map[int32]Checkpoint

// behind is how many records of a source partition the instance lacks.
func (r *MigrationReadings) behind(topic string, p int32) int64 {
	end := r.SourceEnd[topic][p]
	copied, ok := r.Copied[topic][p]
	if !ok || copied < r.SourceStart[topic][p] {
		copied = r.SourceStart[topic][p] // nothing copied yet: everything the source still has
	}
	return max(0, end-copied)
}

// Topics is the progress of every selected topic, by name.
func (r *MigrationReadings) Topics() []MigrationTopic {
	var out []MigrationTopic
	for _, topic := range sortedKeys(r.SourceEnd) {
		t := MigrationTopic{Topic: topic, Partitions: len(r.SourceEnd[topic]), BytesInPerSec: r.BytesIn[topic]}
		for p, end := range r.SourceEnd[topic] {
			t.SourceEnd += end
			t.Copied += end - r.behind(topic, p)
			t.RecordsBehind += r.behind(topic, p)
		}
		out = append(out, t)
	}
	return out
}

// GroupsStatus is the offset sync of every selected group, by name.
func (r *MigrationReadings) GroupsStatus() []MigrationGroup {
	var out []MigrationGroup
	for _, name := range sortedKeys(r.Groups) {
		g := r.Groups[name]
		s := MigrationGroup{Group: name, SourceState: g.SourceState, TargetState: g.TargetState}
		for topic, parts := range g.Source {
			for p, off := range parts {
				s.Partitions++
				s.SourceOffset += off
				if t, ok := g.Target[topic][p]; ok {
					s.Synced++
					s.TargetOffset += t
				}
			}
		}
		if at, ok := r.LastSync[name]; ok {
			s.LastSync = &at
		}
		out = append(out, s)
	}
	return out
}

// Cutover decides, for every selected group, whether its consumers may
// switch to the instance now. They may when:
//   - no consumer of the group reads from the source any more (its state
//     there is Empty): otherwise the source commits moves on while the
//     instance's translation lags, and records would be read twice or,
//     were both sides read at once, by two consumers;
//   - no consumer of the group reads from the instance yet: MirrorMaker
//     syncs offsets only into a group with no members;
//   - the instance holds every record of the group's partitions
//     (records behind = 0);
//   - every partition the group committed on the source has a translated
//     offset on the instance, not past the source's position, and it is
//     the translation of the group's last commit: MirrorMaker checkpoints
//     and syncs every few seconds, and a translation of an earlier commit
//     would have the consumers read more records again than needed.
//
// Duplicates is how many records the consumers will read again: per
// partition, the records after the translated offset on the instance less
// those after the committed offset on the source. MirrorMaker translates
// conservatively (to the last offset sync at or before the commit), so
// this is ≥ 0 and at most about offset.lag.max per partition.
func (r *MigrationReadings) Cutover() []CutoverCheck {
	var out []CutoverCheck
	for _, name := range sortedKeys(r.Groups) {
		g := r.Groups[name]
		c := CutoverCheck{Group: name, Reasons: []string{}}
		if g.SourceMembers > 0 || (g.SourceState != "" && g.SourceState != "Empty" && g.SourceState != "Dead") {
			c.Reasons = append(c.Reasons, fmt.Sprintf("consumers still read from the source (the group is %s there); stop them first", g.SourceState))
		}
		if g.TargetMembers > 0 {
			c.Reasons = append(c.Reasons, fmt.Sprintf("%d consumers read from the instance already; MirrorMaker no longer syncs this group's offsets", g.TargetMembers))
		}
		missing, ahead, stale := 0, 0, 0
		for _, topic := range sortedKeys(g.Source) {
			for p, committed := range g.Source[topic] {
				c.RecordsBehind += r.behind(topic, p)
				translated, ok := g.Target[topic][p]
				if !ok {
					missing++
					continue
				}
				if cp, ok := g.Checkpoints[topic][p]; !ok || cp.Upstream != committed || cp.Downstream != translated {
					stale++
				}
				afterSource := r.SourceEnd[topic][p] - committed
				afterTarget := r.TargetEnd[topic][p] - translated
				if dup := afterTarget - afterSource; dup < 0 {
					ahead++
				} else {
					c.Duplicates += dup
				}
			}
		}
		if c.RecordsBehind > 0 {
			c.Reasons = append(c.Reasons, fmt.Sprintf("the instance lacks %d records of the group's partitions yet", c.RecordsBehind))
		}
		if missing > 0 {
			c.Reasons = append(c.Reasons, fmt.Sprintf("%d partitions have no translated offset on the instance yet (MirrorMaker checkpoints every few seconds)", missing))
		}
		if stale > 0 && missing == 0 {
			c.Reasons = append(c.Reasons, fmt.Sprintf("%d partitions' translated offsets are not yet those of the group's last commit (MirrorMaker checkpoints and syncs every 5 s); check again in a few seconds", stale))
		}
		if ahead > 0 && c.RecordsBehind == 0 {
			c.Reasons = append(c.Reasons, fmt.Sprintf("%d partitions' translated offsets are not in step with the source commit yet; check again in a few seconds", ahead))
		}
		if len(g.Source) == 0 {
			c.Reasons = append(c.Reasons, "the group has no committed offset on the source")
		}
		c.Ready = len(c.Reasons) == 0
		if c.Ready {
			c.Reasons = append(c.Reasons, fmt.Sprintf("switch now: consumers will read %d records a second time, none will be missed", c.Duplicates))
		}
		out = append(out, c)
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return slices.Clip(keys)
}
