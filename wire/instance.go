package wire

import streamplane "github.com/streamplane/streamplane"

// InstanceCreated is the 202 answer of an instance creation: the instance
// as recorded and the task creating it.
type InstanceCreated struct {
	Instance *streamplane.Instance `json:"instance"`
	Task     *streamplane.Task     `json:"task"`
}

// InstanceList is a page of instances.
type InstanceList struct {
	Instances []*streamplane.Instance `json:"instances"`
	Total     int                     `json:"total"`
	Offset    int                     `json:"offset"`
	Limit     int                     `json:"limit"`
}

// RestartRequest asks for a rolling restart, or with Force for a full one
// that skips the safety checks. The body is optional.
type RestartRequest struct {
	Force bool `json:"force"`
}

// InstancesCleared names the failed instances whose records were removed.
type InstancesCleared struct {
	Cleared []string `json:"cleared"`
}
