// Package series keeps metric history in a streamplane.MetricStore: each
// series' points packed in chunks (encoding.go), at three resolutions —
// points as collected (one a minute by default) in chunks of an hour,
// 5-minute averages in chunks of a day, 1-hour averages in chunks of a
// week — each pruned after its retention. Collection appends, the API
// queries, Maintain rolls up and prunes; all may run at once.
package series

import (
	"cmp"
	"context"
	"errors"
	"maps"
	"math"
	"slices"
	"sync"
	"time"

	streamplane "github.com/streamplane/streamplane"
)

// Retention is how long each resolution is kept.
type Retention struct {
	Raw, FiveMinute, Hour time.Duration
}

// DefaultRetention keeps points 7 days, 5-minute rollups 30 days and
// 1-hour rollups a year.
var DefaultRetention = Retention{Raw: 7 * 24 * time.Hour, FiveMinute: 30 * 24 * time.Hour, Hour: 365 * 24 * time.Hour}

// Chunk windows: small enough that rewriting the open chunk on every
// append stays cheap, large enough that a chunk's row and first point (13
// bytes) are spread over many points (60, 288 and 168 at the defaults).
const (
	rawWindow     = time.Hour
	fiveMinWindow = 24 * time.Hour
	hourWindow    = 7 * 24 * time.Hour
)

// DB is the metric history over a store. A server has one, shared by the
// collector (Append, Maintain) and the API (Query): it keeps the open
// chunks, and how far Maintain rolled up, in memory.
type DB struct {
	// Now is the time queries measure retention from; tests replace it.
	Now func() time.Time

	store streamplane.MetricStore
	// levels, finest first: raw, 5-minute, 1-hour.
	levels []*level

	idMu sync.Mutex
	ids  map[streamplane.SeriesKey]int64
}

// New returns the history kept in store. Zero retentions take the
// defaults.
func New(store streamplane.MetricStore, r Retention) *DB {
	if r.Raw <= 0 {
		r.Raw = DefaultRetention.Raw
	}
	if r.FiveMinute <= 0 {
		r.FiveMinute = DefaultRetention.FiveMinute
	}
	if r.Hour <= 0 {
		r.Hour = DefaultRetention.Hour
	}
	return &DB{
		Now:   time.Now,
		store: store,
		levels: []*level{
			newLevel(streamplane.ResolutionRaw, rawWindow, r.Raw),
			newLevel(streamplane.Resolution5Min, fiveMinWindow, r.FiveMinute),
			newLevel(streamplane.ResolutionHour, hourWindow, r.Hour),
		},
		ids: map[streamplane.SeriesKey]int64{},
	}
}

// Append adds the samples collected at a time (kept to the second) to
// their series, creating series met for the first time. The points are
// stored when it returns. A sample at or before its series' last point is
// dropped, and so are NaN and infinite values (a missing point is a gap;
// JSON cannot carry them). Samples of an instance that no longer exists
// fail with ENOTFOUND without keeping the others from being stored.
func (db *DB) Append(ctx context.Context, at time.Time, samples []streamplane.Sample) error {
	keys := make([]streamplane.SeriesKey, 0, len(samples))
	values := make([]float64, 0, len(samples))
	for _, s := range samples {
		if !math.IsNaN(s.Value) && !math.IsInf(s.Value, 0) {
			keys, values = append(keys, s.Key), append(values, s.Value)
		}
	}
	if len(keys) == 0 {
		return nil
	}
	idErr, writeErr := db.append(ctx, at.Unix(), keys, values)
	if streamplane.IsCode(writeErr, streamplane.ENOTFOUND) {
		// A cached series was deleted under us (its instance purged). Its
		// keys are forgotten: looking them up again isolates the instance
		// gone and stores the others.
		idErr, writeErr = db.append(ctx, at.Unix(), keys, values)
	}
	return errors.Join(idErr, writeErr)
}

func (db *DB) append(ctx context.Context, t int64, keys []streamplane.SeriesKey, values []float64) (idErr, writeErr error) {
	ids, idErr := db.seriesIDs(ctx, keys)
	if ids == nil {
		return idErr, nil
	}
	pts := make([]idPoint, 0, len(keys))
	for i, id := range ids {
		if id != 0 {
			pts = append(pts, idPoint{id, point{t, values[i]}})
		}
	}
	// Stable: a series given twice keeps its first value.
	slices.SortStableFunc(pts, func(a, b idPoint) int { return cmp.Compare(a.id, b.id) })
	raw := db.levels[0]
	raw.mu.Lock()
	writeErr = raw.write(ctx, db.store, pts)
	raw.mu.Unlock()
	if writeErr != nil {
		db.forgetKeys(keys)
	}
	return idErr, writeErr
}

// seriesIDs returns the id of each key (0 for none), from memory or the
// store. When an instance is gone, it returns the ids of the others and
// ENOTFOUND.
func (db *DB) seriesIDs(ctx context.Context, keys []streamplane.SeriesKey) ([]int64, error) {
	db.idMu.Lock()
	defer db.idMu.Unlock()
	ids := make([]int64, len(keys))
	var missing []streamplane.SeriesKey
	for i, k := range keys {
		if id, ok := db.ids[k]; ok {
			ids[i] = id
		} else {
			missing = append(missing, k)
		}
	}
	if len(missing) == 0 {
		return ids, nil
	}
	got, err := db.store.SeriesIDs(ctx, missing)
	if streamplane.IsCode(err, streamplane.ENOTFOUND) {
		// One instance gone fails them all: ask instance by instance.
		byInstance := map[string][]streamplane.SeriesKey{}
		for _, k := range missing {
			byInstance[k.InstanceID] = append(byInstance[k.InstanceID], k)
		}
		var errs []error
		got = map[streamplane.SeriesKey]int64{}
		for _, ks := range byInstance {
			some, err := db.store.SeriesIDs(ctx, ks)
			errs = append(errs, err)
			maps.Copy(got, some)
		}
		err = errors.Join(errs...)
	} else if err != nil {
		return nil, err
	}
	maps.Copy(db.ids, got)
	for i, k := range keys {
		if ids[i] == 0 {
			ids[i] = got[k]
		}
	}
	return ids, err
}

func (db *DB) forgetKeys(keys []streamplane.SeriesKey) {
	db.idMu.Lock()
	defer db.idMu.Unlock()
	for _, k := range keys {
		delete(db.ids, k)
	}
}

// forgetIDs drops series from memory, by id or by instance.
func (db *DB) forgetIDs(ids map[int64]bool, instanceID string) map[int64]bool {
	db.idMu.Lock()
	for k, id := range db.ids {
		if ids[id] || k.InstanceID == instanceID && instanceID != "" {
			ids[id] = true
			delete(db.ids, k)
		}
	}
	db.idMu.Unlock()
	return ids
}

// DeleteInstance deletes an instance's history, from the store and from
// memory. Appends for the instance after it start new series.
func (db *DB) DeleteInstance(ctx context.Context, instanceID string) error {
	if err := db.store.DeleteInstanceMetrics(ctx, instanceID); err != nil {
		return err
	}
	gone := db.forgetIDs(map[int64]bool{}, instanceID)
	for _, l := range db.levels {
		l.forget(gone)
	}
	return nil
}
