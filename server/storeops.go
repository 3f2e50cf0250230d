package server

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/postgres"
	"github.com/streamplane/streamplane/sqlite"
	"github.com/streamplane/streamplane/storecopy"
)

// MigrateStore moves the SQLite store from names into the new PostgreSQL
// database to names, and checks the copy row for row. Every server must
// be stopped; then start them with --store set to the PostgreSQL URL and
// the same data directory, and they adopt the running brokers.
func MigrateStore(ctx context.Context, from, to string) (*storecopy.Report, error) {
	fromKind, path, err := parseStore(from, "")
	if err != nil {
		return nil, fmt.Errorf("--from: %w", err)
	}
	toKind, url, err := parseStore(to, "")
	if err != nil {
		return nil, fmt.Errorf("--to: %w", err)
	}
	if fromKind != storeSQLite || toKind != storePostgres {
		return nil, streamplane.Invalid("to", "migrate-store moves a sqlite:// store into a postgres:// one")
	}
	// sqlite.Open would make an empty store of a mistyped path.
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, streamplane.Invalid("from", "no SQLite store at %s", path)
	}
	src, err := sqlite.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	dst, err := postgres.Open(ctx, url)
	if err != nil {
		return nil, err
	}
	defer dst.Close()
	report, err := storecopy.Copy(ctx, src.Raw(), dst.Raw())
	if err != nil {
		return nil, err
	}
	// The old store stays as it was, a copy of the past: a server started
	// on it by mistake would run the brokers beside the servers on
	// PostgreSQL. The mark makes it refuse.
	mark := fmt.Sprintf("moved to %s on %s by streamplane server migrate-store\n", postgres.Redact(url), time.Now().UTC().Format(time.RFC3339))
	if err := os.WriteFile(movedMark(path), []byte(mark), 0o600); err != nil {
		return nil, fmt.Errorf("the store was copied, but marking the SQLite store as moved failed (do not start a server on it): %w", err)
	}
	return report, nil
}

// movedMark is the file that says a SQLite store was moved elsewhere.
func movedMark(path string) string { return path + ".moved" }

// refuseMoved refuses a SQLite store that migrate-store moved away.
func refuseMoved(path string) error {
	raw, err := os.ReadFile(movedMark(path))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	} else if err != nil {
		return err
	}
	return streamplane.Errorf(streamplane.EPRECONDITION,
		"the store %s was %s; start the server with --store set to that database (or remove %s to use this old copy)",
		path, strings.TrimSpace(string(raw)), movedMark(path))
}

// BackupStore writes an online, consistent copy of a SQLite store (--store,
// or the data directory's) to a new file. A PostgreSQL store is backed up
// with PostgreSQL's own tools.
func BackupStore(ctx context.Context, store, dataDir, to string) error {
	kind, path, err := parseStore(store, dataDir)
	if err != nil {
		return err
	}
	if kind != storeSQLite {
		return streamplane.Invalid("store", "backup copies a SQLite store; back up PostgreSQL with pg_dump or its base backups")
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return streamplane.Invalid("store", "no SQLite store at %s", path)
	}
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		return err
	}
	defer db.Close()
	return db.Backup(ctx, to)
}
