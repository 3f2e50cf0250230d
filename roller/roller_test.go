package roller_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/streamplane/streamplane/roller"
)

// fakeCluster is an in-memory cluster whose state the test scripts by call
// count: parts(n) is what the n-th call of Partitions (1-based) returns, so
// a test decides exactly when the ISR recovers without any timing.
type fakeCluster struct {
	mu         sync.Mutex
	procs      *fakeProcesses
	parts      func(n int) []roller.Partition
	quorum     func(n int) roller.Quorum
	partsCalls int
	quorumCall int
	// partsCallsAtStop is partsCalls when the node was stopped.
	partsCallsAtStop int
}

func (c *fakeCluster) Partitions(ctx context.Context) ([]roller.Partition, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.partsCalls++
	if c.parts == nil {
		return nil, nil
	}
	return c.parts(c.partsCalls), nil
}

func (c *fakeCluster) DescribeQuorum(ctx context.Context) (roller.Quorum, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.quorumCall++
	if c.quorum == nil {
		return roller.Quorum{Leader: 1, Voters: []roller.Voter{{ID: 1, LastCaughtUpMs: 1000}}}, nil
	}
	return c.quorum(c.quorumCall), nil
}

// AliveBrokers reports the running processes as registered.
func (c *fakeCluster) AliveBrokers(ctx context.Context) (map[int32]bool, error) {
	return c.procs.snapshot(), nil
}

// fakeProcesses records every Stop and Start in order.
type fakeProcesses struct {
	mu      sync.Mutex
	running map[int32]bool
	log     []string
	// onStop, if set, runs when a node is stopped.
	onStop func(id int32)
	// exitOnStart makes a started node exit at once.
	exitOnStart bool
	startErr    error
}

func (p *fakeProcesses) Running(id int32) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.running[id]
}

func (p *fakeProcesses) Stop(ctx context.Context, id int32) error {
	p.mu.Lock()
	p.log = append(p.log, fmt.Sprintf("stop %d", id))
	p.running[id] = false
	onStop := p.onStop
	p.mu.Unlock()
	if onStop != nil {
		onStop(id)
	}
	return nil
}

func (p *fakeProcesses) Start(ctx context.Context, id int32) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.log = append(p.log, fmt.Sprintf("start %d", id))
	if p.startErr != nil {
		return p.startErr
	}
	p.running[id] = !p.exitOnStart
	return nil
}

func (p *fakeProcesses) calls() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.log)
}

func (p *fakeProcesses) snapshot() map[int32]bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[int32]bool{}
	for id, ok := range p.running {
		out[id] = ok
	}
	return out
}

// newFake returns a cluster of nodes 1–3, all running, and a roller over it
// with tiny poll intervals and timeouts.
func newFake(t *testing.T) (*roller.Roller, *fakeCluster, *fakeProcesses, *[]string) {
	t.Helper()
	procs := &fakeProcesses{running: map[int32]bool{1: true, 2: true, 3: true}}
	cluster := &fakeCluster{procs: procs}
	procs.onStop = func(int32) {
		cluster.mu.Lock()
		cluster.partsCallsAtStop = cluster.partsCalls
		cluster.mu.Unlock()
	}
	var (
		mu      sync.Mutex
		reports []string
	)
	r := &roller.Roller{
		Cluster:   cluster,
		Processes: procs,
		Report: func(msg string) {
			mu.Lock()
			defer mu.Unlock()
			reports = append(reports, msg)
		},
		Poll:           5 * time.Millisecond,
		SafeTimeout:    200 * time.Millisecond,
		ReadyTimeout:   200 * time.Millisecond,
		FetchTimeoutMs: 2000,
	}
	return r, cluster, procs, &reports
}

// healthy is a partition on nodes 1–3 with a full ISR.
func healthy() []roller.Partition {
	return []roller.Partition{{Topic: "orders", ID: 0, Replicas: []int32{1, 2, 3}, ISR: []int32{1, 2, 3}, MinISR: 2}}
}

// underReplicated is the same partition with only nodes 1 and 2 in sync:
// restarting 1 or 2 would take it below min.insync.replicas.
func underReplicated() []roller.Partition {
	return []roller.Partition{{Topic: "orders", ID: 0, Replicas: []int32{1, 2, 3}, ISR: []int32{1, 2}, MinISR: 2}}
}

func TestRoller_Restart(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		r, cluster, procs, reports := newFake(t)
		cluster.parts = func(int) []roller.Partition { return healthy() }
		if err := r.Restart(context.Background(), 2, false, "config changed"); err != nil {
			t.Fatal(err)
		}
		if got, want := procs.calls(), []string{"stop 2", "start 2"}; !slices.Equal(got, want) {
			t.Errorf("calls = %q, want %q", got, want)
		}
		if !procs.Running(2) {
			t.Error("node 2 is not running after the restart")
		}
		if !slices.ContainsFunc(*reports, func(m string) bool { return strings.Contains(m, "config changed") }) {
			t.Errorf("reports = %q, want one giving the reason", *reports)
		}
	})

	t.Run("OKDownNodeJustStarted", func(t *testing.T) {
		r, cluster, procs, _ := newFake(t)
		procs.running[3] = false
		// Node 3 down has left the partition under-replicated; starting it
		// is always safe, so the roller must not wait for the ISR.
		cluster.parts = func(int) []roller.Partition {
			if procs.Running(3) {
				return healthy()
			}
			return []roller.Partition{{Topic: "orders", ID: 0, Replicas: []int32{1, 2, 3}, ISR: []int32{1}, MinISR: 2}}
		}
		if err := r.Restart(context.Background(), 3, false, "crashed"); err != nil {
			t.Fatal(err)
		}
		if got, want := procs.calls(), []string{"start 3"}; !slices.Equal(got, want) {
			t.Errorf("calls = %q, want %q", got, want)
		}
	})

	t.Run("OKWaitsForISR", func(t *testing.T) {
		r, cluster, procs, reports := newFake(t)
		r.SafeTimeout = 5 * time.Second // the fake recovers after a few polls
		cluster.parts = func(n int) []roller.Partition {
			if n <= 3 {
				return underReplicated()
			}
			return healthy()
		}
		if err := r.Restart(context.Background(), 1, false, "upgrade"); err != nil {
			t.Fatal(err)
		}
		if got, want := procs.calls(), []string{"stop 1", "start 1"}; !slices.Equal(got, want) {
			t.Errorf("calls = %q, want %q", got, want)
		}
		cluster.mu.Lock()
		atStop := cluster.partsCallsAtStop
		cluster.mu.Unlock()
		if atStop < 4 {
			t.Errorf("node stopped after %d partition reads, want it to wait until the 4th showed a full ISR", atStop)
		}
		if !slices.ContainsFunc(*reports, func(m string) bool {
			return strings.Contains(m, "waiting to restart node 1") && strings.Contains(m, "orders-0")
		}) {
			t.Errorf("reports = %q, want a wait naming orders-0", *reports)
		}
	})

	t.Run("OKWaitsForRejoin", func(t *testing.T) {
		r, cluster, procs, _ := newFake(t)
		r.ReadyTimeout = 5 * time.Second
		// After the stop, node 1 is out of the ISR for three more reads
		// (parts runs with cluster.mu held).
		cluster.parts = func(n int) []roller.Partition {
			if stop := cluster.partsCallsAtStop; stop > 0 && n <= stop+3 {
				return []roller.Partition{{Topic: "orders", ID: 0, Replicas: []int32{1, 2, 3}, ISR: []int32{2, 3}, MinISR: 2}}
			}
			return healthy()
		}
		if err := r.Restart(context.Background(), 1, false, "upgrade"); err != nil {
			t.Fatal(err)
		}
		cluster.mu.Lock()
		got, atStop := cluster.partsCalls, cluster.partsCallsAtStop
		cluster.mu.Unlock()
		if got < atStop+4 {
			t.Errorf("Restart returned after %d partition reads (stopped at %d), before node 1 was back in the ISR", got, atStop)
		}
		if got, want := procs.calls(), []string{"stop 1", "start 1"}; !slices.Equal(got, want) {
			t.Errorf("calls = %q, want %q", got, want)
		}
	})

	t.Run("ErrNeverSafe", func(t *testing.T) {
		r, cluster, procs, _ := newFake(t)
		cluster.parts = func(int) []roller.Partition { return underReplicated() }
		start := time.Now()
		err := r.Restart(context.Background(), 2, false, "upgrade")
		if err == nil {
			t.Fatal("err = nil, want a timeout")
		}
		if !strings.Contains(err.Error(), "orders-0") {
			t.Errorf("err = %q, want it to name the blocking partition orders-0", err)
		}
		if elapsed := time.Since(start); elapsed < r.SafeTimeout || elapsed > 5*time.Second {
			t.Errorf("gave up after %s, want about %s", elapsed, r.SafeTimeout)
		}
		if got := procs.calls(); len(got) != 0 {
			t.Errorf("calls = %q, want none: the node must not be touched", got)
		}
	})

	t.Run("OKOtherNodesPartitionsDoNotBlock", func(t *testing.T) {
		r, cluster, procs, _ := newFake(t)
		// Node 3 is the only one out of the ISR; restarting it is safe.
		cluster.parts = func(int) []roller.Partition {
			if procs.Running(3) && len(procs.calls()) > 0 {
				return healthy()
			}
			return underReplicated()
		}
		if err := r.Restart(context.Background(), 3, false, "upgrade"); err != nil {
			t.Fatal(err)
		}
		if got, want := procs.calls(), []string{"stop 3", "start 3"}; !slices.Equal(got, want) {
			t.Errorf("calls = %q, want %q", got, want)
		}
	})

	t.Run("OKControllerWaitsForQuorum", func(t *testing.T) {
		r, cluster, procs, _ := newFake(t)
		r.SafeTimeout = 5 * time.Second
		cluster.parts = func(int) []roller.Partition { return healthy() }
		// Voter 3 lags for the first two quorum reads; restarting 2 must wait.
		cluster.quorum = func(n int) roller.Quorum {
			lag := int64(0)
			if n <= 2 {
				lag = 5000
			}
			return roller.Quorum{Leader: 1, Voters: []roller.Voter{
				{ID: 1, LastCaughtUpMs: 10000}, {ID: 2, LastCaughtUpMs: 10000}, {ID: 3, LastCaughtUpMs: 10000 - lag},
			}}
		}
		if err := r.Restart(context.Background(), 2, true, "upgrade"); err != nil {
			t.Fatal(err)
		}
		cluster.mu.Lock()
		quorumCalls := cluster.quorumCall
		cluster.mu.Unlock()
		if quorumCalls < 3 {
			t.Errorf("read the quorum %d times, want the roller to wait for the 3rd read", quorumCalls)
		}
		if got, want := procs.calls(), []string{"stop 2", "start 2"}; !slices.Equal(got, want) {
			t.Errorf("calls = %q, want %q", got, want)
		}
	})

	t.Run("ErrControllerQuorumNeverSafe", func(t *testing.T) {
		r, cluster, procs, _ := newFake(t)
		cluster.parts = func(int) []roller.Partition { return healthy() }
		cluster.quorum = func(int) roller.Quorum {
			return roller.Quorum{Leader: -1, Voters: []roller.Voter{{ID: 1}, {ID: 2}, {ID: 3}}}
		}
		err := r.Restart(context.Background(), 2, true, "upgrade")
		if err == nil || !strings.Contains(err.Error(), "no leader") {
			t.Fatalf("err = %v, want a timeout saying the quorum has no leader", err)
		}
		if got := procs.calls(); len(got) != 0 {
			t.Errorf("calls = %q, want none", got)
		}
	})

	t.Run("ErrStart", func(t *testing.T) {
		r, cluster, procs, _ := newFake(t)
		cluster.parts = func(int) []roller.Partition { return healthy() }
		procs.startErr = errors.New("no java")
		err := r.Restart(context.Background(), 1, false, "upgrade")
		if err == nil || !strings.Contains(err.Error(), "no java") {
			t.Fatalf("err = %v, want the start error", err)
		}
		if got, want := procs.calls(), []string{"stop 1", "start 1"}; !slices.Equal(got, want) {
			t.Errorf("calls = %q, want %q", got, want)
		}
	})

	t.Run("ErrContextCancelled", func(t *testing.T) {
		r, cluster, procs, _ := newFake(t)
		r.SafeTimeout = time.Minute
		ctx, cancel := context.WithCancel(context.Background())
		cluster.parts = func(n int) []roller.Partition {
			if n == 3 {
				cancel()
			}
			return underReplicated()
		}
		start := time.Now()
		if err := r.Restart(ctx, 1, false, "upgrade"); err == nil {
			t.Fatal("err = nil, want an error once ctx is cancelled")
		}
		if elapsed := time.Since(start); elapsed > 10*time.Second {
			t.Errorf("returned %s after cancel, want promptly", elapsed)
		}
		if got := procs.calls(); len(got) != 0 {
			t.Errorf("calls = %q, want none", got)
		}
	})
}

func TestRoller_WaitReady(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		r, cluster, _, _ := newFake(t)
		cluster.parts = func(int) []roller.Partition { return healthy() }
		if err := r.WaitReady(context.Background(), 1, true); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("ErrExitedFailsFast", func(t *testing.T) {
		r, cluster, procs, _ := newFake(t)
		r.ReadyTimeout = time.Minute
		cluster.parts = func(int) []roller.Partition { return healthy() }
		procs.running[2] = false
		start := time.Now()
		err := r.WaitReady(context.Background(), 2, false)
		if err == nil || !strings.Contains(err.Error(), "exited") {
			t.Fatalf("err = %v, want one saying node 2 exited", err)
		}
		if elapsed := time.Since(start); elapsed > 10*time.Second {
			t.Errorf("took %s, want it to fail at once, not wait for ReadyTimeout", elapsed)
		}
	})

	t.Run("ErrExitedAfterStart", func(t *testing.T) {
		r, cluster, procs, _ := newFake(t)
		r.ReadyTimeout = time.Minute
		cluster.parts = func(int) []roller.Partition { return healthy() }
		procs.exitOnStart = true
		start := time.Now()
		err := r.Restart(context.Background(), 1, false, "upgrade")
		if err == nil || !strings.Contains(err.Error(), "exited") {
			t.Fatalf("err = %v, want one saying node 1 exited", err)
		}
		if elapsed := time.Since(start); elapsed > 10*time.Second {
			t.Errorf("took %s, want it to fail at once", elapsed)
		}
		if got, want := procs.calls(), []string{"stop 1", "start 1"}; !slices.Equal(got, want) {
			t.Errorf("calls = %q, want %q", got, want)
		}
	})

	t.Run("ErrNeverInSync", func(t *testing.T) {
		r, cluster, _, _ := newFake(t)
		cluster.parts = func(int) []roller.Partition {
			return []roller.Partition{{Topic: "orders", ID: 4, Replicas: []int32{1, 2, 3}, ISR: []int32{2, 3}, MinISR: 2}}
		}
		err := r.WaitReady(context.Background(), 1, false)
		if err == nil || !strings.Contains(err.Error(), "orders-4") {
			t.Fatalf("err = %v, want a timeout naming orders-4", err)
		}
	})

	t.Run("ErrControllerNotCaughtUp", func(t *testing.T) {
		r, cluster, _, _ := newFake(t)
		cluster.parts = func(int) []roller.Partition { return healthy() }
		cluster.quorum = func(int) roller.Quorum {
			return roller.Quorum{Leader: 1, Voters: []roller.Voter{{ID: 1, LastCaughtUpMs: 10000}, {ID: 2, LastCaughtUpMs: 1}}}
		}
		err := r.WaitReady(context.Background(), 2, true)
		if err == nil || !strings.Contains(err.Error(), "controller quorum") {
			t.Fatalf("err = %v, want a timeout about the controller quorum", err)
		}
	})
}
