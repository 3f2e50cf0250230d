package server

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	streamplane "github.com/streamplane/streamplane"
)

func TestParseStore(t *testing.T) {
	for _, tc := range []struct {
		value, kind, where, err string
	}{
		{"", "sqlite", "/data/streamplane.db", ""},
		{"sqlite:///var/lib/sp/db", "sqlite", "/var/lib/sp/db", ""},
		{"postgres://sp@db:5432/sp?sslmode=verify-full", "postgres", "postgres://sp@db:5432/sp?sslmode=verify-full", ""},
		{"postgresql://sp@db/sp", "postgres", "postgresql://sp@db/sp", ""},
		{"sqlite://", "", "", "needs a file path"},
		{"mysql://sp:s3cret@db/sp", "", "", `"mysql://"`},
	} {
		kind, where, err := parseStore(tc.value, "/data")
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) || strings.Contains(err.Error(), "s3cret") {
				t.Errorf("parseStore(%q): %v, want an error with %q and no password", tc.value, err, tc.err)
			}
			continue
		}
		if err != nil || string(kind) != tc.kind || where != tc.where {
			t.Errorf("parseStore(%q) = %s %s %v, want %s %s", tc.value, kind, where, err, tc.kind, tc.where)
		}
	}
}

// A SQLite store that migrate-store moved away is refused, naming where
// it went, so that no server runs brokers from the old copy.
func TestOpenStoreRefusesAMovedStore(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "streamplane.db")
	if err := os.WriteFile(movedMark(path), []byte("moved to postgres://sp@db/sp on 2026-12-04T20:00:00Z by streamplane server migrate-store\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err := OpenStore(context.Background(), "", dir)
	if !streamplane.IsCode(err, streamplane.EPRECONDITION) || !strings.Contains(err.Error(), "postgres://sp@db/sp") {
		t.Errorf("open of a moved store: %v, want refused naming its new place", err)
	}
	if _, err := os.Stat(path); err == nil {
		t.Error("the refused open created a store file")
	}
}
