package main

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/series"
	"github.com/streamplane/streamplane/sqlite"
)

// The metric history: 1,000 series (10 brokers' 20 metrics, 100 topics' 3,
// 3 partitions of each topic, 50 groups on 2 topics each) with a week of
// 1-minute points, in a SQLite store of its own. No brokers run.
const (
	metricSeriesDays     = 7
	metricQueries        = 200 // per single-series kind of query
	metricManyQueries    = 50  // per query over many series
	metricSweeps         = 10  // queries of every series, one a metric
	metricTimedAppends   = 60  // appends of every series timed against the store itself
	metricBrokers        = 10
	metricTopics         = 100
	metricTopicParts     = 3
	metricGroups         = 50
	metricTopicsPerGroup = 2
)

// measureMetricStore writes the week through series.DB, then reports the
// bytes a stored sample takes and how long queries over the week take.
func measureMetricStore(ctx context.Context, env *benchEnv) ([]row, error) {
	dir, err := os.MkdirTemp("", "streamplane-bench-metrics-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "streamplane.db")
	store, err := sqlite.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	defer func() { store.Close() }()
	if err := seed(ctx, store, 1); err != nil {
		return nil, err
	}
	const instanceID = "00000000-0000-4000-8000-000000000000"
	gens := metricSeries(instanceID)

	// The week, loaded in simulated time. Appending 1,000 samples costs
	// the store one transaction a minute; a week of them would take
	// minutes, so the load coalesces each hour's chunk writes into one
	// transaction (the chunks are the bytes minute-by-minute appends
	// write: the same encoder made them). Maintain runs every 6 simulated
	// hours (a longer interval than the server's, so fewer, larger
	// rollup batches; it catches up on up to a day).
	end := time.Now().UTC().Truncate(time.Hour)
	start := end.Add(-metricSeriesDays*24*time.Hour - time.Hour)
	loadEnd := end.Add(-time.Hour)
	bulk := &coalescing{MetricStore: store, pending: map[chunkKey]streamplane.MetricChunk{}}
	db := series.New(bulk, series.DefaultRetention)
	began := time.Now()
	samples := make([]streamplane.Sample, len(gens))
	for at := start; at.Before(loadEnd); at = at.Add(time.Minute) {
		for i, g := range gens {
			samples[i] = streamplane.Sample{Key: g.key, Value: g.next(at)}
		}
		if err := db.Append(ctx, at, samples); err != nil {
			return nil, err
		}
		if at.Minute() == 59 && at.Hour()%6 == 5 {
			if err := db.Maintain(ctx, at.Add(time.Minute)); err != nil {
				return nil, err
			}
		}
	}
	if err := bulk.flush(ctx); err != nil {
		return nil, err
	}
	loadTook := time.Since(began)

	// A restart: a new series.DB over the store appends the last hour
	// minute by minute, each append a transaction, Maintain after each as
	// the collector runs it.
	db = series.New(store, series.DefaultRetention)
	db.Now = func() time.Time { return end }
	var appends, maintains []time.Duration
	for at := loadEnd; at.Before(end); at = at.Add(time.Minute) {
		for i, g := range gens {
			samples[i] = streamplane.Sample{Key: g.key, Value: g.next(at)}
		}
		t := time.Now()
		if err := db.Append(ctx, at, samples); err != nil {
			return nil, err
		}
		appends = append(appends, time.Since(t))
		t = time.Now()
		if err := db.Maintain(ctx, at.Add(time.Minute)); err != nil {
			return nil, err
		}
		maintains = append(maintains, time.Since(t))
	}
	if err := db.Maintain(ctx, end); err != nil {
		return nil, err
	}

	sizes, err := chunkSizes(ctx, store, instanceID)
	if err != nil {
		return nil, err
	}
	// Closing the last connection checkpoints the WAL into the file.
	store.Close()
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if store, err = sqlite.Open(ctx, path); err != nil {
		return nil, err
	}
	db = series.New(store, series.DefaultRetention)
	db.Now = func() time.Time { return end }
	if err := db.Maintain(ctx, end); err != nil {
		return nil, err
	}

	rows := []row{{
		what:  fmt.Sprintf("metric history: %d series × %d days of 1-minute points, loaded through series.DB", len(gens), metricSeriesDays),
		value: loadTook.Round(100 * time.Millisecond).String(),
		detail: fmt.Sprintf("%d samples appended, %d stored with the 5-minute and 1-hour rollups; chunk writes coalesced per simulated hour",
			sizes.all.samples-sizes.rollups.samples, sizes.all.samples),
	}, {
		what:  "bytes per stored sample, packed chunks (Gorilla: delta-of-delta time, XOR value)",
		value: fmt.Sprintf("%.2f", sizes.all.perSample()),
		detail: fmt.Sprintf("sum of chunk bytes / samples, all resolutions; 1-minute points %.2f, rollups %.2f; by unit: %s",
			sizes.raw.perSample(), sizes.rollups.perSample(), sizes.byUnitText()),
	}, {
		what:   "bytes per stored sample, SQLite file",
		value:  fmt.Sprintf("%.2f", float64(fi.Size())/float64(sizes.all.samples)),
		detail: fmt.Sprintf("%.1f MB file (rows, indexes, free space) after a WAL checkpoint / %d samples", float64(fi.Size())/1e6, sizes.all.samples),
	}, {
		what:   fmt.Sprintf("append %d samples (one a series), durable, then Maintain", len(gens)),
		value:  p50p99(appends, 100*time.Microsecond),
		detail: fmt.Sprintf("%d appends after a restart into the reopened hour chunks; Maintain %s", len(appends), p50p99(maintains, 100*time.Microsecond)),
	}}

	from := end.Add(-metricSeriesDays * 24 * time.Hour)
	rng := rand.New(rand.NewPCG(1, 2))
	type kind struct {
		what string
		n    int
		q    func() streamplane.MetricQuery
		want int // series each answer has
	}
	week := func(metric string) streamplane.MetricQuery {
		return streamplane.MetricQuery{InstanceID: instanceID, Metric: metric, From: from, To: end}
	}
	kinds := []kind{{
		what: "query 1 series over 7 days, step chosen (30 min: 5-minute rollups)", n: metricQueries, want: 1,
		q: func() streamplane.MetricQuery {
			k := gens[rng.IntN(len(gens))].key
			q := week(k.Metric)
			q.Broker, q.Topic, q.Partition, q.Group = &k.Broker, &k.Topic, &k.Partition, &k.Group
			return q
		},
	}, {
		what: "query 1 series over 7 days, step 1 min (10,080 points)", n: metricQueries, want: 1,
		q: func() streamplane.MetricQuery {
			b := rng.IntN(metricBrokers)
			q := week("broker_bytes_in_rate")
			q.Broker, q.Step = &b, time.Minute
			return q
		},
	}, {
		what: fmt.Sprintf("query topic_bytes_in_rate of %d topics over 7 days, step chosen", metricTopics), n: metricManyQueries, want: metricTopics,
		q: func() streamplane.MetricQuery { return week("topic_bytes_in_rate") },
	}, {
		what: fmt.Sprintf("query partition_messages of %d partitions over 7 days, step chosen", metricTopics*metricTopicParts), n: metricManyQueries,
		want: metricTopics * metricTopicParts,
		q:    func() streamplane.MetricQuery { return week("partition_messages") },
	}}
	for _, k := range kinds {
		lat := make([]time.Duration, 0, k.n)
		for range k.n {
			q := k.q()
			t := time.Now()
			got, err := db.Query(ctx, q)
			if err != nil {
				return nil, err
			}
			lat = append(lat, time.Since(t))
			if len(got) != k.want || len(got[0].Points) < 300 {
				return nil, fmt.Errorf("%s: %d series, want %d", k.what, len(got), k.want)
			}
		}
		rows = append(rows, row{k.what, p50p99(lat, 100*time.Microsecond), fmt.Sprintf("%d queries, one at a time", k.n)})
	}

	// Every series at once: one query per metric, all 1,000 series.
	metrics := map[string]bool{}
	for _, g := range gens {
		metrics[g.key.Metric] = true
	}
	var sweeps []time.Duration
	for range metricSweeps {
		t := time.Now()
		n := 0
		for m := range metrics {
			got, err := db.Query(ctx, week(m))
			if err != nil {
				return nil, err
			}
			n += len(got)
		}
		sweeps = append(sweeps, time.Since(t))
		if n != len(gens) {
			return nil, fmt.Errorf("sweep found %d series, want %d", n, len(gens))
		}
	}
	rows = append(rows, row{fmt.Sprintf("query all %d series over 7 days, step chosen", len(gens)), p50p99(sweeps, time.Millisecond),
		fmt.Sprintf("%d sweeps of %d queries (one a metric), one at a time", metricSweeps, len(metrics))})
	return rows, nil
}

// coalescing keeps chunk writes in memory until a read or prune needs
// them: the newest write of a chunk replaces the ones before.
type coalescing struct {
	streamplane.MetricStore
	pending map[chunkKey]streamplane.MetricChunk
}

type chunkKey struct {
	id    int64
	res   time.Duration
	start int64
}

func (c *coalescing) PutChunks(ctx context.Context, cs []streamplane.MetricChunk) error {
	for _, ch := range cs {
		c.pending[chunkKey{ch.SeriesID, ch.Resolution, ch.Start.Unix()}] = ch
	}
	return nil
}

func (c *coalescing) flush(ctx context.Context) error {
	if len(c.pending) == 0 {
		return nil
	}
	cs := make([]streamplane.MetricChunk, 0, len(c.pending))
	for _, ch := range c.pending {
		cs = append(cs, ch)
	}
	clear(c.pending)
	return c.MetricStore.PutChunks(ctx, cs)
}

func (c *coalescing) Chunks(ctx context.Context, f streamplane.ChunkFilter) ([]streamplane.MetricChunk, error) {
	if err := c.flush(ctx); err != nil {
		return nil, err
	}
	return c.MetricStore.Chunks(ctx, f)
}

func (c *coalescing) PruneChunks(ctx context.Context, res time.Duration, before time.Time) (int, error) {
	if err := c.flush(ctx); err != nil {
		return 0, err
	}
	return c.MetricStore.PruneChunks(ctx, res, before)
}

// tally is bytes and samples.
type tally struct{ bytes, samples int }

func (t tally) perSample() float64 { return float64(t.bytes) / float64(max(t.samples, 1)) }

func (t *tally) add(c streamplane.MetricChunk) { t.bytes += len(c.Data); t.samples += c.Points }

type chunkTally struct {
	all, raw, rollups tally
	byUnit            map[string]*tally // 1-minute points only
}

func (c chunkTally) byUnitText() string {
	units := make([]string, 0, len(c.byUnit))
	for u := range c.byUnit {
		units = append(units, u)
	}
	sort.Strings(units)
	s := ""
	for i, u := range units {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%s %.2f", u, c.byUnit[u].perSample())
	}
	return s
}

// chunkSizes adds up the stored chunks.
func chunkSizes(ctx context.Context, store *sqlite.DB, instanceID string) (chunkTally, error) {
	keys, err := store.FindSeries(ctx, instanceID, "")
	if err != nil {
		return chunkTally{}, err
	}
	t := chunkTally{byUnit: map[string]*tally{}}
	far := streamplane.ChunkFilter{From: time.Unix(0, 0), To: time.Now().Add(24 * time.Hour)}
	for _, res := range []time.Duration{streamplane.ResolutionRaw, streamplane.Resolution5Min, streamplane.ResolutionHour} {
		f := far
		f.Resolution = res
		cs, err := store.Chunks(ctx, f)
		if err != nil {
			return t, err
		}
		for _, c := range cs {
			t.all.add(c)
			if res != streamplane.ResolutionRaw {
				t.rollups.add(c)
				continue
			}
			t.raw.add(c)
			def, _ := streamplane.MetricByName(keys[c.SeriesID].Metric)
			if t.byUnit[def.Unit] == nil {
				t.byUnit[def.Unit] = &tally{}
			}
			t.byUnit[def.Unit].add(c)
		}
	}
	return t, nil
}

// generator makes a series' values, minute by minute, as the collector
// would: rates from integer counters over the minute, sizes and counts as
// integers, percentages and latencies as measured floats.
type generator struct {
	key  streamplane.SeriesKey
	next func(at time.Time) float64
}

func metricSeries(instanceID string) []generator {
	rng := rand.New(rand.NewPCG(7, 11))
	daily := func(at time.Time, phase float64) float64 {
		return 1 + 0.5*math.Sin(2*math.Pi*float64(at.Unix()%86400)/86400+phase)
	}
	var gens []generator
	add := func(k streamplane.SeriesKey) {
		def, _ := streamplane.MetricByName(k.Metric)
		base, phase := math.Pow(10, 1+4*rng.Float64()), rng.Float64()
		r := rand.New(rand.NewPCG(rng.Uint64(), rng.Uint64()))
		counter, level := 0.0, base
		var next func(at time.Time) float64
		switch {
		case k.Metric == "broker_alive":
			next = func(time.Time) float64 { return 1 }
		case k.Metric == "broker_under_replicated_partitions" || k.Metric == "broker_under_min_isr_partitions":
			next = func(time.Time) float64 {
				if r.IntN(2000) == 0 {
					return 1
				}
				return 0
			}
		case def.Unit == streamplane.UnitBytesPerSec || def.Unit == streamplane.UnitCountPerSec:
			// An integer count over the minute, divided by 60.
			next = func(at time.Time) float64 {
				return math.Round(base*daily(at, phase)*(0.95+0.1*r.Float64())*60) / 60
			}
		case def.Unit == streamplane.UnitPercent:
			next = func(at time.Time) float64 {
				return math.Min(100, base/1000*daily(at, phase)*(0.9+0.2*r.Float64()))
			}
		case def.Unit == streamplane.UnitMilliseconds:
			next = func(at time.Time) float64 { return 0.5 + 2*r.Float64()*daily(at, phase) }
		case k.Metric == "broker_cpu_core_load":
			next = func(at time.Time) float64 { return math.Round(100*r.Float64()*daily(at, phase)) / 100 }
		case k.Metric == "messages_remained" || k.Metric == "broker_connections":
			// A small integer that wanders.
			next = func(time.Time) float64 {
				level = math.Max(0, level+float64(r.IntN(21)-10))
				return math.Round(level)
			}
		default:
			// Sizes and message counts: integers that grow with the
			// produce rate.
			next = func(at time.Time) float64 {
				counter += math.Round(base * daily(at, phase) * 60 * (0.95 + 0.1*r.Float64()))
				return counter
			}
		}
		gens = append(gens, generator{key: k, next: next})
	}
	for b := range metricBrokers {
		for _, m := range streamplane.Metrics {
			if m.Level == streamplane.LevelBroker {
				add(streamplane.BrokerSeries(instanceID, m.Name, b))
			}
		}
	}
	for t := range metricTopics {
		topic := fmt.Sprintf("topic-%03d", t)
		for _, m := range []string{"topic_bytes_in_rate", "topic_messages_in_rate", "topic_messages"} {
			add(streamplane.TopicSeries(instanceID, m, topic))
		}
		for p := range metricTopicParts {
			add(streamplane.PartitionSeries(instanceID, "partition_messages", topic, p))
		}
	}
	for g := range metricGroups {
		for t := range metricTopicsPerGroup {
			topic := fmt.Sprintf("topic-%03d", (g*metricTopicsPerGroup+t)%metricTopics)
			for _, m := range []string{"messages_consumed", "messages_remained"} {
				add(streamplane.GroupSeries(instanceID, m, fmt.Sprintf("group-%02d", g), topic))
			}
		}
	}
	return gens
}
