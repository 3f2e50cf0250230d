// Command bench measures Streamplane against its performance goals and
// prints a table: instance creation and rolling restart on real brokers,
// the server's memory, and API latency over a large store. Run it with
// `make bench`; it needs Java, Maven and about 3 GB of free memory.
package main

import (
	"flag"
	"fmt"
	"os"
	"time"
)

func main() {
	binary := flag.String("binary", "bin/streamplane", "the streamplane binary to measure")
	runs := flag.Int("runs", 3, "repetitions of each instance measurement (the median is reported)")
	records := flag.Int("records", 1000, "instance records in the store for the API measurement")
	requests := flag.Int("requests", 2000, "requests per API measurement")
	skipBrokers := flag.Bool("api-only", false, "only measure the API (no brokers)")
	flag.Parse()

	var rows []row
	start := time.Now()
	apiRows, err := measureAPI(*records, *requests)
	if err != nil {
		fail(err)
	}
	rows = append(rows, apiRows...)
	if !*skipBrokers {
		brokerRows, err := measureInstances(*binary, *runs)
		if err != nil {
			fail(err)
		}
		rows = append(rows, brokerRows...)
	}
	printTable(os.Stdout, rows)
	fmt.Printf("\n%d CPUs; measured in %s on %s\n", cpus(), time.Since(start).Round(time.Second), time.Now().UTC().Format(time.RFC3339))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "bench:", err)
	os.Exit(1)
}
