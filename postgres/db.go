// Package postgres is the shared store: PostgreSQL, through pgx, for
// several servers on one store. It runs the queries of package sqlstore,
// as package sqlite does, and implements streamplane.Store and
// streamplane.MetricStore.
//
// Write transactions run one at a time across every server, as SQLite's
// do: each begins by taking one advisory lock, so a limit checked in a
// transaction still holds when it commits. Read transactions see one
// snapshot. Every transaction's time is the database's clock, the one
// clock all servers compare leases on.
package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/sqlstore"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Advisory lock keys, "Spwriter" and "Spmigrat" in ASCII: constants other
// applications on the database are unlikely to use.
const (
	writerLock  int64 = 0x5370_7772_6974_6572
	migrateLock int64 = 0x5370_6d69_6772_6174
)

// idleInTransaction is how long the database waits on a transaction that
// sends nothing before it ends the session, unless the URL says otherwise
// (idle_in_transaction_session_timeout, in milliseconds). A server that
// froze, or lost its network, while holding the write lock would
// otherwise stop every other server's writes, lease renewals included,
// until it came back. The frozen server's transaction fails; none of it
// is kept.
const idleInTransaction = "60000"

// DB is the PostgreSQL store.
type DB struct {
	// Now, if set, gives transactions their time instead of the
	// database's clock; tests set it.
	Now func() time.Time
	// Metrics keeps metric history in the same database.
	sqlstore.Metrics

	url string // redacted
	d   sqlstore.Dialect
	// Writes go through one connection: only one write transaction runs
	// at a time anyway, and a write waiting for the lock must not hold a
	// connection a read needs (a read inside a write's function would wait
	// for ever). Reads have a pool of their own.
	writer *sql.DB
	reader *sql.DB
}

// Open connects to the database at url (postgres://user:password@host/db
// or key=value form) and migrates it. It refuses a database whose schema is
// newer than this binary knows; ESTOREDOWN if the database cannot be
// reached.
func Open(ctx context.Context, url string) (*DB, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, streamplane.Invalid("store", "%s", scrub(err.Error(), url))
	}
	if _, ok := cfg.RuntimeParams["idle_in_transaction_session_timeout"]; !ok {
		cfg.RuntimeParams["idle_in_transaction_session_timeout"] = idleInTransaction
	}
	db := &DB{url: Redact(url), d: dialect(cfg.Password), writer: stdlib.OpenDB(*cfg), reader: stdlib.OpenDB(*cfg)}
	// A few connections are plenty for a control plane, and several
	// servers share the database's limit on connections.
	db.writer.SetMaxOpenConns(1)
	db.reader.SetMaxOpenConns(8)
	db.reader.SetMaxIdleConns(8)
	for _, pool := range []*sql.DB{db.writer, db.reader} {
		pool.SetConnMaxIdleTime(5 * time.Minute)
	}
	db.Metrics = sqlstore.Metrics{Dialect: db.d, Writer: db.writer, Reader: db.reader, Begin: func(ctx context.Context) (*sql.Tx, error) {
		sqlTx, _, err := db.beginWrite(ctx)
		return sqlTx, err
	}}
	if err := db.writer.PingContext(ctx); err != nil {
		db.Close()
		return nil, db.d.Wrap(ctx, "connect to "+db.url, err)
	}
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// Close closes both connection pools.
func (db *DB) Close() error {
	return errors.Join(db.reader.Close(), db.writer.Close())
}

// migrate applies the embedded migrations not applied yet, holding a
// session lock so that servers starting at once migrate one after the
// other: the second finds nothing left to do.
func (db *DB) migrate(ctx context.Context) error {
	conn, err := db.writer.Conn(ctx)
	if err != nil {
		return db.d.Wrap(ctx, "connect to "+db.url, err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, migrateLock); err != nil {
		return db.d.Wrap(ctx, "lock for migrations", err)
	}
	err = sqlstore.Migrate(ctx, db.d, conn, migrationFS, db.url)
	if _, uerr := conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock($1)`, migrateLock); uerr != nil {
		// The lock may still be held: the connection must not go back
		// to the pool.
		conn.Raw(func(any) error { return driver.ErrBadConn })
		if err == nil {
			err = db.d.Wrap(ctx, "unlock after migrations", uerr)
		}
	}
	return err
}

// The lock is taken in the statement's FROM, so the time is read once it
// is held: a transaction that waited for the lock does not carry the time
// it began waiting.
const (
	lockAndNow = `SELECT CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000 AS BIGINT) FROM pg_advisory_xact_lock($1)`
	readNow    = `SELECT CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000 AS BIGINT)`
)

// Update runs fn in a write transaction, after every other server's
// write transaction that began before it.
func (db *DB) Update(ctx context.Context, fn func(streamplane.Tx) error) error {
	sqlTx, at, err := db.beginWrite(ctx)
	if err != nil {
		return err
	}
	return sqlstore.Run(ctx, db.d, sqlTx, at, false, fn)
}

// beginWrite begins a write transaction and takes the store's write lock,
// which the transaction's end releases.
func (db *DB) beginWrite(ctx context.Context) (*sql.Tx, time.Time, error) {
	sqlTx, err := db.writer.BeginTx(ctx, nil)
	if err != nil {
		return nil, time.Time{}, db.d.Wrap(ctx, "begin", err)
	}
	at, err := db.begin(ctx, sqlTx, lockAndNow, writerLock)
	if err != nil {
		return nil, time.Time{}, err
	}
	return sqlTx, at, nil
}

// View runs fn in a read-only transaction on one snapshot of the
// database.
func (db *DB) View(ctx context.Context, fn func(streamplane.Tx) error) error {
	sqlTx, err := db.reader.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return db.d.Wrap(ctx, "begin", err)
	}
	at, err := db.begin(ctx, sqlTx, readNow)
	if err != nil {
		return err
	}
	return sqlstore.Run(ctx, db.d, sqlTx, at, true, fn)
}

// begin runs a transaction's first statement, which returns its time.
func (db *DB) begin(ctx context.Context, sqlTx *sql.Tx, query string, args ...any) (time.Time, error) {
	var micros int64
	if err := sqlTx.QueryRowContext(ctx, query, args...).Scan(&micros); err != nil {
		sqlTx.Rollback()
		return time.Time{}, db.d.Wrap(ctx, "begin", err)
	}
	if db.Now != nil {
		return db.Now().UTC(), nil
	}
	return time.UnixMicro(micros).UTC(), nil
}

var (
	_ streamplane.Store       = (*DB)(nil)
	_ streamplane.MetricStore = (*DB)(nil)
)

// Raw is the database handle beneath the store (its one writing
// connection), for tools that copy the whole store (storecopy): nothing
// that goes through it takes the store's write lock or is checked by its
// rules.
func (db *DB) Raw() *sql.DB { return db.writer }

// LockWrites takes, in tx, the lock every write transaction of the store
// takes first, so that no server writes until tx ends: for tools that
// write through Raw (storecopy) and must not interleave with a server.
func LockWrites(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, writerLock)
	return err
}
