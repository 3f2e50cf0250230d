package storetest

import (
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
)

// A claim moves a task's lease token on; the server that held the older
// token can no longer write the task.
func testTaskLeaseFencing(t *testing.T, s streamplane.Store) {
	task, _ := streamplane.NewTask("t-1", streamplane.TaskInstallRuntime, "", "4.1.1", nil, "a", "b")
	if err := s.Update(ctx, func(tx streamplane.Tx) error { return tx.CreateTask(task) }); err != nil {
		t.Fatal(err)
	}
	claim := func(owner string) (*streamplane.Task, error) {
		var got *streamplane.Task
		err := s.Update(ctx, func(tx streamplane.Tx) error {
			stored, err := tx.Task("t-1")
			if err != nil {
				return err
			}
			until := tx.Now().Add(time.Minute)
			stored.LeaseOwner, stored.LeaseUntil = owner, &until
			got = stored
			return tx.ClaimTask(stored)
		})
		return got, err
	}
	a, err := claim("server-a")
	if err != nil || a.LeaseToken != 1 {
		t.Fatalf("first claim: token %v, %v; want 1", a.LeaseToken, err)
	}
	b, err := claim("server-b")
	if err != nil || b.LeaseToken != 2 {
		t.Fatalf("second claim: token %v, %v; want 2", b.LeaseToken, err)
	}
	// server-a still thinks it holds the task: its progress is refused.
	a.Current = 1
	err = s.Update(ctx, func(tx streamplane.Tx) error { return tx.UpdateTask(a) })
	wantCode(t, err, streamplane.ESTALE)
	err = s.Update(ctx, func(tx streamplane.Tx) error { return tx.ClaimTask(a) })
	wantCode(t, err, streamplane.ESTALE)
	if a.LeaseToken != 1 {
		t.Errorf("a refused claim moved the caller's token to %d", a.LeaseToken)
	}
	// server-b's writes go through and keep its token.
	b.Current = 1
	if err := s.Update(ctx, func(tx streamplane.Tx) error { return tx.UpdateTask(b) }); err != nil {
		t.Fatal(err)
	}
	var got *streamplane.Task
	s.View(ctx, func(tx streamplane.Tx) (err error) { got, err = tx.Task("t-1"); return })
	if got.LeaseOwner != "server-b" || got.LeaseToken != 2 || got.Current != 1 {
		t.Fatalf("stored task: owner %q token %d step %d; want server-b, 2, 1", got.LeaseOwner, got.LeaseToken, got.Current)
	}
}

// A named lease goes to one owner at a time; it changes hands when
// released or expired, and its token grows each time it does.
func testNamedLeases(t *testing.T, s streamplane.Store) {
	acquire := func(name, owner string, d time.Duration) (*streamplane.Lease, bool) {
		var l *streamplane.Lease
		var ok bool
		if err := s.Update(ctx, func(tx streamplane.Tx) (err error) {
			l, ok, err = tx.AcquireLease(name, owner, tx.Now().Add(d))
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return l, ok
	}
	l, ok := acquire("supervise/i-1", "a", time.Minute)
	if !ok || l.Owner != "a" || l.Token != 1 {
		t.Fatalf("free lease: %+v %v, want a's with token 1", l, ok)
	}
	if l, ok = acquire("supervise/i-1", "a", time.Minute); !ok || l.Token != 1 {
		t.Fatalf("renewal: %+v %v, want granted, token still 1", l, ok)
	}
	if l, ok = acquire("supervise/i-1", "b", time.Minute); ok || l.Owner != "a" {
		t.Fatalf("held lease: %+v %v, want refused naming a", l, ok)
	}
	if err := s.Update(ctx, func(tx streamplane.Tx) error { return tx.ReleaseLease("supervise/i-1", "b") }); err != nil {
		t.Fatal(err)
	}
	if _, ok = acquire("supervise/i-1", "b", time.Minute); ok {
		t.Fatal("a release by a non-holder freed the lease")
	}
	if err := s.Update(ctx, func(tx streamplane.Tx) error { return tx.ReleaseLease("supervise/i-1", "a") }); err != nil {
		t.Fatal(err)
	}
	if l, ok = acquire("supervise/i-1", "b", -time.Second); !ok || l.Owner != "b" || l.Token != 2 {
		t.Fatalf("released lease: %+v %v, want b's with token 2", l, ok)
	}
	// b's lease has expired (it was taken until a second ago).
	if l, ok = acquire("supervise/i-1", "c", time.Minute); !ok || l.Token != 3 {
		t.Fatalf("expired lease: %+v %v, want c's with token 3", l, ok)
	}
	acquire("supervise/i-2", "a", -time.Second) // expired: renewed below
	acquire("supervise_x", "a", -time.Second)   // not under the prefix: stays expired
	if err := s.Update(ctx, func(tx streamplane.Tx) error {
		return tx.RenewLeases("supervise/", "a", tx.Now().Add(time.Minute))
	}); err != nil {
		t.Fatal(err)
	}
	if _, ok = acquire("supervise/i-2", "b", time.Minute); ok {
		t.Error("a renewed lease went to another owner")
	}
	if _, ok = acquire("supervise_x", "b", time.Minute); !ok {
		t.Error("RenewLeases renewed a lease outside its prefix")
	}
	var list []streamplane.Lease
	s.View(ctx, func(tx streamplane.Tx) (err error) { list, err = tx.Leases("supervise/"); return })
	if len(list) != 2 || list[0].Name != "supervise/i-1" || list[0].Owner != "c" || list[1].Name != "supervise/i-2" {
		t.Fatalf("leases under supervise/: %+v", list)
	}
}

// Servers report by heartbeat; a server that stops cleanly is forgotten
// and everything it held, leases and tasks, is free at once.
func testServers(t *testing.T, s streamplane.Store) {
	now := time.Now().UTC().Truncate(time.Millisecond)
	for i, id := range []string{"server-a", "server-b"} {
		seen := now.Add(-time.Duration(i) * time.Minute) // b last reported a minute ago
		info := &streamplane.ServerInfo{ID: id, Host: "h1", DataDir: "/var/lib/sp", Listen: "127.0.0.1:808" + string(rune('0'+i)),
			Provisioner: "local", StartedAt: now.Add(-time.Hour), SeenAt: seen}
		if err := s.Update(ctx, func(tx streamplane.Tx) error { return tx.PutServer(info) }); err != nil {
			t.Fatal(err)
		}
	}
	var live []streamplane.ServerInfo
	s.View(ctx, func(tx streamplane.Tx) (err error) { live, err = tx.Servers(now.Add(-30 * time.Second)); return })
	if len(live) != 1 || live[0].ID != "server-a" || live[0].Listen != "127.0.0.1:8080" || !live[0].SeenAt.Equal(now) || live[0].DataDir != "/var/lib/sp" {
		t.Fatalf("live servers: %+v, want server-a only, as written", live)
	}

	task, _ := streamplane.NewTask("t-1", streamplane.TaskInstallRuntime, "", "4.1.1", nil, "a")
	s.Update(ctx, func(tx streamplane.Tx) error {
		until := tx.Now().Add(time.Hour)
		task.LeaseOwner, task.LeaseUntil = "server-a", &until
		if err := tx.CreateTask(task); err != nil {
			return err
		}
		_, _, err := tx.AcquireLease("supervise/i-1", "server-a", until)
		return err
	})
	if err := s.Update(ctx, func(tx streamplane.Tx) error { return tx.DeleteServer("server-a") }); err != nil {
		t.Fatal(err)
	}
	var runnable []*streamplane.Task
	var lease *streamplane.Lease
	var granted bool
	s.Update(ctx, func(tx streamplane.Tx) (err error) {
		if live, err = tx.Servers(time.Time{}); err != nil {
			return err
		}
		if runnable, err = tx.RunnableTasks("server-b", 10); err != nil {
			return err
		}
		lease, granted, err = tx.AcquireLease("supervise/i-1", "server-b", tx.Now().Add(time.Minute))
		return err
	})
	if len(live) != 1 || live[0].ID != "server-b" {
		t.Errorf("servers after server-a stopped: %+v, want server-b only", live)
	}
	if len(runnable) != 1 {
		t.Errorf("server-a's task is not free for server-b after server-a stopped")
	}
	if !granted || lease.Token != 2 {
		t.Errorf("server-a's lease after it stopped: %+v %v, want server-b's with token 2", lease, granted)
	}
}
