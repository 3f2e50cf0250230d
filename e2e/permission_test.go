// Not in kfake: ACLs enforced on logins of SASL users (kfake offers a fixed SCRAM iteration count).

package e2e

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/client"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// kafkaUser is a SASL user as a test's clients sign in.
type kafkaUser struct {
	name, password string
}

// permTopic creates a topic on the shared SASL_SSL instance and, at the
// end of the test, revokes its grants and deletes it, so that no ACL
// outlives it.
func permTopic(t *testing.T, s *Server, inst *streamplane.Instance, name string) {
	t.Helper()
	ctx := context.Background()
	if _, err := s.Client.CreateTopic(ctx, inst.Name, streamplane.TopicSpec{Name: name, Partitions: 3, Replicas: 3}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if tg, err := s.Client.TopicGrants(ctx, inst.Name, name); err == nil {
			for _, g := range tg.Grants {
				if _, err := s.Client.RevokeTopic(ctx, inst.Name, name, g); err != nil && !client.IsNotFound(err) {
					t.Errorf("clean up the grants of %s: %v", name, err)
				}
			}
		}
		if _, err := s.Client.DeleteTopic(ctx, inst.Name, name); err != nil {
			t.Errorf("clean up topic %s: %v", name, err)
		}
	})
}

// createUsers creates users that the end of the test deletes.
func createUsers(t *testing.T, s *Server, inst *streamplane.Instance, users ...kafkaUser) {
	t.Helper()
	var names []string
	for _, u := range users {
		names = append(names, u.name)
	}
	cleanupUsers(t, s, inst, names...)
	for _, u := range users {
		if _, err := s.Client.CreateKafkaUser(context.Background(), inst.Name, u.name, u.password); err != nil {
			t.Fatalf("create user %s: %v", u.name, err)
		}
	}
}

// saslClient is a new franz-go client of the instance's SASL_SSL listener
// signed in as u, closed when the caller is done.
func saslClient(t *testing.T, inst *streamplane.Instance, pool *x509.CertPool, mechanism string, u kafkaUser, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	seeds := strings.Split(inst.BootstrapServers[streamplane.ListenerPrivateSASLSSL], ",")
	all := append([]kgo.Opt{kgo.SeedBrokers(seeds...), kgo.RetryTimeout(10 * time.Second)}, saslOpts(pool, mechanism, u.name, u.password)...)
	cl, err := kgo.NewClient(append(all, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

var groupSeq atomic.Int64

// produceAs sends one record to the topic as u.
func produceAs(t *testing.T, inst *streamplane.Instance, pool *x509.CertPool, mechanism string, u kafkaUser, topic string) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cl := saslClient(t, inst, pool, mechanism, u)
	defer cl.Close()
	return cl.ProduceSync(ctx, &kgo.Record{Topic: topic, Value: []byte("from " + u.name)}).FirstErr()
}

// consumeAs reads the topic as u. With a group, it joins a new consumer
// group, reads a record and commits its offset; without, it fetches the
// partitions directly. It returns the first error Kafka answered.
func consumeAs(t *testing.T, inst *streamplane.Instance, pool *x509.CertPool, mechanism string, u kafkaUser, topic string, group bool) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	opts := []kgo.Opt{kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart())}
	if group {
		opts = append(opts, kgo.ConsumerGroup(fmt.Sprintf("g-%s-%d", u.name, groupSeq.Add(1))), kgo.DisableAutoCommit())
	}
	cl := saslClient(t, inst, pool, mechanism, u, opts...)
	defer cl.Close()
	for {
		fetches := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			return fmt.Errorf("no record within the deadline: %w", ctx.Err())
		}
		for _, fe := range fetches.Errors() {
			return fe.Err
		}
		if fetches.NumRecords() > 0 {
			if group {
				return cl.CommitUncommittedOffsets(ctx)
			}
			return nil
		}
	}
}

// access checks what a user may do with a topic: publish, and subscribe
// with a consumer group (committing) or, where refused, without one.
type access struct {
	t         *testing.T
	inst      *streamplane.Instance
	pool      *x509.CertPool
	topic     string
	mechanism string
}

func (a access) want(u kafkaUser, publish, subscribe bool) {
	t := a.t
	t.Helper()
	err := produceAs(t, a.inst, a.pool, a.mechanism, u, a.topic)
	switch {
	case publish && err != nil:
		t.Errorf("%s cannot publish to %s: %v", u.name, a.topic, err)
	case !publish && !errors.Is(err, kerr.TopicAuthorizationFailed):
		t.Errorf("%s publishing to %s: %v, want TOPIC_AUTHORIZATION_FAILED", u.name, a.topic, err)
	}
	err = consumeAs(t, a.inst, a.pool, a.mechanism, u, a.topic, subscribe)
	switch {
	case subscribe && err != nil:
		t.Errorf("%s cannot subscribe to %s with a consumer group: %v", u.name, a.topic, err)
	case !subscribe && !errors.Is(err, kerr.TopicAuthorizationFailed):
		t.Errorf("%s reading %s: %v, want TOPIC_AUTHORIZATION_FAILED", u.name, a.topic, err)
	}
}

// grantsAre checks a topic's grants as the API shows them.
func grantsAre(t *testing.T, tg *streamplane.TopicGrants, open bool, want ...string) {
	t.Helper()
	var got []string
	for _, g := range tg.Grants {
		who := g.User
		if g.Default {
			who = "*"
		}
		got = append(got, who+"="+string(g.Permission))
	}
	if tg.Open != open || strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("grants of %s: open %v %v, want open %v %v", tg.Topic, tg.Open, got, open, want)
	}
}

// DMS 8.9 on real brokers: a topic with no grant is open to every user;
// once granted, only grantees may publish or subscribe; a grant replaces
// the grantee's previous one; the default grant is for every user and is
// unioned with a user's own; revoking the last grant opens the topic.
func TestPermissionGrants(t *testing.T) {
	s, inst := sharedSecureInstance(t)
	c := s.Client
	ctx := context.Background()
	pool, _ := caPool(t, s, inst.Name)
	const topic = "perm-orders"
	pub, sub, none := kafkaUser{"u-pub", "Pub-Pass1"}, kafkaUser{"u-sub", "Sub-Pass1"}, kafkaUser{"u-none", "None-Pass1"}
	createUsers(t, s, inst, pub, sub, none)
	permTopic(t, s, inst, topic)
	a := access{t: t, inst: inst, pool: pool, topic: topic, mechanism: streamplane.MechanismSCRAM}

	tg, err := c.TopicGrants(ctx, inst.Name, topic)
	if err != nil {
		t.Fatal(err)
	}
	grantsAre(t, tg, true)
	for _, u := range []kafkaUser{pub, sub, none} {
		a.want(u, true, true)
	}

	// Subscribe only: consume with a group and commit, but not produce.
	tg, err = c.GrantTopic(ctx, inst.Name, topic, streamplane.TopicGrant{User: sub.name, Permission: streamplane.PermissionSubscribe})
	if err != nil {
		t.Fatal(err)
	}
	grantsAre(t, tg, false, "u-sub=subscribe")
	a.want(sub, false, true)
	a.want(none, false, false)
	plain := a
	plain.mechanism = streamplane.MechanismPlain
	plain.want(sub, false, true)

	tg, err = c.GrantTopic(ctx, inst.Name, topic, streamplane.TopicGrant{User: pub.name, Permission: streamplane.PermissionPublish})
	if err != nil {
		t.Fatal(err)
	}
	grantsAre(t, tg, false, "u-pub=publish", "u-sub=subscribe")
	a.want(pub, true, false)

	// A grant replaces the grantee's previous one.
	if _, err := c.GrantTopic(ctx, inst.Name, topic, streamplane.TopicGrant{User: pub.name, Permission: streamplane.PermissionSubscribe}); err != nil {
		t.Fatal(err)
	}
	a.want(pub, false, true)
	if _, err := c.GrantTopic(ctx, inst.Name, topic, streamplane.TopicGrant{User: pub.name, Permission: streamplane.PermissionPublish}); err != nil {
		t.Fatal(err)
	}

	// The default grant: every user, unioned with a user's own.
	tg, err = c.GrantTopic(ctx, inst.Name, topic, streamplane.TopicGrant{Default: true, Permission: streamplane.PermissionSubscribe})
	if err != nil {
		t.Fatal(err)
	}
	grantsAre(t, tg, false, "*=subscribe", "u-pub=publish", "u-sub=subscribe")
	a.want(none, false, true)
	a.want(pub, true, true)

	// Revoking: u-pub keeps the default; then the topic opens again.
	tg, err = c.RevokeTopic(ctx, inst.Name, topic, streamplane.TopicGrant{User: pub.name})
	if err != nil {
		t.Fatal(err)
	}
	grantsAre(t, tg, false, "*=subscribe", "u-sub=subscribe")
	a.want(pub, false, true)
	if _, err := c.RevokeTopic(ctx, inst.Name, topic, streamplane.TopicGrant{Default: true}); err != nil {
		t.Fatal(err)
	}
	a.want(none, false, false)
	tg, err = c.RevokeTopic(ctx, inst.Name, topic, streamplane.TopicGrant{User: sub.name})
	if err != nil {
		t.Fatal(err)
	}
	grantsAre(t, tg, true)
	a.want(none, true, true)

	// Every change is recorded.
	tasks, err := c.Tasks(ctx, client.TaskOptions{Instance: inst.ID, Status: []string{"SUCCEEDED"}, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, tk := range tasks.Tasks {
		if taskParam(t, tk, "topic") == topic {
			kinds[tk.Kind]++
		}
	}
	if kinds[streamplane.TaskGrantTopic] != 5 || kinds[streamplane.TaskRevokeTopic] != 3 {
		t.Errorf("recorded grant changes on %s: %v", topic, kinds)
	}
}

// Grants name existing users and topics of SASL_SSL instances; a deleted
// user's grants go with it.
func TestPermissionRules(t *testing.T) {
	s, inst := sharedSecureInstance(t)
	c := s.Client
	_, plain := sharedInstance(t)
	ctx := context.Background()
	const topic = "perm-rules"
	gone := kafkaUser{"u-gone", "Gone-Pass1"}
	createUsers(t, s, inst, gone)
	permTopic(t, s, inst, topic)
	publish := func(user string) streamplane.TopicGrant {
		return streamplane.TopicGrant{User: user, Permission: streamplane.PermissionPublish}
	}

	_, err := c.GrantTopic(ctx, inst.Name, topic, publish("u-nobody"))
	wantErrorCode(t, err, http.StatusNotFound, streamplane.ENOTFOUND, "user")
	_, err = c.GrantTopic(ctx, inst.Name, "perm-no-such-topic", publish(gone.name))
	wantErrorCode(t, err, http.StatusNotFound, streamplane.ENOTFOUND, "topic")
	_, err = c.TopicGrants(ctx, inst.Name, "perm-no-such-topic")
	wantErrorCode(t, err, http.StatusNotFound, streamplane.ENOTFOUND, "topic")
	_, err = c.GrantTopic(ctx, inst.Name, topic, streamplane.TopicGrant{User: gone.name, Permission: "read"})
	wantErrorCode(t, err, http.StatusBadRequest, streamplane.EINVALID, "permission")
	_, err = c.GrantTopic(ctx, inst.Name, topic, streamplane.TopicGrant{Default: true})
	wantErrorCode(t, err, http.StatusBadRequest, streamplane.EINVALID, "permission")
	_, err = c.GrantTopic(ctx, inst.Name, "__consumer_offsets", publish(gone.name))
	wantErrorCode(t, err, http.StatusBadRequest, streamplane.EINVALID, "topic")
	_, err = c.GrantTopic(ctx, plain.Name, topic, publish(gone.name))
	wantErrorCode(t, err, http.StatusBadRequest, streamplane.EINVALID, "instance")
	_, err = c.TopicGrants(ctx, plain.Name, topic)
	wantErrorCode(t, err, http.StatusBadRequest, streamplane.EINVALID, "instance")
	_, err = c.RevokeTopic(ctx, inst.Name, topic, streamplane.TopicGrant{User: gone.name})
	wantErrorCode(t, err, http.StatusNotFound, streamplane.ENOTFOUND, "user")
	_, err = c.RevokeTopic(ctx, inst.Name, topic, streamplane.TopicGrant{Default: true})
	wantErrorCode(t, err, http.StatusNotFound, streamplane.ENOTFOUND, "default")

	// A deleted user's grants go: the topic is open again.
	tg, err := c.GrantTopic(ctx, inst.Name, topic, publish(gone.name))
	if err != nil {
		t.Fatal(err)
	}
	grantsAre(t, tg, false, "u-gone=publish")
	if err := c.DeleteKafkaUser(ctx, inst.Name, gone.name); err != nil {
		t.Fatal(err)
	}
	tg, err = c.TopicGrants(ctx, inst.Name, topic)
	if err != nil {
		t.Fatal(err)
	}
	grantsAre(t, tg, true)

	// Refused changes are recorded too.
	tasks, err := c.Tasks(ctx, client.TaskOptions{Instance: inst.ID, Kind: streamplane.TaskGrantTopic, Status: []string{"FAILED"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(tasks.Tasks) < 5 {
		t.Errorf("%d refused grants recorded, want at least 5", len(tasks.Tasks))
	}
}

// The permission commands through the real binary.
func TestPermissionCLI(t *testing.T) {
	s, inst := sharedSecureInstance(t)
	const topic = "perm-cli"
	bob := kafkaUser{"u-bob", "Bob-Pass1"}
	createUsers(t, s, inst, bob)
	permTopic(t, s, inst, topic)

	out := mustCLI(t, s, "topic", "grants", inst.Name, topic)
	if !strings.Contains(out, "every user may publish and subscribe") {
		t.Errorf("grants of an open topic:\n%s", out)
	}
	out = mustCLI(t, s, "topic", "grant", inst.Name, topic, "--user", bob.name, "--permission", "publish")
	if !strings.Contains(out, "USER") || !strings.Contains(out, bob.name) || !strings.Contains(out, "publish") {
		t.Errorf("topic grant:\n%s", out)
	}
	mustCLI(t, s, "topic", "grant", inst.Name, topic, "--default", "--permission", "subscribe")
	var tg streamplane.TopicGrants
	mustJSON(t, mustCLI(t, s, "topic", "grants", inst.Name, topic, "-o", "json"), &tg)
	grantsAre(t, &tg, false, "*=subscribe", "u-bob=publish")
	out = mustCLI(t, s, "topic", "grants", inst.Name, topic)
	if !strings.Contains(out, "(default: every user)") {
		t.Errorf("topic grants:\n%s", out)
	}
	out = mustCLI(t, s, "topic", "grants", inst.Name, topic, "-o", "csv")
	if out != "user,default,permission\n,yes,subscribe\nu-bob,no,publish\n" {
		t.Errorf("topic grants -o csv:\n%s", out)
	}

	mustJSON(t, mustCLI(t, s, "topic", "revoke", inst.Name, topic, "--default", "-o", "json"), &tg)
	grantsAre(t, &tg, false, "u-bob=publish")
	mustCLI(t, s, "topic", "revoke", inst.Name, topic, "--user", bob.name)
	mustJSON(t, mustCLI(t, s, "topic", "grants", inst.Name, topic, "-o", "json"), &tg)
	grantsAre(t, &tg, true)

	for _, tc := range []struct {
		args    []string
		mention string
	}{
		{[]string{"topic", "grant", inst.Name, topic, "--permission", "publish"}, "exactly one of --user NAME and --default"},
		{[]string{"topic", "grant", inst.Name, topic, "--user", bob.name, "--default", "--permission", "publish"}, "exactly one of"},
		{[]string{"topic", "grant", inst.Name, topic, "--user", bob.name}, "--permission"},
		{[]string{"topic", "grant", inst.Name, topic, "--user", bob.name, "--permission", "all"}, "INVALID_ARGUMENT"},
		{[]string{"topic", "grant", inst.Name, topic, "--user", "u-nobody", "--permission", "publish"}, "(field user)"},
		{[]string{"topic", "revoke", inst.Name, topic, "--user", bob.name}, "NOT_FOUND"},
	} {
		if out, err := cli(t, s, tc.args...); err == nil || !strings.Contains(out, tc.mention) {
			t.Errorf("streamplane %s: %v, want a refusal mentioning %q\n%s", strings.Join(tc.args, " "), err, tc.mention, out)
		}
	}
}
