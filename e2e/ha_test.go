// Not in kfake: several servers sharing one PostgreSQL store, taking over
// each other's tasks and instances, and a store that goes away for a while.

package e2e

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/client"
	"github.com/twmb/franz-go/pkg/kgo"
)

// haPair starts two servers on one new PostgreSQL database and one data
// directory, as the local provisioner requires.
func haPair(t *testing.T, name string) (a, b *Server) {
	t.Helper()
	_, url := postgresDB(t, name)
	a = NewServer(t, ServerOptions{Args: []string{"--store", url}})
	b = NewServer(t, ServerOptions{Args: []string{"--store", url}, ShareDataWith: a})
	t.Cleanup(func() { b.Stop(); a.Close() })
	return a, b
}

// Server A is killed right after each step of an instance creation in
// turn (the fault hook exits it before the step's end is recorded). Server
// B, up all along, takes the task over once A's lease expires and finishes
// it: the instance runs with its brokers, each once, on ports of their
// own, and with its one initial user.
func TestHATakeoverAtEveryCreateStep(t *testing.T) {
	a, b := haPair(t, "ha_takeover")
	const steps = 8 // the create_instance workflow's steps
	var takeovers []time.Duration
	for n := 1; n <= steps; n++ {
		t.Run(fmt.Sprintf("A dies after step %d", n), func(t *testing.T) {
			a.t, b.t = t, t
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			a.Stop()
			a.Start(fmt.Sprintf("STREAMPLANE_FAULT_EXIT_AFTER_STEP=create_instance:%d", n))
			spec := secureSpec(fmt.Sprintf("ha-%d", n), 3, streamplane.MechanismSCRAM)
			inst, task, err := a.Client.CreateInstance(ctx, spec)
			if err != nil {
				t.Fatal(err)
			}
			if len(task.Steps) != steps {
				t.Fatalf("create task has %d steps, the test expects %d: update it", len(task.Steps), steps)
			}
			if code := a.WaitExit(2 * time.Minute); code != 86 {
				t.Fatalf("server A exited with %d, want the fault hook's 86; log:\n%s", code, a.LogTail(30))
			}
			died := time.Now()
			done, err := b.Client.WaitTask(ctx, task.ID, nil)
			if err != nil {
				t.Fatalf("task on server B: %v\n%s", err, b.LogTail(40))
			}
			takeovers = append(takeovers, time.Since(died))
			if done.Steps[n-1].Status != streamplane.StepDone {
				t.Fatalf("step %d is %s", n, done.Steps[n-1].Status)
			}
			inst = waitStatus(t, b, inst.ID, streamplane.InstanceRunning, time.Minute)
			if pids := brokerProcesses(filepath.Join(b.Dir, "instances", inst.ID)); len(pids) != 3 {
				t.Errorf("instance runs %d broker processes, want 3: %v", len(pids), pids)
			}
			ports := map[int]string{}
			for _, br := range inst.Brokers {
				if br.State != streamplane.BrokerActive {
					t.Errorf("broker %d is %s", br.ID, br.State)
				}
				if other, taken := ports[br.Port]; taken {
					t.Errorf("brokers %s and %d both listen on port %d", other, br.ID, br.Port)
				}
				ports[br.Port] = fmt.Sprint(br.ID)
			}
			users, err := b.Client.KafkaUsers(ctx, inst.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(users.Users) != 1 || users.Users[0].Name != secureUser {
				t.Errorf("users after the takeover: %+v, want only %s", users.Users, secureUser)
			}
			produceConsume(t, b, inst)
			del, err := b.Client.DeleteInstance(ctx, inst.ID)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := b.Client.WaitTask(ctx, del.ID, nil); err != nil {
				t.Fatal(err)
			}
		})
	}
	t.Logf("server B finished server A's task %v after A died", takeovers)
}

// Both servers take changes at once: 100 topic creations that together
// want four times the instance's partition limit and 100 user creations
// for an instance that takes 20 users, spread over both servers. Every
// request ends created or refused for the limit, and the limits hold
// exactly: the instance is full, and not one over.
func TestHALimitsHoldAcrossServers(t *testing.T) {
	a, b := haPair(t, "ha_limits")
	inst := createInstance(t, a, secureSpec("ha-limits", 1, streamplane.MechanismSCRAM))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	before, err := a.Client.Topics(ctx, inst.ID, client.TopicListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	const requests, partitions = 100, 10
	room := before.PartitionLimit - before.PartitionsUsed
	if requests*partitions < 2*room {
		t.Fatalf("%d topics of %d partitions do not overflow the %d partitions left", requests, partitions, room)
	}

	var topicsMade, usersMade, topicsRefused, usersRefused atomic.Int32
	var wg sync.WaitGroup
	servers := []*Server{a, b}
	for i := range requests {
		wg.Add(2)
		go func() {
			defer wg.Done()
			c := servers[i%2].Client
			err := untilNotBusy(ctx, c, func() error {
				_, err := c.CreateTopic(ctx, inst.ID, streamplane.TopicSpec{Name: fmt.Sprintf("t-%03d", i), Partitions: partitions, Replicas: 1})
				return err
			})
			countOutcome(t, err, &topicsMade, &topicsRefused)
		}()
		go func() {
			defer wg.Done()
			c := servers[(i+1)%2].Client
			err := untilNotBusy(ctx, c, func() error {
				_, err := c.CreateKafkaUser(ctx, inst.ID, fmt.Sprintf("user-%03d", i), "Passw0rd-"+fmt.Sprint(i)+"-long")
				return err
			})
			countOutcome(t, err, &usersMade, &usersRefused)
		}()
	}
	wg.Wait()

	after, err := b.Client.Topics(ctx, inst.ID, client.TopicListOptions{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	made := int(topicsMade.Load())
	if after.PartitionsUsed > after.PartitionLimit || after.PartitionLimit-after.PartitionsUsed >= partitions {
		t.Errorf("partitions used %d of %d after the rush: want the limit filled to within one topic, never passed", after.PartitionsUsed, after.PartitionLimit)
	}
	if after.PartitionsUsed != before.PartitionsUsed+made*partitions || int(topicsRefused.Load()) != requests-made {
		t.Errorf("%d topics created, %d refused; partitions used %d → %d", made, topicsRefused.Load(), before.PartitionsUsed, after.PartitionsUsed)
	}
	users, err := a.Client.KafkaUsers(ctx, inst.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(users.Users) != streamplane.MaxKafkaUsers || int(usersMade.Load()) != streamplane.MaxKafkaUsers-1 || int(usersRefused.Load()) != requests-streamplane.MaxKafkaUsers+1 {
		t.Errorf("%d users (limit %d): %d created, %d refused", len(users.Users), streamplane.MaxKafkaUsers, usersMade.Load(), usersRefused.Load())
	}
	t.Logf("%d topics and %d users created, %d and %d refused for the limits", made, usersMade.Load(), topicsRefused.Load(), usersRefused.Load())
}

// untilNotBusy repeats a change while the instance is busy with another
// (409 INSTANCE_BUSY), as a client of the API does, waiting a little,
// more each time, between attempts. A change still running when its
// request answers (202) is followed to its end.
func untilNotBusy(ctx context.Context, c *client.Client, change func() error) error {
	wait := 20 * time.Millisecond
	for {
		err := change()
		var running *client.StillRunning
		if errors.As(err, &running) {
			_, err = c.WaitTask(ctx, running.Task.ID, nil)
			return err
		}
		var e *client.Error
		if !errors.As(err, &e) || e.App.Code != streamplane.EBUSY {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait + rand.N(wait)):
		}
		wait = min(2*wait, 500*time.Millisecond)
	}
}

// countOutcome counts a change made or refused for a limit; anything else
// fails the test.
func countOutcome(t *testing.T, err error, made, refused *atomic.Int32) {
	var e *client.Error
	var failed *client.TaskFailedError
	switch {
	case err == nil:
		made.Add(1)
	case errors.As(err, &e) && e.App.Code == streamplane.ELIMIT,
		errors.As(err, &failed) && strings.Contains(failed.Task.Error, streamplane.ELIMIT):
		refused.Add(1)
	default:
		t.Errorf("change: %v, want created or refused for the limit", err)
	}
}

// PostgreSQL stops for 20 s while an instance is being created: the API
// answers 503 STORE_UNAVAILABLE meanwhile, the brokers already started
// keep running, and the task completes once the database is back.
func TestStoreOutageDuringCreate(t *testing.T) {
	pg, url := postgresDB(t, "outage")
	s := NewServer(t, ServerOptions{Args: []string{"--store", url}})
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	inst, task, err := s.Client.CreateInstance(ctx, devSpec("outage", 3))
	if err != nil {
		t.Fatal(err)
	}
	// Stop the database once the brokers run: the task is waiting for the
	// cluster to form or past it.
	var started []int
	eventually(t, 2*time.Minute, func() (bool, string) {
		started = brokerProcesses(filepath.Join(s.Dir, "instances", inst.ID))
		return len(started) == 3, fmt.Sprintf("%d broker processes", len(started))
	})
	if tk, err := s.Client.Task(ctx, task.ID); err != nil || tk.Status != streamplane.TaskRunning {
		t.Fatalf("the create task before the outage: %v %+v; want it still RUNNING", err, tk)
	}
	if err := pg.Stop(); err != nil {
		t.Fatal(err)
	}
	outage := time.Now()
	var answers []int
	// The outage lasts 20 s by the test's design; meanwhile the API is
	// asked every half second.
	for time.Since(outage) < 20*time.Second {
		_, err := s.Client.Instance(ctx, inst.ID)
		var e *client.Error
		switch {
		case errors.As(err, &e) && e.StatusCode == http.StatusServiceUnavailable && e.App.Code == streamplane.ESTOREDOWN:
			answers = append(answers, e.StatusCode)
			if strings.Contains(e.App.Message, "127.0.0.1") || strings.Contains(e.App.Message, "user=") {
				t.Fatalf("the 503 shows the database's address or user to the client: %s", e.App.Message)
			}
		case err == nil:
			t.Fatal("the API answered 200 while the store was down")
		default:
			t.Fatalf("while the store was down: %v, want 503 %s", err, streamplane.ESTOREDOWN)
		}
		time.Sleep(500 * time.Millisecond)
	}
	if now := brokerProcesses(filepath.Join(s.Dir, "instances", inst.ID)); fmt.Sprint(now) != fmt.Sprint(started) {
		t.Errorf("broker processes %v during the outage, want %v untouched", now, started)
	}
	if err := pg.Start(); err != nil {
		t.Fatal(err)
	}
	done, err := s.Client.WaitTask(ctx, task.ID, nil)
	if err != nil || done.Status != streamplane.TaskSucceeded {
		t.Fatalf("the create task after the outage: %v %+v\n%s", err, done, s.LogTail(40))
	}
	inst = waitStatus(t, s, inst.ID, streamplane.InstanceRunning, time.Minute)
	if len(inst.Brokers) != 3 {
		t.Errorf("instance has %d brokers, want 3", len(inst.Brokers))
	}
	produceConsume(t, s, inst)
	t.Logf("%d answers of 503 %s during the 20 s outage", len(answers), streamplane.ESTOREDOWN)
}

// produceConsume creates a topic on the instance and sends a record
// through it and back with a stock client, as the initial user on a
// SASL_SSL instance.
func produceConsume(t *testing.T, s *Server, inst *streamplane.Instance) {
	t.Helper()
	replicas := min(3, len(inst.Brokers))
	if _, err := s.Client.CreateTopic(context.Background(), inst.ID, streamplane.TopicSpec{Name: "round-trip", Partitions: 1, Replicas: replicas}); err != nil {
		t.Fatal(err)
	}
	listener, opts := streamplane.ListenerPrivatePlaintext, []kgo.Opt(nil)
	if inst.SASL() {
		pool, _ := caPool(t, s, inst.ID)
		listener, opts = streamplane.ListenerPrivateSASLSSL, saslOpts(pool, streamplane.MechanismSCRAM, secureUser, securePassword)
	}
	if err := roundTrip(t, inst, listener, "round-trip", "hello from "+inst.Name, opts...); err != nil {
		t.Errorf("a record through instance %s: %v", inst.Name, err)
	}
}

// A server on SQLite with a running instance is stopped, its store moved
// into PostgreSQL with migrate-store, and started again on PostgreSQL: it
// adopts the brokers as they run, and knows the instance's users, tasks
// and audit trail.
func TestMigrateStoreToPostgres(t *testing.T) {
	s := NewServer(t, ServerOptions{})
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	inst := createInstance(t, s, secureSpec("moved", 1, streamplane.MechanismSCRAM))
	if _, err := s.Client.CreateKafkaUser(ctx, inst.ID, "reader", "Reader-Passw0rd"); err != nil {
		t.Fatal(err)
	}
	type view struct {
		users, tasks, audit int
		pids                []int
	}
	look := func() view {
		users, err := s.Client.KafkaUsers(ctx, inst.ID)
		if err != nil {
			t.Fatal(err)
		}
		tasks, err := s.Client.Tasks(ctx, client.TaskOptions{Instance: inst.ID})
		if err != nil {
			t.Fatal(err)
		}
		audit, err := s.Client.Audit(ctx, client.AuditOptions{})
		if err != nil {
			t.Fatal(err)
		}
		cur := waitStatus(t, s, inst.ID, streamplane.InstanceRunning, time.Minute)
		var pids []int
		for _, b := range cur.Brokers {
			pids = append(pids, b.PID)
		}
		return view{len(users.Users), tasks.Total, audit.Total, pids}
	}
	before := look()
	s.Stop()

	_, url := postgresDB(t, "moved")
	out, err := cli(t, s, "server", "migrate-store", "--from", "sqlite://"+filepath.Join(s.Dir, "streamplane.db"), "--to", url)
	if err != nil || !strings.Contains(out, "the copy matches the source") {
		t.Fatalf("migrate-store: %v\n%s", err, out)
	}
	// The old SQLite store is refused from now on: a server on it would
	// run the brokers beside the servers on PostgreSQL.
	old := exec.Command(binary, "server", "--data", t.TempDir(), "--listen", "127.0.0.1:0",
		"--store", "sqlite://"+filepath.Join(s.Dir, "streamplane.db"))
	if out, err := old.CombinedOutput(); err == nil || !strings.Contains(string(out), "migrate-store") {
		t.Errorf("a server on the moved SQLite store: %v\n%s\nwant refused, naming the move", err, out)
	}
	s.args = append(s.args, "--store", url)
	s.Start()
	after := look()
	// The server's start is audited anew on the new store, if at all:
	// compare what was moved.
	if after.users != before.users || after.tasks != before.tasks || after.audit < before.audit || fmt.Sprint(after.pids) != fmt.Sprint(before.pids) {
		t.Errorf("on PostgreSQL: %+v; on SQLite before the move: %+v (users, tasks, audit entries, broker pids)", after, before)
	}
	for _, pid := range after.pids {
		if _, alive := procStart(pid); !alive {
			t.Errorf("broker process %d is gone", pid)
		}
	}
	produceConsume(t, s, inst)
	if _, err := s.Client.CreateKafkaUser(ctx, inst.ID, "writer", "Writer-Passw0rd"); err != nil {
		t.Errorf("a change on the moved store: %v", err)
	}
}
