package storecopy_test

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/pgtest"
	"github.com/streamplane/streamplane/postgres"
	"github.com/streamplane/streamplane/sqlite"
	"github.com/streamplane/streamplane/storecopy"
)

var (
	ctx = context.Background()
	pg  *pgtest.Server
)

func TestMain(m *testing.M) { pgtest.Main(m, &pg) }

// fill puts into a store what a server in use holds: instances with
// brokers, Kafka users, tasks with events, accounts, audit entries,
// secrets and metric chunks.
func fill(t *testing.T, s *sqlite.DB) {
	t.Helper()
	err := s.Update(ctx, func(tx streamplane.Tx) error {
		for i := range 3 {
			inst := &streamplane.Instance{ID: fmt.Sprintf("i-%d", i), Name: fmt.Sprintf("demo-%d", i), Version: "4.1.2",
				Flavor: streamplane.DevFlavor, BrokerCount: 1, StorageGBPerBroker: 10, Zones: []string{"az1"},
				Status: streamplane.InstanceRunning, Tags: map[string]string{"team": "x"}, SecurityProtocol: streamplane.ProtocolSASLSSL,
				SASLMechanisms: []string{streamplane.MechanismSCRAM}, KafkaUser: "app",
				Brokers: []streamplane.Broker{{ID: 0, Roles: []string{"broker", "controller"}, State: streamplane.BrokerActive, Rack: "az1",
					Host: "127.0.0.1", PID: 4242 + i, Port: 30000 + i, Ports: map[string]int{streamplane.PortPrivate: 30000 + i}}}}
			if err := tx.CreateInstance(inst); err != nil {
				return err
			}
			if err := tx.PutKafkaUser(&streamplane.KafkaUser{InstanceID: inst.ID, Name: "app", Initial: true, PlainHash: []byte{0, 1, 2, 0xff}}); err != nil {
				return err
			}
			task, _ := streamplane.NewTask(fmt.Sprintf("t-%d", i), streamplane.TaskCreateInstance, inst.ID, inst.Name, map[string]int{"n": i}, "a", "b")
			task.Status = streamplane.TaskSucceeded
			if err := tx.CreateTask(task); err != nil {
				return err
			}
			if err := tx.AddTaskEvent(streamplane.TaskEvent{TaskID: task.ID, Message: "did a"}); err != nil {
				return err
			}
			if err := tx.PutSecret(inst.ID, "admin-password", []byte("sealed\x00bytes")); err != nil {
				return err
			}
		}
		if err := tx.CreateAccount(&streamplane.Account{ID: "a-1", Name: "alice", PasswordHash: "$argon2id$x", Project: streamplane.DefaultProject}); err != nil {
			return err
		}
		for i := range 5 {
			if err := tx.AppendAudit(&streamplane.AuditEntry{User: "alice", Action: "instance:create", ResourceType: "instance",
				ResourceID: fmt.Sprintf("i-%d", i%3), Result: "success", Status: 202, RequestID: fmt.Sprint(i)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	ids, err := s.SeriesIDs(ctx, []streamplane.SeriesKey{{InstanceID: "i-0", Metric: "broker_bytes_in", Broker: 0}})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if err := s.PutChunks(ctx, []streamplane.MetricChunk{{SeriesID: id, Resolution: time.Minute, Start: time.Unix(1700000000, 0), Points: 3, Data: []byte{9, 8, 7}}}); err != nil {
			t.Fatal(err)
		}
	}
}

// snapshot reads through the Store interface what a user would see.
type snapshot struct {
	Instances []*streamplane.Instance
	Tasks     []*streamplane.Task
	Events    []streamplane.TaskEvent
	Users     []streamplane.KafkaUser
	Accounts  []*streamplane.Account
	Audit     []*streamplane.AuditEntry
	Secret    []byte
	Chunks    []streamplane.MetricChunk
}

func read(t *testing.T, s interface {
	streamplane.Store
	streamplane.MetricStore
}) snapshot {
	t.Helper()
	var snap snapshot
	err := s.View(ctx, func(tx streamplane.Tx) (err error) {
		if snap.Instances, _, err = tx.Instances(streamplane.InstanceFilter{}); err != nil {
			return err
		}
		if snap.Tasks, _, err = tx.Tasks(streamplane.TaskFilter{}); err != nil {
			return err
		}
		if snap.Events, err = tx.TaskEvents("t-1"); err != nil {
			return err
		}
		if snap.Users, err = tx.KafkaUsers("i-2"); err != nil {
			return err
		}
		if snap.Accounts, err = tx.Accounts(); err != nil {
			return err
		}
		if snap.Audit, _, err = tx.AuditEntries(streamplane.AuditFilter{}); err != nil {
			return err
		}
		snap.Secret, err = tx.Secret("i-0", "admin-password")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	series, err := s.FindSeries(ctx, "i-0", "")
	if err != nil {
		t.Fatal(err)
	}
	for id := range series {
		chunks, err := s.Chunks(ctx, streamplane.ChunkFilter{SeriesIDs: []int64{id}, Resolution: time.Minute, From: time.Unix(0, 0), To: time.Unix(1800000000, 0)})
		if err != nil {
			t.Fatal(err)
		}
		snap.Chunks = append(snap.Chunks, chunks...)
	}
	return snap
}

func TestCopySQLiteToPostgres(t *testing.T) {
	src, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "streamplane.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	fill(t, src)
	dst, err := postgres.Open(ctx, pg.CreateDatabase(t, "copy"))
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()

	report, err := storecopy.Copy(ctx, src.Raw(), dst.Raw())
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]int{}
	for _, tc := range report.Tables {
		rows[tc.Table] = tc.Rows
	}
	if rows["instances"] != 3 || rows["tasks"] != 3 || rows["audit"] != 5 || rows["accounts"] != 1 {
		t.Errorf("copied rows %v, want 3 instances, 3 tasks, 5 audit entries, 1 account", rows)
	}
	want, got := read(t, src), read(t, dst)
	if !reflect.DeepEqual(want, got) {
		t.Errorf("the PostgreSQL store reads differently from the SQLite one:\nsqlite:   %+v\npostgres: %+v", want, got)
	}
	if len(got.Instances) != 3 || len(got.Audit) != 5 || len(got.Chunks) != 1 || string(got.Secret) != "sealed\x00bytes" {
		t.Errorf("copy holds %d instances, %d audit entries, %d chunks, secret %q", len(got.Instances), len(got.Audit), len(got.Chunks), got.Secret)
	}
	// The copy goes on as a store: new rows number after the copied ones
	// and the audit chain continues.
	err = dst.Update(ctx, func(tx streamplane.Tx) error {
		if err := tx.AddTaskEvent(streamplane.TaskEvent{TaskID: "t-0", Message: "after the move"}); err != nil {
			return err
		}
		return tx.AppendAudit(&streamplane.AuditEntry{User: "alice", Action: "instance:delete", ResourceType: "instance", Result: "success", Status: 202, RequestID: "x"})
	})
	if err != nil {
		t.Fatalf("write to the copy: %v", err)
	}
	var last []*streamplane.AuditEntry
	dst.View(ctx, func(tx streamplane.Tx) (err error) {
		last, _, err = tx.AuditEntries(streamplane.AuditFilter{Limit: 1})
		return
	})
	if len(last) != 1 || last[0].Seq != 6 || last[0].PrevHash != want.Audit[0].Hash {
		t.Errorf("the next audit entry on the copy: %+v, want seq 6 chained to the copied head %s", last, want.Audit[0].Hash)
	}

	// A second move into the same database is refused: it holds data now.
	_, err = storecopy.Copy(ctx, src.Raw(), dst.Raw())
	if !streamplane.IsCode(err, streamplane.ECONFLICT) {
		t.Errorf("a move into a database in use: %v, want CONFLICT", err)
	}
}

func TestCopyRefusesARunningServer(t *testing.T) {
	src, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "streamplane.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	now := time.Now()
	src.Update(ctx, func(tx streamplane.Tx) error {
		return tx.PutServer(&streamplane.ServerInfo{ID: "server-a", Listen: "127.0.0.1:8080", StartedAt: now, SeenAt: now})
	})
	dst, err := postgres.Open(ctx, pg.CreateDatabase(t, "copy_live"))
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	_, err = storecopy.Copy(ctx, src.Raw(), dst.Raw())
	if !streamplane.IsCode(err, streamplane.EPRECONDITION) {
		t.Errorf("a move while a server runs on the source: %v, want FAILED_PRECONDITION", err)
	}
}

// copied opens a SQLite store filled as a server in use leaves it, and a
// new PostgreSQL store to move it into.
func copied(t *testing.T, name string) (*sqlite.DB, *postgres.DB) {
	t.Helper()
	src, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "streamplane.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	fill(t, src)
	dst, err := postgres.Open(ctx, pg.CreateDatabase(t, name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dst.Close() })
	return src, dst
}

func TestVerifyFindsADifference(t *testing.T) {
	src, dst := copied(t, "verify_diff")
	if _, err := storecopy.Copy(ctx, src.Raw(), dst.Raw()); err != nil {
		t.Fatal(err)
	}
	if err := storecopy.Verify(ctx, src.Raw(), dst.Raw()); err != nil {
		t.Fatalf("verify a fresh copy: %v", err)
	}
	if _, err := dst.Raw().ExecContext(ctx, `UPDATE instances SET name = 'renamed' WHERE id = 'i-1'`); err != nil {
		t.Fatal(err)
	}
	err := storecopy.Verify(ctx, src.Raw(), dst.Raw())
	if err == nil || !strings.Contains(err.Error(), "table instances") {
		t.Errorf("verify a copy with one instance renamed: %v, want an error naming table instances", err)
	}
}

// A destination that does not keep what it is given (here a trigger
// renames every instance inserted) fails the verification, and the copy
// is rolled back: nothing of it stays, and the move can be run again.
func TestCopyThatDoesNotVerifyCommitsNothing(t *testing.T) {
	src, dst := copied(t, "verify_fails")
	for _, q := range []string{
		`CREATE FUNCTION mangle() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.name := NEW.name || '!'; RETURN NEW; END $$`,
		`CREATE TRIGGER mangle BEFORE INSERT ON instances FOR EACH ROW EXECUTE FUNCTION mangle()`,
	} {
		if _, err := dst.Raw().ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	_, err := storecopy.Copy(ctx, src.Raw(), dst.Raw())
	if err == nil || !strings.Contains(err.Error(), "table instances") {
		t.Fatalf("a copy the destination changes: %v, want an error naming table instances", err)
	}
	var instances, accounts, projects int
	err = dst.Raw().QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM instances), (SELECT COUNT(*) FROM accounts),
		(SELECT COUNT(*) FROM projects)`).Scan(&instances, &accounts, &projects)
	if err != nil {
		t.Fatal(err)
	}
	if instances != 0 || accounts != 0 || projects != 1 {
		t.Errorf("after a copy that failed to verify the destination holds %d instances, %d accounts, %d projects; want 0, 0 and the seeded project",
			instances, accounts, projects)
	}

	if _, err := dst.Raw().ExecContext(ctx, `DROP TRIGGER mangle ON instances`); err != nil {
		t.Fatal(err)
	}
	if _, err := storecopy.Copy(ctx, src.Raw(), dst.Raw()); err != nil {
		t.Errorf("the move run again: %v", err)
	}
}
