package sqlite

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

// Metric history: series and their chunks (streamplane.MetricStore). These
// run in transactions of their own, not in a streamplane.Tx: the collector
// and the API reach them through package series, never beside other state.

// SeriesIDs returns the id of each key, creating the series missing.
func (db *DB) SeriesIDs(ctx context.Context, keys []streamplane.SeriesKey) (map[streamplane.SeriesKey]int64, error) {
	ids := make(map[streamplane.SeriesKey]int64, len(keys))
	err := db.metricTx(ctx, func(tx *sql.Tx) error {
		instances := map[string]bool{}
		for _, k := range keys {
			if _, ok := ids[k]; ok {
				continue
			}
			if _, ok := instances[k.InstanceID]; !ok {
				var n int
				if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM instances WHERE id = ?`, k.InstanceID).Scan(&n); err != nil {
					return fmt.Errorf("sqlite: series instance: %w", err)
				}
				instances[k.InstanceID] = n > 0
			}
			if !instances[k.InstanceID] {
				return streamplane.Errorf(streamplane.ENOTFOUND, "instance %s not found", k.InstanceID)
			}
			args := []any{k.InstanceID, k.Metric, k.Broker, k.Topic, k.Partition, k.Group}
			if _, err := tx.ExecContext(ctx, `INSERT INTO metric_series (instance_id, metric, broker, topic, partition, group_name)
				VALUES (?,?,?,?,?,?) ON CONFLICT DO NOTHING`, args...); err != nil {
				return fmt.Errorf("sqlite: create series: %w", err)
			}
			var id int64
			if err := tx.QueryRowContext(ctx, `SELECT id FROM metric_series WHERE instance_id = ? AND metric = ? AND broker = ?
				AND topic = ? AND partition = ? AND group_name = ?`, args...).Scan(&id); err != nil {
				return fmt.Errorf("sqlite: read series id: %w", err)
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
func (db *DB) FindSeries(ctx context.Context, instanceID, metric string) (map[int64]streamplane.SeriesKey, error) {
	q := `SELECT id, instance_id, metric, broker, topic, partition, group_name FROM metric_series WHERE instance_id = ?`
	args := []any{instanceID}
	if metric != "" {
		q, args = q+` AND metric = ?`, append(args, metric)
	}
	rows, err := db.reader.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: find series: %w", err)
	}
	defer rows.Close()
	found := map[int64]streamplane.SeriesKey{}
	for rows.Next() {
		var (
			id int64
			k  streamplane.SeriesKey
		)
		if err := rows.Scan(&id, &k.InstanceID, &k.Metric, &k.Broker, &k.Topic, &k.Partition, &k.Group); err != nil {
			return nil, fmt.Errorf("sqlite: find series: %w", err)
		}
		found[id] = k
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: find series: %w", err)
	}
	return found, nil
}

// PutChunks inserts or replaces chunks in one transaction.
func (db *DB) PutChunks(ctx context.Context, chunks []streamplane.MetricChunk) error {
	if len(chunks) == 0 {
		return nil
	}
	return db.metricTx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO metric_chunks (series_id, resolution, start, points, data) VALUES (?,?,?,?,?)
			ON CONFLICT (series_id, resolution, start) DO UPDATE SET points = excluded.points, data = excluded.data`)
		if err != nil {
			return fmt.Errorf("sqlite: put chunks: %w", err)
		}
		defer stmt.Close()
		for _, c := range chunks {
			_, err := stmt.ExecContext(ctx, c.SeriesID, seconds(c.Resolution), c.Start.Unix(), c.Points, c.Data)
			if err != nil && strings.Contains(err.Error(), "FOREIGN KEY constraint failed") {
				return streamplane.Errorf(streamplane.ENOTFOUND, "series %d not found", c.SeriesID)
			}
			if err != nil {
				return fmt.Errorf("sqlite: put chunk of series %d: %w", c.SeriesID, err)
			}
		}
		return nil
	})
}

// maxIDsPerQuery keeps an IN list well under SQLite's bound on parameters.
const maxIDsPerQuery = 500

// Chunks returns the chunks a filter selects, by series id then start.
func (db *DB) Chunks(ctx context.Context, f streamplane.ChunkFilter) ([]streamplane.MetricChunk, error) {
	base := `SELECT series_id, start, points, data FROM metric_chunks WHERE resolution = ? AND start >= ? AND start < ?`
	args := []any{seconds(f.Resolution), f.From.Unix(), f.To.Unix()}
	if f.SeriesIDs == nil {
		return db.chunks(ctx, f.Resolution, base+` ORDER BY series_id, start`, args)
	}
	var out []streamplane.MetricChunk
	for ids := range chunkIDs(f.SeriesIDs) {
		q := base + ` AND series_id IN (?` + strings.Repeat(",?", len(ids)-1) + `) ORDER BY series_id, start`
		a := append([]any(nil), args...)
		for _, id := range ids {
			a = append(a, id)
		}
		got, err := db.chunks(ctx, f.Resolution, q, a)
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

func (db *DB) chunks(ctx context.Context, res time.Duration, q string, args []any) ([]streamplane.MetricChunk, error) {
	rows, err := db.reader.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: read chunks: %w", err)
	}
	defer rows.Close()
	var out []streamplane.MetricChunk
	for rows.Next() {
		c := streamplane.MetricChunk{Resolution: res}
		var start int64
		if err := rows.Scan(&c.SeriesID, &start, &c.Points, &c.Data); err != nil {
			return nil, fmt.Errorf("sqlite: read chunks: %w", err)
		}
		c.Start = time.Unix(start, 0).UTC()
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: read chunks: %w", err)
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

// PruneChunks deletes a resolution's chunks that start before a time.
func (db *DB) PruneChunks(ctx context.Context, res time.Duration, before time.Time) (int, error) {
	r, err := db.writer.ExecContext(ctx, `DELETE FROM metric_chunks WHERE resolution = ? AND start < ?`, seconds(res), before.Unix())
	if err != nil {
		return 0, fmt.Errorf("sqlite: prune chunks: %w", err)
	}
	n, err := r.RowsAffected()
	return int(n), err
}

// DeleteInstanceMetrics deletes an instance's series and their chunks.
func (db *DB) DeleteInstanceMetrics(ctx context.Context, instanceID string) error {
	return db.metricTx(ctx, func(tx *sql.Tx) error {
		for _, q := range []string{
			`DELETE FROM metric_chunks WHERE series_id IN (SELECT id FROM metric_series WHERE instance_id = ?)`,
			`DELETE FROM metric_series WHERE instance_id = ?`,
		} {
			if _, err := tx.ExecContext(ctx, q, instanceID); err != nil {
				return fmt.Errorf("sqlite: delete instance metrics: %w", err)
			}
		}
		return nil
	})
}

func (db *DB) metricTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := db.writer.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: begin: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: commit: %w", err)
	}
	return nil
}

func seconds(d time.Duration) int64 { return int64(d / time.Second) }

var _ streamplane.MetricStore = (*DB)(nil)
