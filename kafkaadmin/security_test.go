package kafkaadmin

import (
	"testing"

	streamplane "github.com/streamplane/streamplane"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Users' SCRAM credentials: created, replaced, deleted, as every broker
// describes them. Not here: logging in with them, which e2e covers (kfake
// always offers 4096 PBKDF2 iterations, whatever the credential has).
func TestSCRAM(t *testing.T) {
	c, _ := fakeClient(t)
	ctx := testContext(t)
	if err := c.UpsertSCRAM(ctx, "alice", "first-secret"); err != nil {
		t.Fatal(err)
	}
	if err := c.WaitSCRAM(ctx, "alice", true); err != nil {
		t.Fatal(err)
	}
	described, err := c.adm.DescribeUserSCRAMs(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if got := described["alice"].CredInfos; len(got) != 1 || got[0].Mechanism != kadm.ScramSha512 || got[0].Iterations != scramIterations {
		t.Errorf("alice's credentials %+v, want one SCRAM-SHA-512 of %d iterations", got, scramIterations)
	}
	if err := c.UpsertSCRAM(ctx, "alice", "second-secret"); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteSCRAM(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	if err := c.WaitSCRAM(ctx, "alice", false); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteSCRAM(ctx, "alice"); err == nil {
		t.Error("deleting a credential twice succeeds")
	}
}

// Topic grants as ACLs, read back as grants.
func TestTopicGrants(t *testing.T) {
	c, _ := fakeClient(t, kfake.EnableACLs())
	ctx := testContext(t)
	mustCreateTopic(t, c, "orders", 1, nil)
	mustCreateTopic(t, c, "audit", 1, nil)
	grants := func(topic string) streamplane.TopicGrants {
		t.Helper()
		g, err := c.TopicGrants(ctx, topic)
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	if g := grants("orders"); !g.Open || len(g.Grants) != 0 {
		t.Errorf("a topic without ACLs: %+v, want open", g)
	}

	steps := []struct {
		name string
		do   func() error
		want []streamplane.TopicGrant // orders' grants afterwards
	}{
		{"Publish", func() error { return c.SetTopicGrant(ctx, "orders", "User:alice", streamplane.PermissionPublish) },
			[]streamplane.TopicGrant{{User: "alice", Permission: streamplane.PermissionPublish}}},
		{"DefaultSubscribe", func() error { return c.SetTopicGrant(ctx, "orders", "User:*", streamplane.PermissionSubscribe) },
			[]streamplane.TopicGrant{{Default: true, Permission: streamplane.PermissionSubscribe}, {User: "alice", Permission: streamplane.PermissionPublish}}},
		{"Replace", func() error { return c.SetTopicGrant(ctx, "orders", "User:alice", streamplane.PermissionSubscribe) },
			[]streamplane.TopicGrant{{Default: true, Permission: streamplane.PermissionSubscribe}, {User: "alice", Permission: streamplane.PermissionSubscribe}}},
		{"Both", func() error {
			return c.SetTopicGrant(ctx, "orders", "User:bob", streamplane.PermissionPublishSubscribe)
		}, []streamplane.TopicGrant{{Default: true, Permission: streamplane.PermissionSubscribe}, {User: "alice", Permission: streamplane.PermissionSubscribe},
			{User: "bob", Permission: streamplane.PermissionPublishSubscribe}}},
		{"Revoke", func() error {
			revoked, err := c.RevokeTopicGrant(ctx, "orders", "User:*")
			if err == nil && !revoked {
				t.Error("revoke says there was nothing")
			}
			return err
		}, []streamplane.TopicGrant{{User: "alice", Permission: streamplane.PermissionSubscribe}, {User: "bob", Permission: streamplane.PermissionPublishSubscribe}}},
		{"DeletePrincipal", func() error {
			if err := c.SetTopicGrant(ctx, "audit", "User:bob", streamplane.PermissionPublish); err != nil {
				return err
			}
			return c.DeletePrincipalACLs(ctx, "User:bob")
		}, []streamplane.TopicGrant{{User: "alice", Permission: streamplane.PermissionSubscribe}}},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			if err := s.do(); err != nil {
				t.Fatal(err)
			}
			g := grants("orders")
			if g.Open || !equalGrants(g.Grants, s.want) {
				t.Errorf("grants %+v (open %v), want %+v", g.Grants, g.Open, s.want)
			}
		})
	}
	if g := grants("audit"); !g.Open {
		t.Errorf("audit after bob's ACLs went: %+v, want open", g)
	}
	if revoked, err := c.RevokeTopicGrant(ctx, "orders", "User:nobody"); err != nil || revoked {
		t.Errorf("revoke of no grant: %v, %v", revoked, err)
	}
	if err := c.DeleteTopicACLs(ctx, "orders"); err != nil {
		t.Fatal(err)
	}
	if g := grants("orders"); !g.Open {
		t.Errorf("orders after its ACLs went: %+v, want open", g)
	}
}

func equalGrants(a, b []streamplane.TopicGrant) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].User != b[i].User || a[i].Default != b[i].Default || a[i].Permission != b[i].Permission {
			return false
		}
	}
	return true
}

// EnsureClusterACLs is idempotent and allows every user the harmless
// cluster operations.
func TestEnsureClusterACLs(t *testing.T) {
	c, _ := fakeClient(t, kfake.EnableACLs())
	ctx := testContext(t)
	for range 2 {
		if err := c.EnsureClusterACLs(ctx); err != nil {
			t.Fatal(err)
		}
	}
	acls, err := c.describeACLs(ctx, nil, aclFilter{Type: kmsg.ACLResourceTypeCluster, Pattern: kmsg.ACLResourcePatternTypeAny})
	if err != nil {
		t.Fatal(err)
	}
	ops := map[kmsg.ACLOperation]bool{}
	for _, a := range acls {
		if a.Principal != "User:*" || a.Host != "*" || a.Permission != kmsg.ACLPermissionTypeAllow {
			t.Errorf("cluster ACL %+v, want allowed to User:* from any host", a)
		}
		ops[a.Operation] = true
	}
	if len(acls) != 3 || !ops[kmsg.ACLOperationDescribe] || !ops[kmsg.ACLOperationDescribeConfigs] || !ops[kmsg.ACLOperationIdempotentWrite] {
		t.Errorf("cluster ACLs %+v, want describe, describe configs and idempotent write once each", acls)
	}
}
