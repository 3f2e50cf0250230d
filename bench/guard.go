package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// measureGuard runs api's BenchmarkGuard, which serves one API twice over
// loopback HTTP, through Handler() and with the same routes registered
// without the guard, and sends each request to both in turn. The
// difference is what authentication, authorisation and the audit trail
// cost. It lives in package api because only there can a handler be built
// without the guard; the server offers no such thing.
func measureGuard(ctx context.Context, records, requests int) ([]row, error) {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "test", "-run", "^$", "-bench", "^BenchmarkGuard$", "-benchtime", fmt.Sprintf("%dx", requests),
		"-count", "1", "-timeout", "15m", "github.com/streamplane/streamplane/api", "-args", fmt.Sprintf("-guard.records=%d", records))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("BenchmarkGuard: %w\n%s", err, out.String())
	}
	results := parseBenchmarks(out.String())
	detail := fmt.Sprintf("%d sequential requests each way, interleaved, loopback HTTP, %d records", requests, records)
	var rows []row
	for _, m := range []struct{ what, bench, prefix string }{
		{"GET /api/v1/instances (default page)", "GET_instances", ""},
		{"POST /api/v1/projects (audited write)", "POST+DELETE_projects", "post-"},
		{"DELETE /api/v1/projects/{project}", "POST+DELETE_projects", "delete-"},
		{"POST …/topics (task; brokers: in-process kfake)", "POST+DELETE_topics", "post-"},
		{"DELETE …/topics/{topic} (task; kfake)", "POST+DELETE_topics", "delete-"},
	} {
		r, ok := results[m.bench]
		if !ok {
			return nil, fmt.Errorf("BenchmarkGuard/%s reported nothing:\n%s", m.bench, out.String())
		}
		// p is "p50" or "p99", side "guarded" or "unguarded".
		metric := func(p, side string) time.Duration {
			return time.Duration(r[m.prefix+p+"-us-"+side] * float64(time.Microsecond))
		}
		on := func(side string) string {
			return fmt.Sprintf("p50 %s, p99 %s", metric("p50", side).Round(10*time.Microsecond), metric("p99", side).Round(10*time.Microsecond))
		}
		rows = append(rows,
			row{m.what + ", with auth+audit", on("guarded"), detail},
			row{m.what + ", without the guard", on("unguarded"),
				fmt.Sprintf("the same handler; the guard adds %s at p50", (metric("p50", "guarded") - metric("p50", "unguarded")).Round(10*time.Microsecond))})
	}
	return rows, nil
}

// parseBenchmarks reads Go benchmark result lines ("BenchmarkGuard/sub-2
// N value unit value unit …") into each sub-benchmark's values by unit.
func parseBenchmarks(out string) map[string]map[string]float64 {
	results := map[string]map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "BenchmarkGuard/") {
			continue
		}
		name := strings.TrimPrefix(f[0], "BenchmarkGuard/")
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			name = name[:i] // the GOMAXPROCS suffix
		}
		metrics := map[string]float64{}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			metrics[f[i+1]] = v
		}
		results[name] = metrics
	}
	return results
}
