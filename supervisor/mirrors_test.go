package supervisor

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/sqlite"
)

// fakeMirrors runs no process: running says whether the migration's
// MirrorMaker "runs"; one it starts runs unless startDies is set.
type fakeMirrors struct {
	streamplane.MirrorRunner // the supervisor needs only InspectMirror and StartMirror
	mu                       sync.Mutex
	running                  bool
	starts                   int
	startDies                bool
}

func (f *fakeMirrors) InspectMirror(m *streamplane.Migration) (streamplane.Process, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return streamplane.Process{PID: 3000 + f.starts, StartedAt: time.Unix(1, 0)}, f.running
}

func (f *fakeMirrors) StartMirror(ctx context.Context, inst *streamplane.Instance, m *streamplane.Migration) (streamplane.Process, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.starts++
	f.running = !f.startDies
	return streamplane.Process{PID: 3000 + f.starts, StartedAt: time.Now()}, nil
}

func newTestMirrors(t *testing.T, runner *fakeMirrors, conns *[]streamplane.MirrorConnector) (*Mirrors, streamplane.Store, *streamplane.Migration) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "store.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	inst := &streamplane.Instance{ID: "i1", Name: "demo", Version: "4.1.2", Flavor: streamplane.DevFlavor, BrokerCount: 1,
		StorageGBPerBroker: 10, DiskType: "ultrahigh", Zones: []string{"az1"}, Status: streamplane.InstanceRunning}
	m := &streamplane.Migration{ID: "m1", InstanceID: "i1", Name: "move", Topics: "orders", State: streamplane.MigrationRunning, PID: 3000,
		Source: streamplane.MigrationSource{BootstrapServers: []string{"old:9092"}, SecurityProtocol: streamplane.SourcePlaintext}}
	if err := db.Update(ctx, func(tx streamplane.Tx) error {
		if err := tx.CreateInstance(inst); err != nil {
			return err
		}
		return tx.CreateMigration(m)
	}); err != nil {
		t.Fatal(err)
	}
	w := &Mirrors{Store: db, Runner: runner, Log: slog.New(slog.DiscardHandler), MaxRestarts: 2, RestartWindow: time.Hour,
		Connectors: func(context.Context, *streamplane.Instance, *streamplane.Migration) ([]streamplane.MirrorConnector, error) {
			return *conns, nil
		}, restarts: map[string][]time.Time{}}
	return w, db, m
}

func readMigration(t *testing.T, db streamplane.Store) *streamplane.Migration {
	t.Helper()
	var m *streamplane.Migration
	if err := db.View(context.Background(), func(tx streamplane.Tx) (err error) {
		m, err = tx.Migration("i1", "m1")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestMirrorRestartedThenGivenUp(t *testing.T) {
	runner := &fakeMirrors{startDies: true}
	conns := []streamplane.MirrorConnector{}
	w, db, _ := newTestMirrors(t, runner, &conns)
	ctx := context.Background()
	for i := 1; i <= 2; i++ {
		w.checkAll(ctx)
		got := readMigration(t, db)
		if runner.starts != i || got.State != streamplane.MigrationRunning || got.Restarts != i || !strings.Contains(got.StateReason, "restarted by the supervisor") {
			t.Fatalf("check %d: starts %d, migration %s (%s) restarts %d", i, runner.starts, got.State, got.StateReason, got.Restarts)
		}
	}
	w.checkAll(ctx)
	got := readMigration(t, db)
	if runner.starts != 2 || got.State != streamplane.MigrationServiceException || got.PID != 0 || !strings.Contains(got.StateReason, "exited 3 times") {
		t.Fatalf("after the limit: starts %d, migration %s (%s) pid %d", runner.starts, got.State, got.StateReason, got.PID)
	}
	// Given up: it stays down until the user resumes it.
	w.checkAll(ctx)
	if runner.starts != 2 {
		t.Fatalf("the supervisor restarted a migration it gave up on")
	}
}

func TestMirrorConnectorFailureAndRecovery(t *testing.T) {
	runner := &fakeMirrors{running: true}
	conns := []streamplane.MirrorConnector{{Name: "MirrorSourceConnector", State: "RUNNING"},
		{Name: "MirrorSourceConnector-0", State: "FAILED", Trace: "org.apache.kafka.common.errors.TopicAuthorizationException: Not authorized\n\tat ..."}}
	w, db, _ := newTestMirrors(t, runner, &conns)
	ctx := context.Background()
	w.checkAll(ctx)
	got := readMigration(t, db)
	if got.State != streamplane.MigrationServiceException || !strings.Contains(got.StateReason, "MirrorSourceConnector-0 failed: org.apache.kafka.common.errors.TopicAuthorizationException") {
		t.Fatalf("migration %s (%s), want SERVICE_EXCEPTION naming the failed task", got.State, got.StateReason)
	}
	conns[1].State, conns[1].Trace = "RUNNING", ""
	w.checkAll(ctx)
	if got := readMigration(t, db); got.State != streamplane.MigrationRunning || got.StateReason != "" {
		t.Fatalf("after recovery: %s (%s), want RUNNING", got.State, got.StateReason)
	}
	if runner.starts != 0 {
		t.Fatalf("the supervisor started a MirrorMaker that runs")
	}
}

func TestMirrorLeftAloneWhileATaskChangesIt(t *testing.T) {
	runner := &fakeMirrors{}
	conns := []streamplane.MirrorConnector{}
	w, db, m := newTestMirrors(t, runner, &conns)
	m.TaskID = "t1"
	if err := db.Update(context.Background(), func(tx streamplane.Tx) error { return tx.UpdateMigration(m) }); err != nil {
		t.Fatal(err)
	}
	w.checkAll(context.Background())
	if runner.starts != 0 {
		t.Fatal("the supervisor started MirrorMaker while a task held the migration")
	}
}

func TestMirrorLeftAloneWhileATaskHoldsItsInstance(t *testing.T) {
	runner := &fakeMirrors{}
	conns := []streamplane.MirrorConnector{}
	w, db, _ := newTestMirrors(t, runner, &conns)
	task, err := streamplane.NewTask("t1", streamplane.TaskDeleteInstance, "i1", "demo", nil, "Stop the brokers")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(context.Background(), func(tx streamplane.Tx) error { return tx.CreateTask(task) }); err != nil {
		t.Fatal(err)
	}
	w.checkAll(context.Background())
	if runner.starts != 0 {
		t.Fatal("the supervisor started MirrorMaker in an instance a delete task holds")
	}
}
