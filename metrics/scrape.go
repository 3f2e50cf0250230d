// Package metrics reads the brokers' Prometheus endpoints (the JMX exporter
// each broker runs as a Java agent): a small parser of the Prometheus text
// exposition format, a scraper, and the readings Streamplane takes from
// them.
package metrics

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// Sample is one line of an exposition: a metric name, its labels and value.
type Sample struct {
	Name   string
	Labels map[string]string
	Value  float64
}

// maxScrapeBytes bounds what one scrape reads: a broker exports a few
// hundred kilobytes even with many topics.
const maxScrapeBytes = 64 << 20

// Parse reads the Prometheus text format (version 0.0.4, and the
// OpenMetrics text it resembles), keeping the samples whose metric name
// keep accepts (all if keep is nil). Comments and type lines are skipped.
func Parse(r io.Reader, keep func(name string) bool) ([]Sample, error) {
	var out []Sample
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		name, rest := splitName(line)
		if name == "" {
			return nil, fmt.Errorf("metrics: line %d: no metric name: %q", n, line)
		}
		if keep != nil && !keep(name) {
			continue
		}
		s := Sample{Name: name, Labels: map[string]string{}}
		if strings.HasPrefix(rest, "{") {
			var err error
			if s.Labels, rest, err = parseLabels(rest[1:]); err != nil {
				return nil, fmt.Errorf("metrics: line %d: %w", n, err)
			}
		}
		fields := strings.Fields(rest)
		if len(fields) == 0 {
			return nil, fmt.Errorf("metrics: line %d: no value: %q", n, line)
		}
		v, err := parseValue(fields[0])
		if err != nil {
			return nil, fmt.Errorf("metrics: line %d: %w", n, err)
		}
		s.Value = v
		out = append(out, s)
	}
	return out, sc.Err()
}

func splitName(line string) (name, rest string) {
	i := strings.IndexAny(line, "{ \t")
	if i < 0 {
		return line, ""
	}
	return line[:i], strings.TrimLeft(line[i:], " \t")
}

// parseLabels reads `a="x",b="y"}` and returns the labels and what follows
// the closing brace. A trailing comma before the brace is allowed, as
// older exporters write one.
func parseLabels(s string) (map[string]string, string, error) {
	labels := map[string]string{}
	for {
		s = strings.TrimLeft(s, " \t")
		if strings.HasPrefix(s, "}") {
			return labels, strings.TrimLeft(s[1:], " \t"), nil
		}
		eq := strings.IndexByte(s, '=')
		if eq <= 0 {
			return nil, "", fmt.Errorf("bad label list at %q", s)
		}
		key := strings.TrimSpace(s[:eq])
		s = strings.TrimLeft(s[eq+1:], " \t")
		if !strings.HasPrefix(s, `"`) {
			return nil, "", fmt.Errorf("label %s: value is not quoted", key)
		}
		var val strings.Builder
		i, closed := 1, false
		for ; i < len(s); i++ {
			c := s[i]
			if c == '\\' && i+1 < len(s) {
				i++
				switch s[i] {
				case 'n':
					val.WriteByte('\n')
				default: // \\ and \"
					val.WriteByte(s[i])
				}
				continue
			}
			if c == '"' {
				closed = true
				break
			}
			val.WriteByte(c)
		}
		if !closed {
			return nil, "", fmt.Errorf("label %s: unterminated value", key)
		}
		labels[key] = val.String()
		s = strings.TrimLeft(s[i+1:], " \t")
		s = strings.TrimPrefix(s, ",")
	}
}

func parseValue(v string) (float64, error) {
	switch v {
	case "+Inf", "Inf":
		return math.Inf(1), nil
	case "-Inf":
		return math.Inf(-1), nil
	case "NaN":
		return math.NaN(), nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return 0, fmt.Errorf("bad value %q", v)
	}
	return f, nil
}

// Scrape reads one metrics endpoint, keeping the samples keep accepts.
func Scrape(ctx context.Context, hc *http.Client, url string, keep func(name string) bool) ([]Sample, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "text/plain; version=0.0.4")
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("metrics: GET %s: %s", url, resp.Status)
	}
	samples, err := Parse(io.LimitReader(resp.Body, maxScrapeBytes), keep)
	if err != nil {
		return nil, fmt.Errorf("metrics: %s: %w", url, err)
	}
	return samples, nil
}

// ScrapeAll reads many endpoints at once, by key (a broker id). Each
// endpoint fails on its own: the samples of the others still come back.
func ScrapeAll[K comparable](ctx context.Context, hc *http.Client, urls map[K]string, keep func(name string) bool) (map[K][]Sample, map[K]error) {
	var (
		mu      sync.Mutex
		wg      sync.WaitGroup
		samples = map[K][]Sample{}
		failed  = map[K]error{}
	)
	for k, url := range urls {
		wg.Go(func() {
			s, err := Scrape(ctx, hc, url, keep)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if errors.Is(err, context.DeadlineExceeded) {
					err = fmt.Errorf("metrics: %s did not answer in time", url)
				}
				failed[k] = err
				return
			}
			samples[k] = s
		})
	}
	wg.Wait()
	return samples, failed
}
