package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	streamplane "github.com/streamplane/streamplane"
)

// messagesPath is a topic's messages; with a partition and offset (≥ 0),
// one message.
func messagesPath(instance, topic string, partition int32, offset int64) string {
	if offset < 0 {
		return topicPath(instance, topic) + "/messages"
	}
	return topicPath(instance, topic) + "/partitions/" + strconv.Itoa(int(partition)) + "/messages/" + strconv.FormatInt(offset, 10)
}

// QueryMessages returns a page of a topic's messages. q.Topic names the
// topic; zero fields take the server's defaults.
func (c *Client) QueryMessages(ctx context.Context, instance string, q streamplane.MessageQuery) (*streamplane.MessagePage, error) {
	v := url.Values{}
	if q.Partition != nil {
		v.Set("partition", strconv.Itoa(int(*q.Partition)))
	}
	if q.From != nil {
		v.Set("from", q.From.Format(time.RFC3339Nano))
	}
	if q.To != nil {
		v.Set("to", q.To.Format(time.RFC3339Nano))
	}
	if q.FromOffset != nil {
		v.Set("from_offset", strconv.FormatInt(*q.FromOffset, 10))
	}
	if q.ToOffset != nil {
		v.Set("to_offset", strconv.FormatInt(*q.ToOffset, 10))
	}
	if q.NewestFirst {
		v.Set("newest_first", "true")
	}
	if q.Limit != 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	if q.MaxScan != 0 {
		v.Set("max_scan", strconv.Itoa(q.MaxScan))
	}
	if q.Cursor != "" {
		v.Set("cursor", q.Cursor)
	}
	var out streamplane.MessagePage
	_, err := c.do(ctx, "GET", messagesPath(instance, q.Topic, 0, -1), v, nil, &out)
	return &out, err
}

// Message returns one message, its key and body cut at 4 KB.
func (c *Client) Message(ctx context.Context, instance, topic string, partition int32, offset int64) (*streamplane.Message, error) {
	var out streamplane.Message
	_, err := c.do(ctx, "GET", messagesPath(instance, topic, partition, offset), nil, nil, &out)
	return &out, err
}

// MessageValue returns one message's whole body: nil for a null body,
// empty for an empty one.
func (c *Client) MessageValue(ctx context.Context, instance, topic string, partition int32, offset int64) ([]byte, error) {
	var out string
	resp, err := c.do(ctx, "GET", messagesPath(instance, topic, partition, offset)+"/value", nil, nil, &out)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode == http.StatusNoContent {
		return nil, nil
	}
	return []byte(out), nil
}

// SendMessage sends a message to a topic.
func (c *Client) SendMessage(ctx context.Context, instance, topic string, m streamplane.MessageSend) (*streamplane.MessageSent, error) {
	var out streamplane.MessageSent
	_, err := c.do(ctx, "POST", messagesPath(instance, topic, 0, -1), nil, m, &out)
	return &out, err
}
