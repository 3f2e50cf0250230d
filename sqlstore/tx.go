// Package sqlstore is the store's queries, in the SQL both SQLite and
// PostgreSQL speak. Packages sqlite and postgres open their database,
// migrate it and begin transactions; sqlstore runs streamplane.Tx in them,
// through a Dialect that holds what differs.
package sqlstore

import (
	"context"
	"database/sql"
	"time"

	streamplane "github.com/streamplane/streamplane"
)

// Run runs fn in sqlTx, a transaction the caller began, as a
// streamplane.Tx whose time is now. It commits unless fn fails or readOnly
// is set; otherwise, and on a panic, it rolls back: nothing of a failed
// transaction is kept.
func Run(ctx context.Context, d Dialect, sqlTx *sql.Tx, now time.Time, readOnly bool, fn func(streamplane.Tx) error) error {
	// A panic in fn must not leave the connection inside a transaction:
	// SQLite's one writer would block every later write. After a commit
	// this rollback does nothing.
	defer sqlTx.Rollback()
	t := &tx{Tx: sqlTx, ctx: ctx, now: now, d: d}
	if err := fn(t); err != nil {
		return d.Err(ctx, err)
	}
	if readOnly {
		return d.Wrap(ctx, "end read", sqlTx.Rollback())
	}
	return d.Wrap(ctx, "commit", sqlTx.Commit())
}

// tx implements streamplane.Tx.
type tx struct {
	*sql.Tx
	ctx context.Context
	now time.Time
	d   Dialect
}

var _ streamplane.Tx = (*tx)(nil)

func (t *tx) Now() time.Time { return t.now }

func (t *tx) exec(query string, args ...any) (sql.Result, error) {
	return t.ExecContext(t.ctx, t.d.rebind(query), args...)
}

func (t *tx) query(query string, args ...any) (*sql.Rows, error) {
	return t.QueryContext(t.ctx, t.d.rebind(query), args...)
}

func (t *tx) queryRow(query string, args ...any) *sql.Row {
	return t.QueryRowContext(t.ctx, t.d.rebind(query), args...)
}

// tryExec runs a statement whose failure the caller handles (a unique or
// foreign key violation) and goes on from. Where a failed statement aborts
// the transaction, it runs in a savepoint that the failure rolls back to.
func (t *tx) tryExec(query string, args ...any) (sql.Result, error) {
	if !t.d.AbortsOnError {
		return t.exec(query, args...)
	}
	if _, err := t.ExecContext(t.ctx, `SAVEPOINT try`); err != nil {
		return nil, err
	}
	res, err := t.exec(query, args...)
	if err != nil {
		if _, rerr := t.ExecContext(t.ctx, `ROLLBACK TO SAVEPOINT try`); rerr != nil {
			return nil, rerr
		}
		return nil, err
	}
	if _, err := t.ExecContext(t.ctx, `RELEASE SAVEPOINT try`); err != nil {
		return nil, err
	}
	return res, nil
}

// Timestamps are stored as unix nanoseconds.
func nanos(ts time.Time) int64 { return ts.UnixNano() }

func nullNanos(ts *time.Time) any {
	if ts == nil {
		return nil
	}
	return ts.UnixNano()
}

func fromNanos(n int64) time.Time { return time.Unix(0, n).UTC() }

func fromNullNanos(n sql.NullInt64) *time.Time {
	if !n.Valid {
		return nil
	}
	ts := fromNanos(n.Int64)
	return &ts
}
