package cli

import (
	"strings"
	"testing"
)

// The store's URL may hold a password: help never shows it, whatever the
// environment gives.
func TestServerHelpHidesTheStoreURL(t *testing.T) {
	t.Setenv("STREAMPLANE_STORE", "postgres://sp:s3cretpw@db:5432/streamplane")
	for _, args := range [][]string{
		{"server", "--help"},
		{"server", "backup", "--help"},
		{"server", "migrate-store", "--help"},
	} {
		res := runWith(nil, nil, args...)
		if res.code != 0 || !strings.Contains(res.stdout, "--") {
			t.Fatalf("%v: exit %d\n%s%s", args, res.code, res.stdout, res.stderr)
		}
		if strings.Contains(res.stdout+res.stderr, "s3cretpw") {
			t.Errorf("%v shows the store's password:\n%s", args, res.stdout)
		}
	}
}

// A backup names a PostgreSQL store's own tools rather than copying it.
func TestBackupRefusesPostgres(t *testing.T) {
	res := runWith(nil, nil, "server", "backup", "--to", t.TempDir()+"/copy.db", "--store", "postgres://sp@db/streamplane")
	if res.code == 0 || !strings.Contains(res.stderr, "pg_dump") {
		t.Errorf("backup of a PostgreSQL store: exit %d, stderr %q; want refused, naming pg_dump", res.code, res.stderr)
	}
}
