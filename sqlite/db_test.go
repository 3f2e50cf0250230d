package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/sqlite"
	"github.com/streamplane/streamplane/storetest"
	_ "modernc.org/sqlite"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) streamplane.Store {
		db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "streamplane.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	})
}

func TestRefusesNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "streamplane.db")
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'future', 0)`); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	_, err = sqlite.Open(context.Background(), path)
	if streamplane.ErrorCode(err) != streamplane.EPRECONDITION {
		t.Fatalf("open with a newer schema: %v, want %s", err, streamplane.EPRECONDITION)
	}
}

func TestReopenKeepsData(t *testing.T) {
	path := filepath.Join(t.TempDir(), "streamplane.db")
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	db.Update(context.Background(), func(tx streamplane.Tx) error { return tx.PutSecret("o", "n", []byte("x")) })
	db.Close()
	db, err = sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var got []byte
	db.View(context.Background(), func(tx streamplane.Tx) (err error) { got, err = tx.Secret("o", "n"); return })
	if string(got) != "x" {
		t.Fatalf("after reopen: %q", got)
	}
}
