package console

import (
	"maps"
	"reflect"
	"slices"
	"testing"

	streamplane "github.com/streamplane/streamplane"
)

func part(n, leader int, replicas, isr []int32) streamplane.TopicPartition {
	return streamplane.TopicPartition{Partition: n, Leader: leader, Replicas: replicas, ISR: isr}
}

func brokers(ids ...int) []streamplane.Broker {
	var out []streamplane.Broker
	for _, id := range ids {
		out = append(out, streamplane.Broker{ID: id, Roles: []string{streamplane.RoleBroker}, State: streamplane.BrokerActive})
	}
	return out
}

// A balanced topic: every partition on its preferred leader, spread over
// every broker, none skewed or under-replicated.
func TestTopicHealthBalanced(t *testing.T) {
	d := &streamplane.TopicDetail{Topic: streamplane.Topic{Replicas: 2}, Partitions: []streamplane.TopicPartition{
		part(0, 1, []int32{1, 2}, []int32{1, 2}),
		part(1, 2, []int32{2, 3}, []int32{2, 3}),
		part(2, 3, []int32{3, 1}, []int32{3, 1}),
	}}
	h := newTopicHealth(d, brokers(1, 2, 3))
	want := topicHealth{Partitions: 3, Replicas: 2, Brokers: 3, TopicBrokers: 3, PreferredReplicas: 100, BrokersSpread: 100}
	if h.ByBroker = nil; !reflect.DeepEqual(h, want) {
		t.Errorf("health %+v, want %+v", h, want)
	}
	for _, g := range newTopicHealth(d, brokers(1, 2, 3)).Gauges() {
		if g.Level != "ok" {
			t.Errorf("%s %d%% is %s, want ok", g.Name, g.Percent, g.Level)
		}
	}
}

// A topic crowded onto two of four brokers, one of them out of sync and
// one leader moved off its preferred replica.
func TestTopicHealthSkewed(t *testing.T) {
	d := &streamplane.TopicDetail{Topic: streamplane.Topic{Replicas: 2}, Partitions: []streamplane.TopicPartition{
		part(0, 1, []int32{1, 2}, []int32{1, 2}),
		part(1, 1, []int32{2, 1}, []int32{1}), // leader not preferred, under-replicated
		part(2, 1, []int32{1, 2}, []int32{1, 2}),
		part(3, 1, []int32{1, 3}, []int32{1, 3}),
	}}
	all := append(brokers(1, 2, 3, 4), streamplane.Broker{ID: 5, State: streamplane.BrokerDeleted})
	h := newTopicHealth(d, all)
	// ISR counts: broker 1 in 4, broker 2 in 2, broker 3 in 1; 3 topic
	// brokers of 4; fair share ceil(4/3×2) = 3 partitions, ceil(4/3) = 2
	// leaderships: broker 1 is skewed on both.
	if h.PreferredReplicas != 75 || h.UnderReplicated != 25 || h.Brokers != 4 || h.TopicBrokers != 3 ||
		h.BrokersSpread != 75 || h.BrokersSkewed != 33 || h.LeadersSkewed != 33 {
		t.Errorf("health %+v", h)
	}
	var ids []int
	for _, s := range h.ByBroker {
		ids = append(ids, s.Broker)
	}
	if !slices.Equal(ids, []int{1, 2, 3, 4}) {
		t.Fatalf("brokers %v, want 1-4 (4 holding nothing, 5 deleted)", ids)
	}
	b1 := h.ByBroker[0]
	if !slices.Equal(b1.Partitions, []int{0, 1, 2, 3}) || b1.Leaders != 4 || !b1.Skewed || !b1.LeaderSkewed {
		t.Errorf("broker 1: %+v", b1)
	}
	if b2 := h.ByBroker[1]; !slices.Equal(b2.Partitions, []int{0, 2}) || b2.Skewed {
		t.Errorf("broker 2 counts only the partitions whose ISR holds it: %+v", b2)
	}
	levels := map[string]string{}
	for _, g := range h.Gauges() {
		levels[g.Name] = g.Level
	}
	want := map[string]string{"Preferred replicas": "busy", "Brokers skewed": "busy", "Brokers spread": "busy", "Under-replicated": "busy"}
	if !maps.Equal(levels, want) {
		t.Errorf("levels %v, want %v", levels, want)
	}
}

// CMAK's thresholds at their edges.
func TestTopicHealthLevels(t *testing.T) {
	for _, c := range []struct {
		p     int
		scale func(int) int
		want  int
	}{{0, rising, 0}, {1, rising, 1}, {33, rising, 1}, {34, rising, 2}, {100, rising, 2}} {
		if got := c.scale(c.p); got != c.want {
			t.Errorf("rising(%d) = %d, want %d", c.p, got, c.want)
		}
	}
	spread := func(p int) string {
		for _, g := range (topicHealth{BrokersSpread: p, PreferredReplicas: 100}).Gauges() {
			if g.Name == "Brokers spread" {
				return g.Level
			}
		}
		return ""
	}
	for p, want := range map[int]string{50: "bad", 51: "busy", 75: "busy", 76: "ok", 100: "ok"} {
		if got := spread(p); got != want {
			t.Errorf("spread %d%% is %s, want %s", p, got, want)
		}
	}
}
