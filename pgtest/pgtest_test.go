package pgtest_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/streamplane/streamplane/pgtest"
)

// query runs statements on a new connection and returns the first column
// of the last one's first row ("" if it returns none).
func query(url string, statements ...string) (string, error) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return "", err
	}
	defer db.Close()
	var out string
	for _, q := range statements {
		out = ""
		rows, err := db.QueryContext(context.Background(), q)
		if err != nil {
			return "", err
		}
		if rows.Next() {
			rows.Scan(&out)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return "", err
		}
	}
	return out, nil
}

func postmasterPID(t *testing.T, s *pgtest.Server) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(s.Dir, "data", "postmaster.pid"))
	if err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(first)
	if err != nil {
		t.Fatalf("postmaster.pid: %v", err)
	}
	return pid
}

// A server keeps its databases across a restart on the same port, and
// leaves no process or directory behind once closed.
func TestServer(t *testing.T) {
	s, err := pgtest.New()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	url := s.CreateDatabase(t, "Server/Test")
	if got, err := query(url, `SELECT current_user`); err != nil || got != "postgres" {
		t.Fatalf("connect to a new database: %q, %v", got, err)
	}
	if _, err := query(url, `CREATE TABLE kept (v TEXT)`, `INSERT INTO kept VALUES ('yes')`); err != nil {
		t.Fatal(err)
	}
	first := postmasterPID(t, s)

	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := query(url, `SELECT 'up'`); err == nil {
		t.Fatal("a stopped server answers")
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	if got, err := query(url, `SELECT v FROM kept`); err != nil || got != "yes" {
		t.Fatalf("after a restart: %q, %v; want the row kept", got, err)
	}

	second := postmasterPID(t, s)
	dir := s.Dir
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for _, pid := range []int{first, second} {
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("postmaster %d after Close: %v, want no such process", pid, err)
		}
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the server's directory after Close: %v", err)
	}
}

// Databases sort text as a person would, not bytewise (SQLite's way), so
// that the store's tests catch a query that needs byte order without
// saying so (COLLATE "C").
func TestLinguisticCollation(t *testing.T) {
	s := pgtest.Start(t)
	got, err := query(s.CreateDatabase(t, "collation"), `SELECT string_agg(v, ' ' ORDER BY v) FROM (VALUES ('b'), ('B'), ('a')) AS t(v)`)
	if err != nil {
		t.Fatal(err)
	}
	if got == "B a b" {
		t.Skipf("the server sorts bytewise (%q): PostgreSQL built without ICU", got)
	}
}
