package client

import (
	"context"
	"net/url"
	"testing"
	"time"
)

func TestMetricQueries(t *testing.T) {
	t.Parallel()
	srv, seen := queryServer(t)
	c := New(srv.URL)
	ctx := context.Background()
	broker, partition, topic, group := 0, 3, "orders/eu", ""
	from := time.Date(2026, 11, 21, 11, 0, 0, 0, time.FixedZone("CET", 3600))
	to := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	opts := MetricOptions{Broker: &broker, Topic: &topic, Group: &group, Partition: &partition, From: &from, To: &to, Step: 5 * time.Minute}
	if _, err := c.MetricCatalog(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Metric(ctx, "demo", "broker_bytes_in_rate", opts); err != nil {
		t.Fatal(err)
	}
	if csv, err := c.MetricCSV(ctx, "demo", "broker_bytes_in_rate", MetricOptions{Step: time.Hour}); err != nil || csv == "" {
		t.Fatalf("MetricCSV = %q, %v", csv, err)
	}
	if _, err := c.MetricTop(ctx, "de mo", "topic_bytes_in_rate", MetricOptions{Step: 90 * time.Second}, 5); err != nil {
		t.Fatal(err)
	}
	if _, err := c.MetricTop(ctx, "demo", "topic_bytes_in_rate", MetricOptions{}, 0); err != nil {
		t.Fatal(err)
	}
	// A filter on an empty group is a filter: it matches series without one.
	want := url.Values{"broker": {"0"}, "topic": {"orders/eu"}, "group": {""}, "partition": {"3"},
		"from": {"2026-11-21T10:00:00Z"}, "to": {"2026-11-21T12:00:00Z"}, "step": {"5m"}}
	reqs := seen()
	for i, w := range []string{
		"GET /api/v1/metrics?",
		"GET /api/v1/instances/demo/metrics/broker_bytes_in_rate?" + want.Encode(),
		"GET /api/v1/instances/demo/metrics/broker_bytes_in_rate?format=csv&step=1h",
		"GET /api/v1/instances/de%20mo/metrics/topic_bytes_in_rate/top?step=1m30s&top=5",
		"GET /api/v1/instances/demo/metrics/topic_bytes_in_rate/top?",
	} {
		if got := reqs[i].Method + " " + reqs[i].URL.EscapedPath() + "?" + reqs[i].URL.Query().Encode(); got != w {
			t.Errorf("request %d\n got %s\nwant %s", i, got, w)
		}
	}
}

func TestShortDuration(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]string{
		time.Minute: "1m", 2 * time.Hour: "2h", 90 * time.Minute: "1h30m", 30 * time.Second: "30s", 61 * time.Second: "1m1s", 3*time.Hour + 5*time.Second: "3h0m5s",
	} {
		if got := shortDuration(d); got != want {
			t.Errorf("shortDuration(%v) = %q, want %q", d, got, want)
		}
		if back, err := time.ParseDuration(shortDuration(d)); err != nil || back != d {
			t.Errorf("%q parses as %v, %v", shortDuration(d), back, err)
		}
	}
}
