package kafkaadmin

import (
	"errors"
	"maps"
	"slices"
	"testing"

	streamplane "github.com/streamplane/streamplane"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Topics, their configs and partitions. Not here: Kafka's checks of config
// names and values on create (kfake takes any), which e2e covers.
func TestTopics(t *testing.T) {
	c, _ := fakeClient(t)
	ctx := testContext(t)
	mustCreateTopic(t, c, "orders", 3, map[string]string{"retention.ms": "3600000"})
	mustCreateTopic(t, c, "audit", 1, nil)

	t.Run("ListAndDescribe", func(t *testing.T) {
		all, err := c.Topics(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, tm := range all {
			names = append(names, tm.Name)
		}
		if !slices.Equal(names, []string{"audit", "orders"}) {
			t.Errorf("topics %v, want audit and orders, sorted", names)
		}
		one, err := c.Topics(ctx, "orders", "missing")
		if err != nil {
			t.Fatal(err)
		}
		if len(one) != 2 || one[0].Name != "missing" || !errors.Is(one[0].Err, kerr.UnknownTopicOrPartition) {
			t.Fatalf("describe %+v, want missing (unknown) and orders", one)
		}
		orders := one[1]
		if orders.Err != nil || len(orders.Partitions) != 3 || orders.Replicas() != 3 || orders.Internal {
			t.Errorf("orders %+v, want 3 partitions of 3 replicas", orders)
		}
		for i, p := range orders.Partitions {
			if p.ID != int32(i) || p.Leader < 0 || len(p.ISR) != 3 || len(p.Offline) != 0 {
				t.Errorf("partition %+v", p)
			}
		}
	})

	t.Run("Configs", func(t *testing.T) {
		cfgs, err := c.TopicConfigs(ctx, []string{"orders", "audit", "gone"}, []string{"retention.ms", "cleanup.policy"})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(slices.Sorted(maps.Keys(cfgs)), []string{"audit", "orders"}) {
			t.Errorf("configs of %v, want audit and orders (a missing topic is left out)", slices.Sorted(maps.Keys(cfgs)))
		}
		if v := cfgs["orders"]["retention.ms"]; v.Value != "3600000" || v.Source != kmsg.ConfigSourceDynamicTopicConfig {
			t.Errorf("orders retention.ms %+v, want the override 3600000", v)
		}
		if v := cfgs["audit"]["retention.ms"]; v.Source == kmsg.ConfigSourceDynamicTopicConfig {
			t.Errorf("audit retention.ms %+v, want a default", v)
		}

		// Incremental: set one, delete another; validate-only changes nothing.
		if err := c.AlterTopicConfigs(ctx, "orders", map[string]string{"cleanup.policy": "compact"}, nil, true); err != nil {
			t.Fatal(err)
		}
		if err := c.AlterTopicConfigs(ctx, "orders", map[string]string{"cleanup.policy": "compact"}, []string{"retention.ms"}, false); err != nil {
			t.Fatal(err)
		}
		if err := c.WaitTopicConfigs(ctx, "orders", map[string]string{"cleanup.policy": "compact"}, []string{"retention.ms"}); err != nil {
			t.Fatal(err)
		}
		cfgs, err = c.TopicConfigs(ctx, []string{"orders"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if v := cfgs["orders"]["cleanup.policy"]; v.Value != "compact" || v.Source != kmsg.ConfigSourceDynamicTopicConfig {
			t.Errorf("cleanup.policy %+v, want the override compact", v)
		}
		if v := cfgs["orders"]["retention.ms"]; v.Source == kmsg.ConfigSourceDynamicTopicConfig {
			t.Errorf("retention.ms %+v, want its override deleted", v)
		}
	})

	t.Run("Partitions", func(t *testing.T) {
		if err := c.SetPartitions(ctx, "audit", 4); err != nil {
			t.Fatal(err)
		}
		if err := c.WaitTopic(ctx, "audit", 4); err != nil {
			t.Fatal(err)
		}
		err := c.SetPartitions(ctx, "audit", 2)
		wantAppError(t, AppError(err, "partitions", "shrink"), streamplane.EINVALID, "partitions")
	})

	t.Run("Offsets", func(t *testing.T) {
		produceN(t, c, "orders", 1, 3, fakeEpoch)
		start, end, err := c.Offsets(ctx, "orders")
		if err != nil {
			t.Fatal(err)
		}
		if !maps.Equal(start, map[int32]int64{0: 0, 1: 0, 2: 0}) || !maps.Equal(end, map[int32]int64{0: 0, 1: 3, 2: 0}) {
			t.Errorf("offsets %v to %v, want partition 1 holding 0–2", start, end)
		}
	})

	errCases := []struct {
		name              string
		topic             string
		partitions, repls int
		configs           map[string]string
		code              string
	}{
		{"Exists", "orders", 1, 3, nil, streamplane.ECONFLICT},
		{"TooManyReplicas", "too-many", 1, 4, nil, streamplane.EINVALID},
	}
	for _, tc := range errCases {
		t.Run("Create"+tc.name, func(t *testing.T) {
			err := c.CreateTopic(ctx, tc.topic, tc.partitions, tc.repls, tc.configs)
			wantAppError(t, AppError(err, "topic", "create topic %s", tc.topic), tc.code, "topic")
		})
	}

	t.Run("Delete", func(t *testing.T) {
		failed, err := c.DeleteTopics(ctx, "audit", "missing")
		if err != nil {
			t.Fatal(err)
		}
		if failed["audit"] != nil || !errors.Is(failed["missing"], kerr.UnknownTopicOrPartition) {
			t.Errorf("per topic %v, want audit deleted and missing unknown", failed)
		}
		if err := c.WaitTopic(ctx, "audit", 0); err != nil {
			t.Fatal(err)
		}
	})
}
