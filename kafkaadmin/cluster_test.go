package kafkaadmin

import (
	"maps"
	"testing"

	streamplane "github.com/streamplane/streamplane"
)

// What the supervisor and tasks read of a cluster. Not here: DescribeQuorum
// (kfake has no KRaft quorum to describe) and a broker that stops
// answering (kfake's brokers live and die with the cluster); e2e covers
// both.
func TestClusterState(t *testing.T) {
	c, _ := fakeClient(t)
	ctx := testContext(t)
	mustCreateTopic(t, c, "orders", 2, map[string]string{"min.insync.replicas": "2"})
	mustCreateTopic(t, c, "audit", 1, nil)
	produceN(t, c, "orders", 0, 20, fakeEpoch)

	t.Run("AliveBrokers", func(t *testing.T) {
		alive, err := c.AliveBrokers(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !maps.Equal(alive, map[int32]bool{0: true, 1: true, 2: true}) {
			t.Errorf("alive %v, want brokers 0, 1 and 2", alive)
		}
		if err := c.Ping(ctx, 1); err != nil {
			t.Error(err)
		}
	})

	t.Run("Partitions", func(t *testing.T) {
		parts, err := c.Partitions(ctx)
		if err != nil {
			t.Fatal(err)
		}
		type key struct {
			topic string
			id    int32
		}
		minISR := map[key]int{}
		for _, p := range parts {
			if p.Leader < 0 || len(p.Replicas) != 3 || len(p.ISR) != 3 {
				t.Errorf("partition %+v, want a leader and 3 replicas in sync", p)
			}
			minISR[key{p.Topic, p.ID}] = p.MinISR
		}
		if want := map[key]int{{"audit", 0}: 1, {"orders", 0}: 2, {"orders", 1}: 2}; !maps.Equal(minISR, want) {
			t.Errorf("partitions with min ISR %v, want %v", minISR, want)
		}
	})

	t.Run("DiskUsage", func(t *testing.T) {
		used, err := c.UsedBytes(ctx)
		if err != nil {
			t.Fatal(err)
		}
		sizes, failed, err := c.ReplicaSizes(ctx, map[string][]int32{"orders": {0, 1}})
		if err != nil || len(failed) != 0 {
			t.Fatal(err, failed)
		}
		for b := range int32(3) {
			held, ok := sizes.Replica(b, "orders", 0)
			if !ok || held <= 0 {
				t.Errorf("broker %d: orders-0 holds %d bytes (%v), want its 20 records", b, held, ok)
			}
			if empty, _ := sizes.Replica(b, "orders", 1); empty != 0 {
				t.Errorf("broker %d: orders-1 holds %d bytes, want 0", b, empty)
			}
			if sizes.Broker(b) != held || used[b] < held {
				t.Errorf("broker %d: %d bytes in the topic, %d in all; want %d and at least that", b, sizes.Broker(b), used[b], held)
			}
		}
	})

	t.Run("ElectPreferredLeaders", func(t *testing.T) {
		// kfake answers every election as done; e2e TestElectLeaders moves
		// real leaders.
		got, err := c.ElectPreferredLeaders(ctx, map[string][]int32{"orders": {0, 1}})
		if err != nil || got.Elected+got.AlreadyPreferred != 2 || len(got.Failed) != 0 {
			t.Errorf("election on orders 0 and 1: %+v, %v; want both, none failed", got, err)
		}
	})
}

// Cluster-wide dynamic defaults, as each broker then reports them. Not
// here: Kafka refusing a setting (kfake takes any name).
func TestClusterDefaults(t *testing.T) {
	c, _ := fakeClient(t)
	ctx := testContext(t)
	if err := c.SetClusterDefaults(ctx, map[string]string{"log.retention.ms": "7200000", "message.max.bytes": "2097152"}); err != nil {
		t.Fatal(err)
	}
	got, err := c.BrokerConfigs(ctx, []int32{0, 2}, []string{"log.retention.ms", "message.max.bytes"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"log.retention.ms": "7200000", "message.max.bytes": "2097152"}
	if len(got) != 2 || !maps.Equal(got[0], want) || !maps.Equal(got[2], want) {
		t.Errorf("broker configs %v, want %v on brokers 0 and 2", got, want)
	}
}

// Client quotas: set, read back, changed, removed.
func TestClientQuotas(t *testing.T) {
	c, _ := fakeClient(t)
	ctx := testContext(t)
	rate := func(v float64) *float64 { return &v }
	alice := streamplane.QuotaEntity{User: "alice"}
	aliceApp := streamplane.QuotaEntity{User: "alice", ClientID: "app"}
	everyone := streamplane.QuotaEntity{DefaultUser: true}
	same := func(a, b *float64) bool { return a == nil && b == nil || a != nil && b != nil && *a == *b }

	steps := []struct {
		name   string
		entity streamplane.QuotaEntity
		rates  ByteRates
		want   map[streamplane.QuotaEntity]ByteRates
	}{
		{"User", alice, ByteRates{Produce: rate(1024)},
			map[streamplane.QuotaEntity]ByteRates{alice: {Produce: rate(1024)}}},
		{"UserAndClient", aliceApp, ByteRates{Produce: rate(10), Consume: rate(20.4)},
			map[streamplane.QuotaEntity]ByteRates{alice: {Produce: rate(1024)}, aliceApp: {Produce: rate(10), Consume: rate(20)}}},
		{"Default", everyone, ByteRates{Consume: rate(5000)},
			map[streamplane.QuotaEntity]ByteRates{alice: {Produce: rate(1024)}, aliceApp: {Produce: rate(10), Consume: rate(20)}, everyone: {Consume: rate(5000)}}},
		{"ReplaceRemovesTheOther", alice, ByteRates{Consume: rate(64)},
			map[streamplane.QuotaEntity]ByteRates{alice: {Consume: rate(64)}, aliceApp: {Produce: rate(10), Consume: rate(20)}, everyone: {Consume: rate(5000)}}},
		{"RemoveBoth", aliceApp, ByteRates{},
			map[streamplane.QuotaEntity]ByteRates{alice: {Consume: rate(64)}, everyone: {Consume: rate(5000)}}},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			if err := c.SetClientQuota(ctx, s.entity, s.rates); err != nil {
				t.Fatal(err)
			}
			want := s.rates
			if want.Produce != nil {
				want.Produce = rate(float64(int64(*want.Produce + 0.5)))
			}
			if want.Consume != nil {
				want.Consume = rate(float64(int64(*want.Consume + 0.5)))
			}
			if err := c.WaitClientQuota(ctx, s.entity, want); err != nil {
				t.Fatal(err)
			}
			got, err := c.ClientQuotas(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !maps.EqualFunc(got, s.want, func(a, b ByteRates) bool { return same(a.Produce, b.Produce) && same(a.Consume, b.Consume) }) {
				t.Errorf("quotas %v, want %v", show(got), show(s.want))
			}
		})
	}
}

func show(q map[streamplane.QuotaEntity]ByteRates) map[string][2]float64 {
	out := map[string][2]float64{}
	for e, r := range q {
		var v [2]float64
		if r.Produce != nil {
			v[0] = *r.Produce
		}
		if r.Consume != nil {
			v[1] = *r.Consume
		}
		out[e.String()] = v
	}
	return out
}

// The moves in progress, asked of the controller for every topic at once:
// kfake moves nothing (it only accepts reassignments), so there are none,
// and asking is not an error.
func TestReassignmentsListsNoneOnKfake(t *testing.T) {
	c, _ := fakeClient(t)
	ctx := testContext(t)
	mustCreateTopic(t, c, "orders", 2, nil)
	if err := c.Reassign(ctx, map[string]map[int32][]int32{"orders": {0: {0}}}); err != nil {
		t.Fatalf("reassign orders-0: %v", err)
	}
	moving, err := c.Reassignments(ctx)
	if err != nil || len(moving) != 0 {
		t.Fatalf("reassignments in progress: %v, %v; want none", moving, err)
	}
}
