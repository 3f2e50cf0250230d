package series

import (
	"context"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/sqlite"
)

var (
	ctx = context.Background()
	// t0 starts a week (so every chunk window starts with it).
	t0 = time.Unix(floorTo(time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC).Unix(), seconds(hourWindow)), 0).UTC()
)

// counting is a MetricStore that counts calls and fails writes on demand.
type counting struct {
	streamplane.MetricStore
	calls    atomic.Int64
	failPuts atomic.Bool
}

func (c *counting) PutChunks(ctx context.Context, cs []streamplane.MetricChunk) error {
	c.calls.Add(1)
	if c.failPuts.Load() {
		return errors.New("disk full")
	}
	return c.MetricStore.PutChunks(ctx, cs)
}

func (c *counting) Chunks(ctx context.Context, f streamplane.ChunkFilter) ([]streamplane.MetricChunk, error) {
	c.calls.Add(1)
	return c.MetricStore.Chunks(ctx, f)
}

func (c *counting) PruneChunks(ctx context.Context, res time.Duration, before time.Time) (int, error) {
	c.calls.Add(1)
	return c.MetricStore.PruneChunks(ctx, res, before)
}

func (c *counting) SeriesIDs(ctx context.Context, keys []streamplane.SeriesKey) (map[streamplane.SeriesKey]int64, error) {
	c.calls.Add(1)
	return c.MetricStore.SeriesIDs(ctx, keys)
}

// openStore opens a store at path with instance "i-1".
func openStore(t testing.TB, path string) *sqlite.DB {
	t.Helper()
	store, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	err = store.Update(ctx, func(tx streamplane.Tx) error {
		if _, err := tx.Instance("i-1"); err == nil {
			return nil
		}
		return tx.CreateInstance(&streamplane.Instance{ID: "i-1", Name: "demo", Version: "4.1.1", Flavor: streamplane.DevFlavor,
			BrokerCount: 1, StorageGBPerBroker: 10, DiskType: "ultrahigh", Zones: []string{"az1"}, Status: streamplane.InstanceRunning})
	})
	if err != nil {
		t.Fatal(err)
	}
	return store
}

func newDB(t *testing.T, r Retention) (*DB, *counting, *sqlite.DB) {
	store := openStore(t, filepath.Join(t.TempDir(), "streamplane.db"))
	c := &counting{MetricStore: store}
	return New(c, r), c, store
}

func broker(b int) streamplane.SeriesKey {
	return streamplane.BrokerSeries("i-1", "broker_bytes_in_rate", b)
}

// appendMinutes appends, for minutes [from, to) after t0, value(minute) to
// each key.
func appendMinutes(t *testing.T, db *DB, from, to int, value func(key, minute int) float64, keys ...streamplane.SeriesKey) {
	t.Helper()
	for m := from; m < to; m++ {
		var samples []streamplane.Sample
		for i, k := range keys {
			samples = append(samples, streamplane.Sample{Key: k, Value: value(i, m)})
		}
		if err := db.Append(ctx, t0.Add(time.Duration(m)*time.Minute), samples); err != nil {
			t.Fatal(err)
		}
	}
}

func query(t *testing.T, db *DB, q streamplane.MetricQuery) []streamplane.Series {
	t.Helper()
	if q.InstanceID == "" {
		q.InstanceID, q.Metric = "i-1", "broker_bytes_in_rate"
	}
	got, err := db.Query(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// show prints points as "minute=value" after t0.
func show(ps []streamplane.Point) string {
	s := ""
	for _, p := range ps {
		s += fmt.Sprintf("%d=%g ", int(p.At.Sub(t0)/time.Minute), p.Value)
	}
	return s
}

func minute(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }

func TestAppendAndQueryRaw(t *testing.T) {
	db, _, _ := newDB(t, Retention{})
	db.Now = func() time.Time { return minute(10) }
	appendMinutes(t, db, 0, 10, func(k, m int) float64 { return float64(100*k + m) }, broker(2), broker(0), broker(1))
	got := query(t, db, streamplane.MetricQuery{From: minute(2), To: minute(5), Step: time.Minute})
	if len(got) != 3 || got[0].Key != broker(0) || got[1].Key != broker(1) || got[2].Key != broker(2) {
		t.Fatalf("series: %+v", got)
	}
	// Broker 0 was the second key appended: values 100+minute.
	if s := show(got[0].Points); s != "2=102 3=103 4=104 5=105 " {
		t.Fatalf("broker 0: %s", s)
	}
	one := 1
	got = query(t, db, streamplane.MetricQuery{Broker: &one, From: minute(0), To: minute(10), Step: 2 * time.Minute})
	if len(got) != 1 || show(got[0].Points) != "0=200.5 2=202.5 4=204.5 6=206.5 8=208.5 " {
		t.Fatalf("broker 1 by 2 minutes: %+v", got)
	}
	// No step: 10 minutes need no averaging (10 s steps).
	got = query(t, db, streamplane.MetricQuery{Broker: &one, From: minute(0), To: minute(10)})
	if len(got) != 1 || len(got[0].Points) != 10 {
		t.Fatalf("broker 1 without a step: %+v", got)
	}
}

func TestAppendDropsRepeatsAndNaN(t *testing.T) {
	db, _, store := newDB(t, Retention{})
	db.Now = func() time.Time { return minute(10) }
	k := broker(0)
	for _, s := range []struct {
		m int
		v float64
	}{{0, 1}, {1, math.NaN()}, {1, 2}, {1, 3}, {0, 4}, {2, math.Inf(1)}, {3, 5}} {
		if err := db.Append(ctx, minute(s.m), []streamplane.Sample{{Key: k, Value: s.v}}); err != nil {
			t.Fatal(err)
		}
	}
	got := query(t, db, streamplane.MetricQuery{From: t0, To: minute(10), Step: time.Minute})
	if len(got) != 1 || show(got[0].Points) != "0=1 1=2 3=5 " {
		t.Fatalf("got %+v", got)
	}
	cs, _ := store.Chunks(ctx, streamplane.ChunkFilter{Resolution: time.Minute, From: t0, To: minute(60)})
	if len(cs) != 1 || cs[0].Points != 3 {
		t.Fatalf("chunks: %+v", cs)
	}
}

// Points appended before a restart are there after it, and appending goes
// on in the same chunk.
func TestRestartContinuesChunk(t *testing.T) {
	path := filepath.Join(t.TempDir(), "streamplane.db")
	store := openStore(t, path)
	value := func(k, m int) float64 { return 1.5 * float64(m) }
	appendMinutes(t, New(store, Retention{}), 0, 3, value, broker(0))
	store.Close()

	store = openStore(t, path)
	db := New(store, Retention{})
	db.Now = func() time.Time { return minute(10) }
	appendMinutes(t, db, 3, 5, value, broker(0))
	cs, err := store.Chunks(ctx, streamplane.ChunkFilter{Resolution: time.Minute, From: t0, To: minute(60)})
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 1 || cs[0].Points != 5 {
		t.Fatalf("after the restart: %d chunks (%+v), want one of 5 points", len(cs), cs)
	}
	got := query(t, db, streamplane.MetricQuery{From: t0, To: minute(10), Step: time.Minute})
	if len(got) != 1 || show(got[0].Points) != "0=0 1=1.5 2=3 3=4.5 4=6 " {
		t.Fatalf("after the restart: %+v", got)
	}
}

// A failed write leaves the store as it was, and the next append reloads
// the chunk instead of trusting memory.
func TestFailedWriteReloads(t *testing.T) {
	db, c, store := newDB(t, Retention{})
	db.Now = func() time.Time { return minute(10) }
	value := func(k, m int) float64 { return float64(m) }
	appendMinutes(t, db, 0, 2, value, broker(0))
	c.failPuts.Store(true)
	if err := db.Append(ctx, minute(2), []streamplane.Sample{{Key: broker(0), Value: 2}}); err == nil {
		t.Fatal("append with a failing store succeeded")
	}
	c.failPuts.Store(false)
	appendMinutes(t, db, 3, 4, value, broker(0))
	cs, _ := store.Chunks(ctx, streamplane.ChunkFilter{Resolution: time.Minute, From: t0, To: minute(60)})
	if len(cs) != 1 || cs[0].Points != 3 {
		t.Fatalf("chunks: %+v, want one of 3 points", cs)
	}
	got := query(t, db, streamplane.MetricQuery{From: t0, To: minute(10), Step: time.Minute})
	if show(got[0].Points) != "0=0 1=1 3=3 " {
		t.Fatalf("got %s", show(got[0].Points))
	}
}

func TestMaintainRollsUp(t *testing.T) {
	db, c, store := newDB(t, Retention{})
	now := minute(150)
	db.Now = func() time.Time { return now }
	appendMinutes(t, db, 0, 150, func(k, m int) float64 { return float64(m) }, broker(0))
	// Before any rollup, a query at 5-minute steps averages the points.
	before := query(t, db, streamplane.MetricQuery{From: t0, To: now, Step: 5 * time.Minute})
	if err := db.Maintain(ctx, now); err != nil {
		t.Fatal(err)
	}
	five, _ := store.Chunks(ctx, streamplane.ChunkFilter{Resolution: 5 * time.Minute, From: t0, To: now})
	hour, _ := store.Chunks(ctx, streamplane.ChunkFilter{Resolution: time.Hour, From: t0, To: now})
	// Buckets end at least a minute before now: 5-minute ones up to 145,
	// hourly ones up to 120.
	if len(five) != 1 || five[0].Points != 29 || len(hour) != 1 || hour[0].Points != 2 {
		t.Fatalf("rollups: 5-minute %+v, hourly %+v", five, hour)
	}
	pts, _ := decode(hour[0].Data, hour[0].Points)
	if pts[0].v != 29.5 || pts[1].v != 89.5 {
		t.Fatalf("hourly averages: %v", pts)
	}
	after := query(t, db, streamplane.MetricQuery{From: t0, To: now, Step: 5 * time.Minute})
	if len(after) != 1 || show(after[0].Points) != show(before[0].Points) || len(after[0].Points) != 30 {
		t.Fatalf("5-minute steps\nbefore rollups %s\nafter          %s", show(before[0].Points), show(after[0].Points))
	}
	if s := show(after[0].Points[:2]); s != "0=2 5=7 " {
		t.Fatalf("5-minute averages: %s", s)
	}
	// Nothing due: no I/O. Then a bucket ends: one more rollup point.
	calls := c.calls.Load()
	if err := db.Maintain(ctx, now.Add(59*time.Second)); err != nil {
		t.Fatal(err)
	}
	if n := c.calls.Load() - calls; n != 0 {
		t.Fatalf("Maintain with nothing due made %d store calls", n)
	}
	if err := db.Maintain(ctx, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	five, _ = store.Chunks(ctx, streamplane.ChunkFilter{Resolution: 5 * time.Minute, From: t0, To: now})
	if five[0].Points != 30 {
		t.Fatalf("5-minute rollup points: %d, want 30", five[0].Points)
	}
}

// A restarted server rolls up what the last one left, without repeating it.
func TestMaintainAfterRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "streamplane.db")
	store := openStore(t, path)
	db := New(store, Retention{})
	value := func(k, m int) float64 { return float64(m % 7) }
	appendMinutes(t, db, 0, 100, value, broker(0))
	if err := db.Maintain(ctx, minute(100)); err != nil {
		t.Fatal(err)
	}
	appendMinutes(t, db, 100, 130, value, broker(0))
	store.Close()

	store = openStore(t, path)
	db = New(store, Retention{})
	appendMinutes(t, db, 130, 200, value, broker(0))
	if err := db.Maintain(ctx, minute(200)); err != nil {
		t.Fatal(err)
	}
	five, _ := store.Chunks(ctx, streamplane.ChunkFilter{Resolution: 5 * time.Minute, From: t0, To: minute(200)})
	pts, err := decode(five[0].Data, five[0].Points)
	if err != nil {
		t.Fatal(err)
	}
	if len(pts) != 39 {
		t.Fatalf("%d 5-minute points, want 39 (to minute 195)", len(pts))
	}
	for i, p := range pts {
		sum := 0.0
		for m := 5 * i; m < 5*i+5; m++ {
			sum += value(0, m)
		}
		if p.t != minute(5*i).Unix() || p.v != sum/5 {
			t.Fatalf("point %d: %v, want %g at minute %d", i, p, sum/5, 5*i)
		}
	}
}

func TestRetention(t *testing.T) {
	db, _, store := newDB(t, Retention{Raw: 2 * time.Hour})
	now := minute(300)
	db.Now = func() time.Time { return now }
	appendMinutes(t, db, 0, 300, func(k, m int) float64 { return float64(m) }, broker(0))
	if err := db.Maintain(ctx, now); err != nil {
		t.Fatal(err)
	}
	raw, _ := store.Chunks(ctx, streamplane.ChunkFilter{Resolution: time.Minute, From: t0, To: now})
	// Chunks that ended by now-2h (minute 180) go: hours 0-2 of 0-4.
	if len(raw) != 2 || raw[0].Start != minute(180) {
		t.Fatalf("raw chunks left: %+v", raw)
	}
	// 1-minute steps over 5 hours: raw is not kept so far back, so the
	// 5-minute rollups answer.
	got := query(t, db, streamplane.MetricQuery{From: t0, To: now, Step: time.Minute})
	if len(got) != 1 || len(got[0].Points) != 60 || show(got[0].Points[:1]) != "0=2 " {
		t.Fatalf("got %d points: %s", len(got[0].Points), show(got[0].Points[:3]))
	}
	// Recent ranges still get raw points.
	got = query(t, db, streamplane.MetricQuery{From: minute(290), To: now, Step: time.Minute})
	if show(got[0].Points) != "290=290 291=291 292=292 293=293 294=294 295=295 296=296 297=297 298=298 299=299 " {
		t.Fatalf("recent: %s", show(got[0].Points))
	}
}

func TestPick(t *testing.T) {
	db := New(nil, Retention{})
	now := int64(1_000_000_000)
	day := int64(86400)
	for _, c := range []struct {
		from, step int64
		want       int
	}{
		{now - 3600, 10, 0},
		{now - 3600, 60, 0},
		{now - 7*day, 1800, 1},
		{now - 7*day, 3600, 2},
		{now - 8*day, 60, 1},
		{now - 60*day, 60, 2},
		{now - 900*day, 60, 2},
		{now - day, 299, 0},
		{now - day, 300, 1},
	} {
		if got := db.pick(c.from, c.step, now); got != c.want {
			t.Errorf("from now-%ds step %ds: level %d, want %d", now-c.from, c.step, got, c.want)
		}
	}
}

func TestStep(t *testing.T) {
	for _, c := range []struct {
		span, step, want time.Duration
	}{
		{time.Hour, 0, 10 * time.Second},
		{24 * time.Hour, 0, 5 * time.Minute},
		{7 * 24 * time.Hour, 0, 30 * time.Minute},
		{365 * 24 * time.Hour, 0, 24 * time.Hour},
		{3 * 365 * 24 * time.Hour, 0, 7 * 24 * time.Hour},
		{10 * 365 * 24 * time.Hour, 0, 8 * 24 * time.Hour},
		{time.Hour, 1500 * time.Millisecond, time.Second},
		{time.Hour, time.Millisecond, time.Second},
	} {
		if got := Step(streamplane.MetricQuery{From: t0, To: t0.Add(c.span), Step: c.step}); got != c.want {
			t.Errorf("span %s step %s: %s, want %s", c.span, c.step, got, c.want)
		}
	}
}

func TestQueryRejects(t *testing.T) {
	db, _, _ := newDB(t, Retention{})
	for _, q := range []streamplane.MetricQuery{
		{InstanceID: "i-1", Metric: "nope", From: t0, To: minute(1)},
		{InstanceID: "i-1", Metric: "broker_alive", From: minute(1), To: t0},
		{InstanceID: "i-1", Metric: "broker_alive", From: t0, To: minute(1), Step: -time.Second},
	} {
		if _, err := db.Query(ctx, q); streamplane.ErrorCode(err) != streamplane.EINVALID {
			t.Errorf("%+v: %v, want %s", q, err, streamplane.EINVALID)
		}
	}
	got, err := db.Query(ctx, streamplane.MetricQuery{InstanceID: "i-1", Metric: "broker_alive", From: t0, To: minute(1)})
	if err != nil || got == nil || len(got) != 0 {
		t.Fatalf("no series: %v, %v; want an empty list", got, err)
	}
}

func TestDeleteInstance(t *testing.T) {
	db, _, store := newDB(t, Retention{})
	db.Now = func() time.Time { return minute(10) }
	appendMinutes(t, db, 0, 3, func(k, m int) float64 { return 1 }, broker(0))
	if err := db.DeleteInstance(ctx, "i-1"); err != nil {
		t.Fatal(err)
	}
	if got := query(t, db, streamplane.MetricQuery{From: t0, To: minute(10)}); len(got) != 0 {
		t.Fatalf("after delete: %+v", got)
	}
	appendMinutes(t, db, 3, 4, func(k, m int) float64 { return 2 }, broker(0))
	got := query(t, db, streamplane.MetricQuery{From: t0, To: minute(10), Step: time.Minute})
	if len(got) != 1 || show(got[0].Points) != "3=2 " {
		t.Fatalf("after delete and append: %+v", got)
	}
	// The store purging an instance leaves the cache stale: appends still
	// store the other instances' samples and say which instance is gone.
	other := streamplane.BrokerSeries("i-2", "broker_bytes_in_rate", 0)
	err := store.Update(ctx, func(tx streamplane.Tx) error {
		return tx.CreateInstance(&streamplane.Instance{ID: "i-2", Name: "other", Version: "4.1.1", Flavor: streamplane.DevFlavor,
			BrokerCount: 1, StorageGBPerBroker: 10, DiskType: "ultrahigh", Zones: []string{"az1"}, Status: streamplane.InstanceRunning})
	})
	if err != nil {
		t.Fatal(err)
	}
	appendMinutes(t, db, 4, 5, func(k, m int) float64 { return 3 }, broker(0), other)
	if err := store.Update(ctx, func(tx streamplane.Tx) error { return tx.PurgeInstance("i-1") }); err != nil {
		t.Fatal(err)
	}
	for m := 5; m < 7; m++ {
		err := db.Append(ctx, minute(m), []streamplane.Sample{{Key: broker(0), Value: 1}, {Key: other, Value: float64(m)}})
		if streamplane.ErrorCode(err) != streamplane.ENOTFOUND {
			t.Fatalf("append to a purged instance: %v", err)
		}
	}
	got = query(t, db, streamplane.MetricQuery{InstanceID: "i-2", Metric: "broker_bytes_in_rate", From: t0, To: minute(10), Step: time.Minute})
	if len(got) != 1 || show(got[0].Points) != "4=3 5=5 6=6 " {
		t.Fatalf("the other instance: %+v", got)
	}
}

// The collector appends while the API queries and Maintain runs.
func TestConcurrentUse(t *testing.T) {
	db, _, _ := newDB(t, Retention{})
	var clock atomic.Int64
	clock.Store(t0.Unix())
	db.Now = func() time.Time { return time.Unix(clock.Load(), 0) }
	keys := []streamplane.SeriesKey{broker(0), broker(1), broker(2)}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	errs := make(chan error, 3)
	wg.Add(2)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			got, err := db.Query(ctx, streamplane.MetricQuery{InstanceID: "i-1", Metric: "broker_bytes_in_rate", From: t0, To: db.Now()})
			if err != nil {
				errs <- err
				return
			}
			for _, s := range got {
				for i := 1; i < len(s.Points); i++ {
					if !s.Points[i].At.After(s.Points[i-1].At) {
						errs <- fmt.Errorf("points out of order: %v", s.Points)
						return
					}
				}
			}
		}
	}()
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if err := db.Maintain(ctx, db.Now()); err != nil {
				errs <- err
				return
			}
		}
	}()
	for m := range 400 {
		clock.Store(minute(m).Unix())
		appendMinutes(t, db, m, m+1, func(k, m int) float64 { return float64(k + m) }, keys...)
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	got := query(t, db, streamplane.MetricQuery{From: t0, To: minute(400), Step: time.Minute})
	if len(got) != 3 || len(got[2].Points) != 400 || got[2].Points[399].Value != 401 {
		t.Fatalf("after concurrent use: %d series, %d points", len(got), len(got[2].Points))
	}
}

// Hourly steps read the 1-hour rollups, then the 5-minute ones, then the
// points: the answer is the same before, during and after rollups.
func TestHourStepsFillFromFiner(t *testing.T) {
	path := filepath.Join(t.TempDir(), "streamplane.db")
	store := openStore(t, path)
	db := New(store, Retention{})
	now := minute(200)
	db.Now = func() time.Time { return now }
	appendMinutes(t, db, 0, 200, func(k, m int) float64 { return float64(m * m % 97) }, broker(0))
	q := streamplane.MetricQuery{From: t0, To: now, Step: time.Hour}
	before := show(query(t, db, q)[0].Points)
	if err := db.Maintain(ctx, minute(130)); err != nil {
		t.Fatal(err)
	}
	during := show(query(t, db, q)[0].Points)
	// A DB that did not run Maintain finds each series' last rollup.
	other := New(store, Retention{})
	other.Now = db.Now
	elsewhere := show(query(t, other, q)[0].Points)
	if err := db.Maintain(ctx, now); err != nil {
		t.Fatal(err)
	}
	after := show(query(t, db, q)[0].Points)
	if before != during || before != elsewhere || before != after {
		t.Fatalf("hourly steps\nbefore    %s\nduring    %s\nelsewhere %s\nafter     %s", before, during, elsewhere, after)
	}
	if n := len(query(t, db, q)[0].Points); n != 4 {
		t.Fatalf("%d hourly points, want 4", n)
	}
}
