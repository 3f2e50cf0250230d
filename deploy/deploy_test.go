package deploy_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/deploy"
	"github.com/streamplane/streamplane/promexport"
)

const (
	rulesFile     = "prometheus/streamplane-rules.yml"
	ruleTestsFile = "prometheus/streamplane-rules.test.yml"
	configFile    = "prometheus/prometheus.yml"
	dashboardFile = "grafana/streamplane-dashboard.json"
)

// need returns the path of a tool from Debian's prometheus package. It
// skips the test on a developer's machine without it, but fails in CI,
// where scripts/install-deps.sh must have installed it.
func need(t *testing.T, tool string) string {
	t.Helper()
	path, err := exec.LookPath(tool)
	if err == nil {
		return path
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is not installed (CI=true): scripts/install-deps.sh installs Debian's prometheus package", tool)
	}
	t.Skipf("%s is not installed: run scripts/install-deps.sh (Debian's prometheus package)", tool)
	return ""
}

func promtool(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command(need(t, "promtool"), args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func TestRulesCheck(t *testing.T) {
	promtool(t, ".", "check", "rules", rulesFile)
}

func TestRulesTest(t *testing.T) {
	promtool(t, ".", "test", "rules", ruleTestsFile)
}

// TestRulesTested checks that every alert of the rules has tests, at least
// one where it fires and one where it does not (promtool runs what is
// there, and says nothing of a rule without tests).
func TestRulesTested(t *testing.T) {
	rules := read(t, rulesFile)
	tests := read(t, ruleTestsFile)
	alerts := regexp.MustCompile(`(?m)^\s*- alert: (\w+)\s*$`).FindAllStringSubmatch(rules, -1)
	if len(alerts) == 0 {
		t.Fatal("no alerts in the rules")
	}
	for _, a := range alerts {
		name := a[1]
		blocks := regexp.MustCompile(`(?m)^\s*alertname: `+name+`\s*\n\s*exp_alerts:(.*)$`).FindAllStringSubmatch(tests, -1)
		fires, quiet := false, false
		for _, b := range blocks {
			if strings.TrimSpace(b[1]) == "[]" {
				quiet = true
			} else {
				fires = true
			}
		}
		if !fires || !quiet {
			t.Errorf("%s: tests where it fires: %v, where it does not: %v; want both", name, fires, quiet)
		}
	}
}

// TestExampleConfig checks the example prometheus.yml, with its token file
// where a test can write one.
func TestExampleConfig(t *testing.T) {
	dir := t.TempDir()
	token := filepath.Join(dir, "streamplane.token")
	if err := os.WriteFile(token, []byte("sp_example"), 0o600); err != nil {
		t.Fatal(err)
	}
	config := read(t, configFile)
	if !strings.Contains(config, "/etc/prometheus/streamplane.token") || !strings.Contains(config, "honor_labels: true") {
		t.Fatal("prometheus.yml lost its token file or honor_labels")
	}
	write(t, filepath.Join(dir, "prometheus.yml"), strings.ReplaceAll(config, "/etc/prometheus/streamplane.token", token))
	write(t, filepath.Join(dir, "streamplane-rules.yml"), read(t, rulesFile))
	promtool(t, dir, "check", "config", "prometheus.yml")
}

// metricRef is a Streamplane metric named in a rule or a dashboard query.
var metricRef = regexp.MustCompile(`streamplane_[a-z0-9_]+`)

// TestMetricsExist checks that the rules and the dashboard name only
// metrics of the catalog: a renamed metric would leave them silent.
func TestMetricsExist(t *testing.T) {
	for _, file := range []string{rulesFile, ruleTestsFile, dashboardFile} {
		refs := metricRef.FindAllString(read(t, file), -1)
		if len(refs) == 0 {
			t.Errorf("%s names no streamplane metric", file)
		}
		for _, ref := range refs {
			if _, ok := streamplane.MetricByName(strings.TrimPrefix(ref, promexport.Prefix)); !ok {
				t.Errorf("%s: %s is not in the catalog (streamplane.Metrics)", file, ref)
			}
		}
	}
}

// dashboard is what the tests read of the Grafana dashboard.
type dashboard struct {
	Title      string `json:"title"`
	UID        string `json:"uid"`
	Templating struct {
		List []struct {
			Name  string          `json:"name"`
			Type  string          `json:"type"`
			Query json.RawMessage `json:"query"`
		} `json:"list"`
	} `json:"templating"`
	Panels []panel `json:"panels"`
}

type panel struct {
	ID         int    `json:"id"`
	Type       string `json:"type"`
	Title      string `json:"title"`
	Datasource *struct {
		UID string `json:"uid"`
	} `json:"datasource"`
	GridPos *struct{ H, W, X, Y int } `json:"gridPos"`
	Targets []struct {
		Expr  string `json:"expr"`
		RefID string `json:"refId"`
	} `json:"targets"`
}

func readDashboard(t *testing.T) dashboard {
	t.Helper()
	var d dashboard
	dec := json.NewDecoder(strings.NewReader(read(t, dashboardFile)))
	if err := dec.Decode(&d); err != nil {
		t.Fatalf("%s: %v", dashboardFile, err)
	}
	return d
}

func TestDashboard(t *testing.T) {
	d := readDashboard(t)
	if d.Title == "" || d.UID == "" {
		t.Errorf("title %q, uid %q", d.Title, d.UID)
	}
	var vars []string
	for _, v := range d.Templating.List {
		vars = append(vars, v.Name)
	}
	for _, want := range []string{"datasource", "instance", "broker", "topic", "group"} {
		if !slices.Contains(vars, want) {
			t.Errorf("no %s variable: %v", want, vars)
		}
	}
	ids := map[int]bool{}
	charts := 0
	for _, p := range d.Panels {
		if ids[p.ID] {
			t.Errorf("panel id %d twice", p.ID)
		}
		ids[p.ID] = true
		if p.GridPos == nil || p.GridPos.W == 0 || p.GridPos.X+p.GridPos.W > 24 {
			t.Errorf("panel %q: grid position %+v", p.Title, p.GridPos)
		}
		if p.Type == "row" {
			continue
		}
		charts++
		if p.Datasource == nil || p.Datasource.UID != "${datasource}" {
			t.Errorf("panel %q does not query the chosen data source", p.Title)
		}
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, q := range p.Targets {
			if !metricRef.MatchString(q.Expr) || !strings.Contains(q.Expr, `instance=~"$instance"`) {
				t.Errorf("panel %q: query %q names no streamplane metric of the chosen instances", p.Title, q.Expr)
			}
		}
	}
	// Traffic, latency, resources, partition health, topics and lag, at
	// least.
	if charts < 20 {
		t.Errorf("%d charts", charts)
	}
}

// labelValues is a variable's query: Grafana's label_values(selector, label).
var labelValues = regexp.MustCompile(`^label_values\((.+), *(\w+)\)$`)

// dashboardQueries returns the dashboard's PromQL, the panels' and the
// selectors of the variables' label_values, with the variables set to
// "All" as Grafana sends them.
func dashboardQueries(t *testing.T) []string {
	t.Helper()
	d := readDashboard(t)
	var exprs []string
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		var q struct{ Query string }
		if err := json.Unmarshal(v.Query, &q); err != nil {
			t.Fatalf("variable %s: %v", v.Name, err)
		}
		m := labelValues.FindStringSubmatch(q.Query)
		if m == nil {
			t.Fatalf("variable %s: query %q is not label_values(selector, label)", v.Name, q.Query)
		}
		exprs = append(exprs, m[1])
	}
	for _, p := range d.Panels {
		for _, q := range p.Targets {
			exprs = append(exprs, q.Expr)
		}
	}
	all := strings.NewReplacer("$instance", ".*", "$broker", ".*", "$topic", ".*", "$group", ".*")
	for i, e := range exprs {
		exprs[i] = all.Replace(e)
	}
	return exprs
}

// TestPrometheusScrapes runs a real Prometheus server against /metrics as
// the Streamplane server serves it (promexport's text behind a bearer
// token) with the shipped rules loaded, and asks it what it scraped.
func TestPrometheusScrapes(t *testing.T) {
	need(t, "prometheus")
	const token = "sp_test-token"
	// A group id is any string a client chose.
	weird := "we\"ird\\group\nwith ünïcode"
	samples := []streamplane.Sample{
		{Key: streamplane.BrokerSeries("i-1", "broker_alive", 0), Value: 1},
		{Key: streamplane.BrokerSeries("i-1", "broker_alive", 1), Value: 0},
		{Key: streamplane.BrokerSeries("i-2", "broker_alive", 0), Value: 1},
		{Key: streamplane.InstanceSeries("i-1", "active_controller_count"), Value: 1},
		{Key: streamplane.GroupSeries("i-1", "consumer_messages_remaining", weird, ""), Value: 42},
		{Key: streamplane.GroupSeries("i-1", "messages_remained", weird, "orders"), Value: 40},
	}
	names := map[string]string{"i-1": "demo", "i-2": "other"}

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/metrics" {
			http.NotFound(w, r)
			return
		}
		if r.Header.Get("Authorization") != "Bearer "+token {
			http.Error(w, "unauthenticated", http.StatusUnauthorized)
			return
		}
		var b bytes.Buffer
		if err := promexport.Write(&b, samples, names); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", promexport.ContentType)
		w.Write(b.Bytes())
	}))
	defer srv.Close()
	if resp, err := http.Get(srv.URL + "/metrics"); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("/metrics without a token: %v %v, want 401", resp.Status, err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	rules, err := filepath.Abs(rulesFile)
	if err != nil {
		t.Fatal(err)
	}
	prom, err := deploy.StartPrometheus(ctx, deploy.PrometheusConfig{
		Target:      strings.TrimPrefix(srv.URL, "http://"),
		BearerToken: token,
		RuleFiles:   []string{rules},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if t.Failed() {
			t.Logf("prometheus log:\n%s", prom.LogTail())
		}
		prom.Stop()
	}()

	got, err := prom.WaitQuery(ctx, `streamplane_broker_alive{instance="demo"}`, func(s []deploy.QuerySample) bool { return len(s) == 2 })
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range got {
		want := map[string]string{"__name__": "streamplane_broker_alive", "instance_id": "i-1", "instance": "demo", "broker": s.Labels["broker"], "job": "streamplane"}
		if !equalLabels(s.Labels, want) {
			t.Errorf("labels %v, want %v (honor_labels keeps our instance label)", s.Labels, want)
		}
		if wantValue := map[string]float64{"0": 1, "1": 0}[s.Labels["broker"]]; s.Value != wantValue {
			t.Errorf("broker %s alive: %v, want %v", s.Labels["broker"], s.Value, wantValue)
		}
	}

	targets, err := prom.Targets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(targets) != 1 || targets[0].Health != "up" || targets[0].Labels["job"] != "streamplane" {
		t.Errorf("targets %+v, want the server, up", targets)
	}

	// Label values that need escaping come through as they were.
	lag, err := prom.Query(ctx, `streamplane_messages_remained{group=`+strconv.Quote(weird)+`}`)
	if err != nil {
		t.Fatal(err)
	}
	if len(lag) != 1 || lag[0].Labels["group"] != weird || lag[0].Labels["topic"] != "orders" || lag[0].Value != 40 {
		t.Errorf("the weird group's lag: %+v", lag)
	}

	// Every dashboard query is valid PromQL over what was scraped.
	for _, q := range dashboardQueries(t) {
		if _, err := prom.Query(ctx, q); err != nil {
			t.Errorf("dashboard: %v", err)
		}
	}

	// The shipped rules load and evaluate: broker 1 is down.
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		alerts, err := prom.Alerts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if slices.ContainsFunc(alerts, func(a deploy.Alert) bool {
			return a.Labels["alertname"] == "StreamplaneBrokerDown" && a.State == "firing" && a.Labels["instance"] == "demo" && a.Labels["broker"] == "1"
		}) {
			if len(alerts) != 1 {
				t.Errorf("alerts %+v, want only broker 1 down", alerts)
			}
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no StreamplaneBrokerDown alert for broker 1: %+v", alerts)
		case <-tick.C:
		}
	}
}

func equalLabels(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
