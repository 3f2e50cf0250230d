package console_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/iam"
)

// history is a metric history of fixed series, answering queries as the
// real one filters them (range aside: the tests' points are all recent).
type history []streamplane.Series

func (h history) Query(_ context.Context, q streamplane.MetricQuery) ([]streamplane.Series, error) {
	var out []streamplane.Series
	for _, s := range h {
		if q.Matches(s.Key) {
			out = append(out, s)
		}
	}
	return out, nil
}

type chartJSON struct {
	Title    string `json:"title"`
	Unit     string `json:"unit"`
	Times    []int64
	From, To int64
	Series   []struct {
		Label  string     `json:"label"`
		Values []*float64 `json:"values"`
	} `json:"series"`
}

func getChart(t *testing.T, b *browser, path string) (int, chartJSON, string) {
	t.Helper()
	resp, body := b.get(path)
	var c chartJSON
	if resp.StatusCode == http.StatusOK {
		if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("%s: Content-Type %q", path, ct)
		}
		if err := json.Unmarshal([]byte(body), &c); err != nil {
			t.Fatalf("%s: %v: %s", path, err, body)
		}
	}
	return resp.StatusCode, c, body
}

// chart.json lines the API's series up on one time axis, one series per
// broker, null where a series has no point; an instance without data has
// empty times, not an error.
func TestChartJSON(t *testing.T) {
	e := newEnv(t)
	e.instance(t, "demo")
	e.instance(t, "quiet")
	e.user(t, "ann", iam.ReadOnlyAccess)
	b := e.browser(t)
	b.signIn("ann")
	inst, err := e.api().Instance(context.Background(), "demo")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().Truncate(time.Minute)
	at := func(min int) time.Time { return now.Add(time.Duration(min-10) * time.Minute) }
	e.svc.Metrics = history{
		{Key: streamplane.BrokerSeries(inst.ID, "broker_disk_usage", 0), Points: []streamplane.Point{{At: at(1), Value: 10}, {At: at(2), Value: 11}}},
		{Key: streamplane.BrokerSeries(inst.ID, "broker_disk_usage", 1), Points: []streamplane.Point{{At: at(2), Value: 20.5}, {At: at(3), Value: 21}}},
	}

	status, c, body := getChart(t, b, "/instances/demo/metrics/broker_disk_usage/chart.json?range=1h")
	if status != http.StatusOK {
		t.Fatalf("chart.json answered %d: %s", status, body)
	}
	if c.Unit != "%" || !strings.Contains(c.Title, "broker_disk_usage") || len(c.Times) != 3 || len(c.Series) != 2 {
		t.Fatalf("chart %s", body)
	}
	if c.To-c.From != 3600 || c.From > c.Times[0] {
		t.Errorf("range %d–%d, want the hour asked for, around the points", c.From, c.To)
	}
	if c.Times[0] != at(1).Unix() || c.Times[2] != at(3).Unix() {
		t.Errorf("times %v, want the union of the points' times, ascending", c.Times)
	}
	if c.Series[0].Label != "broker 0" || c.Series[1].Label != "broker 1" {
		t.Errorf("labels %q, %q", c.Series[0].Label, c.Series[1].Label)
	}
	if !strings.Contains(body, `"values":[10,11,null]`) || !strings.Contains(body, `"values":[null,20.5,21]`) {
		t.Errorf("values not lined up with null gaps: %s", body)
	}
	if _, c, _ := getChart(t, b, "/instances/demo/metrics/broker_disk_usage/chart.json?broker=1"); len(c.Series) != 1 || c.Series[0].Label != "broker 1" {
		t.Errorf("broker=1 gave %+v", c.Series)
	}
	status, c, body = getChart(t, b, "/instances/quiet/metrics/broker_disk_usage/chart.json?from=2026-01-01T00:00:00Z&to=2026-01-01T06:00:00Z&step=5m")
	if status != http.StatusOK || c.Times == nil || len(c.Times) != 0 || !strings.Contains(body, `"times":[]`) || !strings.Contains(body, `"series":[]`) {
		t.Errorf("an instance without data: %d %s", status, body)
	}
	// Refusals are JSON the chart can show.
	for path, want := range map[string]int{
		"/instances/demo/metrics/no_such_metric/chart.json":              http.StatusBadRequest,
		"/instances/demo/metrics/broker_disk_usage/chart.json?topic=x":   http.StatusBadRequest,
		"/instances/demo/metrics/broker_disk_usage/chart.json?range=2y":  http.StatusBadRequest,
		"/instances/demo/metrics/broker_disk_usage/chart.json?broker=b1": http.StatusBadRequest,
		"/instances/nowhere/metrics/broker_disk_usage/chart.json":        http.StatusNotFound,
	} {
		resp, body := b.get(path)
		var e struct{ Error string }
		if resp.StatusCode != want || resp.Header.Get("Content-Type") != "application/json" || json.Unmarshal([]byte(body), &e) != nil || e.Error == "" {
			t.Errorf("%s answered %d %q %s, want %d with a JSON error", path, resp.StatusCode, resp.Header.Get("Content-Type"), body, want)
		}
	}
}

// The metrics page: a chart per main metric of the level, each loading
// chart.json for the same range and only the filters its metric has; the
// topic level ranks topics.
func TestMetricsPage(t *testing.T) {
	e := newEnv(t)
	e.instance(t, "demo")
	e.user(t, "ann", iam.ReadOnlyAccess)
	b := e.browser(t)
	b.signIn("ann")
	inst, _ := e.api().Instance(context.Background(), "demo")
	now := time.Now().Add(-5 * time.Minute)
	topic := `<b>orders</b>`
	e.svc.Metrics = history{
		{Key: streamplane.TopicSeries(inst.ID, "topic_bytes_in_rate", topic), Points: []streamplane.Point{{At: now, Value: 2048}}},
		{Key: streamplane.TopicSeries(inst.ID, "topic_bytes_in_rate", "quiet"), Points: []streamplane.Point{{At: now, Value: 1}}},
	}

	resp, page := b.get("/instances/demo/metrics")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("metrics page answered %d:\n%s", resp.StatusCode, page)
	}
	checkNoInline(t, "metrics", page)
	for _, want := range []string{`data-metric="current_topics"`, `data-chart="/instances/demo/metrics/current_topics/chart.json?from=`, "uPlot-1.6.32.iife.min.js", `aria-current="true">Last hour`} {
		if !strings.Contains(page, want) {
			t.Errorf("instance level lacks %s", want)
		}
	}
	_, page = b.get("/instances/demo/metrics?level=broker&range=24h&broker=2&topic=ignored")
	if !strings.Contains(page, `data-metric="broker_bytes_in_rate"`) || !strings.Contains(page, "broker=2") || strings.Contains(page, "topic=ignored") ||
		strings.Contains(page, `data-metric="current_topics"`) {
		t.Errorf("broker level page:\n%s", page)
	}
	_, all := b.get("/instances/demo/metrics?level=broker&all=1")
	if strings.Count(all, `data-metric="`) <= strings.Count(page, `data-metric="`) || !strings.Contains(all, `data-metric="broker_connections"`) {
		t.Errorf("all=1 shows no more of the level's metrics")
	}
	_, page = b.get("/instances/demo/metrics?level=topic")
	if !strings.Contains(page, "Top topics by topic_bytes_in_rate") || !strings.Contains(page, "&lt;b&gt;orders&lt;/b&gt;") || strings.Contains(page, topic) {
		t.Errorf("topic level's top table:\n%s", page)
	}
	if i, j := strings.Index(page, "orders"), strings.Index(page, "topic quiet"); i < 0 || j < 0 || i > j {
		t.Errorf("the busier topic is not ranked first")
	}
	_, page = b.get("/instances/demo/metrics?level=group&group=app&topic=t")
	if !strings.Contains(page, `/metrics/consumer_messages_remaining/chart.json?from=`) {
		t.Errorf("group level:\n%s", page)
	}
	for _, line := range strings.Split(page, "\n") {
		if strings.Contains(line, "consumer_messages_remaining/chart.json") && strings.Contains(line, "topic=t") {
			t.Errorf("a chart of a metric without a topic dimension is filtered by topic: %s", line)
		}
		if strings.Contains(line, "messages_remained/chart.json") && !strings.Contains(line, "topic=t") {
			t.Errorf("messages_remained is not filtered by the topic: %s", line)
		}
	}
	resp, page = b.get("/instances/demo/metrics?from=soon")
	wantFieldError(t, "metrics from a wrong time", resp, page, http.StatusBadRequest, "from")
}
