// Not in kfake: Streamplane's authorizer and topic policy are plugins inside real brokers.

package e2e

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/kafkaconfig"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// wantClusterRefused checks that a client cannot administer the cluster:
// create ACLs, alter broker configs, quotas or SCRAM users.
func wantClusterRefused(t *testing.T, ctx context.Context, adm *kadm.Client, who string) {
	t.Helper()
	acl := kadm.NewACLs().Allow("User:*").Clusters().Operations(kadm.OpAll).ResourcePatternType(kadm.ACLPatternLiteral)
	created, err := adm.CreateACLs(ctx, acl)
	if err == nil && len(created) > 0 {
		err = created[0].Err
	}
	if !errors.Is(err, kerr.ClusterAuthorizationFailed) {
		t.Errorf("%s created an ACL granting the cluster to everyone: %v", who, err)
	}
	v := "500"
	altered, err := adm.AlterBrokerConfigs(ctx, []kadm.AlterConfig{{Name: "max.connections.per.ip", Value: &v}})
	if err == nil {
		err = altered[0].Err
	}
	if !errors.Is(err, kerr.ClusterAuthorizationFailed) {
		t.Errorf("%s altered broker configs: %v", who, err)
	}
	user, rate := "evil", 1.0
	quotas, err := adm.AlterClientQuotas(ctx, []kadm.AlterClientQuotaEntry{{
		Entity: kadm.ClientQuotaEntity{{Type: "user", Name: &user}},
		Ops:    []kadm.AlterClientQuotaOp{{Key: "producer_byte_rate", Value: rate}},
	}})
	if err == nil && len(quotas) > 0 {
		err = quotas[0].Err
	}
	if !errors.Is(err, kerr.ClusterAuthorizationFailed) {
		t.Errorf("%s altered client quotas: %v", who, err)
	}
	_, err = adm.AlterUserSCRAMs(ctx, nil, []kadm.UpsertSCRAM{{User: "evil", Mechanism: kadm.ScramSha512, Iterations: 8192, Password: "evil-password"}})
	if !errors.Is(err, kerr.ClusterAuthorizationFailed) {
		t.Errorf("%s created a SCRAM user: %v", who, err)
	}
}

// wantPolicyViolation checks that creating a topic through adm is refused
// by the brokers' topic policy with a message containing want.
func wantPolicyViolation(t *testing.T, ctx context.Context, adm *kadm.Client, name string, partitions int32, want string) {
	t.Helper()
	resp, err := adm.CreateTopic(ctx, partitions, 1, nil, name)
	if err == nil {
		err = resp.Err
	}
	if !errors.Is(err, kerr.PolicyViolation) || !strings.Contains(resp.ErrMessage, want) {
		t.Errorf("creating topic %q with %d partitions: got %v (%q), want a policy violation saying %q", name, partitions, err, resp.ErrMessage, want)
	}
}

// A client on the client listener of an instance still CREATING, whose
// cluster has no ACL yet, cannot administer the cluster. Deterministically:
// the server exits (test hook) right after the brokers formed a cluster
// and before the step that writes the cluster's ACLs, leaving the brokers
// running as a crash would. The same instance (auto creation on) shows the
// topic policy: creations through the client listener follow the API's
// name rule and partition limits, and a bad name is not auto-created.
func TestClientsCannotAdministerCreatingInstance(t *testing.T) {
	s := NewServer(t, ServerOptions{})
	defer s.Close()
	s.Stop()
	s.Start("STREAMPLANE_FAULT_EXIT_AFTER_STEP=create_instance:6")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	spec := devSpec("g-early", 1)
	spec.AutoCreateTopics = true
	inst, task, err := s.Client.CreateInstance(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	if len(task.Steps) < 7 || task.Steps[5].Name != "Wait for the cluster to form" || task.Steps[6].Name != "Secure the cluster" {
		t.Fatalf("the create workflow changed; the test stops the server after step 6 of %+v", task.Steps)
	}
	if code := s.WaitExit(3 * time.Minute); code != 86 {
		t.Fatalf("server exited with %d, want the fault hook's 86; log:\n%s", code, s.LogTail(30))
	}

	// The server is down and the instance CREATING; its broker runs. The
	// test plays a client that found the private listener's address.
	props := brokerProperties(t, s, inst, 0)
	addr := "127.0.0.1:" + listenerPort(t, props, kafkaconfig.ListenerPrivate)
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	acls, err := adm.DescribeACLs(ctx, kadm.NewACLs().AnyResource().Allow().Deny().AllowHosts().DenyHosts().
		Operations(kadm.OpAny).ResourcePatternType(kadm.ACLPatternAny))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range acls {
		if r.Err != nil || len(r.Described) != 0 {
			t.Fatalf("the cluster should have no ACL yet: %+v %v", r.Described, r.Err)
		}
	}
	t.Run("Cluster", func(t *testing.T) { wantClusterRefused(t, ctx, adm, "a plaintext client (User:ANONYMOUS)") })

	t.Run("TopicPolicy", func(t *testing.T) {
		wantPolicyViolation(t, ctx, adm, "ab", 1, "must be 3–200 characters of letters, digits, '.', '_' and '-'")
		wantPolicyViolation(t, ctx, adm, "__evil", 1, `names starting with "__" are Kafka's internal topics`)
		wantPolicyViolation(t, ctx, adm, "g-wide", 101, "a topic has 1 to 100 partitions")
		// The 1-broker dev flavor allows 250 partitions.
		for _, name := range []string{"g-fill-1", "g-fill-2"} {
			if resp, err := adm.CreateTopic(ctx, 100, 1, nil, name); err != nil || resp.Err != nil {
				t.Fatalf("create %s: %v %v", name, err, resp.Err)
			}
		}
		wantPolicyViolation(t, ctx, adm, "g-over", 51, "instance g-early allows 250 partitions and its topics have 200; 51 more would make 251")
		if resp, err := adm.CreateTopic(ctx, 50, 1, nil, "g-last"); err != nil || resp.Err != nil {
			t.Fatalf("50 more partitions make exactly the limit: %v %v", err, resp.Err)
		}

		// Auto creation (num.partitions each) follows the same rules: not
		// past the limit, and not for a bad name.
		auto, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.AllowAutoTopicCreation(), kgo.RecordDeliveryTimeout(5*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		defer auto.Close()
		if err := auto.ProduceSync(ctx, &kgo.Record{Topic: "g-auto", Value: []byte("x")}).FirstErr(); err == nil {
			t.Error("auto-created g-auto past the partition limit")
		}
		if _, err := adm.DeleteTopics(ctx, "g-last"); err != nil {
			t.Fatal(err)
		}
		eventually(t, 30*time.Second, func() (bool, string) {
			err := auto.ProduceSync(ctx, &kgo.Record{Topic: "g-auto", Value: []byte("x")}).FirstErr()
			return err == nil, "auto creation of g-auto: " + errString(err)
		})
		if err := auto.ProduceSync(ctx, &kgo.Record{Topic: "xy", Value: []byte("x")}).FirstErr(); err == nil {
			t.Error("a record went to an auto-created topic xy")
		}
		topics, err := adm.ListTopics(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if topics.Has("xy") || !topics.Has("g-auto") {
			t.Errorf("topics after auto creation: %v; want g-auto and no xy", topics.Names())
		}
	})

	// Restarted, the server finishes the creation; the cluster then has
	// the ACLs the create workflow writes, and still no client rights.
	s.Start()
	if _, err := s.Client.WaitTask(ctx, task.ID, nil); err != nil {
		t.Fatalf("creation after restart: %v\n%s", err, s.LogTail(40))
	}
	waitStatus(t, s, inst.ID, streamplane.InstanceRunning, time.Minute)
	wantClusterRefused(t, ctx, adm, "a plaintext client of the running instance")
}

func errString(err error) string {
	if err == nil {
		return "ok"
	}
	return err.Error()
}

// A SASL user on a SASL_SSL client listener is held to the same rules.
func TestSASLClientCannotAdministerCluster(t *testing.T) {
	s, inst := sharedSecureInstance(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	pool, _ := caPool(t, s, inst.Name)
	adm := kadm.NewClient(listenerClient(t, inst, streamplane.ListenerPrivateSASLSSL, saslOpts(pool, streamplane.MechanismSCRAM, secureUser, securePassword)...))
	wantClusterRefused(t, ctx, adm, "SCRAM user "+secureUser)
	wantPolicyViolation(t, ctx, adm, "ab", 1, "must be 3–200 characters")
}
