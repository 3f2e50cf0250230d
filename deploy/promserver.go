// Package deploy holds what the repository ships for running Streamplane
// beside the usual monitoring tools (Prometheus alerting rules and their
// tests, an example scrape configuration, a Grafana dashboard), and a
// helper that runs a real Prometheus server against a Streamplane server,
// for the tests that check them.
package deploy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// PrometheusConfig says what a Prometheus server started by
// StartPrometheus scrapes and how.
type PrometheusConfig struct {
	// Binary is the prometheus executable; "" looks "prometheus" up on PATH.
	Binary string
	// Target is the host:port of the Streamplane server to scrape.
	Target string
	// Scheme is "http" (the default) or "https"; CAFile, if set, holds the
	// certificates an https target's is verified against.
	Scheme string
	CAFile string
	// MetricsPath defaults to /metrics.
	MetricsPath string
	// BearerToken, if set, is sent as "Authorization: Bearer <token>"
	// (through a credentials file, as deploy/prometheus/prometheus.yml does).
	BearerToken string
	// JobName defaults to "streamplane", the job the shipped rules watch.
	JobName string
	// ScrapeInterval is also the rule evaluation interval; default 1s.
	ScrapeInterval time.Duration
	// RuleFiles are rule files to load, such as the shipped
	// deploy/prometheus/streamplane-rules.yml.
	RuleFiles []string
	// Dir holds the configuration, the TSDB and the log; "" makes a
	// temporary directory that Stop removes.
	Dir string
}

// Prometheus is a running Prometheus server.
type Prometheus struct {
	// URL is the server's base URL, http://127.0.0.1:<port>.
	URL string

	cmd     *exec.Cmd
	dir     string
	tempDir bool
	logPath string
	exited  chan struct{}
	waitErr error
	hc      *http.Client
}

// startAttempts bounds the retries when the free port chosen is taken by
// someone else before Prometheus listens on it.
const startAttempts = 3

// StartPrometheus starts a Prometheus server scraping cfg.Target and
// returns once it is ready to answer queries (not yet when it has scraped:
// WaitQuery waits for data). Stop ends it.
func StartPrometheus(ctx context.Context, cfg PrometheusConfig) (*Prometheus, error) {
	bin := cfg.Binary
	if bin == "" {
		bin = "prometheus"
	}
	bin, err := exec.LookPath(bin)
	if err != nil {
		return nil, fmt.Errorf("prometheus: %w (Debian: apt-get install prometheus)", err)
	}
	dir, tempDir := cfg.Dir, false
	if dir == "" {
		if dir, err = os.MkdirTemp("", "streamplane-prometheus-"); err != nil {
			return nil, err
		}
		tempDir = true
	}
	configPath, err := writeConfig(dir, cfg)
	if err != nil {
		removeIf(tempDir, dir)
		return nil, err
	}
	for attempt := 1; ; attempt++ {
		p, err := start(ctx, bin, dir, configPath)
		if err == nil {
			p.tempDir = tempDir
			return p, nil
		}
		if attempt == startAttempts || ctx.Err() != nil || !errors.Is(err, errExited) {
			removeIf(tempDir, dir)
			return nil, err
		}
	}
}

// errExited marks a server that ended before it was ready.
var errExited = errors.New("prometheus exited before it was ready")

func start(ctx context.Context, bin, dir, configPath string) (*Prometheus, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	logPath := filepath.Join(dir, "prometheus.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	cmd := exec.Command(bin,
		"--config.file="+configPath,
		"--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr,
		"--log.level=info",
	)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Killed with the test process, should it die before Stop.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("prometheus: %w", err)
	}
	p := &Prometheus{
		URL:     "http://" + addr,
		cmd:     cmd,
		dir:     dir,
		logPath: logPath,
		exited:  make(chan struct{}),
		hc:      &http.Client{Timeout: 10 * time.Second},
	}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.exited)
	}()
	if err := p.waitReady(ctx); err != nil {
		p.kill()
		return nil, err
	}
	return p, nil
}

// waitReady polls /-/ready until it answers 200.
func (p *Prometheus) waitReady(ctx context.Context) error {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.URL+"/-/ready", nil)
		if err != nil {
			return err
		}
		if resp, err := p.hc.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-p.exited:
			return fmt.Errorf("%w (%v): %s", errExited, p.waitErr, p.LogTail())
		case <-ctx.Done():
			return fmt.Errorf("prometheus: not ready: %w: %s", ctx.Err(), p.LogTail())
		case <-tick.C:
		}
	}
}

// freeAddr returns a 127.0.0.1 address with a port free a moment ago.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// writeConfig writes prometheus.yml (and the token file) into dir. Strings
// are written JSON-quoted, which YAML reads as double-quoted scalars.
func writeConfig(dir string, cfg PrometheusConfig) (string, error) {
	if cfg.Target == "" {
		return "", errors.New("prometheus: no target to scrape")
	}
	interval := cfg.ScrapeInterval
	if interval <= 0 {
		interval = time.Second
	}
	every := strconv.FormatInt(interval.Milliseconds(), 10) + "ms"
	q := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	or := func(s, def string) string {
		if s == "" {
			return def
		}
		return s
	}

	var b strings.Builder
	fmt.Fprintf(&b, "global:\n  scrape_interval: %s\n  scrape_timeout: %s\n  evaluation_interval: %s\n", every, every, every)
	if len(cfg.RuleFiles) > 0 {
		b.WriteString("rule_files:\n")
		for _, f := range cfg.RuleFiles {
			abs, err := filepath.Abs(f)
			if err != nil {
				return "", err
			}
			fmt.Fprintf(&b, "  - %s\n", q(abs))
		}
	}
	b.WriteString("scrape_configs:\n")
	fmt.Fprintf(&b, "  - job_name: %s\n", q(or(cfg.JobName, "streamplane")))
	fmt.Fprintf(&b, "    metrics_path: %s\n", q(or(cfg.MetricsPath, "/metrics")))
	fmt.Fprintf(&b, "    scheme: %s\n", q(or(cfg.Scheme, "http")))
	// Streamplane's own "instance" label (the instance name) must win over
	// the target's address.
	b.WriteString("    honor_labels: true\n")
	if cfg.BearerToken != "" {
		tokenPath := filepath.Join(dir, "token")
		if err := os.WriteFile(tokenPath, []byte(cfg.BearerToken), 0o600); err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "    authorization:\n      type: Bearer\n      credentials_file: %s\n", q(tokenPath))
	}
	if cfg.CAFile != "" {
		fmt.Fprintf(&b, "    tls_config:\n      ca_file: %s\n", q(cfg.CAFile))
	}
	fmt.Fprintf(&b, "    static_configs:\n      - targets: [%s]\n", q(cfg.Target))

	path := filepath.Join(dir, "prometheus.yml")
	return path, os.WriteFile(path, []byte(b.String()), 0o600)
}

// Stop ends the server (SIGTERM, then SIGKILL after 10 s) and removes its
// directory if StartPrometheus made it.
func (p *Prometheus) Stop() {
	if p.cmd.Process.Signal(syscall.SIGTERM) == nil {
		select {
		case <-p.exited:
		case <-time.After(10 * time.Second):
			p.kill()
		}
	}
	<-p.exited
	removeIf(p.tempDir, p.dir)
}

func (p *Prometheus) kill() {
	p.cmd.Process.Kill()
	<-p.exited
}

func removeIf(remove bool, dir string) {
	if remove {
		os.RemoveAll(dir)
	}
}

// LogTail returns the end of the server's log, for a failure message.
func (p *Prometheus) LogTail() string {
	b, err := os.ReadFile(p.logPath)
	if err != nil {
		return ""
	}
	const tail = 4 << 10
	if len(b) > tail {
		b = b[len(b)-tail:]
	}
	return string(b)
}

// QuerySample is one element of an instant query's answer.
type QuerySample struct {
	Labels map[string]string
	Value  float64
}

// Query runs an instant PromQL query now. A vector answers with one sample
// per series, a scalar with one sample without labels.
func (p *Prometheus) Query(ctx context.Context, promql string) ([]QuerySample, error) {
	var data struct {
		ResultType string          `json:"resultType"`
		Result     json.RawMessage `json:"result"`
	}
	if err := p.get(ctx, "/api/v1/query?"+url.Values{"query": {promql}}.Encode(), &data); err != nil {
		return nil, fmt.Errorf("prometheus: query %s: %w", promql, err)
	}
	switch data.ResultType {
	case "vector":
		var vec []struct {
			Metric map[string]string `json:"metric"`
			Value  [2]any            `json:"value"`
		}
		if err := json.Unmarshal(data.Result, &vec); err != nil {
			return nil, err
		}
		out := make([]QuerySample, 0, len(vec))
		for _, s := range vec {
			v, err := sampleValue(s.Value)
			if err != nil {
				return nil, err
			}
			out = append(out, QuerySample{Labels: s.Metric, Value: v})
		}
		return out, nil
	case "scalar":
		var s [2]any
		if err := json.Unmarshal(data.Result, &s); err != nil {
			return nil, err
		}
		v, err := sampleValue(s)
		if err != nil {
			return nil, err
		}
		return []QuerySample{{Labels: map[string]string{}, Value: v}}, nil
	}
	return nil, fmt.Errorf("prometheus: query %s: a %s, not an instant vector or scalar", promql, data.ResultType)
}

// sampleValue reads [<unix time>, "<value>"].
func sampleValue(pair [2]any) (float64, error) {
	s, ok := pair[1].(string)
	if !ok {
		return 0, fmt.Errorf("prometheus: sample value %v is not a string", pair[1])
	}
	return strconv.ParseFloat(s, 64)
}

// WaitQuery runs the query until ok accepts its answer, the server exits
// or ctx ends; it returns the accepted answer, or the last with the error.
func (p *Prometheus) WaitQuery(ctx context.Context, promql string, ok func([]QuerySample) bool) ([]QuerySample, error) {
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		got, err := p.Query(ctx, promql)
		if err == nil && ok(got) {
			return got, nil
		}
		select {
		case <-p.exited:
			return got, fmt.Errorf("prometheus exited (%v): %s", p.waitErr, p.LogTail())
		case <-ctx.Done():
			if err == nil {
				err = fmt.Errorf("prometheus: %s answered %v", promql, got)
			}
			return got, fmt.Errorf("%w: %w", ctx.Err(), err)
		case <-tick.C:
		}
	}
}

// Target is a scrape target as Prometheus sees it.
type Target struct {
	ScrapeURL  string            `json:"scrapeUrl"`
	Labels     map[string]string `json:"labels"`
	Health     string            `json:"health"` // "up", "down" or "unknown"
	LastError  string            `json:"lastError"`
	LastScrape time.Time         `json:"lastScrape"`
}

// Targets returns the active scrape targets.
func (p *Prometheus) Targets(ctx context.Context) ([]Target, error) {
	var data struct {
		ActiveTargets []Target `json:"activeTargets"`
	}
	if err := p.get(ctx, "/api/v1/targets?state=active", &data); err != nil {
		return nil, fmt.Errorf("prometheus: targets: %w", err)
	}
	return data.ActiveTargets, nil
}

// Alert is an alert of the loaded rules, pending or firing.
type Alert struct {
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	State       string            `json:"state"` // "pending" or "firing"
	Value       string            `json:"value"`
}

// Alerts returns the active alerts.
func (p *Prometheus) Alerts(ctx context.Context) ([]Alert, error) {
	var data struct {
		Alerts []Alert `json:"alerts"`
	}
	if err := p.get(ctx, "/api/v1/alerts", &data); err != nil {
		return nil, fmt.Errorf("prometheus: alerts: %w", err)
	}
	return data.Alerts, nil
}

// get reads an HTTP API answer's data into v.
func (p *Prometheus) get(ctx context.Context, path string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.URL+path, nil)
	if err != nil {
		return err
	}
	resp, err := p.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return err
	}
	var answer struct {
		Status string          `json:"status"`
		Data   json.RawMessage `json:"data"`
		Error  string          `json:"error"`
	}
	if err := json.Unmarshal(body, &answer); err != nil {
		return fmt.Errorf("%s: %.200s", resp.Status, body)
	}
	if answer.Status != "success" {
		return fmt.Errorf("%s: %s", resp.Status, answer.Error)
	}
	return json.Unmarshal(answer.Data, v)
}
