package metrics_test

import (
	"context"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/metrics"
)

// exposition is what a broker's exporter serves, trimmed, with the odd
// cases the parser must take: escapes, a trailing comma, NaN, timestamps.
const exposition = `# HELP kafka_client_byte_rate Tracking byte-rate per user/client-id
# TYPE kafka_client_byte_rate gauge
kafka_client_byte_rate{client_id="",quota_type="Produce",user="appuser"} 1012345.5
kafka_client_byte_rate{client_id="q-c1",quota_type="Fetch",user=""} 2.5E6
kafka_client_byte_rate{client_id="\"a,b\"",quota_type="Produce",user="",} NaN
kafka_client_throttle_time{client_id="",quota_type="Produce",user="appuser"} 431.0 1700000000000
kafka_client_byte_rate{client_id="x",quota_type="Request",user=""} 3.0
kafka_client_byte_rate{client_id="",quota_type="Produce",user="we%20ird"} 10
jvm_memory_heap_used_bytes 1.2e+08
kafka_server_brokertopicmetrics_bytesin_total{topic="weird \\ \"name\"\n"} +Inf
# EOF
`

func TestParse(t *testing.T) {
	all, err := metrics.Parse(strings.NewReader(exposition), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 8 {
		t.Fatalf("%d samples, want 8", len(all))
	}
	if s := all[1]; s.Name != "kafka_client_byte_rate" || s.Value != 2.5e6 || s.Labels["client_id"] != "q-c1" || s.Labels["user"] != "" {
		t.Errorf("sample 1: %+v", s)
	}
	if s := all[2]; !math.IsNaN(s.Value) || s.Labels["client_id"] != `"a,b"` || len(s.Labels) != 3 {
		t.Errorf("trailing comma, escaped quotes: %+v", s)
	}
	if s := all[3]; s.Value != 431 {
		t.Errorf("a timestamp is not the value: %+v", s)
	}
	if s := all[6]; s.Name != "jvm_memory_heap_used_bytes" || s.Value != 1.2e8 || len(s.Labels) != 0 {
		t.Errorf("no labels: %+v", s)
	}
	if s := all[7]; s.Labels["topic"] != "weird \\ \"name\"\n" || !math.IsInf(s.Value, 1) {
		t.Errorf("escapes: %q %v", s.Labels["topic"], s.Value)
	}

	kept, err := metrics.Parse(strings.NewReader(exposition), metrics.IsClientQuotaMetric)
	if err != nil || len(kept) != 6 {
		t.Fatalf("kept %d samples (%v), want the 6 quota ones", len(kept), err)
	}
}

func TestParseErrors(t *testing.T) {
	for _, bad := range []string{
		`m{a="x" 1`,
		`m{a=x} 1`,
		`m{a="x"}`,
		`m{a="x"} one`,
		`{a="x"} 1`,
	} {
		if _, err := metrics.Parse(strings.NewReader(bad+"\n"), nil); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestClientRates(t *testing.T) {
	samples, err := metrics.Parse(strings.NewReader(exposition), metrics.IsClientQuotaMetric)
	if err != nil {
		t.Fatal(err)
	}
	got := metrics.ClientRates(2, samples)
	want := []streamplane.ClientRate{
		{Broker: 2, Direction: streamplane.QuotaProduce, User: "appuser", BytesPerSec: 1012345.5, ThrottleMs: 431},
		{Broker: 2, Direction: streamplane.QuotaConsume, ClientID: "q-c1", BytesPerSec: 2.5e6},
		{Broker: 2, Direction: streamplane.QuotaProduce, ClientID: "a,b"}, // JMX quoting undone; NaN reads as 0
		{Broker: 2, Direction: streamplane.QuotaProduce, User: "we ird", BytesPerSec: 10},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("rate %d: %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestScrapeAll(t *testing.T) {
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.Header.Get("Accept"), "text/plain") {
			t.Errorf("Accept %q", r.Header.Get("Accept"))
		}
		w.Write([]byte(exposition))
	}))
	defer ok.Close()
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no", http.StatusInternalServerError)
	}))
	defer broken.Close()
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	defer slow.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	got, failed := metrics.ScrapeAll(ctx, http.DefaultClient, map[int]string{0: ok.URL, 1: broken.URL, 2: slow.URL, 3: "http://127.0.0.1:1/metrics"}, metrics.IsClientQuotaMetric)
	if len(got[0]) != 6 || len(got) != 1 {
		t.Errorf("samples: %d brokers, %d from broker 0", len(got), len(got[0]))
	}
	if len(failed) != 3 || !strings.Contains(failed[1].Error(), "500") || !strings.Contains(failed[2].Error(), "in time") {
		t.Errorf("failures: %v", failed)
	}
}
