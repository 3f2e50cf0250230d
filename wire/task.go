package wire

import streamplane "github.com/streamplane/streamplane"

// TaskAccepted is the 202 answer of a change that runs as a task.
type TaskAccepted struct {
	Task *streamplane.Task `json:"task"`
}

// TaskList is a page of tasks.
type TaskList struct {
	Tasks  []*streamplane.Task `json:"tasks"`
	Total  int                 `json:"total"`
	Offset int                 `json:"offset"`
	Limit  int                 `json:"limit"`
}
