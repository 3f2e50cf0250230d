package kafkaadmin

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	streamplane "github.com/streamplane/streamplane"
	"github.com/twmb/franz-go/pkg/kerr"
)

func TestAppError(t *testing.T) {
	plain := errors.New("connection refused")
	cases := []struct {
		name  string
		err   error
		code  string // "" : not a streamplane.Error
		field string
	}{
		{"Exists", kerr.TopicAlreadyExists, streamplane.ECONFLICT, "topic"},
		{"UnknownTopic", kerr.UnknownTopicOrPartition, streamplane.ENOTFOUND, "topic"},
		{"UnknownGroup", kerr.GroupIDNotFound, streamplane.ENOTFOUND, "topic"},
		{"GroupNotEmpty", kerr.NonEmptyGroup, streamplane.ESTATE, "topic"},
		{"Reassigning", kerr.ReassignmentInProgress, streamplane.ESTATE, "topic"},
		{"BadConfig", kerr.InvalidConfig, streamplane.EINVALID, "topic"},
		{"TooLarge", kerr.MessageTooLarge, streamplane.EINVALID, "topic"},
		{"WrappedWithMessage", fmt.Errorf("%w: replication factor 4 > 3 brokers", kerr.InvalidReplicationFactor), streamplane.EINVALID, "topic"},
		{"NotEnoughReplicas", kerr.NotEnoughReplicas, streamplane.EUNAVAILABLE, "topic"},
		{"NoCoordinator", kerr.CoordinatorNotAvailable, streamplane.EUNAVAILABLE, "topic"},
		{"TimedOut", context.DeadlineExceeded, streamplane.EUNAVAILABLE, ""},
		{"OtherKafkaError", kerr.ClusterAuthorizationFailed, "", ""},
		{"NotKafkas", plain, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := AppError(tc.err, "topic", "create topic %s", "orders")
			var e *streamplane.Error
			if !errors.As(got, &e) {
				if tc.code != "" {
					t.Fatalf("error %v, want code %s", got, tc.code)
				}
				if !errors.Is(got, tc.err) {
					t.Errorf("error %v does not wrap %v", got, tc.err)
				}
				return
			}
			if e.Code != tc.code || e.Field != tc.field || !strings.Contains(e.Message, "create topic orders") {
				t.Errorf("error %+v, want code %s on field %q, saying what failed", e, tc.code, tc.field)
			}
		})
	}
	if AppError(nil, "topic", "x") != nil {
		t.Error("no error became one")
	}
	if got := AppError(plain, "topic", "x"); got != plain {
		t.Errorf("an error not from Kafka changed: %v", got)
	}
}

// groupsErr: an error that is not Kafka's means the brokers could not be
// reached, except a caller that gave up.
func TestGroupsErr(t *testing.T) {
	if got := groupsErr(errors.New("dial tcp: refused"), "describe groups"); streamplane.ErrorCode(got) != streamplane.EUNAVAILABLE {
		t.Errorf("unreachable: %v, want UNAVAILABLE", got)
	}
	if got := groupsErr(context.Canceled, "describe groups"); got != context.Canceled {
		t.Errorf("canceled: %v, want it unchanged", got)
	}
	if got := groupsErr(kerr.GroupIDNotFound, "describe groups"); streamplane.ErrorCode(got) != streamplane.ENOTFOUND {
		t.Errorf("unknown group: %v, want NOT_FOUND", got)
	}
}
