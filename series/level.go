package series

import (
	"bytes"
	"context"
	"sync"
	"sync/atomic"
	"time"

	streamplane "github.com/streamplane/streamplane"
)

// level is one resolution of the history: its chunks' window, its
// retention and, in memory, the newest chunk of each series it writes to
// (so an append packs one more point instead of reading the chunk back).
type level struct {
	res, window int64 // seconds
	retention   time.Duration

	mu   sync.Mutex // guards open and pruned, and serialises writes
	open map[int64]*openChunk
	// pruned: chunks starting before it are gone (unix seconds).
	pruned int64
	// rolled: rollups are written for every bucket before it (unix
	// seconds); 0 until this process's first Maintain.
	rolled atomic.Int64
}

type openChunk struct {
	start int64
	enc   *encoder
}

func newLevel(res, window, retention time.Duration) *level {
	return &level{res: seconds(res), window: seconds(window), retention: retention, open: map[int64]*openChunk{}}
}

func seconds(d time.Duration) int64 { return int64(d / time.Second) }

// floorTo rounds t down to a multiple of d, also below zero.
func floorTo(t, d int64) int64 {
	r := t % d
	if r < 0 {
		r += d
	}
	return t - r
}

func unix(t int64) time.Time { return time.Unix(t, 0).UTC() }

// idPoint is a point of a series.
type idPoint struct {
	id int64
	point
}

// write appends points, sorted by series and each series' oldest first,
// to their chunks and stores every chunk it changed in one transaction. A
// point not after its series' last one is skipped, so writing again is
// harmless. Chunks not in memory (after a restart, or a window not written
// before) are read from the store. The caller holds l.mu.
func (l *level) write(ctx context.Context, store streamplane.MetricStore, pts []idPoint) error {
	// Read the chunks this write needs and memory lacks, in one query.
	var need []int64
	var lo, hi int64
	for _, p := range pts {
		w := floorTo(p.t, l.window)
		if c := l.open[p.id]; c != nil && c.start == w {
			continue
		}
		if len(need) == 0 {
			lo, hi = w, w+l.window
		}
		if len(need) == 0 || need[len(need)-1] != p.id {
			need = append(need, p.id)
		}
		lo, hi = min(lo, w), max(hi, w+l.window)
	}
	type key struct{ id, start int64 }
	stored := map[key]*openChunk{}
	if len(need) > 0 {
		got, err := store.Chunks(ctx, streamplane.ChunkFilter{SeriesIDs: need, Resolution: time.Duration(l.res) * time.Second, From: unix(lo), To: unix(hi)})
		if err != nil {
			return err
		}
		for _, c := range got {
			enc, err := reopen(c.Data, c.Points)
			if err != nil {
				return streamplane.Errorf(streamplane.EINTERNAL, "series %d: chunk at %s: %v", c.SeriesID, c.Start, err)
			}
			stored[key{c.SeriesID, c.Start.Unix()}] = &openChunk{start: c.Start.Unix(), enc: enc}
		}
	}

	// The chunks written, in order: a series' points go to one chunk, or
	// a few in ascending windows.
	type touch struct {
		id    int64
		c     *openChunk
		dirty bool
	}
	touched := make([]touch, 0, len(pts))
	for _, p := range pts {
		w := floorTo(p.t, l.window)
		if n := len(touched); n == 0 || touched[n-1].id != p.id || touched[n-1].c.start != w {
			c := l.open[p.id]
			if c == nil || c.start != w {
				if c = stored[key{p.id, w}]; c == nil {
					c = &openChunk{start: w, enc: &encoder{}}
				}
			}
			touched = append(touched, touch{id: p.id, c: c})
		}
		t := &touched[len(touched)-1]
		if last, ok := t.c.enc.last(); ok && p.t <= last {
			continue
		}
		t.c.enc.add(p.t, p.v)
		t.dirty = true
	}
	put := make([]streamplane.MetricChunk, 0, len(touched))
	for _, t := range touched {
		if t.dirty {
			put = append(put, streamplane.MetricChunk{SeriesID: t.id, Resolution: time.Duration(l.res) * time.Second,
				Start: unix(t.c.start), Points: t.c.enc.n, Data: bytes.Clone(t.c.enc.bytes())})
		}
	}
	if err := store.PutChunks(ctx, put); err != nil {
		// The encoders in memory hold points the store does not: read
		// those chunks back next time.
		for _, t := range touched {
			delete(l.open, t.id)
		}
		return err
	}
	for _, t := range touched {
		if o := l.open[t.id]; o == nil || o.start <= t.c.start {
			l.open[t.id] = t.c
		}
	}
	return nil
}

// evict forgets the chunks whose window ended before a time and returns
// their series.
func (l *level) evict(before int64) []int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	var gone []int64
	for id, c := range l.open {
		if c.start+l.window < before {
			delete(l.open, id)
			gone = append(gone, id)
		}
	}
	return gone
}

// forget drops series from memory.
func (l *level) forget(ids map[int64]bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for id := range ids {
		delete(l.open, id)
	}
}
