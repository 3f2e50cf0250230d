package console

import (
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/client"
	"github.com/streamplane/streamplane/wire"
)

// chartData is what app.js's drawCharts takes: one time axis and a series
// of values per dimension value (a broker, a topic, a group…). A series
// without a point at a time has null there: uPlot draws a gap.
type chartData struct {
	Title  string        `json:"title"`
	Unit   string        `json:"unit"`
	Times  []int64       `json:"times"` // unix seconds, ascending
	Series []chartSeries `json:"series"`
	// From and To are the range asked for (unix seconds), so a chart can
	// span it even when the points cover only part of it.
	From int64 `json:"from,omitempty"`
	To   int64 `json:"to,omitempty"`
}

type chartSeries struct {
	Label  string     `json:"label"`
	Values []*float64 `json:"values"`
}

// chartOf lines up the API's series on the union of their times.
func chartOf(list *wire.MetricSeriesList) chartData {
	out := chartData{Title: list.Metric, Unit: list.Unit, Times: []int64{}, Series: []chartSeries{}}
	if t, err := time.Parse(time.RFC3339, list.From); err == nil {
		out.From = t.Unix()
	}
	if t, err := time.Parse(time.RFC3339, list.To); err == nil {
		out.To = t.Unix()
	}
	seen := map[int64]bool{}
	for _, se := range list.Series {
		for _, p := range se.Points {
			seen[int64(p[0])] = true
		}
	}
	for t := range seen {
		out.Times = append(out.Times, t)
	}
	slices.Sort(out.Times)
	index := make(map[int64]int, len(out.Times))
	for i, t := range out.Times {
		index[t] = i
	}
	for _, se := range list.Series {
		cs := chartSeries{Label: labelText(se.Labels), Values: make([]*float64, len(out.Times))}
		for _, p := range se.Points {
			if v := p[1]; !math.IsNaN(v) && !math.IsInf(v, 0) {
				cs.Values[index[int64(p[0])]] = &v
			}
		}
		out.Series = append(out.Series, cs)
	}
	return out
}

// labelOrder puts a series' dimensions in the catalog's order of levels.
var labelOrder = []string{streamplane.DimBroker, streamplane.DimGroup, streamplane.DimTopic, streamplane.DimPartition}

// labelText names a series by its dimensions: "broker 1", "group g · topic
// t"; a series without any is the instance's.
func labelText(labels map[string]string) string {
	var parts []string
	for _, k := range labelOrder {
		if v, ok := labels[k]; ok {
			parts = append(parts, k+" "+v)
		}
	}
	var rest []string
	for k, v := range labels {
		if !slices.Contains(labelOrder, k) {
			rest = append(rest, k+" "+v)
		}
	}
	sort.Strings(rest)
	parts = append(parts, rest...)
	if len(parts) == 0 {
		return "instance"
	}
	return strings.Join(parts, " · ")
}

type metricRange struct {
	Key, Label string
	D          time.Duration
}

// metricRanges are the range picker's choices.
var metricRanges = []metricRange{
	{"1h", "Last hour", time.Hour},
	{"6h", "Last 6 hours", 6 * time.Hour},
	{"24h", "Last 24 hours", 24 * time.Hour},
	{"7d", "Last 7 days", 7 * 24 * time.Hour},
}

// metricOptions reads a metric query from a page's or chart's query
// string: the dimension filters, and the range as range=1h|6h|24h|7d or as
// from and to (RFC 3339, Unix seconds or datetime-local in UTC).
func metricOptions(q url.Values) (client.MetricOptions, error) {
	var o client.MetricOptions
	if s := q.Get("broker"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return o, fieldError("broker", "broker must be a node id, got %q", s)
		}
		o.Broker = &n
	}
	if s := q.Get("partition"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return o, fieldError("partition", "partition must be a whole number, got %q", s)
		}
		o.Partition = &n
	}
	if q.Get("topic") != "" {
		s := q.Get("topic")
		o.Topic = &s
	}
	if q.Get("group") != "" {
		s := q.Get("group")
		o.Group = &s
	}
	for _, f := range []struct {
		name string
		dst  **time.Time
	}{{"from", &o.From}, {"to", &o.To}} {
		s := q.Get(f.name)
		if s == "" {
			continue
		}
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			t := time.Unix(n, 0).UTC()
			*f.dst = &t
			continue
		}
		t, ok := parseFormTime(s)
		if !ok {
			return o, fieldError(f.name, "%s must be a time such as 2026-11-21T10:00:00Z, got %q", f.name, s)
		}
		*f.dst = &t
	}
	if o.From == nil {
		if r := q.Get("range"); r != "" {
			i := slices.IndexFunc(metricRanges, func(m metricRange) bool { return m.Key == r })
			if i < 0 {
				return o, fieldError("range", "range must be one of 1h, 6h, 24h or 7d, got %q", r)
			}
			to := time.Now().UTC()
			if o.To != nil {
				to = *o.To
			}
			from := to.Add(-metricRanges[i].D)
			o.From = &from
		}
	}
	if s := q.Get("step"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			return o, fieldError("step", "step must be a duration such as 60s or 5m, got %q", s)
		}
		o.Step = d
	} else if o.From != nil {
		o.Step = chartStep(*o.From, o.To)
	}
	return o, nil
}

// chartPoints is about how many points a chart's range is cut into: enough
// to follow a change within minutes, few enough to draw at once.
const chartPoints = 240

// chartStep is the step of a chart over [from, to] (to nil: now): the
// range cut into chartPoints, never under 10 s (the shortest collection
// interval a server is run with).
func chartStep(from time.Time, to *time.Time) time.Duration {
	end := time.Now()
	if to != nil {
		end = *to
	}
	return max((end.Sub(from) / chartPoints).Round(time.Second), 10*time.Second)
}

// handleChartJSON serves one metric of an instance as chart data. Errors
// are JSON too (the chart shows the message).
func (s *Server) handleChartJSON(c *call) error {
	inst, metric := c.r.PathValue("instance"), c.r.PathValue("metric")
	opts, err := metricOptions(c.r.URL.Query())
	var list *wire.MetricSeriesList
	if err == nil {
		list, err = c.api.Metric(c.r.Context(), inst, metric, opts)
	}
	if err != nil {
		return writeChartError(c, err)
	}
	data := chartOf(list)
	if def, ok := streamplane.MetricByName(metric); ok {
		data.Title = metricTitle(def)
	}
	return writeJSON(c, http.StatusOK, data)
}

// metricTitle is a chart's title: the metric and its unit.
func metricTitle(def streamplane.MetricDef) string {
	return def.Name + " (" + def.Unit + ")"
}

func writeChartError(c *call, err error) error {
	var e *client.Error
	if !errors.As(err, &e) {
		return err
	}
	return writeJSON(c, e.StatusCode, map[string]string{"error": e.App.Message, "code": e.App.Code, "field": e.App.Field})
}

func writeJSON(c *call, status int, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	c.w.Header().Set("Content-Type", "application/json")
	c.w.Header().Set("Cache-Control", "no-store")
	c.w.WriteHeader(status)
	_, err = c.w.Write(raw)
	return err
}
