package storetest

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
)

// MetricStores are stores that also keep metric history.
type MetricStores interface {
	streamplane.Store
	streamplane.MetricStore
}

// RunMetrics runs the streamplane.MetricStore suite. open returns a new,
// empty store for each subtest.
func RunMetrics(t *testing.T, open func(t *testing.T) MetricStores) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s MetricStores)
	}{
		{"SeriesIDs", testSeriesIDs},
		{"SeriesNeedTheirInstance", testSeriesNeedInstance},
		{"FindSeries", testFindSeries},
		{"ChunksUpsertAndFilter", testChunksUpsertAndFilter},
		{"PutChunksAllOrNothing", testPutChunksAllOrNothing},
		{"ManySeriesIDs", testManySeriesIDs},
		{"PruneChunks", testPruneChunks},
		{"DeleteInstanceMetrics", testDeleteInstanceMetrics},
		{"PurgeInstanceDeletesMetrics", testPurgeInstanceDeletesMetrics},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open(t)) })
	}
}

var metricT0 = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

func mustSeriesIDs(t *testing.T, s MetricStores, keys ...streamplane.SeriesKey) []int64 {
	t.Helper()
	m, err := s.SeriesIDs(ctx, keys)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]int64, len(keys))
	for i, k := range keys {
		id, ok := m[k]
		if !ok {
			t.Fatalf("no id for %+v", k)
		}
		out[i] = id
	}
	return out
}

func newChunk(id int64, res time.Duration, start time.Time, data string) streamplane.MetricChunk {
	return streamplane.MetricChunk{SeriesID: id, Resolution: res, Start: start, Points: len(data), Data: []byte(data)}
}

func putChunks(t *testing.T, s MetricStores, cs ...streamplane.MetricChunk) {
	t.Helper()
	if err := s.PutChunks(ctx, cs); err != nil {
		t.Fatal(err)
	}
}

func readChunks(t *testing.T, s MetricStores, f streamplane.ChunkFilter) []streamplane.MetricChunk {
	t.Helper()
	got, err := s.Chunks(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// describe prints chunks as "id@minute:data" so tests compare strings.
func describeChunks(cs []streamplane.MetricChunk) string {
	var b bytes.Buffer
	for _, c := range cs {
		if len(c.Data) != c.Points {
			fmt.Fprintf(&b, "[points %d of %q]", c.Points, c.Data)
		}
		fmt.Fprintf(&b, "%d@%d:%s ", c.SeriesID, int(c.Start.Sub(metricT0)/time.Minute), c.Data)
	}
	return b.String()
}

func testSeriesIDs(t *testing.T, s MetricStores) {
	mustCreate(t, s, newInstance("i-1", "demo"))
	a := streamplane.BrokerSeries("i-1", "broker_alive", 0)
	b := streamplane.BrokerSeries("i-1", "broker_alive", 1)
	c := streamplane.GroupSeries("i-1", "messages_remained", "g", "t")
	first := mustSeriesIDs(t, s, a, b, c, a)
	if first[0] == first[1] || first[0] == first[2] || first[1] == first[2] || first[3] != first[0] {
		t.Fatalf("ids %v: distinct keys need distinct ids, the same key the same id", first)
	}
	again := mustSeriesIDs(t, s, c, b, a)
	if again[0] != first[2] || again[1] != first[1] || again[2] != first[0] {
		t.Fatalf("ids changed: %v then %v", first, again)
	}
}

func testSeriesNeedInstance(t *testing.T, s MetricStores) {
	_, err := s.SeriesIDs(ctx, []streamplane.SeriesKey{streamplane.InstanceSeries("i-missing", "current_topics")})
	wantCode(t, err, streamplane.ENOTFOUND)
}

func testFindSeries(t *testing.T, s MetricStores) {
	mustCreate(t, s, newInstance("i-1", "demo"))
	mustCreate(t, s, newInstance("i-2", "other"))
	keys := []streamplane.SeriesKey{
		streamplane.BrokerSeries("i-1", "broker_alive", 0),
		streamplane.PartitionSeries("i-1", "partition_messages", "orders", 3),
		streamplane.GroupSeries("i-1", "messages_remained", "g", "orders"),
		streamplane.BrokerSeries("i-2", "broker_alive", 0),
	}
	ids := mustSeriesIDs(t, s, keys...)
	all, err := s.FindSeries(ctx, "i-1", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 3 {
		t.Fatalf("i-1 has %d series, want 3: %v", len(all), all)
	}
	for i, k := range keys[:3] {
		if all[ids[i]] != k {
			t.Errorf("series %d reads back as %+v, want %+v", ids[i], all[ids[i]], k)
		}
	}
	one, err := s.FindSeries(ctx, "i-1", "broker_alive")
	if err != nil {
		t.Fatal(err)
	}
	if len(one) != 1 || one[ids[0]] != keys[0] {
		t.Fatalf("i-1 broker_alive: %v", one)
	}
	none, err := s.FindSeries(ctx, "i-3", "")
	if err != nil || len(none) != 0 {
		t.Fatalf("unknown instance: %v, %v", none, err)
	}
}

func testChunksUpsertAndFilter(t *testing.T, s MetricStores) {
	mustCreate(t, s, newInstance("i-1", "demo"))
	ids := mustSeriesIDs(t, s, streamplane.BrokerSeries("i-1", "broker_alive", 0), streamplane.BrokerSeries("i-1", "broker_alive", 1))
	a, b := ids[0], ids[1]
	h := time.Hour
	putChunks(t, s,
		newChunk(b, h, metricT0, "b0"),
		newChunk(a, h, metricT0.Add(h), "a1"),
		newChunk(a, h, metricT0, "a0"),
		newChunk(a, 5*time.Minute, metricT0, "five"),
	)
	// Replacing a chunk keeps one row with the new points.
	putChunks(t, s, newChunk(a, h, metricT0, "a0+"))
	all := streamplane.ChunkFilter{Resolution: h, From: metricT0.Add(-h), To: metricT0.Add(24 * h)}
	if got, want := describeChunks(readChunks(t, s, all)), fmt.Sprintf("%d@0:a0+ %d@60:a1 %d@0:b0 ", a, a, b); got != want {
		t.Fatalf("every series: %q, want %q", got, want)
	}
	only := all
	only.SeriesIDs = []int64{b}
	if got, want := describeChunks(readChunks(t, s, only)), fmt.Sprintf("%d@0:b0 ", b); got != want {
		t.Fatalf("series %d: %q, want %q", b, got, want)
	}
	only.SeriesIDs = []int64{}
	if got := readChunks(t, s, only); len(got) != 0 {
		t.Fatalf("an empty id list selects %s", describeChunks(got))
	}
	// From is inclusive, To exclusive, both compared with the start.
	window := streamplane.ChunkFilter{SeriesIDs: []int64{a, b}, Resolution: h, From: metricT0.Add(h), To: metricT0.Add(2 * h)}
	if got, want := describeChunks(readChunks(t, s, window)), fmt.Sprintf("%d@60:a1 ", a); got != want {
		t.Fatalf("window: %q, want %q", got, want)
	}
	window.From, window.To = metricT0, metricT0.Add(h)
	if got, want := describeChunks(readChunks(t, s, window)), fmt.Sprintf("%d@0:a0+ %d@0:b0 ", a, b); got != want {
		t.Fatalf("window: %q, want %q", got, want)
	}
	five := streamplane.ChunkFilter{Resolution: 5 * time.Minute, From: metricT0, To: metricT0.Add(h)}
	if got, want := describeChunks(readChunks(t, s, five)), fmt.Sprintf("%d@0:five ", a); got != want {
		t.Fatalf("5-minute chunks: %q, want %q", got, want)
	}
}

func testPutChunksAllOrNothing(t *testing.T, s MetricStores) {
	mustCreate(t, s, newInstance("i-1", "demo"))
	id := mustSeriesIDs(t, s, streamplane.InstanceSeries("i-1", "current_topics"))[0]
	err := s.PutChunks(ctx, []streamplane.MetricChunk{newChunk(id, time.Hour, metricT0, "ok"), newChunk(id+1000, time.Hour, metricT0, "no")})
	wantCode(t, err, streamplane.ENOTFOUND)
	if got := readChunks(t, s, streamplane.ChunkFilter{Resolution: time.Hour, From: metricT0, To: metricT0.Add(time.Hour)}); len(got) != 0 {
		t.Fatalf("a failed put kept %s", describeChunks(got))
	}
}

// More ids than one query takes still come back in order.
func testManySeriesIDs(t *testing.T, s MetricStores) {
	mustCreate(t, s, newInstance("i-1", "demo"))
	var keys []streamplane.SeriesKey
	for p := 0; p < 1200; p++ {
		keys = append(keys, streamplane.PartitionSeries("i-1", "partition_messages", "t", p))
	}
	ids := mustSeriesIDs(t, s, keys...)
	var put []streamplane.MetricChunk
	for _, id := range ids {
		put = append(put, newChunk(id, time.Minute, metricT0, "x"))
	}
	putChunks(t, s, put...)
	got := readChunks(t, s, streamplane.ChunkFilter{SeriesIDs: ids, Resolution: time.Minute, From: metricT0, To: metricT0.Add(time.Hour)})
	if len(got) != len(ids) {
		t.Fatalf("%d chunks for %d series", len(got), len(ids))
	}
	for i := 1; i < len(got); i++ {
		if got[i].SeriesID <= got[i-1].SeriesID {
			t.Fatalf("chunk %d (series %d) after series %d", i, got[i].SeriesID, got[i-1].SeriesID)
		}
	}
}

func testPruneChunks(t *testing.T, s MetricStores) {
	mustCreate(t, s, newInstance("i-1", "demo"))
	id := mustSeriesIDs(t, s, streamplane.InstanceSeries("i-1", "current_topics"))[0]
	h := time.Hour
	putChunks(t, s, newChunk(id, h, metricT0, "a"), newChunk(id, h, metricT0.Add(h), "b"), newChunk(id, h, metricT0.Add(2*h), "c"), newChunk(id, 5*time.Minute, metricT0, "d"))
	n, err := s.PruneChunks(ctx, h, metricT0.Add(2*h))
	if err != nil || n != 2 {
		t.Fatalf("prune: %d, %v; want 2 deleted", n, err)
	}
	if got, want := describeChunks(readChunks(t, s, streamplane.ChunkFilter{Resolution: h, From: metricT0, To: metricT0.Add(24 * h)})), fmt.Sprintf("%d@120:c ", id); got != want {
		t.Fatalf("after prune: %q, want %q", got, want)
	}
	if got := readChunks(t, s, streamplane.ChunkFilter{Resolution: 5 * time.Minute, From: metricT0, To: metricT0.Add(h)}); len(got) != 1 {
		t.Fatalf("pruning hourly chunks touched 5-minute ones: %s", describeChunks(got))
	}
	if n, err := s.PruneChunks(ctx, h, metricT0.Add(2*h)); err != nil || n != 0 {
		t.Fatalf("second prune: %d, %v", n, err)
	}
}

// seedMetrics gives two instances a series with a chunk each.
func seedMetrics(t *testing.T, s MetricStores) (keep, gone int64) {
	mustCreate(t, s, newInstance("i-1", "demo"))
	mustCreate(t, s, newInstance("i-2", "other"))
	ids := mustSeriesIDs(t, s, streamplane.InstanceSeries("i-1", "current_topics"), streamplane.InstanceSeries("i-2", "current_topics"))
	putChunks(t, s, newChunk(ids[0], time.Hour, metricT0, "a"), newChunk(ids[1], time.Hour, metricT0, "b"))
	return ids[0], ids[1]
}

func wantOnlySeries(t *testing.T, s MetricStores, keep int64) {
	t.Helper()
	if got, want := describeChunks(readChunks(t, s, streamplane.ChunkFilter{Resolution: time.Hour, From: metricT0, To: metricT0.Add(time.Hour)})), fmt.Sprintf("%d@0:a ", keep); got != want {
		t.Fatalf("chunks left: %q, want %q", got, want)
	}
	if left, err := s.FindSeries(ctx, "i-2", ""); err != nil || len(left) != 0 {
		t.Fatalf("series left: %v, %v", left, err)
	}
	if left, err := s.FindSeries(ctx, "i-1", ""); err != nil || len(left) != 1 {
		t.Fatalf("the other instance's series: %v, %v", left, err)
	}
}

func testDeleteInstanceMetrics(t *testing.T, s MetricStores) {
	keep, _ := seedMetrics(t, s)
	if err := s.DeleteInstanceMetrics(ctx, "i-2"); err != nil {
		t.Fatal(err)
	}
	wantOnlySeries(t, s, keep)
}

func testPurgeInstanceDeletesMetrics(t *testing.T, s MetricStores) {
	keep, _ := seedMetrics(t, s)
	mustUpdate(t, s, func(tx streamplane.Tx) error { return tx.PurgeInstance("i-2") })
	wantOnlySeries(t, s, keep)
}
