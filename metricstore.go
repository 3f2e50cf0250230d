package streamplane

import (
	"context"
	"time"
)

// MetricChunk holds the points of one series at one resolution over one
// time window, packed (package series owns the encoding; the store keeps
// the bytes as they are). Points counts them: the packed bits do not say
// where they end.
type MetricChunk struct {
	SeriesID   int64
	Resolution time.Duration
	// Start is the window's start, in whole seconds. A series has at most
	// one chunk per resolution and start.
	Start  time.Time
	Points int
	Data   []byte
}

// ChunkFilter selects chunks of one resolution whose Start is in
// [From, To). Nil SeriesIDs selects every series; an empty, non-nil list
// selects none.
type ChunkFilter struct {
	SeriesIDs  []int64
	Resolution time.Duration
	From, To   time.Time
}

// MetricStore keeps metric history beside the control plane's state (no
// separate database): a row per series, a row per chunk. Implemented by
// sqlite.DB; storetest.RunMetrics is the suite every implementation passes.
type MetricStore interface {
	// SeriesIDs returns the id of each key, creating the series missing.
	// ENOTFOUND if a key's instance does not exist.
	SeriesIDs(ctx context.Context, keys []SeriesKey) (map[SeriesKey]int64, error)
	// FindSeries returns an instance's series of a metric ("" for every
	// metric), by id.
	FindSeries(ctx context.Context, instanceID, metric string) (map[int64]SeriesKey, error)
	// PutChunks inserts or replaces chunks, all in one transaction.
	PutChunks(ctx context.Context, chunks []MetricChunk) error
	// Chunks returns the chunks a filter selects, by series id then start.
	Chunks(ctx context.Context, f ChunkFilter) ([]MetricChunk, error)
	// PruneChunks deletes the chunks of a resolution that start before a
	// time and returns how many it deleted.
	PruneChunks(ctx context.Context, res time.Duration, before time.Time) (int, error)
	// DeleteInstanceMetrics deletes an instance's series and their chunks.
	DeleteInstanceMetrics(ctx context.Context, instanceID string) error
}
