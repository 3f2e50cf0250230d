package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/sqlite"
)

// A backup taken while a write is under way holds what was committed
// before it, not the write, and does not wait for the write to end.
func TestBackupWhileWriting(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sqlite.Open(ctx, filepath.Join(dir, "streamplane.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(ctx, func(tx streamplane.Tx) error { return tx.PutSecret("o", "before", []byte("1")) }); err != nil {
		t.Fatal(err)
	}
	backup := filepath.Join(dir, "backup.db")
	err = db.Update(ctx, func(tx streamplane.Tx) error {
		if err := tx.PutSecret("o", "during", []byte("2")); err != nil {
			return err
		}
		done := make(chan error, 1)
		go func() { done <- db.Backup(ctx, backup) }()
		select {
		case err := <-done:
			return err
		case <-time.After(30 * time.Second):
			t.Fatal("the backup waits for the open write transaction")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	if fi, err := os.Stat(backup); err != nil {
		t.Fatal(err)
	} else if fi.Mode().Perm() != 0o600 {
		t.Errorf("the backup's mode is %v, want -rw------- (it holds secrets)", fi.Mode().Perm())
	}

	copied, err := sqlite.Open(ctx, backup)
	if err != nil {
		t.Fatal(err)
	}
	defer copied.Close()
	copied.View(ctx, func(tx streamplane.Tx) error {
		if got, err := tx.Secret("o", "before"); err != nil || string(got) != "1" {
			t.Errorf("the backup's secret committed before it: %q, %v", got, err)
		}
		if _, err := tx.Secret("o", "during"); streamplane.ErrorCode(err) != streamplane.ENOTFOUND {
			t.Errorf("the backup has the write that was under way: %v", err)
		}
		return nil
	})

	err = db.Backup(ctx, backup)
	if streamplane.ErrorCode(err) != streamplane.ECONFLICT {
		t.Fatalf("backup over an existing file: %v, want %s", err, streamplane.ECONFLICT)
	}
}
