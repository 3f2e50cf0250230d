package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"iter"
	"slices"
	"strings"
	"time"

	streamplane "github.com/streamplane/streamplane"
)

// Metrics keeps metric history, series and their chunks
// (streamplane.MetricStore). Its writes run in transactions of their own,
// not in a streamplane.Tx: the collector and the API reach them through
// package series, never beside other state. Writes go through Writer,
// reads through Reader.
type Metrics struct {
	Dialect        Dialect
	Writer, Reader *sql.DB
	// Begin, if set, begins a write transaction in place of
	// Writer.BeginTx: PostgreSQL's take the store's write lock.
	Begin func(context.Context) (*sql.Tx, error)
}

var _ streamplane.MetricStore = Metrics{}

// SeriesIDs returns the id of each key, creating the series missing.
func (m Metrics) SeriesIDs(ctx context.Context, keys []streamplane.SeriesKey) (map[streamplane.SeriesKey]int64, error) {
	ids := make(map[streamplane.SeriesKey]int64, len(keys))
	err := m.tx(ctx, func(tx *tx) error {
		instances := map[string]bool{}
		for _, k := range keys {
			if _, ok := ids[k]; ok {
				continue
			}
			if _, ok := instances[k.InstanceID]; !ok {
				var n int
				if err := tx.queryRow(`SELECT COUNT(*) FROM instances WHERE id = ?`, k.InstanceID).Scan(&n); err != nil {
					return fmt.Errorf("store: series instance: %w", err)
				}
				instances[k.InstanceID] = n > 0
			}
			if !instances[k.InstanceID] {
				return streamplane.Errorf(streamplane.ENOTFOUND, "instance %s not found", k.InstanceID)
			}
			args := []any{k.InstanceID, k.Metric, k.Broker, k.Topic, k.Partition, k.Group}
			if _, err := tx.exec(`INSERT INTO metric_series (instance_id, metric, broker, topic, partition, group_name)
				VALUES (?,?,?,?,?,?) ON CONFLICT DO NOTHING`, args...); err != nil {
				return fmt.Errorf("store: create series: %w", err)
			}
			var id int64
			if err := tx.queryRow(`SELECT id FROM metric_series WHERE instance_id = ? AND metric = ? AND broker = ?
				AND topic = ? AND partition = ? AND group_name = ?`, args...).Scan(&id); err != nil {
				return fmt.Errorf("store: read series id: %w", err)
			}
			ids[k] = id
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ids, nil
}

// FindSeries returns an instance's series of a metric ("" for all).
func (m Metrics) FindSeries(ctx context.Context, instanceID, metric string) (map[int64]streamplane.SeriesKey, error) {
	q := `SELECT id, instance_id, metric, broker, topic, partition, group_name FROM metric_series WHERE instance_id = ?`
	args := []any{instanceID}
	if metric != "" {
		q, args = q+` AND metric = ?`, append(args, metric)
	}
	rows, err := m.Reader.QueryContext(ctx, m.Dialect.rebind(q), args...)
	if err != nil {
		return nil, m.Dialect.Wrap(ctx, "find series", err)
	}
	defer rows.Close()
	found := map[int64]streamplane.SeriesKey{}
	for rows.Next() {
		var (
			id int64
			k  streamplane.SeriesKey
		)
		if err := rows.Scan(&id, &k.InstanceID, &k.Metric, &k.Broker, &k.Topic, &k.Partition, &k.Group); err != nil {
			return nil, m.Dialect.Wrap(ctx, "find series", err)
		}
		found[id] = k
	}
	if err := rows.Err(); err != nil {
		return nil, m.Dialect.Wrap(ctx, "find series", err)
	}
	return found, nil
}

// PutChunks inserts or replaces chunks in one transaction.
func (m Metrics) PutChunks(ctx context.Context, chunks []streamplane.MetricChunk) error {
	if len(chunks) == 0 {
		return nil
	}
	return m.tx(ctx, func(tx *tx) error {
		stmt, err := tx.PrepareContext(ctx, m.Dialect.rebind(`INSERT INTO metric_chunks (series_id, resolution, start, points, data) VALUES (?,?,?,?,?)
			ON CONFLICT (series_id, resolution, start) DO UPDATE SET points = excluded.points, data = excluded.data`))
		if err != nil {
			return fmt.Errorf("store: put chunks: %w", err)
		}
		defer stmt.Close()
		for _, c := range chunks {
			_, err := stmt.ExecContext(ctx, c.SeriesID, seconds(c.Resolution), c.Start.Unix(), c.Points, c.Data)
			if m.Dialect.IsForeignKeyViolation(err) {
				return streamplane.Errorf(streamplane.ENOTFOUND, "series %d not found", c.SeriesID)
			}
			if err != nil {
				return fmt.Errorf("store: put chunk of series %d: %w", c.SeriesID, err)
			}
		}
		return nil
	})
}

// maxIDsPerQuery keeps an IN list well under SQLite's bound on parameters.
const maxIDsPerQuery = 500

// Chunks returns the chunks a filter selects, by series id then start.
func (m Metrics) Chunks(ctx context.Context, f streamplane.ChunkFilter) ([]streamplane.MetricChunk, error) {
	base := `SELECT series_id, start, points, data FROM metric_chunks WHERE resolution = ? AND start >= ? AND start < ?`
	args := []any{seconds(f.Resolution), f.From.Unix(), f.To.Unix()}
	if f.SeriesIDs == nil {
		return m.chunks(ctx, f.Resolution, base+` ORDER BY series_id, start`, args)
	}
	var out []streamplane.MetricChunk
	for ids := range chunkIDs(f.SeriesIDs) {
		q := base + ` AND series_id IN (?` + strings.Repeat(",?", len(ids)-1) + `) ORDER BY series_id, start`
		a := append([]any(nil), args...)
		for _, id := range ids {
			a = append(a, id)
		}
		got, err := m.chunks(ctx, f.Resolution, q, a)
		if err != nil {
			return nil, err
		}
		out = append(out, got...)
	}
	if len(f.SeriesIDs) > maxIDsPerQuery {
		sortChunks(out)
	}
	return out, nil
}

func (m Metrics) chunks(ctx context.Context, res time.Duration, q string, args []any) ([]streamplane.MetricChunk, error) {
	rows, err := m.Reader.QueryContext(ctx, m.Dialect.rebind(q), args...)
	if err != nil {
		return nil, m.Dialect.Wrap(ctx, "read chunks", err)
	}
	defer rows.Close()
	var out []streamplane.MetricChunk
	for rows.Next() {
		c := streamplane.MetricChunk{Resolution: res}
		var start int64
		if err := rows.Scan(&c.SeriesID, &start, &c.Points, &c.Data); err != nil {
			return nil, m.Dialect.Wrap(ctx, "read chunks", err)
		}
		c.Start = time.Unix(start, 0).UTC()
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, m.Dialect.Wrap(ctx, "read chunks", err)
	}
	return out, nil
}

// chunkIDs yields ids in slices of at most maxIDsPerQuery, none empty.
func chunkIDs(ids []int64) iter.Seq[[]int64] {
	return func(yield func([]int64) bool) {
		for len(ids) > 0 {
			n := min(len(ids), maxIDsPerQuery)
			if !yield(ids[:n]) {
				return
			}
			ids = ids[n:]
		}
	}
}

func sortChunks(cs []streamplane.MetricChunk) {
	slices.SortFunc(cs, func(a, b streamplane.MetricChunk) int {
		return cmp.Or(cmp.Compare(a.SeriesID, b.SeriesID), a.Start.Compare(b.Start))
	})
}

// PruneChunks deletes a resolution's chunks that start before a time. It
// writes in a transaction of its own, as every metric write does: on
// PostgreSQL that takes the store's write lock, so it queues behind
// PutChunks instead of deadlocking with it over the same rows.
func (m Metrics) PruneChunks(ctx context.Context, res time.Duration, before time.Time) (int, error) {
	var n int64
	err := m.tx(ctx, func(tx *tx) error {
		r, err := tx.exec(`DELETE FROM metric_chunks WHERE resolution = ? AND start < ?`, seconds(res), before.Unix())
		if err != nil {
			return fmt.Errorf("store: prune chunks: %w", err)
		}
		n, err = r.RowsAffected()
		return err
	})
	if err != nil {
		return 0, err
	}
	return int(n), nil
}

// DeleteInstanceMetrics deletes an instance's series and their chunks.
func (m Metrics) DeleteInstanceMetrics(ctx context.Context, instanceID string) error {
	return m.tx(ctx, func(tx *tx) error {
		for _, q := range []string{
			`DELETE FROM metric_chunks WHERE series_id IN (SELECT id FROM metric_series WHERE instance_id = ?)`,
			`DELETE FROM metric_series WHERE instance_id = ?`,
		} {
			if _, err := tx.exec(q, instanceID); err != nil {
				return fmt.Errorf("store: delete instance metrics: %w", err)
			}
		}
		return nil
	})
}

// tx runs fn in a write transaction of its own.
func (m Metrics) tx(ctx context.Context, fn func(*tx) error) error {
	begin := m.Begin
	if begin == nil {
		begin = func(ctx context.Context) (*sql.Tx, error) { return m.Writer.BeginTx(ctx, nil) }
	}
	sqlTx, err := begin(ctx)
	if err != nil {
		return m.Dialect.Wrap(ctx, "begin", err)
	}
	defer sqlTx.Rollback()
	if err := fn(&tx{Tx: sqlTx, ctx: ctx, d: m.Dialect}); err != nil {
		return m.Dialect.Err(ctx, err)
	}
	return m.Dialect.Wrap(ctx, "commit", sqlTx.Commit())
}

func seconds(d time.Duration) int64 { return int64(d / time.Second) }
