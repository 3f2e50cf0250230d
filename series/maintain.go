package series

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	streamplane "github.com/streamplane/streamplane"
)

const (
	// settle is how long after a bucket ends its rollup waits, so a
	// collection stamped inside the bucket but stored just after it
	// still counts.
	settle = time.Minute
	// catchUp is how far back the first Maintain of a process looks for
	// points not yet rolled up (rollups already written are kept).
	catchUp = 24 * time.Hour
)

// Maintain writes the 5-minute and 1-hour averages of the buckets that
// ended (a minute's grace) since it last ran, deletes chunks past their
// retention and forgets open chunks no longer written. It is idempotent and
// does no I/O when nothing is due, so it can run after every collection.
func (db *DB) Maintain(ctx context.Context, now time.Time) error {
	var errs []error
	for i := 1; i < len(db.levels); i++ {
		if err := db.rollup(ctx, db.levels[i-1], db.levels[i], now); err != nil {
			errs = append(errs, err)
		}
	}
	for _, l := range db.levels {
		if err := l.prune(ctx, db.store, now); err != nil {
			errs = append(errs, err)
		}
	}
	// Series not written for a whole window are gone or idle: keep memory
	// to what is collected.
	gone := map[int64]bool{}
	for _, l := range db.levels {
		for _, id := range l.evict(now.Unix() - l.window) {
			if l == db.levels[0] {
				gone[id] = true
			}
		}
	}
	if len(gone) > 0 {
		db.forgetIDs(gone, "")
	}
	return errors.Join(errs...)
}

// rollup averages src's points into l's buckets that ended before now
// (less settle) and were not rolled up yet.
func (db *DB) rollup(ctx context.Context, src, l *level, now time.Time) error {
	end := floorTo(now.Add(-settle).Unix(), l.res)
	if end <= l.rolled.Load() {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	from := l.rolled.Load()
	if from == 0 {
		from = end - seconds(catchUp)
	}
	if end <= from {
		return nil
	}
	chunks, err := db.store.Chunks(ctx, streamplane.ChunkFilter{Resolution: time.Duration(src.res) * time.Second,
		From: unix(floorTo(from, src.window)), To: unix(end)})
	if err != nil {
		return fmt.Errorf("series: rollup to %s: %w", time.Duration(l.res)*time.Second, err)
	}
	var errs []error
	pts := map[int64][]point{}
	for _, c := range chunks {
		ps := pts[c.SeriesID]
		err := decodeEach(c.Data, c.Points, func(p point) {
			if p.t >= from && p.t < end {
				ps = append(ps, p)
			}
		})
		if len(ps) > 0 {
			pts[c.SeriesID] = ps
		}
		if err != nil {
			// A damaged chunk loses its own rollups, not everyone's.
			errs = append(errs, fmt.Errorf("series: series %d, chunk at %s: %w", c.SeriesID, c.Start, err))
		}
	}
	var rolled []idPoint
	for id, ps := range pts {
		for _, p := range average(ps, l.res) {
			rolled = append(rolled, idPoint{id, p})
		}
	}
	slices.SortFunc(rolled, func(a, b idPoint) int { return cmp.Or(cmp.Compare(a.id, b.id), cmp.Compare(a.t, b.t)) })
	if err := l.write(ctx, db.store, rolled); err != nil {
		return errors.Join(append(errs, fmt.Errorf("series: rollup to %s: %w", time.Duration(l.res)*time.Second, err))...)
	}
	l.rolled.Store(end)
	return errors.Join(errs...)
}

// prune deletes the level's chunks that ended before its retention, once
// per window passed.
func (l *level) prune(ctx context.Context, store streamplane.MetricStore, now time.Time) error {
	before := floorTo(now.Add(-l.retention).Unix(), l.window)
	l.mu.Lock()
	defer l.mu.Unlock()
	if before <= l.pruned {
		return nil
	}
	if _, err := store.PruneChunks(ctx, time.Duration(l.res)*time.Second, unix(before)); err != nil {
		return err
	}
	l.pruned = before
	return nil
}

// average returns, for each step-aligned bucket holding points, the mean
// of its points, stamped with the bucket's start. pts are oldest first.
func average(pts []point, step int64) []point {
	var out []point
	for i := 0; i < len(pts); {
		b := floorTo(pts[i].t, step)
		sum, n := 0.0, 0
		for ; i < len(pts) && pts[i].t < b+step; i++ {
			sum += pts[i].v
			n++
		}
		out = append(out, point{b, sum / float64(n)})
	}
	return out
}
