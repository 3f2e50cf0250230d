package streamplane

import (
	"strings"
	"testing"
)

// readings: one topic of two partitions, 1,000 records each on the
// source, all copied; group billing committed halfway on the source and
// translated a little earlier on the instance.
func readings() *MigrationReadings {
	return &MigrationReadings{
		SourceStart: TopicOffsets{"orders": {0: 0, 1: 0}},
		SourceEnd:   TopicOffsets{"orders": {0: 1000, 1: 1000}},
		Copied:      TopicOffsets{"orders": {0: 1000, 1: 1000}},
		TargetEnd:   TopicOffsets{"orders": {0: 1000, 1: 1000}},
		Groups: map[string]GroupReading{"billing": {SourceState: "Empty", TargetState: "Empty",
			Source:      TopicOffsets{"orders": {0: 500, 1: 500}},
			Target:      TopicOffsets{"orders": {0: 480, 1: 500}},
			Checkpoints: GroupCheckpoints{"orders": {0: {Upstream: 500, Downstream: 480}, 1: {Upstream: 500, Downstream: 500}}}}},
	}
}

func TestCutoverReadyCountsDuplicates(t *testing.T) {
	got := readings().Cutover()
	if len(got) != 1 || !got[0].Ready {
		t.Fatalf("cutover = %+v, want billing ready", got)
	}
	if got[0].Duplicates != 20 || got[0].RecordsBehind != 0 {
		t.Fatalf("duplicates %d, behind %d; want 20 and 0", got[0].Duplicates, got[0].RecordsBehind)
	}
}

func TestCutoverNotReady(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(r *MigrationReadings)
		reason string
	}{
		{"consumers still on the source", func(r *MigrationReadings) {
			g := r.Groups["billing"]
			g.SourceState, g.SourceMembers = "Stable", 2
			r.Groups["billing"] = g
		}, "still read from the source"},
		{"consumers on the instance already", func(r *MigrationReadings) {
			g := r.Groups["billing"]
			g.TargetMembers = 1
			r.Groups["billing"] = g
		}, "read from the instance already"},
		{"records not copied yet", func(r *MigrationReadings) {
			r.Copied["orders"][1] = 900
		}, "lacks 100 records"},
		{"a partition not translated", func(r *MigrationReadings) {
			delete(r.Groups["billing"].Target["orders"], 1)
		}, "no translated offset"},
		{"a translation past the source's position", func(r *MigrationReadings) {
			r.Groups["billing"].Target["orders"][0] = 600
		}, "not in step"},
		{"a translation of an earlier commit", func(r *MigrationReadings) {
			r.Groups["billing"].Checkpoints["orders"][1] = Checkpoint{Upstream: 400, Downstream: 400}
		}, "not yet those of the group's last commit"},
		{"a checkpoint not yet synced to the group", func(r *MigrationReadings) {
			r.Groups["billing"].Checkpoints["orders"][0] = Checkpoint{Upstream: 500, Downstream: 495}
		}, "not yet those of the group's last commit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := readings()
			tc.change(r)
			got := r.Cutover()[0]
			if got.Ready || !strings.Contains(strings.Join(got.Reasons, "; "), tc.reason) {
				t.Fatalf("got %+v, want not ready because %q", got, tc.reason)
			}
		})
	}
}

func TestTopicProgress(t *testing.T) {
	r := readings()
	r.Copied = TopicOffsets{"orders": {0: 700}} // partition 1 not started
	r.SourceStart["orders"][1] = 100            // retention removed 100 records there
	got := r.Topics()
	if len(got) != 1 || got[0].RecordsBehind != 300+900 || got[0].SourceEnd != 2000 || got[0].Copied != 700+100 {
		t.Fatalf("topics = %+v", got)
	}
	groups := r.GroupsStatus()
	if groups[0].Partitions != 2 || groups[0].Synced != 2 || groups[0].SourceOffset != 1000 || groups[0].TargetOffset != 980 {
		t.Fatalf("groups = %+v", groups)
	}
}
