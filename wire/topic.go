package wire

// TopicDeleteRequest names the topics of a batch deletion.
type TopicDeleteRequest struct {
	Topics []string `json:"topics"`
}

// TopicDeleteResults is the answer of a batch deletion: one outcome per
// topic, in the order asked, as GroupDeleteResults is for groups.
type TopicDeleteResults struct {
	Results []TopicDeletion `json:"results"`
}

// TopicDeletion is one topic's outcome in a batch deletion: deleted, or
// the error a single deletion of it would have got.
type TopicDeletion struct {
	Topic   string       `json:"topic"`
	Deleted bool         `json:"deleted"`
	Error   *ErrorDetail `json:"error,omitempty"`
}

// Err returns why the topic was not deleted, as an application error, or
// nil.
func (d TopicDeletion) Err() error {
	if d.Error == nil {
		return nil
	}
	return d.Error.AppError()
}
