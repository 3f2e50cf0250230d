package client

import (
	"context"
	"net/url"
	"strconv"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/wire"
)

// TopicListOptions filter a topic list.
type TopicListOptions struct {
	Name          string // substring, any case
	Internal      bool   // include Kafka's internal topics
	Offset, Limit int    // a page; the server's default limit is 1,000
}

func (o TopicListOptions) query() url.Values {
	q := url.Values{}
	if o.Name != "" {
		q.Set("name", o.Name)
	}
	if o.Internal {
		q.Set("internal", "true")
	}
	setPage(q, o.Offset, o.Limit)
	return q
}

func topicsPath(instance string) string {
	return instancePath(instance) + "/topics"
}

func topicPath(instance, topic string) string {
	return topicsPath(instance) + "/" + url.PathEscape(topic)
}

// Topics lists an instance's topics.
func (c *Client) Topics(ctx context.Context, instance string, opts TopicListOptions) (*streamplane.TopicList, error) {
	var out streamplane.TopicList
	_, err := c.do(ctx, "GET", topicsPath(instance), opts.query(), nil, &out)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// TopicsCSV returns an instance's topic list as CSV.
func (c *Client) TopicsCSV(ctx context.Context, instance string, opts TopicListOptions) (string, error) {
	return c.csv(ctx, topicsPath(instance), opts.query())
}

// Topic returns a topic with its partitions and configs.
func (c *Client) Topic(ctx context.Context, instance, topic string) (*streamplane.TopicDetail, error) {
	var out streamplane.TopicDetail
	_, err := c.do(ctx, "GET", topicPath(instance, topic), nil, nil, &out)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// CreateTopic creates a topic.
func (c *Client) CreateTopic(ctx context.Context, instance string, spec streamplane.TopicSpec) (*streamplane.TopicDetail, error) {
	var out streamplane.TopicDetail
	_, err := c.do(ctx, "POST", topicsPath(instance), nil, spec, &out)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateTopic changes a topic.
func (c *Client) UpdateTopic(ctx context.Context, instance, topic string, upd streamplane.TopicUpdate) (*streamplane.TopicDetail, error) {
	var out streamplane.TopicDetail
	_, err := c.do(ctx, "PATCH", topicPath(instance, topic), nil, upd, &out)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteTopic deletes one topic.
func (c *Client) DeleteTopic(ctx context.Context, instance, topic string) (*streamplane.TopicDeletion, error) {
	var out streamplane.TopicDeletion
	_, err := c.do(ctx, "DELETE", topicPath(instance, topic), nil, nil, &out)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteTopics deletes a batch of topics, each with its own outcome (an
// unknown or internal topic is refused, the others deleted); the error is
// for the request as a whole (for instance a busy instance).
func (c *Client) DeleteTopics(ctx context.Context, instance string, topics ...string) ([]wire.TopicDeletion, error) {
	var out wire.TopicDeleteResults
	if topics == nil {
		topics = []string{}
	}
	_, err := c.do(ctx, "POST", topicsPath(instance)+"/delete", nil, wire.TopicDeleteRequest{Topics: topics}, &out)
	return out.Results, err
}

// SampleCode returns a producer and consumer program for a topic in a
// language (java, go or python), for a listener ("" for the preferred one).
func (c *Client) SampleCode(ctx context.Context, instance, topic, lang, listener string) (*streamplane.SampleCode, error) {
	q := url.Values{"lang": {lang}}
	if listener != "" {
		q.Set("listener", listener)
	}
	var out streamplane.SampleCode
	_, err := c.do(ctx, "GET", topicPath(instance, topic)+"/sample-code", q, nil, &out)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// DiskUsage returns an instance's disk use by broker and its biggest topics.
// Zero filter fields take the server's defaults.
func (c *Client) DiskUsage(ctx context.Context, instance string, f streamplane.DiskUsageFilter) (*streamplane.DiskUsage, error) {
	q := url.Values{}
	if f.Top != 0 {
		q.Set("top", strconv.Itoa(f.Top))
	}
	if f.MinBytes != 0 {
		q.Set("min_size_bytes", strconv.FormatInt(f.MinBytes, 10))
	}
	if f.MinPercent != 0 {
		q.Set("min_percent", strconv.FormatFloat(f.MinPercent, 'f', -1, 64))
	}
	var out streamplane.DiskUsage
	_, err := c.do(ctx, "GET", instancePath(instance)+"/disk-usage", q, nil, &out)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// ElectLeaders moves each partition's leadership, of the topics named or of
// every topic (none named), back to its preferred replica.
func (c *Client) ElectLeaders(ctx context.Context, instance string, topics ...string) (*streamplane.LeaderElection, error) {
	var out streamplane.LeaderElection
	if _, err := c.do(ctx, "POST", instancePath(instance)+"/elect-leaders", nil, streamplane.LeaderElectionRequest{Topics: topics}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Reassign plans a reassignment and, unless it is a dry run, runs it; a
// long one answers with *StillRunning holding its task.
func (c *Client) Reassign(ctx context.Context, instance string, req streamplane.ReassignRequest) (*streamplane.ReassignPlan, error) {
	var out streamplane.ReassignPlan
	if _, err := c.do(ctx, "POST", instancePath(instance)+"/reassignments", nil, req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ReassignStatus reports the moves in progress.
func (c *Client) ReassignStatus(ctx context.Context, instance string) (*streamplane.ReassignStatus, error) {
	var out streamplane.ReassignStatus
	if _, err := c.do(ctx, "GET", instancePath(instance)+"/reassignments", nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// CancelReassignment stops the moves in progress where they are.
func (c *Client) CancelReassignment(ctx context.Context, instance string) (*streamplane.ReassignStatus, error) {
	var out streamplane.ReassignStatus
	if _, err := c.do(ctx, "DELETE", instancePath(instance)+"/reassignments", nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
