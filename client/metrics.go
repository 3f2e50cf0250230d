package client

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/streamplane/streamplane/wire"
)

// MetricOptions select an instance's series of one metric and the range
// they cover. Nil filters match every value; nil From and To are the
// server's defaults (the last hour); a zero Step lets the server choose.
type MetricOptions struct {
	Broker    *int
	Topic     *string
	Group     *string
	Partition *int
	From, To  *time.Time
	Step      time.Duration
}

func (o MetricOptions) query() url.Values {
	q := url.Values{}
	if o.Broker != nil {
		q.Set("broker", strconv.Itoa(*o.Broker))
	}
	if o.Topic != nil {
		q.Set("topic", *o.Topic)
	}
	if o.Group != nil {
		q.Set("group", *o.Group)
	}
	if o.Partition != nil {
		q.Set("partition", strconv.Itoa(*o.Partition))
	}
	if o.From != nil {
		q.Set("from", o.From.UTC().Format(time.RFC3339Nano))
	}
	if o.To != nil {
		q.Set("to", o.To.UTC().Format(time.RFC3339Nano))
	}
	if o.Step != 0 {
		q.Set("step", shortDuration(o.Step))
	}
	return q
}

// shortDuration writes d as Go does without its zero tails: 1m rather
// than 1m0s, 2h rather than 2h0m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func metricPath(instance, metric string) string {
	return instancePath(instance) + "/metrics/" + url.PathEscape(metric)
}

// MetricCatalog lists every metric the server collects, with its level,
// unit and dimensions.
func (c *Client) MetricCatalog(ctx context.Context) (*wire.MetricCatalog, error) {
	var out wire.MetricCatalog
	if _, err := c.do(ctx, "GET", "/api/v1/metrics", nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Metric returns the series of one metric of an instance over a range.
func (c *Client) Metric(ctx context.Context, instance, metric string, opts MetricOptions) (*wire.MetricSeriesList, error) {
	var out wire.MetricSeriesList
	if _, err := c.do(ctx, "GET", metricPath(instance, metric), opts.query(), nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// MetricCSV returns the same series as the server's CSV export, one line
// a point.
func (c *Client) MetricCSV(ctx context.Context, instance, metric string, opts MetricOptions) (string, error) {
	return c.csv(ctx, metricPath(instance, metric), opts.query())
}

// MetricTop ranks the series of one metric by their mean over the range,
// highest first; n is how many to return (0: the server's 10).
func (c *Client) MetricTop(ctx context.Context, instance, metric string, opts MetricOptions, n int) (*wire.MetricTop, error) {
	q := opts.query()
	if n != 0 {
		q.Set("top", strconv.Itoa(n))
	}
	var out wire.MetricTop
	if _, err := c.do(ctx, "GET", metricPath(instance, metric)+"/top", q, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
