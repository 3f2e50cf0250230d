package service_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/kafkaadmin"
	"github.com/streamplane/streamplane/secrets"
	"github.com/streamplane/streamplane/service"
	"github.com/streamplane/streamplane/sqlite"
	"github.com/streamplane/streamplane/task"
	"github.com/twmb/franz-go/pkg/kfake"
)

// These tests run changes inside an instance against franz-go's in-process
// kfake cluster and a SQLite store in a temporary directory: no JVM. What
// kfake cannot model (SCRAM logins, PLAIN files read by brokers, dynamic
// broker configs) is covered by the e2e fault tests.

const (
	fakeAdmin    = "streamplane-admin"
	fakePassword = "admin-secret"
	owner        = "server-1"
)

// fixture is a service on a store holding one RUNNING 1-broker instance
// whose brokers are a kfake cluster.
type fixture struct {
	svc   *service.Service
	store *sqlite.DB
	inst  *streamplane.Instance
	fake  *kfake.Cluster
	pool  *kafkaadmin.Pool
	files *plainFiles
}

// newFixture makes a PLAINTEXT instance.
func newFixture(t *testing.T) *fixture { return newFixtureWith(t, streamplane.ProtocolPlaintext) }

// newSASLFixture makes a SASL_SSL instance offering SCRAM and PLAIN.
func newSASLFixture(t *testing.T) *fixture { return newFixtureWith(t, streamplane.ProtocolSASLSSL) }

func newFixtureWith(t *testing.T, protocol string) *fixture {
	t.Helper()
	ctx := context.Background()
	fake, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.EnableSASL(), kfake.Superuser("PLAIN", fakeAdmin, fakePassword))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fake.Close)
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	box, err := secrets.New(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	pool := kafkaadmin.NewPool(func(context.Context, *streamplane.Instance) ([]string, streamplane.Credentials, error) {
		return fake.ListenAddrs(), streamplane.Credentials{AdminUser: fakeAdmin, AdminPassword: fakePassword}, nil
	})
	t.Cleanup(pool.Close)
	inst := &streamplane.Instance{
		ID: "i-1", Name: "demo", Version: "4.1.1", Flavor: streamplane.DevFlavor, BrokerCount: 1, StorageGBPerBroker: 10,
		DiskType: "ultrahigh", Zones: []string{"az1"}, Status: streamplane.InstanceRunning,
		SecurityProtocol: protocol,
		Brokers:          []streamplane.Broker{{ID: 0, Roles: []string{"broker", "controller"}, State: streamplane.BrokerActive, Rack: "az1", Host: "127.0.0.1"}},
	}
	if protocol == streamplane.ProtocolSASLSSL {
		inst.SASLMechanisms, inst.KafkaUser = []string{streamplane.MechanismSCRAM, streamplane.MechanismPlain}, "appuser"
	}
	inst.AppliedParameters = inst.StaticParams() // the brokers run as desired
	if err := store.Update(ctx, func(tx streamplane.Tx) error { return tx.CreateInstance(inst) }); err != nil {
		t.Fatal(err)
	}
	files := &plainFiles{store: store}
	svc := &service.Service{Store: store, Admin: pool, Vault: &secrets.Vault{Store: store, Box: box}, Files: files, Plain: plainHasher{},
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	svc.Engine = newEngine(store, svc.ChangeWorkflows())
	return &fixture{svc: svc, store: store, inst: inst, fake: fake, pool: pool, files: files}
}

func newEngine(store streamplane.Store, workflows map[string]task.Workflow) *task.Engine {
	return &task.Engine{Store: store, Owner: owner, Workflows: workflows, Lease: time.Minute}
}

// run runs an engine until the test ends.
func run(t *testing.T, e *task.Engine) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); e.Run(ctx) }()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(stop)
	return stop
}

func (f *fixture) tasks(t *testing.T, kind string) []*streamplane.Task {
	t.Helper()
	var list []*streamplane.Task
	err := f.store.View(context.Background(), func(tx streamplane.Tx) (err error) {
		list, _, err = tx.Tasks(streamplane.TaskFilter{InstanceID: f.inst.ID, Kind: kind})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// partitions returns a topic's partition count as Kafka has it, 0 if none.
func (f *fixture) partitions(t *testing.T, topic string) int {
	t.Helper()
	cl, err := f.pool.Get(context.Background(), f.inst)
	if err != nil {
		t.Fatal(err)
	}
	metas, err := cl.Topics(context.Background(), topic)
	if err != nil {
		t.Fatal(err)
	}
	if len(metas) != 1 || metas[0].Err != nil {
		return 0
	}
	return len(metas[0].Partitions)
}

func wantCode(t *testing.T, err error, code, field string) {
	t.Helper()
	var app *streamplane.Error
	if !errors.As(err, &app) || app.Code != code || app.Field != field {
		t.Fatalf("error = %v; want %s naming field %q", err, code, field)
	}
}

func TestTopicChanges(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	d, err := f.svc.CreateTopic(ctx, "demo", streamplane.TopicSpec{Name: "orders", Partitions: 3})
	if err != nil {
		t.Fatal(err)
	}
	if d.Topic.Partitions != 3 || f.partitions(t, "orders") != 3 {
		t.Fatalf("created %+v; Kafka has %d partitions", d.Topic, f.partitions(t, "orders"))
	}
	_, err = f.svc.CreateTopic(ctx, "demo", streamplane.TopicSpec{Name: "orders", Partitions: 1})
	wantCode(t, err, streamplane.ECONFLICT, "name")
	// The partition limit (250 for one dev broker) is checked by the task.
	for _, name := range []string{"filler-1", "filler-2"} {
		if _, err := f.svc.CreateTopic(ctx, "demo", streamplane.TopicSpec{Name: name, Partitions: 100}); err != nil {
			t.Fatal(err)
		}
	}
	_, err = f.svc.CreateTopic(ctx, "demo", streamplane.TopicSpec{Name: "big", Partitions: 48})
	wantCode(t, err, streamplane.ELIMIT, "partitions")
	six := 6
	if d, err = f.svc.UpdateTopic(ctx, "demo", "orders", streamplane.TopicUpdate{Partitions: &six}); err != nil || d.Topic.Partitions != 6 {
		t.Fatalf("update: %+v %v", d, err)
	}
	two := 2
	_, err = f.svc.UpdateTopic(ctx, "demo", "orders", streamplane.TopicUpdate{Partitions: &two})
	wantCode(t, err, streamplane.EINVALID, "partitions")

	// Bad input is refused as such: 400 before the instance is taken.
	_, err = f.svc.CreateTopic(ctx, "demo", streamplane.TopicSpec{Name: "bad name!"})
	wantCode(t, err, streamplane.EINVALID, "name")

	out, err := f.svc.DeleteTopics(ctx, "demo", []string{"orders", "nope", "orders"})
	if err != nil || len(out) != 2 || out[0].Topic != "orders" || out[0].Err != nil || out[1].Topic != "nope" ||
		streamplane.ErrorCode(out[1].Err) != streamplane.ENOTFOUND {
		t.Fatalf("batch delete = %+v, %v; want orders deleted and nope not found", out, err)
	}
	if n := f.partitions(t, "orders"); n != 0 {
		t.Errorf("orders still has %d partitions", n)
	}

	// Every change is on the task list with its outcome.
	for kind, want := range map[string][]streamplane.TaskStatus{
		streamplane.TaskCreateTopic:  {streamplane.TaskSucceeded, streamplane.TaskSucceeded, streamplane.TaskSucceeded, streamplane.TaskFailed, streamplane.TaskFailed, streamplane.TaskFailed},
		streamplane.TaskUpdateTopic:  {streamplane.TaskSucceeded, streamplane.TaskFailed},
		streamplane.TaskDeleteTopics: {streamplane.TaskFailed},
	} {
		got := map[streamplane.TaskStatus]int{}
		for _, tk := range f.tasks(t, kind) {
			got[tk.Status]++
			if tk.Status == streamplane.TaskSucceeded && tk.Result == "" || tk.Status == streamplane.TaskFailed && tk.Error == "" {
				t.Errorf("%s task %s has no result or error: %+v", kind, tk.Status, tk)
			}
		}
		wantCounts := map[streamplane.TaskStatus]int{}
		for _, s := range want {
			wantCounts[s]++
		}
		for s, n := range wantCounts {
			if got[s] != n {
				t.Errorf("%s tasks: %v, want %v", kind, got, wantCounts)
			}
		}
	}
}

// A change on an instance another task holds is refused naming the holder,
// before any Kafka call; bad input on it is refused as bad input.
func TestChangeOnBusyInstance(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	holder, err := streamplane.NewTask("t-restart", streamplane.TaskRestartInstance, f.inst.ID, f.inst.Name, struct{}{}, "Restart")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.store.Update(ctx, func(tx streamplane.Tx) error { return tx.CreateTask(holder) }); err != nil {
		t.Fatal(err)
	}
	f.fake.Close() // no Kafka call may be made
	_, err = f.svc.CreateTopic(ctx, "demo", streamplane.TopicSpec{Name: "orders"})
	var app *streamplane.Error
	if !errors.As(err, &app) || app.Code != streamplane.EBUSY || app.TaskID != holder.ID {
		t.Fatalf("create on a busy instance: %v; want BUSY naming %s", err, holder.ID)
	}
	_, err = f.svc.CreateTopic(ctx, "demo", streamplane.TopicSpec{Name: "bad name!"})
	wantCode(t, err, streamplane.EINVALID, "name")
}

// crashAfter returns workflows whose step n (1-based) of kind does its
// work and then stops the engine (crash must not wait for it), as a
// server killed right after the step would: its end is not recorded.
func crashAfter(workflows map[string]task.Workflow, kind string, n int, crash func()) map[string]task.Workflow {
	out := map[string]task.Workflow{}
	for k, wf := range workflows {
		if k == kind {
			steps := append([]task.Step(nil), wf.Steps...)
			run := steps[n-1].Run
			steps[n-1].Run = func(ctx context.Context, r *task.Run) error {
				err := run(ctx, r)
				crash()
				<-ctx.Done()
				return err
			}
			wf.Steps = steps
		}
		out[k] = wf
	}
	return out
}

// A server that stops after any step of a topic creation or partition
// change finishes the change when it starts again.
func TestTopicChangesResumeAfterCrash(t *testing.T) {
	for _, tc := range []struct {
		kind  string
		steps int
	}{{streamplane.TaskCreateTopic, 3}, {streamplane.TaskUpdateTopic, 3}} {
		for n := 1; n <= tc.steps; n++ {
			t.Run(fmt.Sprintf("%s/after step %d", tc.kind, n), func(t *testing.T) {
				f := newFixture(t)
				ctx := context.Background()
				if tc.kind == streamplane.TaskUpdateTopic {
					if _, err := f.svc.CreateTopic(ctx, "demo", streamplane.TopicSpec{Name: "orders", Partitions: 2}); err != nil {
						t.Fatal(err)
					}
				}
				var stop func()
				crashing := newEngine(f.store, crashAfter(f.svc.ChangeWorkflows(), tc.kind, n, func() { go stop() }))
				stop = run(t, crashing)
				f.svc.Engine = crashing

				var err error
				eight := 8
				if tc.kind == streamplane.TaskCreateTopic {
					_, err = f.svc.CreateTopic(ctx, "demo", streamplane.TopicSpec{Name: "orders", Partitions: 4})
				} else {
					_, err = f.svc.UpdateTopic(ctx, "demo", "orders", streamplane.TopicUpdate{Partitions: &eight})
				}
				var running *service.Unfinished
				if !errors.As(err, &running) {
					t.Fatalf("the interrupted change answered %v; want it unfinished (202)", err)
				}
				if tk := f.tasks(t, tc.kind)[0]; tk.Status != streamplane.TaskRunning || tk.Current != n-1 {
					t.Fatalf("after the crash the task is %s at step %d; want RUNNING at step %d", tk.Status, tk.Current, n-1)
				}

				// The restarted server: a new engine, the same owner.
				run(t, newEngine(f.store, f.svc.ChangeWorkflows()))
				deadline := time.Now().Add(15 * time.Second)
				for {
					tk := f.tasks(t, tc.kind)[0]
					if tk.Status.Done() {
						if tk.Status != streamplane.TaskSucceeded {
							t.Fatalf("resumed task %s: %s", tk.Status, tk.Error)
						}
						break
					}
					if time.Now().After(deadline) {
						t.Fatalf("the task did not finish after the restart: %+v", tk)
					}
					time.Sleep(20 * time.Millisecond)
				}
				want := 4
				if tc.kind == streamplane.TaskUpdateTopic {
					want = 8
				}
				if got := f.partitions(t, "orders"); got != want {
					t.Errorf("topic has %d partitions, want %d", got, want)
				}
			})
		}
	}
}

// Two creations that together pass the partition limit (100 used, 250 the
// limit, 100 asked by each): exactly one succeeds, the other is refused as
// busy or over the limit.
func TestConcurrentCreatesKeepThePartitionLimit(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.svc.CreateTopic(ctx, "demo", streamplane.TopicSpec{Name: "base", Partitions: 100}); err != nil {
		t.Fatal(err)
	}
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i, name := range []string{"left", "right"} {
		wg.Go(func() {
			_, errs[i] = f.svc.CreateTopic(ctx, "demo", streamplane.TopicSpec{Name: name, Partitions: 100})
		})
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch code := streamplane.ErrorCode(err); {
		case err == nil:
			ok++
		case code != streamplane.EBUSY && code != streamplane.ELIMIT:
			t.Errorf("the refused creation got %v; want BUSY or LIMIT", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d creations succeeded (%v); want exactly 1", ok, errs)
	}
	if total := f.partitions(t, "left") + f.partitions(t, "right"); total != 100 {
		t.Errorf("Kafka has %d partitions in the two topics, want 100", total)
	}
}

// A change that outlasts the answer's deadline answers with its task,
// which goes on in the background and ends as asked.
func TestSlowChangeAnswersWithItsTask(t *testing.T) {
	f := newFixture(t)
	release := make(chan struct{})
	workflows := f.svc.ChangeWorkflows()
	wf := workflows[streamplane.TaskCreateTopic]
	wf.Steps = slices.Clone(wf.Steps)
	check := wf.Steps[0].Run
	wf.Steps[0].Run = func(ctx context.Context, r *task.Run) error {
		<-release
		return check(ctx, r)
	}
	workflows[streamplane.TaskCreateTopic] = wf
	f.svc.Engine = newEngine(f.store, workflows)
	started := time.Now()
	_, err := f.svc.CreateTopic(context.Background(), "demo", streamplane.TopicSpec{Name: "slow", Partitions: 1})
	var running *service.Unfinished
	if !errors.As(err, &running) || running.Task.Status != streamplane.TaskRunning || running.Task.Kind != streamplane.TaskCreateTopic {
		t.Fatalf("a slow change answered %v; want it unfinished with its running task", err)
	}
	if waited := time.Since(started); waited > 30*time.Second {
		t.Errorf("the answer took %s", waited)
	}
	close(release)
	if tk := f.waitTask(t, streamplane.TaskCreateTopic); tk.Status != streamplane.TaskSucceeded || f.partitions(t, "slow") != 1 {
		t.Fatalf("the task in the background: %s %q; topic has %d partitions", tk.Status, tk.Error, f.partitions(t, "slow"))
	}
}
