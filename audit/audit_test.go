package audit_test

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/audit"
	"github.com/streamplane/streamplane/sqlite"
)

func TestSummarizeHidesSecrets(t *testing.T) {
	got := audit.Summarize("POST", "/api/v1/instances", []byte(`{"name":"demo","kafka_password":"S3cret!","tags":{"api_token":"t0k","env":"prod"},"brokers":3}`))
	for _, secret := range []string{"S3cret!", "t0k"} {
		if strings.Contains(got, secret) {
			t.Errorf("summary %q shows a secret", got)
		}
	}
	for _, want := range []string{`POST /api/v1/instances`, `name="demo"`, `brokers=3`, `kafka_password=***`, `"env":"prod"`} {
		if !strings.Contains(got, want) {
			t.Errorf("summary %q lacks %s", got, want)
		}
	}
	if got := audit.Summarize("POST", "/x", []byte("not json")); got != "POST /x (8-byte body)" {
		t.Errorf("non-JSON body: %q", got)
	}
	long := audit.Summarize("PATCH", "/x", []byte(`{"description":"`+strings.Repeat("d", 2000)+`"}`))
	if len(long) > 512 {
		t.Errorf("summary of %d bytes; want at most 512", len(long))
	}
}

func open(t *testing.T) streamplane.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func request(user string) (context.Context, *audit.Pending) {
	p := audit.NewPending(streamplane.AuditEntry{User: user, Source: "127.0.0.1", Action: "topic:create", RequestID: "r1", Status: http.StatusCreated})
	return audit.With(context.Background(), p), p
}

func entries(t *testing.T, s streamplane.Store) []*streamplane.AuditEntry {
	t.Helper()
	var list []*streamplane.AuditEntry
	s.View(context.Background(), func(tx streamplane.Tx) (err error) {
		list, _, err = tx.AuditEntries(streamplane.AuditFilter{OldestFirst: true})
		return err
	})
	return list
}

// A change that runs as a task is audited once, when the task ends, with
// its outcome; the answer does not write it again.
func TestTaskCarriesTheEntryToItsEnd(t *testing.T) {
	s := open(t)
	ctx, _ := request("alice")
	task, _ := streamplane.NewTask("t1", streamplane.TaskCreateTopic, "", "demo", struct{}{}, "Create")
	err := s.Update(ctx, func(tx streamplane.Tx) error {
		if err := audit.ForTask(ctx, tx, task, false); err != nil {
			return err
		}
		return tx.CreateTask(task)
	})
	if err != nil {
		t.Fatal(err)
	}
	if task.RequestedBy != "alice" || len(entries(t, s)) != 0 {
		t.Fatalf("requested by %q, %d entries before the end; want alice and none", task.RequestedBy, len(entries(t, s)))
	}
	if err := audit.AppendAnswer(ctx, s, http.StatusInternalServerError); err != nil {
		t.Fatal(err)
	}
	if n := len(entries(t, s)); n != 0 {
		t.Fatalf("the answer wrote %d entries for a change its task records", n)
	}
	statusOf := func(code string) int { return map[string]int{streamplane.EUNAVAILABLE: 503}[code] }
	err = s.Update(ctx, func(tx streamplane.Tx) error {
		return audit.TaskEnded(tx, task, streamplane.Errorf(streamplane.EUNAVAILABLE, "brokers down"), statusOf)
	})
	if err != nil {
		t.Fatal(err)
	}
	list := entries(t, s)
	if len(list) != 1 || list[0].Result != streamplane.AuditFailure || list[0].Status != 503 || list[0].TaskID != "t1" || list[0].User != "alice" {
		t.Fatalf("entries %+v; want one failure with 503 for task t1 by alice", list)
	}
}

// A transaction that rolled back wrote nothing: the answer writes the
// entry of the refusal.
func TestRolledBackChangeIsAuditedByTheAnswer(t *testing.T) {
	s := open(t)
	ctx, _ := request("bob")
	task, _ := streamplane.NewTask("t2", streamplane.TaskCreateTopic, "", "demo", struct{}{}, "Create")
	busy := streamplane.Errorf(streamplane.EBUSY, "another task holds the instance")
	err := s.Update(ctx, func(tx streamplane.Tx) error {
		if err := audit.ForTask(ctx, tx, task, false); err != nil {
			return err
		}
		if err := audit.Append(ctx, tx, streamplane.AuditSuccess, 200); err != nil {
			return err
		}
		return busy
	})
	if !errors.Is(err, busy) {
		t.Fatal(err)
	}
	if err := audit.AppendAnswer(ctx, s, http.StatusConflict); err != nil {
		t.Fatal(err)
	}
	list := entries(t, s)
	if len(list) != 1 || list[0].Result != streamplane.AuditFailure || list[0].Status != http.StatusConflict || list[0].User != "bob" {
		t.Fatalf("entries %+v; want one failure with 409 by bob", list)
	}
}

func TestVerifyFindsAMissingEntry(t *testing.T) {
	s := open(t)
	for range 5 {
		ctx, _ := request("carol")
		if err := s.Update(ctx, func(tx streamplane.Tx) error { return audit.Append(ctx, tx, streamplane.AuditSuccess, 200) }); err != nil {
			t.Fatal(err)
		}
	}
	v, err := audit.Verify(context.Background(), s)
	if err != nil || !v.OK || v.Entries != 5 || v.FirstSeq != 1 || v.LastSeq != 5 {
		t.Fatalf("verify: %+v %v", v, err)
	}
	raw, err := sql.Open("sqlite", s.(*sqlite.DB).Path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`DELETE FROM audit WHERE seq = 3`); err != nil {
		t.Fatal(err)
	}
	v, err = audit.Verify(context.Background(), s)
	if err != nil || v.OK || v.BadSeq != 4 || !strings.Contains(v.Problem, "missing") {
		t.Fatalf("verify after removing entry 3: %+v %v; want entry 4 reported, 3 missing", v, err)
	}
}
