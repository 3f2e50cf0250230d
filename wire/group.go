package wire

import streamplane "github.com/streamplane/streamplane"

// GroupList is a page of consumer groups.
type GroupList struct {
	Groups []streamplane.Group `json:"groups"`
	Total  int                 `json:"total"`
	Offset int                 `json:"offset"`
	Limit  int                 `json:"limit"`
}

// GroupDeleteRequest names the groups of a batch deletion.
type GroupDeleteRequest struct {
	Groups []string `json:"groups"`
}

// GroupDeleteResults is the answer of a batch deletion: one outcome per
// group, in the order asked.
type GroupDeleteResults struct {
	Results []GroupDeletion `json:"results"`
}

// GroupDeletion is one group's outcome in a batch deletion: deleted, or
// the error a single deletion of it would have got.
type GroupDeletion struct {
	Group   string       `json:"group"`
	Deleted bool         `json:"deleted"`
	Error   *ErrorDetail `json:"error,omitempty"`
}

// Err returns why the group was not deleted, as an application error, or
// nil.
func (d GroupDeletion) Err() error {
	if d.Error == nil {
		return nil
	}
	return d.Error.AppError()
}
