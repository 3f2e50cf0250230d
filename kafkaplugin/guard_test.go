package kafkaplugin

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/streamplane/streamplane/kafkaconfig"
	"github.com/streamplane/streamplane/poll"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/plain"
)

// internalListener, in a setting given to startBroker, stands for the
// address of the INTERNAL listener, which is chosen there.
const internalListener = "$INTERNAL"

// TestBrokerGuards runs the authorizer and the topic policy on a real
// broker whose cluster resource has no ACLs at all, as a new instance's
// has until the control plane writes them: alice, a client of the CLIENT
// listener, cannot administer the cluster but uses topics and groups as
// before; every topic creation follows the API's rules. The INTERNAL
// listener (User:ANONYMOUS here) is the super user.
func TestBrokerGuards(t *testing.T) {
	jar := testJar(t)
	rt := testRuntime(t)
	t.Logf("Kafka %s", rt.Version)
	file := t.TempDir() + "/plain-users"
	if err := WriteFile(file, testUsers(t, "alice", "alice-secret")); err != nil {
		t.Fatal(err)
	}
	b := startBroker(t, rt, jar, file, map[string]string{
		"authorizer.class.name":                       kafkaconfig.AuthorizerClass,
		"super.users":                                 "User:ANONYMOUS",
		"allow.everyone.if.no.acl.found":              "true",
		"create.topic.policy.class.name":              kafkaconfig.TopicPolicyClass,
		kafkaconfig.PolicyInstance:                    "guarded",
		kafkaconfig.PolicyMaxPartitions:               "10",
		kafkaconfig.PolicyMaxTopicPartitions:          "5",
		kafkaconfig.PolicyAdmin + "bootstrap.servers": internalListener,
		"offsets.topic.num.partitions":                "2",
	})
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()

	alice, err := kgo.NewClient(kgo.SeedBrokers(b.client), kgo.SASL(plain.Auth{User: "alice", Pass: "alice-secret"}.AsMechanism()),
		kgo.ConsumerGroup("alice-group"), kgo.ConsumeTopics("test"), kgo.AllowAutoTopicCreation())
	if err != nil {
		t.Fatal(err)
	}
	defer alice.Close()
	aliceAdm := kadm.NewClient(alice)
	superCl, err := kgo.NewClient(kgo.SeedBrokers(b.internal))
	if err != nil {
		t.Fatal(err)
	}
	defer superCl.Close()
	superAdm := kadm.NewClient(superCl)

	t.Run("Cluster", func(t *testing.T) {
		acls, err := superAdm.DescribeACLs(ctx, kadm.NewACLs().AnyResource().Allow().Deny().AllowHosts().DenyHosts().
			Operations(kadm.OpAny).ResourcePatternType(kadm.ACLPatternAny))
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range acls {
			if r.Err != nil || len(r.Described) != 0 {
				t.Fatalf("the broker should have no ACLs at all: %+v, %v", r.Described, r.Err)
			}
		}
		acl := kadm.NewACLs().Allow("User:alice").Clusters().Operations(kadm.OpAll).ResourcePatternType(kadm.ACLPatternLiteral)
		created, err := aliceAdm.CreateACLs(ctx, acl)
		if err == nil && len(created) > 0 {
			err = created[0].Err
		}
		if !errors.Is(err, kerr.ClusterAuthorizationFailed) {
			t.Errorf("alice created an ACL on a cluster without ACLs: %v", err)
		}
		v := "500"
		altered, err := aliceAdm.AlterBrokerConfigs(ctx, []kadm.AlterConfig{{Name: "max.connections.per.ip", Value: &v}})
		if err == nil {
			err = altered[0].Err
		}
		if !errors.Is(err, kerr.ClusterAuthorizationFailed) {
			t.Errorf("alice altered broker configs: %v", err)
		}
		_, err = aliceAdm.AlterUserSCRAMs(ctx, nil, []kadm.UpsertSCRAM{{User: "mallory", Mechanism: kadm.ScramSha512, Iterations: 8192, Password: "mallory-secret"}})
		if !errors.Is(err, kerr.ClusterAuthorizationFailed) {
			t.Errorf("alice created a SCRAM user: %v", err)
		}

		// What clients need of the cluster still works: describing it,
		// idempotent produce, groups (and so __consumer_offsets, created
		// by the broker through the policy).
		if _, err := aliceAdm.DescribeBrokerConfigs(ctx); err != nil {
			t.Errorf("alice cannot describe broker configs: %v", err)
		}
		if err := alice.ProduceSync(ctx, &kgo.Record{Topic: "test", Value: []byte("hello")}).FirstErr(); err != nil {
			t.Fatalf("alice cannot produce: %v", err)
		}
		fetches := alice.PollRecords(ctx, 1)
		if err := fetches.Err0(); err != nil || fetches.NumRecords() != 1 {
			t.Fatalf("alice cannot consume in a group: %v", err)
		}
		if err := alice.CommitUncommittedOffsets(ctx); err != nil {
			t.Errorf("alice cannot commit: %v", err)
		}

		// The super user administers the cluster.
		created, err = superAdm.CreateACLs(ctx, kadm.NewACLs().Allow("User:alice").Topics("test").Operations(kadm.OpRead).ResourcePatternType(kadm.ACLPatternLiteral))
		if err == nil && len(created) > 0 {
			err = created[0].Err
		}
		if err != nil {
			t.Errorf("the super user cannot create ACLs: %v", err)
		}
	})

	t.Run("TopicPolicy", func(t *testing.T) {
		// used: test (1 partition); internal topics do not count.
		refused := func(adm *kadm.Client, who, name string, partitions int32, want string) {
			t.Helper()
			resp, err := adm.CreateTopic(ctx, partitions, 1, nil, name)
			if err == nil {
				err = resp.Err
			}
			if !errors.Is(err, kerr.PolicyViolation) || !strings.Contains(resp.ErrMessage, want) {
				t.Errorf("%s creating %q with %d partitions: got %v (%q), want a policy violation saying %q", who, name, partitions, err, resp.ErrMessage, want)
			}
		}
		refused(aliceAdm, "alice", "ab", 1, "must be 3–200 characters")
		refused(aliceAdm, "alice", "__evil", 1, "is reserved")
		refused(aliceAdm, "alice", "__transaction_state", 100, "takes at most 50 partitions")
		refused(aliceAdm, "alice", "wide", 6, "a topic has 1 to 5 partitions")
		refused(superAdm, "the super user", "ab", 1, "must be 3–200 characters")

		// Two topics in one request are counted together: 1+4+4 fits,
		// one more does not.
		resp, err := aliceAdm.CreateTopics(ctx, 4, 1, nil, "first", "second", "third")
		if err != nil {
			t.Fatal(err)
		}
		var ok, limited []string
		for name, r := range resp {
			switch {
			case r.Err == nil:
				ok = append(ok, name)
			case errors.Is(r.Err, kerr.PolicyViolation) && strings.Contains(r.ErrMessage, "instance guarded allows 10 partitions and its topics have 9; 4 more would make 13"):
				limited = append(limited, name)
			default:
				t.Errorf("creating %s: %v (%s)", name, r.Err, r.ErrMessage)
			}
		}
		if len(ok) != 2 || len(limited) != 1 {
			t.Errorf("of three 4-partition topics, %v were created and %v refused for the limit; want 2 and 1", ok, limited)
		}
		refused(superAdm, "the super user", "fourth", 2, "its topics have 9; 2 more would make 11")
		if r, err := superAdm.CreateTopic(ctx, 1, 1, nil, "fifth"); err != nil || r.Err != nil {
			t.Errorf("the last partition cannot be used: %v %v", err, r.Err)
		}

		// Full now; a topic deleted makes room as soon as the broker the
		// policy counts through knows of the deletion, although the
		// policy counted a moment ago.
		if len(ok) == 0 {
			t.FailNow()
		}
		deleted, err := superAdm.DeleteTopics(ctx, ok[0])
		if err == nil {
			err = deleted.Error()
		}
		if err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(3 * time.Second)
		for {
			r, err := aliceAdm.CreateTopic(ctx, 4, 1, nil, "sixth")
			if err == nil {
				err = r.Err
			}
			if err == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Errorf("the room of a deleted topic cannot be used: %v (%s)", err, r.ErrMessage)
				break
			}
			time.Sleep(100 * time.Millisecond) // poll interval
		}

		// Auto creation of a name the API refuses does not happen.
		short, err := kgo.NewClient(kgo.SeedBrokers(b.client), kgo.SASL(plain.Auth{User: "alice", Pass: "alice-secret"}.AsMechanism()),
			kgo.AllowAutoTopicCreation(), kgo.RecordRetries(2), kgo.RecordDeliveryTimeout(5*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		defer short.Close()
		if err := short.ProduceSync(ctx, &kgo.Record{Topic: "xy", Value: []byte("x")}).FirstErr(); err == nil {
			t.Error("a record went to auto-created topic xy")
		}
		topics, err := superAdm.ListTopicsWithInternal(ctx)
		if err != nil {
			t.Fatal(err)
		}
		names := topics.Names()
		slices.Sort(names)
		t.Logf("topics: %v", names)
		if topics.Has("xy") {
			t.Error("topic xy was auto-created")
		}
		if !topics.Has("__consumer_offsets") {
			t.Error("the broker could not create __consumer_offsets")
		}
	})

	// The capacity policy stop_production: DENY WRITE on every topic for
	// User:* refuses alice's writes with TOPIC_AUTHORIZATION_FAILED, while
	// she still reads fifth, a topic without ACLs of its own (which the
	// StandardAuthorizer alone would close), and the super user writes.
	t.Run("ProductionStop", func(t *testing.T) {
		stop := kadm.NewACLs().Deny("User:*").DenyHosts().Topics("*").Operations(kadm.OpWrite).ResourcePatternType(kadm.ACLPatternLiteral)
		produce := func(cl *kgo.Client) error {
			return cl.ProduceSync(ctx, &kgo.Record{Topic: "fifth", Partition: 0, Value: []byte("v")}).FirstErr()
		}
		if err := produce(alice); err != nil {
			t.Fatalf("alice cannot produce to fifth before the stop: %v", err)
		}
		created, err := superAdm.CreateACLs(ctx, stop)
		if err == nil && len(created) > 0 {
			err = created[0].Err
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := waitFor(ctx, func() bool { return errors.Is(produce(alice), kerr.TopicAuthorizationFailed) }); err != nil {
			t.Fatalf("alice's writes are not refused with TOPIC_AUTHORIZATION_FAILED: %v", produce(alice))
		}
		reader, err := kgo.NewClient(kgo.SeedBrokers(b.client), kgo.SASL(plain.Auth{User: "alice", Pass: "alice-secret"}.AsMechanism()),
			kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{"fifth": {0: kgo.NewOffset().AtStart()}}))
		if err != nil {
			t.Fatal(err)
		}
		defer reader.Close()
		fetches := reader.PollRecords(ctx, 1)
		if err := fetches.Err0(); err != nil || fetches.NumRecords() != 1 {
			t.Fatalf("alice cannot read fifth while production is stopped: %v", err)
		}
		if err := produce(superCl); err != nil {
			t.Errorf("the super user cannot write while production is stopped: %v", err)
		}
		deleted, err := superAdm.DeleteACLs(ctx, stop)
		if err == nil && len(deleted) > 0 {
			err = deleted[0].Err
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := waitFor(ctx, func() bool { return produce(alice) == nil }); err != nil {
			t.Fatalf("alice cannot write after the stop is lifted: %v", produce(alice))
		}
	})
}

// waitFor polls cond until it holds or ten seconds pass.
func waitFor(ctx context.Context, cond func() bool) error {
	return poll.Until(ctx, 200*time.Millisecond, 10*time.Second, func(context.Context) error {
		if !cond() {
			return errors.New("not yet")
		}
		return nil
	})
}
