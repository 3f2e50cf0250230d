package server

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/postgres"
	"github.com/streamplane/streamplane/sqlite"
)

// Store is what the server needs of its store: the transactions and the
// metric chunks.
type Store interface {
	streamplane.Store
	streamplane.MetricStore
}

// storeKind is the store a --store value names.
type storeKind string

const (
	storeSQLite   storeKind = "sqlite"
	storePostgres storeKind = "postgres"
)

// parseStore reads a --store value: empty (the SQLite file in the data
// directory), sqlite://PATH or a postgres:// (postgresql://) URL. It returns
// the kind and the SQLite path or the PostgreSQL URL.
func parseStore(value, dataDir string) (storeKind, string, error) {
	switch {
	case value == "":
		return storeSQLite, filepath.Join(dataDir, "streamplane.db"), nil
	case strings.HasPrefix(value, "sqlite://"):
		path := strings.TrimPrefix(value, "sqlite://")
		if path == "" {
			return "", "", fmt.Errorf("store: sqlite:// needs a file path, e.g. sqlite:///var/lib/streamplane/streamplane.db")
		}
		return storeSQLite, path, nil
	case strings.HasPrefix(value, "postgres://"), strings.HasPrefix(value, "postgresql://"):
		return storePostgres, value, nil
	}
	return "", "", fmt.Errorf("store must be sqlite://PATH or postgres://user@host:port/db?sslmode=..., got a value starting %q", prefixOf(value))
}

// prefixOf shows the start of a bad --store value without the rest, which
// may hold a password.
func prefixOf(v string) string {
	if i := strings.Index(v, "://"); i >= 0 {
		return v[:i+3]
	}
	return v[:min(len(v), 10)]
}

// OpenStore opens the store a --store value names.
func OpenStore(ctx context.Context, value, dataDir string) (Store, storeKind, error) {
	kind, where, err := parseStore(value, dataDir)
	if err != nil {
		return nil, "", err
	}
	switch kind {
	case storePostgres:
		db, err := postgres.Open(ctx, where)
		return db, kind, err
	default:
		if err := refuseMoved(where); err != nil {
			return nil, "", err
		}
		db, err := sqlite.Open(ctx, where)
		return db, kind, err
	}
}
