package streamplane

// LeaderElectionRequest asks for a preferred leader election: each
// partition's leadership goes back to the first replica of its list.
// Topics names the topics; empty means every topic of the instance.
type LeaderElectionRequest struct {
	Topics []string `json:"topics,omitempty"`
}

// Validate checks the topic names.
func (r LeaderElectionRequest) Validate() error { return validateTopicList("topics", r.Topics) }

// validateTopicList checks a list of topic names: each valid, none twice.
func validateTopicList(field string, topics []string) error {
	seen := map[string]bool{}
	for _, t := range topics {
		if err := ValidateTopicName(field, t); err != nil {
			return err
		}
		if seen[t] {
			return Invalid(field, "topic %s is named twice", t)
		}
		seen[t] = true
	}
	return nil
}

// LeaderElection is what a preferred leader election did, partition by
// partition.
type LeaderElection struct {
	Elected          int                `json:"elected"`           // partitions whose leader moved to the preferred replica
	AlreadyPreferred int                `json:"already_preferred"` // partitions already led by it
	Failed           []PartitionFailure `json:"failed"`            // partitions left as they were, and why
}

// PartitionFailure is one partition an operation could not do.
type PartitionFailure struct {
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	Error     string `json:"error"`
}
