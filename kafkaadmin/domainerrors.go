package kafkaadmin

import (
	"errors"
	"strings"

	streamplane "github.com/streamplane/streamplane"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// What the service needs to know of Kafka's errors and config sources, so
// that Kafka's vocabulary (kerr, kmsg) stays in this package.

// IsUnknownTopic reports whether err says a topic does not exist.
func IsUnknownTopic(err error) bool {
	return errors.Is(err, kerr.UnknownTopicOrPartition) || errors.Is(err, kerr.UnknownTopicID)
}

// IsTopicAlreadyExists reports whether err says a topic exists already.
func IsTopicAlreadyExists(err error) bool { return errors.Is(err, kerr.TopicAlreadyExists) }

// IsResourceNotFound reports whether err says the thing to delete (such as
// a SCRAM credential) is not there.
func IsResourceNotFound(err error) bool { return errors.Is(err, kerr.ResourceNotFound) }

// TopicError maps a Kafka error about a topic change to an application
// error. Kafka names the offending config only in its message, so a config
// error names the field (of fields, config name → request field) of the
// config the message mentions.
func TopicError(err error, fields map[string]string, format string, args ...any) error {
	field := ""
	switch {
	case errors.Is(err, kerr.InvalidConfig), errors.Is(err, kerr.PolicyViolation), errors.Is(err, kerr.InvalidRequest):
		best := ""
		for key := range fields {
			if strings.Contains(err.Error(), key) && len(key) > len(best) {
				best = key
			}
		}
		switch {
		case best != "":
			field = fields[best]
		case len(fields) > 0:
			field = "configs"
		}
	case errors.Is(err, kerr.InvalidReplicationFactor):
		field = "replicas"
	case errors.Is(err, kerr.InvalidPartitions):
		field = "partitions"
	case errors.Is(err, kerr.TopicAlreadyExists):
		field = "name"
	}
	return AppError(err, field, format, args...)
}

// SetOnTopic reports whether the value is the topic's own override.
func (v ConfigValue) SetOnTopic() bool { return v.Source == kmsg.ConfigSourceDynamicTopicConfig }

// IsDefault reports whether the value is Kafka's default.
func (v ConfigValue) IsDefault() bool { return v.Source == kmsg.ConfigSourceDefaultConfig }

// SourceName says where the value comes from, in the API's words.
func (v ConfigValue) SourceName() string {
	switch v.Source {
	case kmsg.ConfigSourceDynamicTopicConfig:
		return streamplane.SourceTopic
	case kmsg.ConfigSourceDynamicBrokerConfig:
		return streamplane.SourceBroker
	case kmsg.ConfigSourceDynamicDefaultBrokerConfig:
		return streamplane.SourceCluster
	case kmsg.ConfigSourceStaticBrokerConfig:
		return streamplane.SourceStaticBroker
	}
	return streamplane.SourceDefault
}
