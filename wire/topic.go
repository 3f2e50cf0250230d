package wire

// TopicDeleteRequest names the topics of a batch deletion.
type TopicDeleteRequest struct {
	Topics []string `json:"topics"`
}
