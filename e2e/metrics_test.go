// Not in kfake: metrics read from real brokers' JMX exporters and Admin
// API, alarms on a broker killed for real, webhooks and a real Prometheus.

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/client"
	"github.com/streamplane/streamplane/deploy"
	"github.com/streamplane/streamplane/notify"
	"github.com/streamplane/streamplane/wire"
	"github.com/twmb/franz-go/pkg/kgo"
)

// metricsInterval is the servers' collection interval in these tests.
const metricsInterval = 10 * time.Second

// querySeries asks the server for a metric's series over [from, to].
func querySeries(t *testing.T, s *Server, inst, metric string, from, to time.Time, filters url.Values) []wire.MetricSeries {
	t.Helper()
	q := url.Values{"from": {from.UTC().Format(time.RFC3339)}, "to": {to.UTC().Format(time.RFC3339)}}
	for k, v := range filters {
		q[k] = v
	}
	var out wire.MetricSeriesList
	getJSON(t, s, "/api/v1/instances/"+inst+"/metrics/"+metric+"?"+q.Encode(), &out)
	return out.Series
}

func getJSON(t *testing.T, s *Server, path string, out any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.URL+path, nil)
	resp, err := http.DefaultClient.Do(s.Authorize(req))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s: %s", path, resp.Status, body)
	}
	if err := json.Unmarshal(body, out); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
}

// Produced at a known rate for several intervals, the broker and topic
// byte rates match it; a group that stopped consuming shows its lag as
// messages_remained; a real Prometheus scrapes /metrics.
func TestMetricsFollowTraffic(t *testing.T) {
	s, inst := sharedInstance(t)
	ctx := context.Background()
	const topic = "metered"
	createTopic(t, inst, topic, 3, 3, nil)

	// 40 KiB every 100 ms: 400 KiB/s of values, for 4½ intervals.
	cl := kafkaClient(t, inst, kgo.ProducerLinger(0), kgo.ProducerBatchCompression(kgo.NoCompression()))
	value := make([]byte, 1024)
	start := time.Now()
	var sent int64
	tick := time.NewTicker(100 * time.Millisecond)
	for time.Since(start) < metricsInterval*9/2 {
		<-tick.C
		var recs []*kgo.Record
		for range 40 {
			recs = append(recs, &kgo.Record{Topic: topic, Value: value})
			sent += int64(len(value))
		}
		if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	tick.Stop()
	end := time.Now()
	rate := float64(sent) / end.Sub(start).Seconds()

	// Points whose whole interval lies inside the production window.
	inside := func(p [2]float64) bool {
		at := time.Unix(int64(p[0]), 0)
		return at.Add(-metricsInterval).After(start.Add(time.Second)) && at.Before(end)
	}
	var topicRates []float64
	eventually(t, 3*metricsInterval, func() (bool, string) {
		topicRates = nil
		for _, se := range querySeries(t, s, inst.ID, "topic_bytes_in_rate", start, end.Add(metricsInterval), url.Values{"topic": {topic}, "step": {metricsInterval.String()}}) {
			for _, p := range se.Points {
				if inside(p) {
					topicRates = append(topicRates, p[1])
				}
			}
		}
		return len(topicRates) >= 2, fmt.Sprintf("%d topic_bytes_in_rate points inside the window", len(topicRates))
	})
	for _, r := range topicRates {
		if math.Abs(r-rate)/rate > 0.2 {
			t.Errorf("topic_bytes_in_rate %.0f B/s, produced %.0f B/s (±20%%): %v", r, rate, topicRates)
			break
		}
	}
	// The brokers' rates, summed at each time, carry the same traffic.
	sums := map[float64]float64{}
	for _, se := range querySeries(t, s, inst.ID, "broker_bytes_in_rate", start, end, url.Values{"step": {metricsInterval.String()}}) {
		for _, p := range se.Points {
			if inside(p) {
				sums[p[0]] += p[1]
			}
		}
	}
	if len(sums) == 0 {
		t.Fatal("no broker_bytes_in_rate points inside the window")
	}
	for at, sum := range sums {
		if math.Abs(sum-rate)/rate > 0.2 {
			t.Errorf("at %v the brokers took %.0f B/s in all, produced %.0f B/s (±20%%)", time.Unix(int64(at), 0), sum, rate)
		}
	}

	// A group reads 100 records, commits, and stops: its lag is the rest.
	const group = "metered-readers"
	gc := groupConsumer(t, inst, group, topic, "metered-reader")
	recs := pollRecords(t, gc, 100)
	if err := gc.CommitRecords(ctx, recs...); err != nil {
		t.Fatal(err)
	}
	gc.Close()
	g := waitGroupEmpty(t, s.Client, inst.Name, group)
	committed := time.Now()
	eventually(t, 3*metricsInterval, func() (bool, string) {
		series := querySeries(t, s, inst.ID, "messages_remained", committed, time.Now().Add(time.Second), url.Values{"group": {group}, "topic": {topic}})
		if len(series) != 1 || len(series[0].Points) == 0 {
			return false, fmt.Sprintf("%d series of messages_remained since the commit", len(series))
		}
		last := series[0].Points[len(series[0].Points)-1]
		return int64(last[1]) == g.Lag, fmt.Sprintf("messages_remained %v, the group's lag %d", last[1], g.Lag)
	})

	// The CLI reads the same history, and sets DMS's recommended rules.
	out, err := cli(t, s, "metrics", "query", inst.Name, "--metric", "topic_messages", "--topic", topic, "--from", "-5m", "-o", "csv")
	if err != nil || !strings.Contains(out, "time,metric,broker,topic,partition,group,value") || !strings.Contains(out, ",topic_messages,,"+topic+",") {
		t.Errorf("metrics query: %v\n%s", err, out)
	}
	out, err = cli(t, s, "alarm", "rule", "create", inst.Name, "--defaults", "-o", "json")
	if err != nil {
		t.Fatalf("alarm rule create --defaults: %v\n%s", err, out)
	}
	t.Cleanup(func() {
		rules, _ := s.Client.AlarmRules(ctx, inst.Name)
		for _, r := range rules.Rules {
			s.Client.DeleteAlarmRule(ctx, inst.Name, r.ID)
		}
	})
	rules, err := s.Client.AlarmRules(ctx, inst.Name)
	if err != nil || len(rules.Rules) != 8 {
		t.Fatalf("after --defaults: %v rules (%v), want DMS's 7 and broker-down", len(rules.Rules), err)
	}

	// A real Prometheus scrapes the server with a token and answers PromQL.
	prom, err := deploy.StartPrometheus(ctx, deploy.PrometheusConfig{Target: hostPort(t, s.URL), Scheme: scheme(t, s.URL),
		BearerToken: s.Token, RuleFiles: []string{rulesFile(t)}})
	if err != nil {
		t.Fatal(err)
	}
	defer prom.Stop()
	got, err := prom.WaitQuery(ctx, fmt.Sprintf(`streamplane_topic_messages{instance=%q,topic=%q}`, inst.Name, topic),
		func(r []deploy.QuerySample) bool { return len(r) == 1 && r[0].Value >= float64(sent/1024) })
	if err != nil {
		t.Fatalf("PromQL: %v (%v); Prometheus log:\n%s", err, got, prom.LogTail())
	}
	if got[0].Labels["instance_id"] != inst.ID {
		t.Errorf("labels %v, want instance_id %s", got[0].Labels, inst.ID)
	}
}

func hostPort(t *testing.T, raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}

func scheme(t *testing.T, raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Scheme
}

func rulesFile(t *testing.T) string {
	p, err := filepath.Abs("../deploy/prometheus/streamplane-rules.yml")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// receiver is a webhook endpoint that checks each notification's signature
// and keeps the valid ones.
type receiver struct {
	secret string
	mu     sync.Mutex
	got    []streamplane.AlarmNotification
	bad    int
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if !notify.Verify(rc.secret, r.Header.Get(notify.HeaderTimestamp), body, r.Header.Get(notify.HeaderSignature)) {
		rc.bad++
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var n streamplane.AlarmNotification
	if err := json.Unmarshal(body, &n); err != nil {
		rc.bad++
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	rc.got = append(rc.got, n)
}

func (rc *receiver) states() []string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var out []string
	for _, n := range rc.got {
		out = append(out, n.State+" "+n.Labels["broker"])
	}
	return out
}

// A broker killed with SIGKILL reads broker_alive 0; the rule on it fires
// to a webhook once, and after a server restart between fire and resolve,
// resolves once.
func TestBrokerDownAlarm(t *testing.T) {
	s := NewServer(t, ServerOptions{Args: []string{"--metrics-interval", metricsInterval.String()}})
	t.Cleanup(s.Close)
	ctx := context.Background()
	inst := ownInstance(t, s, devSpec("alarmed", 1))

	rc := &receiver{secret: "a-signing-secret-of-some-length"}
	hook := httptest.NewServer(rc)
	defer hook.Close()
	if _, err := s.Client.CreateAlarmChannel(ctx, streamplane.AlarmChannelSpec{Name: "ops", Kind: streamplane.ChannelWebhook, URL: hook.URL, Secret: rc.secret}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Client.CreateAlarmRule(ctx, inst.Name, streamplane.AlarmRule{Name: "down", Metric: "broker_alive", Op: "==", Threshold: 0,
		Periods: 1, Severity: streamplane.SeverityCritical, Enabled: true, Channels: []string{"ops"}}); err != nil {
		t.Fatal(err)
	}
	// Alive first, as seen by a collection.
	created := time.Now()
	aliveSince := func(since time.Time) (float64, bool) {
		series := querySeries(t, s, inst.ID, "broker_alive", since, time.Now().Add(time.Second), url.Values{"broker": {"0"}})
		if len(series) != 1 || len(series[0].Points) == 0 {
			return 0, false
		}
		pts := series[0].Points
		return pts[len(pts)-1][1], true
	}
	eventually(t, 3*metricsInterval, func() (bool, string) {
		v, ok := aliveSince(created)
		return ok && v == 1, fmt.Sprintf("broker_alive %v (%v)", v, ok)
	})

	cur, err := s.Client.Instance(ctx, inst.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(cur.Brokers[0].PID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	eventually(t, 3*metricsInterval, func() (bool, string) {
		v, ok := aliveSince(killed)
		return ok && v == 0, fmt.Sprintf("broker_alive since the kill %v (%v)", v, ok)
	})
	eventually(t, 30*time.Second, func() (bool, string) {
		got := rc.states()
		return len(got) == 1, fmt.Sprintf("webhook got %v", got)
	})
	// The server stops with the alarm firing and comes back: the broker
	// is restarted by the new server, and the alarm resolves once.
	s.Stop()
	s.Start()
	eventually(t, 2*time.Minute, func() (bool, string) {
		list, err := s.Client.Alarms(ctx, inst.Name, client.AlarmOptions{})
		if err != nil {
			return false, err.Error()
		}
		alarms := list.Alarms
		return len(alarms) == 1 && alarms[0].State == streamplane.AlarmResolved, fmt.Sprintf("alarms %+v", alarms)
	})
	eventually(t, 30*time.Second, func() (bool, string) {
		got := rc.states()
		return len(got) == 2, fmt.Sprintf("webhook got %v", got)
	})
	// Two more collections with the broker alive change nothing.
	resolved := time.Now()
	eventually(t, 4*metricsInterval, func() (bool, string) {
		series := querySeries(t, s, inst.ID, "broker_alive", resolved, time.Now().Add(time.Second), url.Values{"broker": {"0"}})
		n := 0
		if len(series) == 1 {
			n = len(series[0].Points)
		}
		return n >= 2, fmt.Sprintf("%d collections since the resolve", n)
	})
	if got, want := fmt.Sprint(rc.states()), "[firing 0 resolved 0]"; got != want {
		t.Errorf("webhook got %s, want %s, each once", got, want)
	}
	if rc.bad > 0 {
		t.Errorf("%d notifications with a bad signature or body", rc.bad)
	}
}
