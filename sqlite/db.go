// Package sqlite is the embedded store: SQLite through a pure-Go driver, so
// the binary needs no cgo. It implements streamplane.Store.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"net/url"
	"strings"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/sqlstore"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// DB is the SQLite store. Writes go through one connection that takes the
// write lock when a transaction begins (BEGIN IMMEDIATE), so concurrent
// writers queue instead of failing; reads use a pool of their own and, under
// WAL, never wait for writers.
type DB struct {
	Path string
	// Now returns the current time; tests replace it.
	Now func() time.Time
	// Metrics keeps metric history in the same database.
	sqlstore.Metrics

	writer *sql.DB
	reader *sql.DB
}

// Open opens (creating if needed) the database at path and migrates it. It
// refuses a database whose schema is newer than this binary knows.
func Open(ctx context.Context, path string) (*DB, error) {
	db := &DB{Path: path, Now: time.Now}
	var err error
	if db.writer, err = sql.Open("sqlite", dsn(path, "immediate")); err != nil {
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	db.writer.SetMaxOpenConns(1)
	if db.reader, err = sql.Open("sqlite", dsn(path, "deferred")); err != nil {
		db.writer.Close()
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	db.reader.SetMaxOpenConns(4)
	db.Metrics = sqlstore.Metrics{Dialect: dialect, Writer: db.writer, Reader: db.reader}
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func dsn(path, txlock string) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", txlock)
	return "file:" + path + "?" + q.Encode()
}

// Close closes both connection pools.
func (db *DB) Close() error {
	var err error
	if db.reader != nil {
		err = db.reader.Close()
	}
	if db.writer != nil {
		if e := db.writer.Close(); err == nil {
			err = e
		}
	}
	return err
}

// migrate applies the embedded migrations not applied yet.
func (db *DB) migrate(ctx context.Context) error {
	return sqlstore.Migrate(ctx, dialect, db.writer, migrationFS, db.Path)
}

// Update runs fn in a write transaction.
func (db *DB) Update(ctx context.Context, fn func(streamplane.Tx) error) error {
	return db.run(ctx, db.writer, false, fn)
}

// View runs fn in a read-only transaction.
func (db *DB) View(ctx context.Context, fn func(streamplane.Tx) error) error {
	return db.run(ctx, db.reader, true, fn)
}

func (db *DB) run(ctx context.Context, pool *sql.DB, readOnly bool, fn func(streamplane.Tx) error) error {
	sqlTx, err := pool.BeginTx(ctx, &sql.TxOptions{ReadOnly: readOnly})
	if err != nil {
		return fmt.Errorf("sqlite: begin: %w", err)
	}
	return sqlstore.Run(ctx, dialect, sqlTx, db.Now().UTC(), readOnly, fn)
}

// dialect is SQLite's: ? placeholders, and constraint violations told by
// their message (the driver has no error values for them).
var dialect = sqlstore.Dialect{
	Name:   "SQLite",
	Strpos: "instr",
	IsUniqueViolation: func(err error) bool {
		return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
	},
	IsForeignKeyViolation: func(err error) bool {
		return err != nil && strings.Contains(err.Error(), "FOREIGN KEY constraint failed")
	},
}

var (
	_ streamplane.Store       = (*DB)(nil)
	_ streamplane.MetricStore = (*DB)(nil)
)

// Raw is the database handle beneath the store (its one writing
// connection), for tools that copy the whole store (storecopy): nothing
// that goes through it is checked by the store's rules.
func (db *DB) Raw() *sql.DB { return db.writer }
