package series

import (
	"cmp"
	"context"
	"slices"
	"time"

	streamplane "github.com/streamplane/streamplane"
)

// maxPoints is about how many points a series gets when the query leaves
// the step to us.
const maxPoints = 500

// niceSteps are the steps chosen for a query without one.
var niceSteps = []time.Duration{
	10 * time.Second, 30 * time.Second, time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute,
	15 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour,
	24 * time.Hour, 48 * time.Hour, 7 * 24 * time.Hour,
}

// Step returns the step a query gets: its own, or the smallest nice step
// giving at most about 500 points over its range.
func Step(q streamplane.MetricQuery) time.Duration {
	if q.Step > 0 {
		return max(q.Step.Truncate(time.Second), time.Second)
	}
	want := q.To.Sub(q.From) / maxPoints
	for _, s := range niceSteps {
		if s >= want {
			return s
		}
	}
	return (want + 24*time.Hour - 1).Truncate(24 * time.Hour)
}

// Query returns the matching series with points, sorted by key. It reads
// the finest resolution kept back to From that is not finer than the step,
// and averages the points within each step (buckets aligned to the step
// since the Unix epoch, stamped with their start). Rollups not yet written
// (the current bucket, or all of them before Maintain first runs) are
// computed from the finer resolution.
func (db *DB) Query(ctx context.Context, q streamplane.MetricQuery) ([]streamplane.Series, error) {
	if _, ok := streamplane.MetricByName(q.Metric); !ok {
		return nil, streamplane.Invalid("metric", "unknown metric %q", q.Metric)
	}
	if q.To.Before(q.From) {
		return nil, streamplane.Invalid("to", "to (%s) is before from (%s)", q.To.Format(time.RFC3339), q.From.Format(time.RFC3339))
	}
	if q.Step < 0 {
		return nil, streamplane.Invalid("step", "step must not be negative")
	}
	found, err := db.store.FindSeries(ctx, q.InstanceID, q.Metric)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for id, k := range found {
		if q.Matches(k) {
			ids = append(ids, id)
		}
	}
	out := []streamplane.Series{}
	if len(ids) == 0 {
		return out, nil
	}
	slices.Sort(ids)
	step := seconds(Step(q))
	from, to := floorTo(q.From.Unix(), step), q.To.Unix()
	now := db.Now().Unix()
	pts, err := db.read(ctx, db.pick(from, step, now), ids, from, to, now)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		avg := average(pts[id], step)
		// A coarser level's bucket may start before the first step.
		for len(avg) > 0 && avg[0].t < from {
			avg = avg[1:]
		}
		if len(avg) == 0 {
			continue
		}
		s := streamplane.Series{Key: found[id], Points: make([]streamplane.Point, len(avg))}
		for i, p := range avg {
			s.Points[i] = streamplane.Point{At: unix(p.t), Value: p.v}
		}
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b streamplane.Series) int { return compareKeys(a.Key, b.Key) })
	return out, nil
}

// pick returns the level to read: the coarsest not coarser than the step
// among those kept back to from; failing that the finest kept back to from;
// failing that the coarsest.
func (db *DB) pick(from, step, now int64) int {
	chosen := len(db.levels) - 1
	for i, l := range db.levels {
		if from < now-seconds(l.retention) {
			continue
		}
		chosen = i
		if i+1 == len(db.levels) || db.levels[i+1].res > step {
			break
		}
	}
	return chosen
}

// read returns the points of series at a level in [from, to], oldest
// first. After a series' last rollup it goes on with the finer level's
// points averaged into this level's buckets.
func (db *DB) read(ctx context.Context, lvl int, ids []int64, from, to, now int64) (map[int64][]point, error) {
	l := db.levels[lvl]
	chunks, err := db.store.Chunks(ctx, streamplane.ChunkFilter{SeriesIDs: ids, Resolution: time.Duration(l.res) * time.Second,
		From: unix(floorTo(from, l.window)), To: unix(to + 1)})
	if err != nil {
		return nil, err
	}
	pts := make(map[int64][]point, len(ids))
	for _, c := range chunks {
		ps := pts[c.SeriesID]
		if ps == nil {
			ps = make([]point, 0, c.Points)
		}
		err := decodeEach(c.Data, c.Points, func(p point) {
			if p.t >= from && p.t <= to {
				ps = append(ps, p)
			}
		})
		if err != nil {
			return nil, streamplane.Errorf(streamplane.EINTERNAL, "series %d: chunk at %s: %v", c.SeriesID, c.Start, err)
		}
		pts[c.SeriesID] = ps
	}
	if lvl == 0 {
		return pts, nil
	}
	// Every series is rolled up to l.rolled once Maintain ran; before, to
	// its own last rollup. The finer level keeps nothing older than its
	// retention.
	floor := max(from, l.rolled.Load(), now-seconds(db.levels[lvl-1].retention))
	tail, first := map[int64]int64{}, to+1
	for _, id := range ids {
		t := floor
		if ps := pts[id]; len(ps) > 0 {
			t = max(t, ps[len(ps)-1].t+l.res)
		}
		tail[id], first = t, min(first, t)
	}
	if first > to {
		return pts, nil
	}
	finer, err := db.read(ctx, lvl-1, ids, first, to, now)
	if err != nil {
		return nil, err
	}
	for id, ps := range finer {
		i, _ := slices.BinarySearchFunc(ps, tail[id], func(p point, t int64) int { return cmp.Compare(p.t, t) })
		pts[id] = append(pts[id], average(ps[i:], l.res)...)
	}
	return pts, nil
}

func compareKeys(a, b streamplane.SeriesKey) int {
	return cmp.Or(cmp.Compare(a.InstanceID, b.InstanceID), cmp.Compare(a.Metric, b.Metric), cmp.Compare(a.Broker, b.Broker),
		cmp.Compare(a.Topic, b.Topic), cmp.Compare(a.Partition, b.Partition), cmp.Compare(a.Group, b.Group))
}
