// Command bench measures Streamplane against its performance goals and
// prints a table: instance creation (against the same brokers started by
// hand) and rolling restarts on real brokers, the server's memory, API
// latency over a large store (and what the guard's authentication,
// authorisation and audit add to it, timed by api's BenchmarkGuard through
// `go test`), the Kafka-facing operations (topics, groups, messages) on a
// large instance, a scale-out's rebalance against its throttle, a
// migration's copy rate against a raw consume→produce pipe and its lag at
// cutover, and an upgrade and a flavor change under load. Run it with
// `make bench`; it needs Java, Maven and about 4 GB of free memory.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"
)

// options are the command's flags.
type options struct {
	binary string
	runs   int
	// compareRuns is the number of creates compared with starting the
	// same brokers by hand, each way.
	compareRuns int
	records     int
	requests    int
	// guardRequests is the number of requests each way of the guard's
	// measurement: a listing with the guard is slow over a large store.
	guardRequests int
	only          string
}

// measurement is one group of rows. It gets the shared environment, which
// starts a server and a large instance on first use.
type measurement struct {
	name string
	run  func(ctx context.Context, env *benchEnv) ([]row, error)
}

var measurements = []measurement{
	{"api", measureAPI},
	{"instances", measureInstances},
	{"topics", measureTopics},
	{"groups", measureGroups},
	{"messages", measureMessages},
	{"scale", measureScale},
	{"migration", measureMigration},
	{"store", measureStore},
	{"rolls", measureRolls},
	{"metricstore", measureMetricStore},
	{"collection", measureCollection},
	{"console", measureConsole},
	{"console", measureConsoleMessages},
}

func main() {
	var o options
	flag.StringVar(&o.binary, "binary", "bin/streamplane", "the streamplane binary to measure")
	flag.IntVar(&o.runs, "runs", 3, "repetitions of each instance measurement (the median is reported)")
	flag.IntVar(&o.compareRuns, "compare-runs", 5, "creates compared with starting the same brokers by hand, each way, alternating (the medians are compared)")
	flag.IntVar(&o.records, "records", 1000, "instance records in the store for the API measurement")
	flag.IntVar(&o.requests, "requests", 2000, "requests per latency measurement")
	flag.IntVar(&o.guardRequests, "guard-requests", 300, "requests each way (with and without the guard) per operation of the guard measurement")
	flag.StringVar(&o.only, "only", "", "run only this measurement: api, instances, topics, groups, messages, scale, migration (MirrorMaker 2's copy rate against a franz-go pipe, and the lag at cutover), store (PostgreSQL vs SQLite: the instance list and topic creation; server B taking over server A's task), rolls (upgrade and flavor change under load), metricstore (metric history: bytes per sample, queries) collection (metrics of a 10-broker instance) or console (page paint, interactivity and weight in Chromium over 1,000 instances)")
	flag.Parse()

	ctx := context.Background()
	env := &benchEnv{opts: o}
	defer env.close()
	var rows []row
	start := time.Now()
	for _, m := range measurements {
		if o.only != "" && o.only != m.name {
			continue
		}
		fmt.Fprintf(os.Stderr, "bench: measuring %s…\n", m.name)
		got, err := m.run(ctx, env)
		if err != nil {
			env.close()
			fail(fmt.Errorf("%s: %w", m.name, err))
		}
		rows = append(rows, got...)
	}
	printTable(os.Stdout, rows)
	fmt.Printf("\n%d CPUs; measured in %s on %s\n", cpus(), time.Since(start).Round(time.Second), time.Now().UTC().Format(time.RFC3339))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "bench:", err)
	os.Exit(1)
}
