package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/sqlite"
	"github.com/streamplane/streamplane/storetest"
)

func TestMigrations(t *testing.T) {
	storetest.RunMigrations(t, func(t *testing.T) streamplane.Store {
		db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "streamplane.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	})
}
