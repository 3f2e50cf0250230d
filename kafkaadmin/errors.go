package kafkaadmin

import (
	"context"
	"errors"
	"fmt"

	streamplane "github.com/streamplane/streamplane"
	"github.com/twmb/franz-go/pkg/kerr"
)

// kerrOf turns a Kafka error code and optional message into an error.
func kerrOf(code int16, msg *string) error {
	err := kerr.ErrorForCode(code)
	if err == nil {
		return nil
	}
	if msg != nil && *msg != "" {
		return fmt.Errorf("%w: %s", err, *msg)
	}
	return err
}

// AppError turns an error from Kafka into an application error with the
// right code, naming field when the error is about the caller's input.
// Errors that are not Kafka's pass through unchanged.
func AppError(err error, field, format string, args ...any) error {
	if err == nil {
		return nil
	}
	var ke *kerr.Error
	what := fmt.Sprintf(format, args...)
	msg := what + ": " + err.Error()
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return streamplane.Errorf(streamplane.EUNAVAILABLE, "%s: the cluster did not answer in time", what)
	case !errors.As(err, &ke):
		return err
	}
	switch {
	case errors.Is(err, kerr.TopicAlreadyExists):
		return &streamplane.Error{Code: streamplane.ECONFLICT, Field: field, Message: msg}
	case errors.Is(err, kerr.UnknownTopicOrPartition), errors.Is(err, kerr.UnknownTopicID), errors.Is(err, kerr.GroupIDNotFound):
		return &streamplane.Error{Code: streamplane.ENOTFOUND, Field: field, Message: msg}
	case errors.Is(err, kerr.NonEmptyGroup), errors.Is(err, kerr.RebalanceInProgress), errors.Is(err, kerr.UnknownMemberID),
		errors.Is(err, kerr.ReassignmentInProgress):
		return &streamplane.Error{Code: streamplane.ESTATE, Field: field, Message: msg}
	case errors.Is(err, kerr.InvalidConfig), errors.Is(err, kerr.InvalidPartitions), errors.Is(err, kerr.InvalidReplicationFactor),
		errors.Is(err, kerr.InvalidTopicException), errors.Is(err, kerr.InvalidRequest), errors.Is(err, kerr.PolicyViolation),
		errors.Is(err, kerr.MessageTooLarge), errors.Is(err, kerr.RecordListTooLarge), errors.Is(err, kerr.InvalidRecord),
		errors.Is(err, kerr.InvalidReplicaAssignment), errors.Is(err, kerr.OffsetOutOfRange), errors.Is(err, kerr.InvalidGroupID):
		return &streamplane.Error{Code: streamplane.EINVALID, Field: field, Message: msg}
	case errors.Is(err, kerr.NotEnoughReplicas), errors.Is(err, kerr.NotEnoughReplicasAfterAppend), errors.Is(err, kerr.NotController),
		errors.Is(err, kerr.LeaderNotAvailable), errors.Is(err, kerr.NotLeaderForPartition), errors.Is(err, kerr.RequestTimedOut),
		errors.Is(err, kerr.CoordinatorNotAvailable), errors.Is(err, kerr.CoordinatorLoadInProgress), errors.Is(err, kerr.BrokerNotAvailable):
		return &streamplane.Error{Code: streamplane.EUNAVAILABLE, Field: field, Message: msg}
	}
	return fmt.Errorf("%s: %w", what, err)
}
