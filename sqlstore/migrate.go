package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"

	streamplane "github.com/streamplane/streamplane"
)

// Conn is what migrations run on: a pool, or the one connection that
// holds a lock while they run.
type Conn interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error)
}

// Migrate applies, in order and each in its own transaction, the
// migrations of fsys (migrations/NNNN_name.sql) not yet recorded in the
// table schema_migrations. It refuses (EPRECONDITION) a database whose
// schema is newer than fsys knows; database names it in that error.
func Migrate(ctx context.Context, d Dialect, db Conn, fsys fs.FS, database string) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`); err != nil {
		return d.Wrap(ctx, "migrations table", err)
	}
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	known := 0
	for _, name := range names {
		v, err := migrationVersion(name)
		if err != nil {
			return err
		}
		known = max(known, v)
	}
	var applied int
	if err := db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&applied); err != nil {
		return d.Wrap(ctx, "read schema version", err)
	}
	if applied > known {
		return streamplane.Errorf(streamplane.EPRECONDITION, "database %s has schema version %d but this streamplane knows only up to %d; run a newer streamplane", database, applied, known)
	}
	for _, name := range names {
		v, _ := migrationVersion(name)
		if v <= applied {
			continue
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		if err := migrate(ctx, d, db, v, name, string(body)); err != nil {
			return d.Wrap(ctx, "migration "+name, err)
		}
	}
	return nil
}

func migrate(ctx context.Context, d Dialect, db Conn, version int, name, body string) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, body); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, d.rebind(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`),
		version, name, time.Now().UnixNano()); err != nil {
		return err
	}
	return tx.Commit()
}

func migrationVersion(name string) (int, error) {
	base := strings.TrimPrefix(name, "migrations/")
	num, _, ok := strings.Cut(base, "_")
	if !ok {
		return 0, fmt.Errorf("store: migration %s is not named NNNN_name.sql", name)
	}
	return strconv.Atoi(num)
}
