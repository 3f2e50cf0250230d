package cli

import (
	"net/url"
	"strings"
	"testing"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/wire"
)

func TestMetricsList(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t)
	// The instance is accepted and ignored: the catalog is every instance's.
	for _, args := range [][]string{{"metrics", "list"}, {"metrics", "list", "demo"}} {
		res := f.run(args...)
		if res.code != 0 {
			t.Fatalf("%v: exit %d, stderr %q", args, res.code, res.stderr)
		}
		got := rows(res.stdout)
		if want := "NAME LEVEL UNIT DIMENSIONS DESCRIPTION"; strings.Join(got[0], " ") != want {
			t.Errorf("header %q", got[0])
		}
		if len(got) != len(streamplane.Metrics)+1 {
			t.Errorf("%d rows, want %d", len(got)-1, len(streamplane.Metrics))
		}
		if !strings.Contains(res.stdout, "messages_remained") || !strings.Contains(res.stdout, "group,topic") {
			t.Errorf("stdout lacks messages_remained and its dimensions:\n%s", res.stdout)
		}
	}
	if n := len(f.calls("GET /api/v1/metrics")); n != 2 {
		t.Errorf("%d catalog requests, want 2", n)
	}

	res := f.run("metrics", "list", "-o", "csv")
	if res.code != 0 || !strings.HasPrefix(res.stdout, "name,level,unit,dimensions,description\ncurrent_partitions,instance,count,,") {
		t.Errorf("csv: exit %d, stdout %q", res.code, shorten(res.stdout, 120))
	}
	res = f.run("metrics", "list", "a", "b")
	if res.code != 1 || res.stderr != "error: 'streamplane metrics list' takes at most INSTANCE; got 2 arguments\n" {
		t.Errorf("two arguments: exit %d, stderr %q", res.code, res.stderr)
	}
}

func TestMetricsQuery(t *testing.T) {
	t.Parallel()
	t.Run("Table", func(t *testing.T) {
		t.Parallel()
		f := newFakeAPI(t)
		f.addInstance("demo")
		res := f.run("metrics", "query", "demo", "--metric", "broker_bytes_in_rate", "--broker", "0", "--from", "-1h", "--to", "now", "--step", "1m")
		if res.code != 0 {
			t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
		}
		want := "TIME                  BROKER  VALUE\n" +
			"2026-11-21T12:00:00Z  0       1.25 MB/s\n" +
			"2026-11-21T12:01:00Z  0       1.50 MB/s\n" +
			"2026-11-21T12:00:00Z  1       0 B/s\n"
		if res.stdout != want {
			t.Errorf("stdout\n%s\nwant\n%s", res.stdout, want)
		}
		// o.now is created+3h: relative times reach the server as RFC 3339.
		q := f.only(t, "GET /api/v1/instances/demo/metrics/broker_bytes_in_rate").Query
		if want := (url.Values{"broker": {"0"}, "from": {"2026-11-21T12:00:00Z"}, "to": {"2026-11-21T13:00:00Z"}, "step": {"1m"}}); q.Encode() != want.Encode() {
			t.Errorf("query %s, want %s", q.Encode(), want.Encode())
		}
	})

	t.Run("Filters", func(t *testing.T) {
		t.Parallel()
		f := newFakeAPI(t)
		f.addInstance("demo")
		res := f.run("metrics", "query", "demo", "--metric", "partition_messages", "--topic", "orders", "--partition", "2",
			"--from", "2026-11-21T11:00:00+01:00", "--to", "-30m", "--step", "5m")
		if res.code != 0 {
			t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
		}
		q := f.only(t, "GET /api/v1/instances/demo/metrics/partition_messages").Query
		want := url.Values{"topic": {"orders"}, "partition": {"2"}, "from": {"2026-11-21T10:00:00Z"}, "to": {"2026-11-21T12:30:00Z"}, "step": {"5m"}}
		if q.Encode() != want.Encode() {
			t.Errorf("query %s, want %s", q.Encode(), want.Encode())
		}
		// Without range flags the server's defaults apply: nothing is sent.
		f.run("metrics", "query", "demo", "--metric", "current_topics", "--group", "")
		if q := f.only(t, "GET /api/v1/instances/demo/metrics/current_topics").Query.Encode(); q != "group=" {
			t.Errorf("query %q, want only the empty group filter", q)
		}
	})

	t.Run("JSONAndCSV", func(t *testing.T) {
		t.Parallel()
		f := newFakeAPI(t)
		f.addInstance("demo")
		res := f.run("metrics", "query", "demo", "--metric", "broker_bytes_in_rate", "-o", "json")
		var list wire.MetricSeriesList
		mustDecodeOne(t, res.stdout, &list)
		if list.Unit != "byte/s" || len(list.Series) != 2 || list.Series[0].Points[1][1] != 1500000.4 {
			t.Errorf("json %+v", list)
		}
		res = f.run("metrics", "query", "demo", "--metric", "broker_bytes_in_rate", "--from", "-2h", "-o", "csv")
		if res.code != 0 || res.stdout != "time,metric,broker,topic,partition,group,value\n2026-11-21T12:00:00Z,broker_bytes_in_rate,0,,,,1250000\n" {
			t.Errorf("csv: exit %d, stdout %q", res.code, res.stdout)
		}
		if q := f.calls("GET /api/v1/instances/demo/metrics/")[1].Query.Encode(); q != "format=csv&from=2026-11-21T11%3A00%3A00Z" {
			t.Errorf("csv query %q", q)
		}
	})

	t.Run("ErrFlags", func(t *testing.T) {
		t.Parallel()
		f := newFakeAPI(t)
		f.addInstance("demo")
		for _, tc := range []struct {
			args []string
			want string
		}{
			{nil, "error: 'streamplane metrics query' needs --metric\n"},
			{[]string{"--metric", "m", "--from", "-1hour"}, `error: invalid --from "-1hour": a relative time is a duration before now, such as -15m, -2h or -7d` + "\n"},
			{[]string{"--metric", "m", "--to", "yesterday"}, `error: invalid --to "yesterday": use RFC 3339 (2026-11-21T10:00:00Z), Unix milliseconds, now, or -DURATION` + "\n"},
			{[]string{"--metric", "m", "--from", "-1h", "--to", "-2h"}, "error: --from 2026-11-21T12:00:00Z is after --to 2026-11-21T11:00:00Z\n"},
			{[]string{"--metric", "m", "--step", "5"}, `error: invalid --step "5": use a duration such as 60s, 5m or 1h` + "\n"},
			{[]string{"--metric", "m", "--step", "-1m"}, `error: invalid --step "-1m": use a duration such as 60s, 5m or 1h` + "\n"},
			{[]string{"--metric", "m", "--broker", "-1"}, "error: invalid --broker -1: a broker is a node id, 0 or more\n"},
			{[]string{"--metric", "m", "--partition", "-2"}, "error: invalid --partition -2: partitions count from 0\n"},
		} {
			res := f.run(append([]string{"metrics", "query", "demo"}, tc.args...)...)
			if res.code != 1 || res.stderr != tc.want {
				t.Errorf("%v: exit %d, stderr %q, want %q", tc.args, res.code, res.stderr, tc.want)
			}
		}
		if calls := f.calls("GET /api/v1/instances/demo/metrics"); len(calls) != 0 {
			t.Errorf("flags were wrong, yet the server was asked: %v", calls)
		}
		res := f.run("metrics", "query", "demo", "--metric", "no_such_metric")
		if res.code != 1 || res.stderr != "error: INVALID_ARGUMENT: metric \"no_such_metric\" is not in the catalog (field metric)\n" {
			t.Errorf("unknown metric: exit %d, stderr %q", res.code, res.stderr)
		}
	})
}

func TestMetricsTop(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t)
	f.addInstance("demo")
	res := f.run("metrics", "top", "demo", "--metric", "topic_bytes_in_rate", "--top", "3", "--from", "-1d")
	if res.code != 0 {
		t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
	}
	want := "TOPIC      MEAN       LATEST\n" +
		"orders     2.50 MB/s  3.00 MB/s\n" +
		"audit-log  1.24 kB/s  0 B/s\n"
	if res.stdout != want {
		t.Errorf("stdout\n%s\nwant\n%s", res.stdout, want)
	}
	if q := f.only(t, "GET /api/v1/instances/demo/metrics/topic_bytes_in_rate/top").Query.Encode(); q != "from=2026-11-20T13%3A00%3A00Z&top=3" {
		t.Errorf("query %q", q)
	}
	res = f.run("metrics", "top", "demo", "--metric", "topic_bytes_in_rate", "-o", "csv")
	if res.code != 0 || res.stdout != "topic,mean,latest\norders,2500000,3000000\naudit-log,1234.5,0\n" {
		t.Errorf("csv: exit %d, stdout %q", res.code, res.stdout)
	}
	for _, n := range []string{"0", "1001"} {
		res = f.run("metrics", "top", "demo", "--metric", "topic_bytes_in_rate", "--top", n)
		if res.code != 1 || res.stderr != "error: invalid --top "+n+": show from 1 to 1000 series\n" {
			t.Errorf("--top %s: exit %d, stderr %q", n, res.code, res.stderr)
		}
	}
	if res := f.run("metrics", "top", "demo", "--metric", "m", "--step", "1m"); res.code != 1 || !strings.Contains(res.stderr, "unknown flag: --step") {
		t.Errorf("--step on top: exit %d, stderr %q", res.code, res.stderr)
	}
}

func TestMetricValue(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		v    float64
		unit string
		want string
	}{
		{1250000, streamplane.UnitBytesPerSec, "1.25 MB/s"},
		{10e9, streamplane.UnitBytes, "10.0 GB"},
		{85.25, streamplane.UnitPercent, "85.2%"},
		{3.14159, streamplane.UnitMilliseconds, "3.1 ms"},
		{120.55, streamplane.UnitCountPerSec, "120.5/s"},
		{42, streamplane.UnitCount, "42"},
		{42.125, streamplane.UnitCount, "42.12"},
		{1, streamplane.UnitBool, "1"},
		{7, "furlong", "7"},
	} {
		if got := metricValue(tc.v, tc.unit); got != tc.want {
			t.Errorf("metricValue(%v, %q) = %q, want %q", tc.v, tc.unit, got, tc.want)
		}
	}
}
