package roller_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/streamplane/streamplane/roller"
)

func TestOrder(t *testing.T) {
	for _, tt := range []struct {
		name   string
		nodes  []roller.Node
		active int32
		want   []int32
	}{
		{"OKEmpty", nil, 1, []int32{}},
		{"OKThreeControllers", []roller.Node{
			{ID: 1, Controller: true, Running: true},
			{ID: 2, Controller: true, Running: true},
			{ID: 3, Controller: true, Running: true},
		}, 1, []int32{2, 3, 1}},
		{"OKActiveLast", []roller.Node{
			{ID: 3, Controller: true, Running: true},
			{ID: 2, Controller: true, Running: true},
			{ID: 1, Controller: true, Running: true},
		}, 2, []int32{1, 3, 2}},
		{"OKAllGroups", []roller.Node{
			{ID: 1, Controller: true, Running: true},
			{ID: 2, Controller: true, Running: true},
			{ID: 3, Controller: true, Running: true},
			{ID: 4, Running: true},
			{ID: 5, Running: false},
			{ID: 6, Running: true},
		}, 2, []int32{5, 4, 6, 1, 3, 2}},
		{"OKDownFirstEvenActiveController", []roller.Node{
			{ID: 1, Controller: true, Running: false},
			{ID: 2, Controller: true, Running: true},
			{ID: 4, Running: true},
			{ID: 5, Running: false},
		}, 1, []int32{1, 5, 4, 2}},
		{"OKBrokersByID", []roller.Node{
			{ID: 9, Running: true},
			{ID: 4, Running: true},
			{ID: 7, Running: true},
		}, -1, []int32{4, 7, 9}},
		{"OKNoActiveController", []roller.Node{
			{ID: 2, Controller: true, Running: true},
			{ID: 1, Controller: true, Running: true},
			{ID: 4, Running: true},
		}, -1, []int32{4, 1, 2}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in := slices.Clone(tt.nodes)
			if got, want := roller.Order(tt.nodes, tt.active), tt.want; !slices.Equal(got, want) {
				t.Errorf("Order = %v, want %v", got, want)
			}
			if !slices.Equal(in, tt.nodes) {
				t.Errorf("Order changed its input: %v, was %v", tt.nodes, in)
			}
		})
	}
}

func TestBlockers(t *testing.T) {
	part := func(topic string, id int32, replicas, isr []int32, minISR int) roller.Partition {
		return roller.Partition{Topic: topic, ID: id, Replicas: replicas, ISR: isr, MinISR: minISR}
	}
	for _, tt := range []struct {
		name  string
		node  int32
		parts []roller.Partition
		want  []string // partitions named by the blockers, in order
	}{
		{"OKNoPartitions", 1, nil, nil},
		{"OKFullISR", 1, []roller.Partition{part("t", 0, []int32{1, 2, 3}, []int32{1, 2, 3}, 2)}, nil},
		{"OKSkipRF1", 1, []roller.Partition{part("t", 0, []int32{1}, []int32{1}, 1)}, nil},
		{"OKSkipRFEqualsMinISR", 1, []roller.Partition{part("t", 0, []int32{1, 2}, []int32{1, 2}, 2)}, nil},
		{"OKSkipRFBelowMinISR", 1, []roller.Partition{part("t", 0, []int32{1, 2}, []int32{1}, 3)}, nil},
		{"BlockISRBelowMinISR", 1, []roller.Partition{part("t", 0, []int32{1, 2, 3}, []int32{1}, 2)}, []string{"t-0"}},
		{"BlockISRBelowMinISRNodeNotInISR", 1, []roller.Partition{part("t", 0, []int32{1, 2, 3}, []int32{2}, 2)}, []string{"t-0"}},
		{"BlockISREqualsMinISRWithNode", 1, []roller.Partition{part("t", 0, []int32{1, 2, 3}, []int32{1, 3}, 2)}, []string{"t-0"}},
		{"OKISREqualsMinISRWithoutNode", 1, []roller.Partition{part("t", 0, []int32{1, 2, 3}, []int32{2, 3}, 2)}, nil},
		{"OKMinISR1", 1, []roller.Partition{part("t", 0, []int32{1, 2, 3}, []int32{1, 2}, 1)}, nil},
		{"BlockMinISR1OnlyNode", 1, []roller.Partition{part("t", 0, []int32{1, 2, 3}, []int32{1}, 1)}, []string{"t-0"}},
		{"OKOtherNodesPartitionIgnored", 1, []roller.Partition{
			part("t", 0, []int32{2, 3, 4}, []int32{2}, 2),
			part("t", 1, []int32{2, 3, 4}, []int32{}, 2),
		}, nil},
		{"BlockOnlyTheAffected", 2, []roller.Partition{
			part("a", 0, []int32{1, 2, 3}, []int32{1, 2, 3}, 2),
			part("b", 3, []int32{1, 2, 3}, []int32{2, 3}, 2),
			part("c", 1, []int32{1, 3, 4}, []int32{3}, 2),
			part("d", 7, []int32{2, 3, 4}, []int32{4}, 2),
		}, []string{"b-3", "d-7"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := roller.Blockers(tt.node, tt.parts)
			if len(got) != len(tt.want) {
				t.Fatalf("Blockers = %q, want %d naming %q", got, len(tt.want), tt.want)
			}
			for i, name := range tt.want {
				if !strings.HasPrefix(got[i], name+" ") {
					t.Errorf("blocker %d = %q, want it to name %s", i, got[i], name)
				}
			}
		})
	}
}

func TestNotInSync(t *testing.T) {
	parts := []roller.Partition{
		{Topic: "a", ID: 0, Replicas: []int32{1, 2, 3}, ISR: []int32{1, 2, 3}},
		{Topic: "a", ID: 1, Replicas: []int32{1, 2, 3}, ISR: []int32{2, 3}},
		{Topic: "b", ID: 0, Replicas: []int32{2, 3, 4}, ISR: []int32{2}},
		{Topic: "c", ID: 5, Replicas: []int32{1}, ISR: nil},
	}
	for _, tt := range []struct {
		name string
		node int32
		want []string
	}{
		{"OKNode1", 1, []string{"a-1", "c-5"}},
		{"OKNode2InSync", 2, nil},
		{"OKNode3", 3, []string{"b-0"}},
		{"OKNode4", 4, []string{"b-0"}},
		{"OKUnknownNode", 9, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got, want := roller.NotInSync(tt.node, parts), tt.want; !slices.Equal(got, want) {
				t.Errorf("NotInSync(%d) = %q, want %q", tt.node, got, want)
			}
		})
	}
}

const fetchTimeoutMs = 2000

func TestQuorumSafe(t *testing.T) {
	voters := func(v ...roller.Voter) []roller.Voter { return v }
	for _, tt := range []struct {
		name string
		node int32
		q    roller.Quorum
		want bool
	}{
		{"OKOneVoter", 1, roller.Quorum{Leader: 1, Voters: voters(roller.Voter{ID: 1, LastCaughtUpMs: 1000})}, true},
		{"OKOneVoterNoLeader", 1, roller.Quorum{Leader: -1, Voters: voters(roller.Voter{ID: 1, LastCaughtUpMs: -1})}, true},

		{"OKTwoVotersRestartFollower", 2, roller.Quorum{Leader: 1, Voters: voters(
			roller.Voter{ID: 1, LastCaughtUpMs: 10000}, roller.Voter{ID: 2, LastCaughtUpMs: 5000})}, true},
		{"OKTwoVotersRestartLeaderFollowerCaughtUp", 1, roller.Quorum{Leader: 1, Voters: voters(
			roller.Voter{ID: 1, LastCaughtUpMs: 10000}, roller.Voter{ID: 2, LastCaughtUpMs: 9500})}, true},
		{"UnsafeTwoVotersRestartLeaderFollowerBehind", 1, roller.Quorum{Leader: 1, Voters: voters(
			roller.Voter{ID: 1, LastCaughtUpMs: 10000}, roller.Voter{ID: 2, LastCaughtUpMs: 5000})}, false},

		{"OKThreeVotersAllCaughtUp", 2, roller.Quorum{Leader: 1, Voters: voters(
			roller.Voter{ID: 1, LastCaughtUpMs: 10000}, roller.Voter{ID: 2, LastCaughtUpMs: 9900}, roller.Voter{ID: 3, LastCaughtUpMs: 9000})}, true},
		{"OKThreeVotersRestartLeader", 1, roller.Quorum{Leader: 1, Voters: voters(
			roller.Voter{ID: 1, LastCaughtUpMs: 10000}, roller.Voter{ID: 2, LastCaughtUpMs: 9900}, roller.Voter{ID: 3, LastCaughtUpMs: 9000})}, true},
		{"OKThreeVotersRestartTheLaggard", 3, roller.Quorum{Leader: 1, Voters: voters(
			roller.Voter{ID: 1, LastCaughtUpMs: 10000}, roller.Voter{ID: 2, LastCaughtUpMs: 9900}, roller.Voter{ID: 3, LastCaughtUpMs: 1000})}, true},
		{"UnsafeThreeVotersLaggardRemains", 2, roller.Quorum{Leader: 1, Voters: voters(
			roller.Voter{ID: 1, LastCaughtUpMs: 10000}, roller.Voter{ID: 2, LastCaughtUpMs: 9900}, roller.Voter{ID: 3, LastCaughtUpMs: 1000})}, false},
		{"UnsafeThreeVotersRestartLeaderOneLaggard", 1, roller.Quorum{Leader: 1, Voters: voters(
			roller.Voter{ID: 1, LastCaughtUpMs: 10000}, roller.Voter{ID: 2, LastCaughtUpMs: 9900}, roller.Voter{ID: 3, LastCaughtUpMs: 1000})}, false},
		{"UnsafeLagExactlyFetchTimeout", 2, roller.Quorum{Leader: 1, Voters: voters(
			roller.Voter{ID: 1, LastCaughtUpMs: 10000}, roller.Voter{ID: 2, LastCaughtUpMs: 10000}, roller.Voter{ID: 3, LastCaughtUpMs: 10000 - fetchTimeoutMs})}, false},
		{"OKLagJustUnderFetchTimeout", 2, roller.Quorum{Leader: 1, Voters: voters(
			roller.Voter{ID: 1, LastCaughtUpMs: 10000}, roller.Voter{ID: 2, LastCaughtUpMs: 10000}, roller.Voter{ID: 3, LastCaughtUpMs: 10000 - fetchTimeoutMs + 1})}, true},
		{"UnsafeUnknownCatchUp", 2, roller.Quorum{Leader: 1, Voters: voters(
			roller.Voter{ID: 1, LastCaughtUpMs: 10000}, roller.Voter{ID: 2, LastCaughtUpMs: 10000}, roller.Voter{ID: 3, LastCaughtUpMs: -1})}, false},
		{"UnsafeNoLeader", 2, roller.Quorum{Leader: -1, Voters: voters(
			roller.Voter{ID: 1, LastCaughtUpMs: 10000}, roller.Voter{ID: 2, LastCaughtUpMs: 10000}, roller.Voter{ID: 3, LastCaughtUpMs: 10000})}, false},

		{"OKFiveVotersOneLaggard", 5, roller.Quorum{Leader: 1, Voters: voters(
			roller.Voter{ID: 1, LastCaughtUpMs: 10000}, roller.Voter{ID: 2, LastCaughtUpMs: 10000}, roller.Voter{ID: 3, LastCaughtUpMs: 10000},
			roller.Voter{ID: 4, LastCaughtUpMs: 1}, roller.Voter{ID: 5, LastCaughtUpMs: 10000})}, true},
		{"UnsafeFiveVotersTwoLaggards", 5, roller.Quorum{Leader: 1, Voters: voters(
			roller.Voter{ID: 1, LastCaughtUpMs: 10000}, roller.Voter{ID: 2, LastCaughtUpMs: 10000}, roller.Voter{ID: 3, LastCaughtUpMs: 1},
			roller.Voter{ID: 4, LastCaughtUpMs: 1}, roller.Voter{ID: 5, LastCaughtUpMs: 10000})}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, reason := roller.QuorumSafe(tt.node, tt.q, fetchTimeoutMs)
			if got != tt.want {
				t.Fatalf("QuorumSafe = %v (%q), want %v", got, reason, tt.want)
			}
			if got && reason != "" {
				t.Errorf("safe, but reason = %q", reason)
			}
			if !got && reason == "" {
				t.Errorf("unsafe without a reason")
			}
		})
	}

	t.Run("ReasonNoLeader", func(t *testing.T) {
		q := roller.Quorum{Leader: -1, Voters: []roller.Voter{{ID: 1}, {ID: 2}, {ID: 3}}}
		if _, reason := roller.QuorumSafe(1, q, fetchTimeoutMs); !strings.Contains(reason, "no leader") {
			t.Errorf("reason = %q, want it to say there is no leader", reason)
		}
	})
}

func TestCaught(t *testing.T) {
	q := roller.Quorum{Leader: 1, Voters: []roller.Voter{
		{ID: 1, LastCaughtUpMs: 10000},
		{ID: 2, LastCaughtUpMs: 9000},
		{ID: 3, LastCaughtUpMs: 10000 - fetchTimeoutMs},
		{ID: 4, LastCaughtUpMs: -1},
	}}
	for _, tt := range []struct {
		name string
		node int32
		q    roller.Quorum
		want bool
	}{
		{"OKLeader", 1, q, true},
		{"OKFollower", 2, q, true},
		{"NoLagAtTimeout", 3, q, false},
		{"NoNeverCaughtUp", 4, q, false},
		{"NoUnknownVoter", 7, q, false},
		{"NoLeaderless", 2, roller.Quorum{Leader: -1, Voters: q.Voters}, false},
		{"OKLeaderWithoutVoters", 1, roller.Quorum{Leader: 1}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got, want := roller.Caught(tt.node, tt.q, fetchTimeoutMs), tt.want; got != want {
				t.Errorf("Caught(%d) = %v, want %v", tt.node, got, want)
			}
		})
	}
}
