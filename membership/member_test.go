package membership

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/sqlite"
)

var ctx = context.Background()

// clock is the store's clock, moved by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func openStore(t *testing.T, instances int) (*sqlite.DB, *clock) {
	t.Helper()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	c := &clock{now: time.Now()}
	db.Now = c.Now
	for i := range instances {
		inst := &streamplane.Instance{ID: fmt.Sprintf("i-%02d", i), Name: fmt.Sprintf("demo-%02d", i), Version: "4.1.2",
			Flavor: streamplane.DevFlavor, BrokerCount: 1, StorageGBPerBroker: 10, Status: streamplane.InstanceRunning}
		if err := db.Update(ctx, func(tx streamplane.Tx) error { return tx.CreateInstance(inst) }); err != nil {
			t.Fatal(err)
		}
	}
	return db, c
}

func member(db streamplane.Store, id string) *Member {
	return &Member{Store: db, SameHost: true, Self: streamplane.ServerInfo{ID: id, Host: "h1", DataDir: "/data", Listen: id + ":8080", Provisioner: "local"}}
}

func mustRound(t *testing.T, ms ...*Member) {
	t.Helper()
	for _, m := range ms {
		if err := m.round(ctx); err != nil {
			t.Fatal(err)
		}
	}
}

// watchers counts, for every instance, the members that watch it.
func watchers(instances int, ms ...*Member) (perInstance map[string]int, perMember map[string]int) {
	perInstance, perMember = map[string]int{}, map[string]int{}
	for i := range instances {
		id := fmt.Sprintf("i-%02d", i)
		for _, m := range ms {
			if m.Watching(id) {
				perInstance[id]++
				perMember[m.Self.ID]++
			}
		}
	}
	return perInstance, perMember
}

func TestInstancesDividedAndHandedOver(t *testing.T) {
	const n = 24
	db, clk := openStore(t, n)
	a, b := member(db, "server-a"), member(db, "server-b")
	for _, m := range []*Member{a, b} {
		if err := m.Join(ctx); err != nil {
			t.Fatal(err)
		}
	}
	// Two rounds: in the first, a may take instances that fall to b
	// before b has reported; it gives them up, and b takes them.
	mustRound(t, a, b, a, b)
	per, mine := watchers(n, a, b)
	for i := range n {
		if id := fmt.Sprintf("i-%02d", i); per[id] != 1 {
			t.Errorf("instance %s is watched by %d servers, want 1", id, per[id])
		}
	}
	if mine["server-a"] < n/4 || mine["server-b"] < n/4 {
		t.Errorf("division %v of %d instances, want each server at least a quarter", mine, n)
	}

	// b stops cleanly: a watches everything after its next round.
	b.Leave()
	if b.Watching("i-00") {
		t.Error("a server that left still watches")
	}
	mustRound(t, a)
	if _, mine = watchers(n, a); mine["server-a"] != n {
		t.Errorf("after b left, a watches %d of %d instances", mine["server-a"], n)
	}

	// b comes back and a dies (no more rounds): b takes over a's share
	// only once a's heartbeat and leases have expired.
	if err := b.Join(ctx); err != nil {
		t.Fatal(err)
	}
	mustRound(t, b)
	if _, mine = watchers(n, b); mine["server-b"] != 0 {
		t.Errorf("b took %d instances whose watch a holds", mine["server-b"])
	}
	clk.add(Lease + time.Second)
	mustRound(t, b)
	if _, mine = watchers(n, b); mine["server-b"] != n {
		t.Errorf("after a's leases expired, b watches %d of %d instances", mine["server-b"], n)
	}
	// a wakes up: what it writes of what it observed is fenced off.
	err := db.Update(ctx, func(tx streamplane.Tx) error { return a.Fence(tx, "i-00") })
	if !streamplane.IsCode(err, streamplane.ESTALE) {
		t.Errorf("fence of a server that lost the watch: %v, want STALE_VERSION", err)
	}
	if err := db.Update(ctx, func(tx streamplane.Tx) error { return b.Fence(tx, "i-00") }); err != nil {
		t.Errorf("fence of the watching server: %v", err)
	}
}

func TestJoinRefusesAnotherHost(t *testing.T) {
	db, _ := openStore(t, 0)
	if err := member(db, "server-a").Join(ctx); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		edit func(*streamplane.ServerInfo)
		want string
	}{
		{func(s *streamplane.ServerInfo) { s.Host = "h2" }, `runs on host "h1"`},
		{func(s *streamplane.ServerInfo) { s.DataDir = "/other" }, "share its --data"},
		{func(s *streamplane.ServerInfo) { s.Provisioner = "kubernetes" }, "same provisioner"},
	} {
		b := member(db, "server-b")
		tc.edit(&b.Self)
		err := b.Join(ctx)
		if !streamplane.IsCode(err, streamplane.EPRECONDITION) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("join of %+v: %v, want refused with %q", b.Self, err, tc.want)
		}
	}
	if err := member(db, "server-b").Join(ctx); err != nil {
		t.Errorf("a second server on the same host and data: %v", err)
	}
}

func TestOwnerSpreads(t *testing.T) {
	servers := []string{"server-a", "server-b", "server-c"}
	count := map[string]int{}
	for i := range 3000 {
		count[Owner(fmt.Sprintf("inst-%d", i), servers)]++
	}
	for _, s := range servers {
		if count[s] < 800 || count[s] > 1200 {
			t.Errorf("rendezvous gave %s %d of 3000 instances, want about 1000", s, count[s])
		}
	}
	// Removing a server moves only its own instances.
	for i := range 3000 {
		id := fmt.Sprintf("inst-%d", i)
		if before := Owner(id, servers); before != "server-c" && Owner(id, servers[:2]) != before {
			t.Fatalf("instance %s moved from %s though its server stayed", id, before)
		}
	}
}
