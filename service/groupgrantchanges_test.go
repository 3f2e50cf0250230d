package service_test

import (
	"context"
	"testing"

	streamplane "github.com/streamplane/streamplane"
)

// An offset reset creates a group that does not exist yet (EMPTY); a
// batch deletion answers per group: the EMPTY one deleted, the unknown one
// refused, in the order asked.
func TestGroupChanges(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.svc.CreateTopic(ctx, "demo", streamplane.TopicSpec{Name: "orders", Partitions: 2}); err != nil {
		t.Fatal(err)
	}
	out, err := f.svc.ResetOffsets(ctx, "demo", "g-new", streamplane.OffsetResetRequest{Topic: "orders", To: streamplane.ResetLatest})
	if err != nil || !out.Created || len(out.Partitions) != 2 || out.DryRun {
		t.Fatalf("reset = %+v, %v; want the group created at the end of 2 partitions", out, err)
	}
	g, err := f.svc.Group(ctx, "demo", "g-new")
	if err != nil || g.State != streamplane.GroupEmpty {
		t.Fatalf("group after the reset: %+v, %v", g, err)
	}

	results, err := f.svc.DeleteGroups(ctx, "demo", []string{"g-none", "g-new", "g-new"})
	if err != nil || len(results) != 2 {
		t.Fatalf("delete = %+v, %v", results, err)
	}
	if results[0].Group != "g-none" || streamplane.ErrorCode(results[0].Err) != streamplane.ENOTFOUND ||
		results[1].Group != "g-new" || results[1].Err != nil {
		t.Errorf("outcomes %+v; want g-none not found, g-new deleted", results)
	}
	if _, err := f.svc.Group(ctx, "demo", "g-new"); streamplane.ErrorCode(err) != streamplane.ENOTFOUND {
		t.Errorf("g-new after its deletion: %v", err)
	}
	// One task for the batch, failed for the group it could not delete.
	if tk := f.tasks(t, streamplane.TaskDeleteGroups)[0]; tk.Status != streamplane.TaskFailed {
		t.Errorf("batch task %s %q, want FAILED", tk.Status, tk.Error)
	}
	_, err = f.svc.DeleteGroups(ctx, "demo", nil)
	wantCode(t, err, streamplane.EINVALID, "groups")
}

// A grant needs an existing user and topic; a revocation needs a grant,
// and a topic left with none is open again.
func TestGrantChanges(t *testing.T) {
	f := newSASLFixture(t)
	ctx := context.Background()
	if _, err := f.svc.CreateTopic(ctx, "demo", streamplane.TopicSpec{Name: "orders", Partitions: 1}); err != nil {
		t.Fatal(err)
	}
	alice := streamplane.TopicGrant{User: "alice", Permission: streamplane.PermissionPublish}
	_, err := f.svc.GrantTopic(ctx, "demo", "orders", alice)
	wantCode(t, err, streamplane.ENOTFOUND, "user")
	if _, err := f.svc.CreateKafkaUser(ctx, "demo", "alice", "Alice-Pass-1"); err != nil {
		t.Fatal(err)
	}
	grants, err := f.svc.GrantTopic(ctx, "demo", "orders", alice)
	if err != nil || grants.Open || len(grants.Grants) != 1 || grants.Grants[0].User != "alice" || grants.Grants[0].Permission != streamplane.PermissionPublish {
		t.Fatalf("grant = %+v, %v", grants, err)
	}
	_, err = f.svc.GrantTopic(ctx, "demo", "nope", alice)
	wantCode(t, err, streamplane.ENOTFOUND, "topic")
	if grants, err = f.svc.RevokeTopic(ctx, "demo", "orders", alice); err != nil || !grants.Open || len(grants.Grants) != 0 {
		t.Fatalf("revoke = %+v, %v", grants, err)
	}
	_, err = f.svc.RevokeTopic(ctx, "demo", "orders", alice)
	wantCode(t, err, streamplane.ENOTFOUND, "user")
}
