package streamplane_test

import (
	"maps"
	"strings"
	"testing"

	streamplane "github.com/streamplane/streamplane"
)

func TestValidateTopicName(t *testing.T) {
	for _, name := range []string{"abc", "orders.v1", "a_b-c", strings.Repeat("x", 200), "_single"} {
		if err := streamplane.ValidateTopicName("name", name); err != nil {
			t.Errorf("%q: %v", name, err)
		}
	}
	for _, tc := range []struct{ name, want string }{
		{"", "required"},
		{"ab", "3–200"},
		{strings.Repeat("x", 201), "3–200"},
		{"has space", "3–200"},
		{"slash/es", "3–200"},
		{"ünïcode", "3–200"},
		{"__consumer_offsets", "internal"},
		{"__mine", "internal"},
	} {
		err := streamplane.ValidateTopicName("topics", tc.name)
		if !streamplane.IsCode(err, streamplane.EINVALID) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want INVALID_ARGUMENT mentioning %q", tc.name, err, tc.want)
		}
		if e := err.(*streamplane.Error); e.Field != "topics" {
			t.Errorf("%q: field %q, want the one given", tc.name, e.Field)
		}
	}
}

func TestTopicSpecNormalize(t *testing.T) {
	t.Run("Defaults", func(t *testing.T) {
		for _, tc := range []struct{ brokers, replicas int }{{1, 1}, {2, 2}, {3, 3}, {5, 3}} {
			s := streamplane.TopicSpec{Name: "t-defaults"}
			if err := s.Normalize(tc.brokers); err != nil {
				t.Fatal(err)
			}
			if s.Partitions != 3 || s.Replicas != tc.replicas || s.RetentionHours != 72 {
				t.Errorf("%d brokers: got %d partitions, %d replicas, %d h; want 3, %d, 72", tc.brokers, s.Partitions, s.Replicas, s.RetentionHours, tc.replicas)
			}
			cfg := s.KafkaConfigs()
			want := map[string]string{"retention.ms": "259200000"}
			if tc.replicas > 1 {
				// acks=all writes survive losing a broker: 2 of 3, 2 of 2.
				want["min.insync.replicas"] = "2"
			}
			if !maps.Equal(cfg, want) {
				t.Errorf("%d replicas: configs %v, want %v", tc.replicas, cfg, want)
			}
		}
	})
	t.Run("SyncSettings", func(t *testing.T) {
		s := streamplane.TopicSpec{Name: "t-sync", Partitions: 6, Replicas: 3, RetentionHours: 24, SyncReplication: true, SyncFlush: true,
			Configs: map[string]string{"cleanup.policy": "compact"}}
		if err := s.Normalize(3); err != nil {
			t.Fatal(err)
		}
		got := s.KafkaConfigs()
		want := map[string]string{"retention.ms": "86400000", "min.insync.replicas": "3", "flush.messages": "1", "cleanup.policy": "compact"}
		if len(got) != len(want) {
			t.Fatalf("configs %v, want %v", got, want)
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s = %q, want %q", k, got[k], v)
			}
		}
	})
	t.Run("RetentionThroughConfigs", func(t *testing.T) {
		s := streamplane.TopicSpec{Name: "t-ret", Configs: map[string]string{"retention.ms": "7200000"}}
		if err := s.Normalize(3); err != nil {
			t.Fatal(err)
		}
		if got := s.KafkaConfigs()["retention.ms"]; got != "7200000" {
			t.Errorf("retention.ms = %s, want the one given", got)
		}
	})

	for _, tc := range []struct {
		name    string
		brokers int
		spec    streamplane.TopicSpec
		field   string
	}{
		{"ErrName", 3, streamplane.TopicSpec{Name: "a"}, "name"},
		{"ErrInternalName", 3, streamplane.TopicSpec{Name: "__consumer_offsets"}, "name"},
		{"ErrPartitionsNegative", 3, streamplane.TopicSpec{Name: "t-x", Partitions: -1}, "partitions"},
		{"ErrPartitionsAbove100", 3, streamplane.TopicSpec{Name: "t-x", Partitions: 101}, "partitions"},
		{"ErrReplicasAbove3", 5, streamplane.TopicSpec{Name: "t-x", Replicas: 4}, "replicas"},
		{"ErrReplicasAboveBrokers", 1, streamplane.TopicSpec{Name: "t-x", Replicas: 2}, "replicas"},
		{"ErrReplicasNegative", 3, streamplane.TopicSpec{Name: "t-x", Replicas: -1}, "replicas"},
		{"ErrRetentionNegative", 3, streamplane.TopicSpec{Name: "t-x", RetentionHours: -1}, "retention_hours"},
		{"ErrRetentionAbove720", 3, streamplane.TopicSpec{Name: "t-x", RetentionHours: 721}, "retention_hours"},
		{"ErrSyncReplicationOneReplica", 3, streamplane.TopicSpec{Name: "t-x", Replicas: 1, SyncReplication: true}, "sync_replication"},
		{"ErrSyncReplicationOneBroker", 1, streamplane.TopicSpec{Name: "t-x", SyncReplication: true}, "sync_replication"},
		{"ErrRetentionMsTooShort", 3, streamplane.TopicSpec{Name: "t-x", Configs: map[string]string{"retention.ms": "60000"}}, "configs.retention.ms"},
		{"ErrRetentionMsTooLong", 3, streamplane.TopicSpec{Name: "t-x", Configs: map[string]string{"retention.ms": "2592000001"}}, "configs.retention.ms"},
		{"ErrRetentionMsForever", 3, streamplane.TopicSpec{Name: "t-x", Configs: map[string]string{"retention.ms": "-1"}}, "configs.retention.ms"},
		{"ErrRetentionMsNotNumber", 3, streamplane.TopicSpec{Name: "t-x", Configs: map[string]string{"retention.ms": "1h"}}, "configs.retention.ms"},
		{"ErrRetentionTwice", 3, streamplane.TopicSpec{Name: "t-x", RetentionHours: 5, Configs: map[string]string{"retention.ms": "7200000"}}, "configs.retention.ms"},
		{"ErrMinISRAboveReplicas", 3, streamplane.TopicSpec{Name: "t-x", Replicas: 2, Configs: map[string]string{"min.insync.replicas": "3"}}, "configs.min.insync.replicas"},
		{"ErrMinISRZero", 3, streamplane.TopicSpec{Name: "t-x", Configs: map[string]string{"min.insync.replicas": "0"}}, "configs.min.insync.replicas"},
		{"ErrMinISRWithSync", 3, streamplane.TopicSpec{Name: "t-x", SyncReplication: true, Configs: map[string]string{"min.insync.replicas": "2"}}, "configs.min.insync.replicas"},
		{"ErrFlushWithSync", 3, streamplane.TopicSpec{Name: "t-x", SyncFlush: true, Configs: map[string]string{"flush.messages": "10"}}, "configs.flush.messages"},
		{"ErrConfigName", 3, streamplane.TopicSpec{Name: "t-x", Configs: map[string]string{"a b": "1"}}, "configs"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.spec.Normalize(tc.brokers)
			e, ok := err.(*streamplane.Error)
			if !ok || e.Code != streamplane.EINVALID || e.Field != tc.field || e.Message == "" {
				t.Fatalf("got %v, want INVALID_ARGUMENT on field %s", err, tc.field)
			}
		})
	}
}

func intp(n int) *int    { return &n }
func boolp(b bool) *bool { return &b }

func TestTopicUpdatePlan(t *testing.T) {
	t.Run("Everything", func(t *testing.T) {
		u := streamplane.TopicUpdate{Partitions: intp(12), RetentionHours: intp(24), SyncReplication: boolp(true), SyncFlush: boolp(false),
			Configs: map[string]string{"cleanup.policy": "delete"}, DeleteConfigs: []string{"max.message.bytes"}}
		ch, err := u.Plan("t-x", 6, 3)
		if err != nil {
			t.Fatal(err)
		}
		if ch.Partitions != 12 || ch.Set["retention.ms"] != "86400000" || ch.Set["min.insync.replicas"] != "3" || ch.Set["cleanup.policy"] != "delete" {
			t.Errorf("change %+v", ch)
		}
		if strings.Join(ch.Delete, ",") != "flush.messages,max.message.bytes" {
			t.Errorf("deletes %v", ch.Delete)
		}
	})
	t.Run("SyncOffKeepsTheSafeMinimum", func(t *testing.T) {
		for _, tc := range []struct {
			replicas int
			set      map[string]string
			delete   string
		}{
			{3, map[string]string{"min.insync.replicas": "2"}, "flush.messages"},
			{2, map[string]string{"min.insync.replicas": "1"}, "flush.messages"},
			{1, map[string]string{}, "flush.messages,min.insync.replicas"},
		} {
			ch, err := streamplane.TopicUpdate{SyncReplication: boolp(false), SyncFlush: boolp(false)}.Plan("t-x", 3, tc.replicas)
			if err != nil || !maps.Equal(ch.Set, tc.set) || strings.Join(ch.Delete, ",") != tc.delete {
				t.Errorf("%d replicas: change %+v, %v; want set %v, delete %s", tc.replicas, ch, err, tc.set, tc.delete)
			}
		}
	})
	t.Run("SamePartitionsIsNoChange", func(t *testing.T) {
		ch, err := streamplane.TopicUpdate{Partitions: intp(6)}.Plan("t-x", 6, 3)
		if err != nil || !ch.Empty() {
			t.Fatalf("change %+v, %v", ch, err)
		}
	})

	for _, tc := range []struct {
		name                 string
		upd                  streamplane.TopicUpdate
		partitions, replicas int
		field, want          string
	}{
		{"ErrNothing", streamplane.TopicUpdate{}, 3, 3, "", "nothing to change"},
		{"ErrShrink", streamplane.TopicUpdate{Partitions: intp(2)}, 3, 3, "partitions", "only be added"},
		{"ErrPartitionsAbove100", streamplane.TopicUpdate{Partitions: intp(101)}, 3, 3, "partitions", "1 to 100"},
		{"ErrRetention", streamplane.TopicUpdate{RetentionHours: intp(0)}, 3, 3, "retention_hours", "1 to 720"},
		{"ErrSyncOneReplica", streamplane.TopicUpdate{SyncReplication: boolp(true)}, 3, 1, "sync_replication", "at least 2 replicas"},
		{"ErrMinISRAboveReplicas", streamplane.TopicUpdate{Configs: map[string]string{"min.insync.replicas": "3"}}, 3, 2, "configs.min.insync.replicas", "from 1 to the topic's 2"},
		{"ErrRetentionMs", streamplane.TopicUpdate{Configs: map[string]string{"retention.ms": "2592000001"}}, 3, 3, "configs.retention.ms", "720 h"},
		{"ErrSetAndDelete", streamplane.TopicUpdate{Configs: map[string]string{"cleanup.policy": "compact"}, DeleteConfigs: []string{"cleanup.policy"}}, 3, 3, "configs.cleanup.policy", "both"},
		{"ErrDeleteManagedTwice", streamplane.TopicUpdate{SyncFlush: boolp(true), DeleteConfigs: []string{"flush.messages"}}, 3, 3, "configs.flush.messages", "sync_flush"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.upd.Plan("t-x", tc.partitions, tc.replicas)
			e, ok := err.(*streamplane.Error)
			if !ok || e.Code != streamplane.EINVALID || e.Field != tc.field || !strings.Contains(e.Message, tc.want) {
				t.Fatalf("got %v, want INVALID_ARGUMENT on field %q mentioning %q", err, tc.field, tc.want)
			}
		})
	}
}

func TestPartitionLimit(t *testing.T) {
	inst := &streamplane.Instance{Name: "lim", Flavor: streamplane.DevFlavor, BrokerCount: 3}
	if got := inst.PartitionLimit(); got != 750 {
		t.Fatalf("limit %d, want 750", got)
	}
	if err := inst.CheckPartitionLimit(700, 50); err != nil {
		t.Fatalf("up to the limit: %v", err)
	}
	err := inst.CheckPartitionLimit(700, 51)
	e, ok := err.(*streamplane.Error)
	if !ok || e.Code != streamplane.ELIMIT || e.Field != "partitions" || !strings.Contains(e.Message, "750") || !strings.Contains(e.Message, "700") {
		t.Fatalf("got %v, want LIMIT_EXCEEDED naming 750 and 700", err)
	}
}

func TestDiskUsageFilter(t *testing.T) {
	f := streamplane.DiskUsageFilter{}
	if err := f.Normalize(); err != nil || f.Top != 10 {
		t.Fatalf("default: %+v %v", f, err)
	}
	for _, tc := range []struct {
		f     streamplane.DiskUsageFilter
		field string
	}{
		{streamplane.DiskUsageFilter{Top: 1001}, "top"},
		{streamplane.DiskUsageFilter{Top: -1}, "top"},
		{streamplane.DiskUsageFilter{MinBytes: -1}, "min_size_bytes"},
		{streamplane.DiskUsageFilter{MinPercent: 101}, "min_percent"},
	} {
		err := tc.f.Normalize()
		if e, ok := err.(*streamplane.Error); !ok || e.Field != tc.field {
			t.Errorf("%+v: got %v, want an error on %s", tc.f, err, tc.field)
		}
	}
}
