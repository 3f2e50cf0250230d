package streamplane_test

import (
	"testing"

	streamplane "github.com/streamplane/streamplane"
)

func TestReassignRequestValidate(t *testing.T) {
	ok := []streamplane.ReassignRequest{
		{Topics: []string{"orders"}},
		{Topics: []string{"orders", "refunds"}, Brokers: []int32{0, 1, 3}, Replicas: 3, ThrottleMBps: 10, DryRun: true},
		{Assignments: []streamplane.PartitionAssignment{{Topic: "orders", Partition: 0, Replicas: []int32{2, 1}}}},
	}
	for _, r := range ok {
		if err := r.Validate(); err != nil {
			t.Errorf("%+v: %v", r, err)
		}
	}
	for _, tc := range []struct {
		name  string
		req   streamplane.ReassignRequest
		field string
	}{
		{"Nothing", streamplane.ReassignRequest{}, "topics"},
		{"Both", streamplane.ReassignRequest{Topics: []string{"orders"}, Assignments: []streamplane.PartitionAssignment{{Topic: "orders", Replicas: []int32{0}}}}, "assignments"},
		{"ManualWithBrokers", streamplane.ReassignRequest{Brokers: []int32{1}, Assignments: []streamplane.PartitionAssignment{{Topic: "orders", Replicas: []int32{0}}}}, "assignments"},
		{"TooManyReplicas", streamplane.ReassignRequest{Topics: []string{"orders"}, Replicas: 4}, "replicas"},
		{"NegativeThrottle", streamplane.ReassignRequest{Topics: []string{"orders"}, ThrottleMBps: -1}, "throttle_mbps"},
		{"BadTopic", streamplane.ReassignRequest{Topics: []string{"bad name"}}, "topics"},
		{"TopicTwice", streamplane.ReassignRequest{Topics: []string{"orders", "orders"}}, "topics"},
		{"NegativeBroker", streamplane.ReassignRequest{Topics: []string{"orders"}, Brokers: []int32{-1}}, "brokers"},
		{"EmptyList", streamplane.ReassignRequest{Assignments: []streamplane.PartitionAssignment{{Topic: "orders"}}}, "assignments[0].replicas"},
		{"RepeatedReplica", streamplane.ReassignRequest{Assignments: []streamplane.PartitionAssignment{{Topic: "orders", Replicas: []int32{1, 1}}}}, "assignments[0].replicas"},
		{"NegativePartition", streamplane.ReassignRequest{Assignments: []streamplane.PartitionAssignment{{Topic: "orders", Partition: -1, Replicas: []int32{1}}}}, "assignments[0].partition"},
		{"BadAssignedTopic", streamplane.ReassignRequest{Assignments: []streamplane.PartitionAssignment{{Topic: "", Replicas: []int32{0}}}}, "assignments[0].topic"},
	} {
		err := tc.req.Validate()
		if app, ok := err.(*streamplane.Error); !ok || app.Code != streamplane.EINVALID || app.Field != tc.field {
			t.Errorf("%s: got %v, want INVALID_ARGUMENT on %s", tc.name, err, tc.field)
		}
	}
}
