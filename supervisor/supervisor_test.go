package supervisor

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/sqlite"
)

// fakeProvisioner runs no process: running says which brokers "run", and a
// broker it starts keeps dying unless startRuns is set.
type fakeProvisioner struct {
	streamplane.Provisioner // the supervisor needs only Inspect and Start
	mu                      sync.Mutex
	running                 map[int]bool
	starts                  []int
	startRuns               bool
	nextPID                 int
}

func (p *fakeProvisioner) Inspect(inst *streamplane.Instance, b *streamplane.Broker) (streamplane.Process, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return streamplane.Process{PID: 1000 + b.ID, StartedAt: time.Unix(1, 0)}, p.running[b.ID]
}

func (p *fakeProvisioner) Start(ctx context.Context, inst *streamplane.Instance, b *streamplane.Broker) (streamplane.Process, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.starts = append(p.starts, b.ID)
	p.nextPID++
	p.running[b.ID] = p.startRuns
	return streamplane.Process{PID: 2000 + p.nextPID, StartedAt: time.Now()}, nil
}

// fakeCluster lists the brokers in alive as registered.
type fakeCluster struct{ alive map[int32]bool }

func (c fakeCluster) AliveBrokers(context.Context) (map[int32]bool, error) { return c.alive, nil }
func (c fakeCluster) UsedBytes(context.Context) (map[int32]int64, error) {
	return map[int32]int64{1: 100, 2: 200}, nil
}

func newTestSupervisor(t *testing.T, alive map[int32]bool, prov *fakeProvisioner) (*Supervisor, *streamplane.Instance) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "store.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	inst := &streamplane.Instance{
		ID: "0b7f5c2e-0000-4000-8000-000000000001", Name: "orders", Version: "4.1.1", Flavor: streamplane.DevFlavor,
		BrokerCount: 2, StorageGBPerBroker: 10, DiskType: "ultrahigh", Zones: []string{"az1"},
		Status: streamplane.InstanceRunning,
		Brokers: []streamplane.Broker{
			{ID: 1, Roles: []string{"broker", "controller"}, State: streamplane.BrokerActive, Rack: "az1", PID: 1001},
			{ID: 2, Roles: []string{"broker"}, State: streamplane.BrokerActive, Rack: "az1", PID: 1002},
		},
	}
	if err := db.Update(ctx, func(tx streamplane.Tx) error { return tx.CreateInstance(inst) }); err != nil {
		t.Fatal(err)
	}
	s := &Supervisor{Store: db, Provisioner: prov, Log: slog.New(slog.DiscardHandler),
		connect: func(context.Context, *streamplane.Instance) (cluster, error) { return fakeCluster{alive}, nil }}
	s.init()
	return s, inst
}

func (s *Supervisor) mustCheck(t *testing.T) *streamplane.Instance {
	t.Helper()
	ctx := context.Background()
	s.checkAll(ctx)
	var inst *streamplane.Instance
	if err := s.Store.View(ctx, func(tx streamplane.Tx) (err error) {
		inst, err = tx.Instance("orders")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return inst
}

// A broker that keeps dying is restarted MaxRestarts times, then left in
// ERROR; the instance is FAULTY throughout.
func TestCheckGivesUpOnABrokerThatKeepsDying(t *testing.T) {
	t.Parallel()
	prov := &fakeProvisioner{running: map[int]bool{1: true}}
	s, _ := newTestSupervisor(t, map[int32]bool{1: true}, prov)
	for i := 1; i <= 3; i++ {
		inst := s.mustCheck(t)
		b := inst.Brokers[1]
		if b.State != streamplane.BrokerStarting || b.Restarts != i || len(prov.starts) != i {
			t.Fatalf("check %d: broker 2 %s with %d restarts after %d starts; want STARTING, %d, %d", i, b.State, b.Restarts, len(prov.starts), i, i)
		}
		if inst.Status != streamplane.InstanceFaulty {
			t.Fatalf("check %d: instance %s, want FAULTY", i, inst.Status)
		}
	}
	for i := 4; i <= 5; i++ {
		inst := s.mustCheck(t)
		b := inst.Brokers[1]
		if b.State != streamplane.BrokerError || b.PID != 0 || len(prov.starts) != 3 {
			t.Fatalf("check %d: broker 2 %s pid %d after %d starts; want ERROR, no pid, 3 starts", i, b.State, b.PID, len(prov.starts))
		}
		if want := "broker 2 ERROR: " + gaveUpNote(3, s.RestartWindow); inst.StatusReason != want {
			t.Fatalf("check %d: reason %q, want %q", i, inst.StatusReason, want)
		}
	}
	if b := s.mustCheck(t).Brokers[0]; b.State != streamplane.BrokerActive || b.UsedBytes != 100 {
		t.Errorf("the healthy broker: %s using %d bytes, want ACTIVE using 100", b.State, b.UsedBytes)
	}
}

// A restarted broker that comes back and registers makes the instance
// RUNNING again.
func TestCheckRestartsADeadBroker(t *testing.T) {
	t.Parallel()
	prov := &fakeProvisioner{running: map[int]bool{1: true}, startRuns: true}
	alive := map[int32]bool{1: true}
	s, _ := newTestSupervisor(t, alive, prov)
	inst := s.mustCheck(t)
	if inst.Status != streamplane.InstanceFaulty || inst.Brokers[1].State != streamplane.BrokerStarting {
		t.Fatalf("after the restart: instance %s, broker 2 %s; want FAULTY, STARTING", inst.Status, inst.Brokers[1].State)
	}
	alive[2] = true // it registered
	inst = s.mustCheck(t)
	if inst.Status != streamplane.InstanceRunning || inst.StatusReason != "" || inst.Brokers[1].State != streamplane.BrokerActive {
		t.Fatalf("once registered: instance %s (%q), broker 2 %s; want RUNNING, ACTIVE", inst.Status, inst.StatusReason, inst.Brokers[1].State)
	}
	if len(prov.starts) != 1 || inst.Brokers[1].Restarts != 1 {
		t.Errorf("%d starts, %d restarts recorded; want 1, 1", len(prov.starts), inst.Brokers[1].Restarts)
	}
}

// An instance a task holds is left alone: its dead broker is not started.
func TestCheckLeavesAHeldInstanceAlone(t *testing.T) {
	t.Parallel()
	prov := &fakeProvisioner{running: map[int]bool{1: true}}
	s, inst := newTestSupervisor(t, map[int32]bool{1: true}, prov)
	task, err := streamplane.NewTask("t-1", streamplane.TaskRestartInstance, inst.ID, inst.Name, nil, "Restart")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Store.Update(context.Background(), func(tx streamplane.Tx) error { return tx.CreateTask(task) }); err != nil {
		t.Fatal(err)
	}
	got := s.mustCheck(t)
	if len(prov.starts) != 0 || got.Status != streamplane.InstanceRunning || got.Brokers[1].State != streamplane.BrokerActive {
		t.Fatalf("held instance: %d starts, instance %s, broker 2 %s; want it untouched", len(prov.starts), got.Status, got.Brokers[1].State)
	}
}

// Every process runs but the cluster does not answer: FAULTY, saying so,
// and no broker is restarted.
func TestCheckClusterDoesNotAnswer(t *testing.T) {
	t.Parallel()
	prov := &fakeProvisioner{running: map[int]bool{1: true, 2: true}}
	s, _ := newTestSupervisor(t, nil, prov)
	s.connect = func(context.Context, *streamplane.Instance) (cluster, error) {
		return nil, errors.New("dial tcp 127.0.0.1:19090: connection refused")
	}
	inst := s.mustCheck(t)
	if inst.Status != streamplane.InstanceFaulty || inst.StatusReason != "the cluster does not answer: dial tcp 127.0.0.1:19090: connection refused" {
		t.Fatalf("instance %s (%q), want FAULTY because the cluster does not answer", inst.Status, inst.StatusReason)
	}
	if len(prov.starts) != 0 || inst.Brokers[0].State != streamplane.BrokerActive {
		t.Errorf("%d starts, broker 1 %s; want no start and the state kept", len(prov.starts), inst.Brokers[0].State)
	}
}

// The capacity watcher gets the instance with the disk use just measured,
// once per refresh and not between refreshes, changed or not.
func TestCheckHandsFreshUsageToTheCapacityWatcher(t *testing.T) {
	t.Parallel()
	prov := &fakeProvisioner{running: map[int]bool{1: true, 2: true}}
	s, _ := newTestSupervisor(t, map[int32]bool{1: true, 2: true}, prov)
	s.UsageInterval = time.Hour
	var seen []int64
	s.Capacity = func(_ context.Context, inst *streamplane.Instance) {
		seen = append(seen, inst.Brokers[1].UsedBytes)
	}
	s.mustCheck(t)
	s.mustCheck(t) // within the interval: no measurement, no call
	if len(seen) != 1 || seen[0] != 200 {
		t.Fatalf("watcher called with %v, want once with broker 2 at 200 bytes", seen)
	}
	s.lastUsage = map[string]time.Time{} // the interval has passed
	s.mustCheck(t)                       // nothing changed, but it was measured
	if len(seen) != 2 {
		t.Fatalf("watcher called %d times after a second measurement, want 2", len(seen))
	}
}

// With several servers on one store, a supervisor leaves alone the
// instances another server watches, and one that lost the watch while it
// looked saves nothing of what it saw.
func TestCheckOnlyWatchedInstances(t *testing.T) {
	t.Parallel()
	prov := &fakeProvisioner{running: map[int]bool{1: true}, startRuns: true}
	s, _ := newTestSupervisor(t, map[int32]bool{1: true, 2: true}, prov)
	s.Watching = func(string) bool { return false }
	if inst := s.mustCheck(t); len(prov.starts) != 0 || inst.Brokers[1].State != streamplane.BrokerActive {
		t.Fatalf("an instance another server watches: %d broker starts, broker 2 %s; want none, untouched", len(prov.starts), inst.Brokers[1].State)
	}
	s.Watching = func(string) bool { return true }
	s.Fence = func(streamplane.Tx, string) error { return streamplane.Errorf(streamplane.ESTALE, "lost the watch") }
	if inst := s.mustCheck(t); inst.Status != streamplane.InstanceRunning || inst.Brokers[1].Restarts != 0 {
		t.Fatalf("a fenced supervisor saved its observation: instance %s, broker 2 restarts %d", inst.Status, inst.Brokers[1].Restarts)
	}
	// The broker dies again; the supervisor that holds the watch records
	// its restart.
	s.Fence = nil
	prov.mu.Lock()
	prov.running[2], prov.startRuns = false, false
	prov.mu.Unlock()
	if inst := s.mustCheck(t); inst.Status != streamplane.InstanceFaulty || inst.Brokers[1].Restarts == 0 {
		t.Fatalf("the watching supervisor: instance %s, broker 2 restarts %d; want FAULTY with its restart recorded", inst.Status, inst.Brokers[1].Restarts)
	}
}
