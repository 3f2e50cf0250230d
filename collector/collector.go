// Package collector takes every instance's metrics each interval (DESIGN
// §11): the brokers' JMX exporters, the Admin API (offsets, log dir sizes,
// group offsets) and the broker processes, read concurrently and bounded in
// time, turned into samples of the catalog (streamplane.Metrics), then
// handed to the history and the alarm evaluator. It runs beside the API and
// never holds it up: a round reads the store once and writes it once.
package collector

import (
	"context"
	"log/slog"
	"net/http"
	"runtime"
	"slices"
	"sync"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/kafkaadmin"
	"github.com/streamplane/streamplane/metrics"
)

// History keeps the samples of each round (series.DB).
type History interface {
	Append(ctx context.Context, at time.Time, samples []streamplane.Sample) error
}

// Watcher is given each round's samples after they are kept: the alarm
// evaluator.
type Watcher interface {
	Observe(ctx context.Context, at time.Time, instances []*streamplane.Instance, samples []streamplane.Sample)
}

// Collector collects every Interval until its context ends.
type Collector struct {
	Store       streamplane.Store
	Provisioner streamplane.Provisioner
	Admin       *kafkaadmin.Pool
	History     History
	Watchers    []Watcher
	Log         *slog.Logger
	Interval    time.Duration
	// StorageUnit is the bytes in one unit of storage_gb_per_broker.
	StorageUnit int64
	// ProcRoot is where /proc is; tests point it elsewhere.
	ProcRoot string
	// Watching, if set, limits collection to the instances this server
	// watches when several share the store (package membership).
	Watching func(instanceID string) bool

	mu     sync.Mutex
	latest Round
	// Only the collecting goroutine uses these.
	counters *counters
	seen     map[brokerKey]lastSeen
	http     *http.Client
}

// Round is what one collection saw: the instances collected and the value
// of every series at that time.
type Round struct {
	At        time.Time
	Instances []*streamplane.Instance
	Samples   []streamplane.Sample
	// Took is how long the round took to read and keep; Read and Kept
	// its parts: reading every instance, and writing the history.
	Took, Read, Kept time.Duration
}

// Latest returns the last completed round (zero before the first).
func (c *Collector) Latest() Round {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.latest
}

func (c *Collector) init() {
	if c.Interval <= 0 {
		c.Interval = time.Minute
	}
	if c.ProcRoot == "" {
		c.ProcRoot = "/proc"
	}
	if c.StorageUnit <= 0 {
		c.StorageUnit = 1_000_000_000
	}
	if c.counters == nil {
		c.counters = newCounters()
		c.seen = map[brokerKey]lastSeen{}
		c.http = &http.Client{Timeout: scrapeTimeout(c.Interval), Transport: &http.Transport{DialContext: streamplane.DialFunc(c.Provisioner)}}
	}
}

// scrapeTimeout bounds one broker's exporter read: well inside a round.
func scrapeTimeout(interval time.Duration) time.Duration {
	return min(interval/2, 10*time.Second)
}

// Run collects at once, then every Interval, aligned to the interval so
// that points of different series share timestamps.
func (c *Collector) Run(ctx context.Context) {
	c.init()
	for {
		r, err := c.Collect(ctx, time.Now())
		switch {
		case err != nil && ctx.Err() == nil:
			c.Log.Warn("metrics collection", "err", err)
		case err == nil:
			// make bench reads the rounds' cost from this line.
			c.Log.Debug("metrics round", "instances", len(r.Instances), "samples", len(r.Samples), "took_ms", r.Took.Milliseconds(),
				"read_ms", r.Read.Milliseconds(), "kept_ms", r.Kept.Milliseconds())
		}
		next := time.Now().Truncate(c.Interval).Add(c.Interval)
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Until(next)):
		}
	}
}

// collected are the instances whose brokers run.
var collected = []streamplane.InstanceStatus{streamplane.InstanceRunning, streamplane.InstanceFaulty,
	streamplane.InstanceRestarting, streamplane.InstanceChanging}

// Collect runs one round: reads every instance whose brokers run, keeps
// the samples and shows them to the watchers. The round's time is at,
// rounded to the second.
func (c *Collector) Collect(ctx context.Context, at time.Time) (Round, error) {
	c.init()
	start := time.Now()
	at = at.Truncate(time.Second)
	var insts []*streamplane.Instance
	err := c.Store.View(ctx, func(tx streamplane.Tx) error {
		var err error
		insts, _, err = tx.Instances(streamplane.InstanceFilter{Status: collected})
		return err
	})
	if err != nil {
		return Round{}, err
	}
	if c.Watching != nil {
		insts = slices.DeleteFunc(insts, func(inst *streamplane.Instance) bool { return !c.Watching(inst.ID) })
	}
	rctx, cancel := context.WithTimeout(ctx, max(c.Interval*8/10, 5*time.Second))
	defer cancel()
	obs := make([]observation, len(insts))
	var wg sync.WaitGroup
	for i, inst := range insts {
		wg.Go(func() { obs[i] = c.observe(rctx, inst, at) })
	}
	wg.Wait()
	read := time.Since(start)

	var all []streamplane.Sample
	for _, o := range obs {
		all = append(all, samples(o, c.counters, c.seen)...)
	}
	c.forget(insts, at)
	keepStart := time.Now()
	if err := c.History.Append(ctx, at, all); err != nil {
		return Round{}, err
	}
	kept := time.Since(keepStart)
	for _, w := range c.Watchers {
		w.Observe(ctx, at, insts, all)
	}
	r := Round{At: at, Instances: insts, Samples: all, Took: time.Since(start), Read: read, Kept: kept}
	c.mu.Lock()
	c.latest = r
	c.mu.Unlock()
	return r, nil
}

// observe reads one instance: exporters, Admin API and processes at once.
func (c *Collector) observe(ctx context.Context, inst *streamplane.Instance, at time.Time) observation {
	o := observation{inst: inst, at: at, procs: map[int]procStat{}, loadPerCore: -1, storageUnit: c.StorageUnit}
	var wg sync.WaitGroup
	var jmxTook, adminTook time.Duration
	defer func() {
		c.Log.Debug("metrics instance read", "instance", inst.Name, "jmx_ms", jmxTook.Milliseconds(), "admin_ms", adminTook.Milliseconds())
	}()
	wg.Go(func() {
		start := time.Now()
		defer func() { jmxTook = time.Since(start) }()
		jmx, failed := metrics.ScrapeAll(ctx, c.http, c.Provisioner.MetricsEndpoints(inst), keepJMX)
		for id, err := range failed {
			c.Log.Debug("metrics scrape", "instance", inst.Name, "broker", id, "err", err)
		}
		o.jmx = jmx
	})
	wg.Go(func() {
		start := time.Now()
		defer func() { adminTook = time.Since(start) }()
		cl, err := c.Admin.Get(ctx, inst)
		if err != nil {
			c.Log.Debug("metrics admin", "instance", inst.Name, "err", err)
			return
		}
		r := cl.Read(ctx)
		if err := r.Err(); err != nil {
			c.Log.Debug("metrics admin readings", "instance", inst.Name, "err", err)
		}
		o.kafka = r
	})
	for _, b := range inst.Brokers {
		if b.PID <= 0 || b.State == streamplane.BrokerDeleted {
			continue
		}
		if p, err := readProc(c.ProcRoot, b.PID); err == nil {
			o.procs[b.ID] = p
		}
	}
	if l, err := loadPerCore(c.ProcRoot, runtime.NumCPU()); err == nil {
		o.loadPerCore = l
	}
	wg.Wait()
	return o
}

// forget drops counters of instances no longer collected and of series
// not read for ten intervals (a deleted topic).
func (c *Collector) forget(insts []*streamplane.Instance, at time.Time) {
	ids := map[string]bool{}
	for _, inst := range insts {
		ids[inst.ID] = true
	}
	c.counters.forget(func(k counterKey, r reading) bool {
		return ids[k.instance] && at.Sub(r.at) < 10*c.Interval
	})
	for k := range c.seen {
		if !ids[k.instance] {
			delete(c.seen, k)
		}
	}
}
