package service_test

import (
	"context"
	"testing"

	streamplane "github.com/streamplane/streamplane"
)

// A preferred leader election of one topic or of all, as a task with its
// result; unknown and badly named topics are refused. kfake answers every
// election as done (it has no ELECTION_NOT_NEEDED); leaders moved away
// from their preferred replica and back take real brokers (e2e
// TestElectLeaders).
func TestElectLeaders(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for _, topic := range []string{"orders", "refunds"} {
		if _, err := f.svc.CreateTopic(ctx, "demo", streamplane.TopicSpec{Name: topic, Partitions: 3}); err != nil {
			t.Fatal(err)
		}
	}
	e, err := f.svc.ElectLeaders(ctx, "demo", streamplane.LeaderElectionRequest{Topics: []string{"orders"}})
	if err != nil || e.Elected+e.AlreadyPreferred != 3 || len(e.Failed) != 0 {
		t.Fatalf("election of orders: %+v, %v; want its 3 partitions, none failed", e, err)
	}
	all, err := f.svc.ElectLeaders(ctx, "demo", streamplane.LeaderElectionRequest{})
	if err != nil || all.Elected+all.AlreadyPreferred < 6 || len(all.Failed) != 0 {
		t.Fatalf("election of every topic: %+v, %v; want at least the 6 partitions of orders and refunds", all, err)
	}

	_, err = f.svc.ElectLeaders(ctx, "demo", streamplane.LeaderElectionRequest{Topics: []string{"orders", "nope"}})
	wantCode(t, err, streamplane.ENOTFOUND, "topic")
	_, err = f.svc.ElectLeaders(ctx, "demo", streamplane.LeaderElectionRequest{Topics: []string{"bad name!"}})
	wantCode(t, err, streamplane.EINVALID, "topics")
	_, err = f.svc.ElectLeaders(ctx, "demo", streamplane.LeaderElectionRequest{Topics: []string{"orders", "orders"}})
	wantCode(t, err, streamplane.EINVALID, "topics")

	got := map[streamplane.TaskStatus]int{}
	for _, tk := range f.tasks(t, streamplane.TaskElectLeaders) {
		got[tk.Status]++
		if tk.Status == streamplane.TaskSucceeded && tk.Result == "" {
			t.Errorf("succeeded election task without a result: %+v", tk)
		}
	}
	if got[streamplane.TaskSucceeded] != 2 || got[streamplane.TaskFailed] != 3 {
		t.Errorf("elect_leaders tasks: %v, want 2 succeeded and 3 failed", got)
	}
}
