package task_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/sqlite"
	"github.com/streamplane/streamplane/task"
)

// waitTimeout bounds every wait for a condition; conditions are polled.
const waitTimeout = 15 * time.Second

// MustOpenDB opens a fresh SQLite store in a temporary directory.
func MustOpenDB(t *testing.T) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// MustCreateTask stores a pending task of kind with the workflow's steps;
// edit, if not nil, changes it before it is stored.
func MustCreateTask(t *testing.T, db *sqlite.DB, id string, wf task.Workflow, edit func(*streamplane.Task)) {
	t.Helper()
	tk, err := streamplane.NewTask(id, wf.Kind, "", "target-"+id, map[string]string{"id": id}, wf.StepNames()...)
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(tk)
	}
	if err := db.Update(context.Background(), func(tx streamplane.Tx) error { return tx.CreateTask(tk) }); err != nil {
		t.Fatal(err)
	}
}

// MustTask loads a task from the store.
func MustTask(t *testing.T, db *sqlite.DB, id string) *streamplane.Task {
	t.Helper()
	var tk *streamplane.Task
	if err := db.View(context.Background(), func(tx streamplane.Tx) (err error) {
		tk, err = tx.Task(id)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return tk
}

// waitFor polls cond until it holds or waitTimeout passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", waitTimeout, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitTask polls the store until task id satisfies cond, and returns it.
func waitTask(t *testing.T, db *sqlite.DB, id, what string, cond func(*streamplane.Task) bool) *streamplane.Task {
	t.Helper()
	var tk *streamplane.Task
	waitFor(t, fmt.Sprintf("task %s to be %s", id, what), func() bool {
		tk = MustTask(t, db, id)
		return cond(tk)
	})
	return tk
}

func waitDone(t *testing.T, db *sqlite.DB, id string) *streamplane.Task {
	t.Helper()
	return waitTask(t, db, id, "done", func(tk *streamplane.Task) bool { return tk.Status.Done() })
}

// startEngine runs e until the returned stop is called (or the test ends);
// stop returns once Run has returned. Run's first pass finds the tasks
// stored before it started; Wake covers tasks stored later.
func startEngine(t *testing.T, e *task.Engine) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.Run(ctx)
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case <-done:
			case <-time.After(waitTimeout):
				t.Errorf("engine did not stop within %s", waitTimeout)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// recorder records what the workflow's steps and hooks did, in order.
type recorder struct {
	mu         sync.Mutex
	calls      []string
	finishErrs []error
	onFailErrs []error
}

func (r *recorder) add(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, s)
}

func (r *recorder) get() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.calls)
}

// workflow returns a workflow of kind whose steps record their names and
// then run fn (nil: succeed); Finish and OnFail record their errors.
func (r *recorder) workflow(kind string, names []string, fn map[string]func(ctx context.Context, run *task.Run) error) task.Workflow {
	wf := task.Workflow{
		Kind: kind,
		Finish: func(tx streamplane.Tx, run *task.Run, err error) error {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.calls = append(r.calls, "finish")
			r.finishErrs = append(r.finishErrs, err)
			return nil
		},
		OnFail: func(ctx context.Context, run *task.Run, err error) {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.calls = append(r.calls, "onfail")
			r.onFailErrs = append(r.onFailErrs, err)
		},
	}
	for _, name := range names {
		wf.Steps = append(wf.Steps, task.Step{Name: name, Run: func(ctx context.Context, run *task.Run) error {
			r.add(name)
			if f := fn[name]; f != nil {
				return f(ctx, run)
			}
			return nil
		}})
	}
	return wf
}

func newEngine(db *sqlite.DB, owner string, wfs ...task.Workflow) *task.Engine {
	e := &task.Engine{Store: db, Owner: owner, Workflows: map[string]task.Workflow{}}
	for _, wf := range wfs {
		e.Workflows[wf.Kind] = wf
	}
	return e
}

func TestEngine(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		db := MustOpenDB(t)
		rec := &recorder{}
		wf := rec.workflow("test", []string{"one", "two", "three"}, nil)
		MustCreateTask(t, db, "t1", wf, nil)
		e := newEngine(db, "srv-1", wf)
		stop := startEngine(t, e)

		tk := waitDone(t, db, "t1")
		stop()
		if got, want := tk.Status, streamplane.TaskSucceeded; got != want {
			t.Fatalf("Status = %s, want %s (error %q)", got, want, tk.Error)
		}
		if got, want := tk.Progress, 100; got != want {
			t.Errorf("Progress = %d, want %d", got, want)
		}
		if got, want := tk.Current, 3; got != want {
			t.Errorf("Current = %d, want %d", got, want)
		}
		for _, s := range tk.Steps {
			if s.Status != streamplane.StepDone || s.StartedAt == nil || s.FinishedAt == nil {
				t.Errorf("step %s: status %s, started %v, finished %v; want DONE with both times", s.Name, s.Status, s.StartedAt, s.FinishedAt)
			}
		}
		if tk.Error != "" || tk.StartedAt == nil || tk.FinishedAt == nil {
			t.Errorf("Error %q, StartedAt %v, FinishedAt %v; want no error and both times", tk.Error, tk.StartedAt, tk.FinishedAt)
		}
		if tk.LeaseOwner != "" || tk.LeaseUntil != nil {
			t.Errorf("lease %q until %v kept after the end, want released", tk.LeaseOwner, tk.LeaseUntil)
		}
		if got, want := rec.get(), []string{"one", "two", "three", "finish"}; !slices.Equal(got, want) {
			t.Errorf("calls = %q, want %q", got, want)
		}
		if got, want := len(rec.finishErrs), 1; got != want {
			t.Fatalf("Finish called %d times, want %d", got, want)
		}
		if err := rec.finishErrs[0]; err != nil {
			t.Errorf("Finish got err %v, want nil", err)
		}
	})

	t.Run("ErrStepFailed", func(t *testing.T) {
		db := MustOpenDB(t)
		rec := &recorder{}
		errDiskFull := errors.New("disk full")
		wf := rec.workflow("test", []string{"one", "two", "three"}, map[string]func(context.Context, *task.Run) error{
			"two": func(context.Context, *task.Run) error { return errDiskFull },
		})
		MustCreateTask(t, db, "t1", wf, nil)
		e := newEngine(db, "srv-1", wf)
		stop := startEngine(t, e)

		tk := waitDone(t, db, "t1")
		stop()
		if got, want := tk.Status, streamplane.TaskFailed; got != want {
			t.Fatalf("Status = %s, want %s", got, want)
		}
		if !strings.Contains(tk.Error, "two") || !strings.Contains(tk.Error, "disk full") {
			t.Errorf("Error = %q, want it to name step two and its error", tk.Error)
		}
		want := []streamplane.StepStatus{streamplane.StepDone, streamplane.StepFailed, streamplane.StepPending}
		for i, s := range tk.Steps {
			if s.Status != want[i] {
				t.Errorf("step %s: status %s, want %s", s.Name, s.Status, want[i])
			}
		}
		if tk.Steps[1].FinishedAt == nil || tk.FinishedAt == nil {
			t.Error("failed step or task has no finish time")
		}
		if got, want := tk.Progress, 33; got != want {
			t.Errorf("Progress = %d, want %d", got, want)
		}
		if got, want := rec.get(), []string{"one", "two", "onfail", "finish"}; !slices.Equal(got, want) {
			t.Errorf("calls = %q, want %q", got, want)
		}
		if len(rec.onFailErrs) != 1 || !errors.Is(rec.onFailErrs[0], errDiskFull) {
			t.Errorf("OnFail errors = %v, want one wrapping %v", rec.onFailErrs, errDiskFull)
		}
		if len(rec.finishErrs) != 1 || !errors.Is(rec.finishErrs[0], errDiskFull) {
			t.Errorf("Finish errors = %v, want one wrapping %v", rec.finishErrs, errDiskFull)
		}
	})

	t.Run("ErrPanic", func(t *testing.T) {
		db := MustOpenDB(t)
		rec := &recorder{}
		wf := rec.workflow("test", []string{"one", "two"}, map[string]func(context.Context, *task.Run) error{
			"one": func(context.Context, *task.Run) error { panic("boom") },
		})
		ok := rec.workflow("ok", []string{"only"}, nil)
		MustCreateTask(t, db, "t1", wf, nil)
		e := newEngine(db, "srv-1", wf, ok)
		startEngine(t, e)

		tk := waitDone(t, db, "t1")
		if got, want := tk.Status, streamplane.TaskFailed; got != want {
			t.Fatalf("Status = %s, want %s", got, want)
		}
		if !strings.Contains(tk.Error, "panic") || !strings.Contains(tk.Error, "boom") {
			t.Errorf("Error = %q, want it to report the panic", tk.Error)
		}
		if got, want := tk.Steps[0].Status, streamplane.StepFailed; got != want {
			t.Errorf("step one: status %s, want %s", got, want)
		}

		// The engine survived and runs the next task.
		MustCreateTask(t, db, "t2", ok, nil)
		e.Wake()
		if got, want := waitDone(t, db, "t2").Status, streamplane.TaskSucceeded; got != want {
			t.Errorf("next task: Status = %s, want %s", got, want)
		}
	})

	t.Run("OKUnknownKindLeftAlone", func(t *testing.T) {
		// A task of a kind this server does not know (a newer server's,
		// during a rolling upgrade) is left for a server that knows it.
		db := MustOpenDB(t)
		rec := &recorder{}
		known := rec.workflow("known", []string{"one"}, nil)
		MustCreateTask(t, db, "t-new", task.Workflow{Kind: "from-a-newer-server", Steps: []task.Step{{Name: "one"}}}, nil)
		MustCreateTask(t, db, "t-known", known, nil)
		e := newEngine(db, "srv-1", known)
		stop := startEngine(t, e)
		waitDone(t, db, "t-known")
		stop()
		if tk := MustTask(t, db, "t-new"); tk.Status != streamplane.TaskPending || tk.LeaseOwner != "" {
			t.Errorf("the unknown kind's task: %s, lease %q; want PENDING, unclaimed", tk.Status, tk.LeaseOwner)
		}
	})

	t.Run("OKState", func(t *testing.T) {
		type state struct {
			ClusterID string `json:"cluster_id"`
			Brokers   []int  `json:"brokers"`
		}
		db := MustOpenDB(t)
		rec := &recorder{}
		var (
			mu      sync.Mutex
			seen    state
			params  map[string]string
			initial state
		)
		wf := rec.workflow("test", []string{"one", "two"}, map[string]func(context.Context, *task.Run) error{
			"one": func(ctx context.Context, r *task.Run) error {
				mu.Lock()
				defer mu.Unlock()
				if err := r.State(&initial); err != nil {
					return err
				}
				if err := r.Params(&params); err != nil {
					return err
				}
				return r.SaveState(ctx, state{ClusterID: "c-1", Brokers: []int{0, 1, 2}})
			},
			"two": func(ctx context.Context, r *task.Run) error {
				mu.Lock()
				defer mu.Unlock()
				return r.State(&seen)
			},
		})
		MustCreateTask(t, db, "t1", wf, nil)
		e := newEngine(db, "srv-1", wf)
		startEngine(t, e)

		tk := waitDone(t, db, "t1")
		if tk.Status != streamplane.TaskSucceeded {
			t.Fatalf("Status = %s (%s), want SUCCEEDED", tk.Status, tk.Error)
		}
		mu.Lock()
		defer mu.Unlock()
		if initial.ClusterID != "" || initial.Brokers != nil {
			t.Errorf("step one saw state %+v, want empty", initial)
		}
		if got, want := params["id"], "t1"; got != want {
			t.Errorf("Params id = %q, want %q", got, want)
		}
		if seen.ClusterID != "c-1" || !slices.Equal(seen.Brokers, []int{0, 1, 2}) {
			t.Errorf("step two saw state %+v, want what step one saved", seen)
		}
		var stored state
		if err := json.Unmarshal(tk.State, &stored); err != nil || stored.ClusterID != "c-1" {
			t.Errorf("stored state %s (%v), want cluster_id c-1", tk.State, err)
		}
	})

	t.Run("OKProgress", func(t *testing.T) {
		db := MustOpenDB(t)
		rec := &recorder{}
		wf := rec.workflow("test", []string{"copy", "check"}, map[string]func(context.Context, *task.Run) error{
			"copy": func(ctx context.Context, r *task.Run) error {
				r.Progress(ctx, "copied %d of %d topics", 1, 2)
				r.Progress(ctx, "copied %d of %d topics", 2, 2)
				return nil
			},
		})
		MustCreateTask(t, db, "t1", wf, nil)
		e := newEngine(db, "srv-1", wf)
		startEngine(t, e)

		tk := waitDone(t, db, "t1")
		if tk.Status != streamplane.TaskSucceeded {
			t.Fatalf("Status = %s (%s), want SUCCEEDED", tk.Status, tk.Error)
		}
		if got, want := tk.Steps[0].Detail, "copied 2 of 2 topics"; got != want {
			t.Errorf("step copy: Detail = %q, want %q", got, want)
		}
		if got := tk.Steps[1].Detail; got != "" {
			t.Errorf("step check: Detail = %q, want empty", got)
		}
		var events []streamplane.TaskEvent
		if err := db.View(context.Background(), func(tx streamplane.Tx) (err error) {
			events, err = tx.TaskEvents("t1")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		var msgs []string
		for _, ev := range events {
			msgs = append(msgs, ev.Message)
			if ev.TaskID != "t1" || ev.At.IsZero() {
				t.Errorf("event %+v: want task t1 and a time", ev)
			}
		}
		if want := []string{"copied 1 of 2 topics", "copied 2 of 2 topics"}; !slices.Equal(msgs, want) {
			t.Errorf("events = %q, want %q", msgs, want)
		}
	})

	t.Run("OKResume", func(t *testing.T) {
		db := MustOpenDB(t)
		var one, two, three atomic.Int32
		var resumedState atomic.Value
		started := make(chan struct{})
		steps := func(block bool) []task.Step {
			return []task.Step{
				{Name: "one", Run: func(ctx context.Context, r *task.Run) error {
					one.Add(1)
					return r.SaveState(ctx, map[string]string{"cluster_id": "c-1"})
				}},
				{Name: "two", Run: func(ctx context.Context, r *task.Run) error {
					two.Add(1)
					if block {
						close(started)
						<-ctx.Done()
						return ctx.Err()
					}
					var s map[string]string
					if err := r.State(&s); err != nil {
						return err
					}
					resumedState.Store(s["cluster_id"])
					return nil
				}},
				{Name: "three", Run: func(ctx context.Context, r *task.Run) error {
					three.Add(1)
					return nil
				}},
			}
		}
		first := task.Workflow{Kind: "test", Steps: steps(true)}
		MustCreateTask(t, db, "t1", first, nil)

		// The first server runs step one, then is stopped inside step two.
		e1 := newEngine(db, "srv-1", first)
		stop1 := startEngine(t, e1)
		select {
		case <-started:
		case <-time.After(waitTimeout):
			t.Fatal("step two never started")
		}
		stop1()
		tk := MustTask(t, db, "t1")
		if got, want := tk.Status, streamplane.TaskRunning; got != want {
			t.Fatalf("after the server stopped: Status = %s (%q), want %s", got, tk.Error, want)
		}
		if got, want := tk.Current, 1; got != want {
			t.Errorf("after the server stopped: Current = %d, want %d", got, want)
		}
		if got, want := tk.Steps[0].Status, streamplane.StepDone; got != want {
			t.Errorf("after the server stopped: step one %s, want %s", got, want)
		}
		if got := tk.Steps[1].Status; got != streamplane.StepRunning {
			t.Errorf("after the server stopped: step two %s, want %s", got, streamplane.StepRunning)
		}

		// A new engine of the same server resumes at step two.
		second := task.Workflow{Kind: "test", Steps: steps(false)}
		e2 := newEngine(db, "srv-1", second)
		startEngine(t, e2)
		tk = waitDone(t, db, "t1")
		if got, want := tk.Status, streamplane.TaskSucceeded; got != want {
			t.Fatalf("Status = %s (%q), want %s", got, tk.Error, want)
		}
		if got, want := [3]int32{one.Load(), two.Load(), three.Load()}, [3]int32{1, 2, 1}; got != want {
			t.Errorf("runs of steps one, two, three = %v, want %v", got, want)
		}
		if got, _ := resumedState.Load().(string); got != "c-1" {
			t.Errorf("resumed step two saw cluster_id %q, want the state step one saved", got)
		}
	})

	t.Run("OKLeasedByOtherSkipped", func(t *testing.T) {
		db := MustOpenDB(t)
		rec := &recorder{}
		leasedWF := rec.workflow("leased", []string{"leased-step"}, nil)
		freeWF := rec.workflow("free", []string{"free-step"}, nil)
		until := time.Now().Add(time.Hour)
		MustCreateTask(t, db, "held", leasedWF, func(tk *streamplane.Task) {
			tk.Status, tk.LeaseOwner, tk.LeaseUntil = streamplane.TaskRunning, "other", &until
		})
		MustCreateTask(t, db, "free1", freeWF, nil)
		e := newEngine(db, "srv-1", leasedWF, freeWF)
		stop := startEngine(t, e)

		// Tasks are taken oldest first; once the younger free tasks are done,
		// the engine has passed over the held one (twice).
		waitDone(t, db, "free1")
		MustCreateTask(t, db, "free2", freeWF, nil)
		e.Wake()
		waitDone(t, db, "free2")
		stop()

		tk := MustTask(t, db, "held")
		if tk.Status != streamplane.TaskRunning || tk.LeaseOwner != "other" || tk.Steps[0].Status != streamplane.StepPending {
			t.Errorf("held task: status %s, lease %q, step %s; want it untouched", tk.Status, tk.LeaseOwner, tk.Steps[0].Status)
		}
		if slices.Contains(rec.get(), "leased-step") {
			t.Errorf("calls = %q: the task leased by another server ran", rec.get())
		}
	})

	t.Run("OKExpiredLeaseTakenOver", func(t *testing.T) {
		db := MustOpenDB(t)
		rec := &recorder{}
		wf := rec.workflow("test", []string{"one"}, nil)
		until := time.Now().Add(-time.Second)
		MustCreateTask(t, db, "t1", wf, func(tk *streamplane.Task) {
			tk.Status, tk.LeaseOwner, tk.LeaseUntil = streamplane.TaskRunning, "dead-server", &until
		})
		e := newEngine(db, "srv-1", wf)
		startEngine(t, e)
		if tk := waitDone(t, db, "t1"); tk.Status != streamplane.TaskSucceeded {
			t.Errorf("Status = %s (%q), want SUCCEEDED", tk.Status, tk.Error)
		}
	})

	t.Run("ErrLeaseLostFenced", func(t *testing.T) {
		// srv-2 claims the task while srv-1's step runs: srv-1's later
		// writes are refused, and it neither finishes nor fails the task.
		db := MustOpenDB(t)
		rec := &recorder{}
		claimed := make(chan struct{})
		var stepErr atomic.Value
		wf := rec.workflow("test", []string{"one", "two"}, map[string]func(context.Context, *task.Run) error{
			"one": func(ctx context.Context, run *task.Run) error {
				<-claimed
				err := run.Update(ctx, func(tx streamplane.Tx) error { return tx.PutSecret("t1", "written", []byte("x")) })
				stepErr.Store(fmt.Sprint(err))
				return err
			},
		})
		MustCreateTask(t, db, "t1", wf, nil)
		e := newEngine(db, "srv-1", wf)
		startEngine(t, e)
		waitFor(t, "step one to run", func() bool { return slices.Contains(rec.get(), "one") })
		if err := db.Update(context.Background(), func(tx streamplane.Tx) error {
			tk, err := tx.Task("t1")
			if err != nil {
				return err
			}
			until := tx.Now().Add(time.Hour)
			tk.LeaseOwner, tk.LeaseUntil = "srv-2", &until
			return tx.ClaimTask(tk)
		}); err != nil {
			t.Fatal(err)
		}
		close(claimed)
		waitFor(t, "step one to end", func() bool { return stepErr.Load() != nil })
		e.Wake()
		waitFor(t, "srv-1 to let the task go", func() bool { return len(e.Running()) == 0 })

		tk := MustTask(t, db, "t1")
		if tk.Status != streamplane.TaskRunning || tk.LeaseOwner != "srv-2" || tk.LeaseToken != 2 || tk.Current != 0 {
			t.Errorf("task after srv-1 lost it: %s, owner %q, token %d, step %d; want RUNNING, srv-2's, 2, 0",
				tk.Status, tk.LeaseOwner, tk.LeaseToken, tk.Current)
		}
		if !strings.Contains(stepErr.Load().(string), "another server has claimed the task") {
			t.Errorf("srv-1's write after losing the task: %v, want refused", stepErr.Load())
		}
		var secret []byte
		db.View(context.Background(), func(tx streamplane.Tx) error { secret, _ = tx.Secret("t1", "written"); return nil })
		if secret != nil {
			t.Error("srv-1 wrote to the store after losing the task")
		}
		if calls := rec.get(); slices.Contains(calls, "finish") || slices.Contains(calls, "onfail") || slices.Contains(calls, "two") {
			t.Errorf("calls = %q; srv-1 went on with a task it lost", calls)
		}
	})

	t.Run("OKStoreDownResumes", func(t *testing.T) {
		// A step that cannot reach the store does not fail the task: the
		// engine runs it again and the task completes.
		db := MustOpenDB(t)
		rec := &recorder{}
		var tries atomic.Int32
		wf := rec.workflow("test", []string{"one"}, map[string]func(context.Context, *task.Run) error{
			"one": func(ctx context.Context, run *task.Run) error {
				if tries.Add(1) == 1 {
					return streamplane.Errorf(streamplane.ESTOREDOWN, "the store cannot be reached")
				}
				return nil
			},
		})
		MustCreateTask(t, db, "t1", wf, nil)
		startEngine(t, newEngine(db, "srv-1", wf))
		if tk := waitDone(t, db, "t1"); tk.Status != streamplane.TaskSucceeded {
			t.Errorf("Status = %s (%q), want SUCCEEDED", tk.Status, tk.Error)
		}
		if got := rec.get(); !slices.Equal(got, []string{"one", "one", "finish"}) {
			t.Errorf("calls = %q, want the step twice, then finish", got)
		}
	})

	t.Run("ErrStepFailsAfterLeaseLost", func(t *testing.T) {
		// The step fails because srv-2 has taken the task over (its
		// brokers hold the ports, say): srv-1 must not undo what the task
		// holds (OnFail) nor record the task as failed.
		db := MustOpenDB(t)
		rec := &recorder{}
		wf := rec.workflow("test", []string{"one"}, map[string]func(context.Context, *task.Run) error{
			"one": func(ctx context.Context, run *task.Run) error {
				err := db.Update(ctx, func(tx streamplane.Tx) error {
					tk, err := tx.Task("t1")
					if err != nil {
						return err
					}
					until := tx.Now().Add(time.Hour)
					tk.LeaseOwner, tk.LeaseUntil = "srv-2", &until
					return tx.ClaimTask(tk)
				})
				if err != nil {
					return err
				}
				return errors.New("port 9092 is in use")
			},
		})
		MustCreateTask(t, db, "t1", wf, nil)
		e := newEngine(db, "srv-1", wf)
		startEngine(t, e)
		waitFor(t, "step one to run", func() bool { return slices.Contains(rec.get(), "one") })
		waitFor(t, "srv-1 to let the task go", func() bool { return len(e.Running()) == 0 })
		if calls := rec.get(); !slices.Equal(calls, []string{"one"}) {
			t.Errorf("calls = %q; want only the step: no onfail, no finish on a task srv-2 holds", calls)
		}
		if tk := MustTask(t, db, "t1"); tk.Status != streamplane.TaskRunning || tk.LeaseOwner != "srv-2" {
			t.Errorf("task: %s, owner %q; want RUNNING, srv-2's", tk.Status, tk.LeaseOwner)
		}
	})

	t.Run("OKEndRecordedAfterOutage", func(t *testing.T) {
		// The store cannot be reached when the end is recorded: the task
		// is not failed for it; its next run records the end.
		db := MustOpenDB(t)
		rec := &recorder{}
		wf := rec.workflow("test", []string{"one"}, nil)
		var finishes atomic.Int32
		wf.Finish = func(tx streamplane.Tx, run *task.Run, err error) error {
			if finishes.Add(1) == 1 {
				return streamplane.Errorf(streamplane.ESTOREDOWN, "the store cannot be reached")
			}
			return err
		}
		MustCreateTask(t, db, "t1", wf, nil)
		startEngine(t, newEngine(db, "srv-1", wf))
		if tk := waitDone(t, db, "t1"); tk.Status != streamplane.TaskSucceeded {
			t.Errorf("Status = %s (%q), want SUCCEEDED", tk.Status, tk.Error)
		}
		if n := finishes.Load(); n != 2 {
			t.Errorf("Finish ran %d times, want twice (the outage, then the end)", n)
		}
	})

	t.Run("ErrLeaseNotRenewedStopsTheRun", func(t *testing.T) {
		// Cut off from the store, a run stops before its lease runs out,
		// so that a server that claims the task then does not find it
		// still at work here.
		db := MustOpenDB(t)
		down := &outageStore{Store: db}
		rec := &recorder{}
		var why atomic.Value
		var stoppedAfter atomic.Int64
		wf := rec.workflow("test", []string{"one"}, map[string]func(context.Context, *task.Run) error{
			"one": func(ctx context.Context, run *task.Run) error {
				cut := time.Now()
				down.down.Store(true)
				select {
				case <-ctx.Done():
					stoppedAfter.Store(int64(time.Since(cut)))
					why.Store(context.Cause(ctx).Error())
				case <-time.After(waitTimeout):
				}
				return ctx.Err()
			},
		})
		MustCreateTask(t, db, "t1", wf, nil)
		e := newEngine(db, "srv-1", wf)
		e.Store, e.Lease = down, 600*time.Millisecond
		startEngine(t, e)
		waitFor(t, "the run to stop", func() bool { return why.Load() != nil })
		if got := why.Load().(string); !strings.Contains(got, "could not be renewed") {
			t.Errorf("the run stopped because %q, want its lease not renewed", got)
		}
		if d := time.Duration(stoppedAfter.Load()); d >= e.Lease {
			t.Errorf("the run stopped %s after the store went away, want within the lease (%s)", d, e.Lease)
		}
	})

	t.Run("WakeRacesWithRun", func(t *testing.T) {
		db := MustOpenDB(t)
		rec := &recorder{}
		wf := rec.workflow("test", []string{"one"}, nil)
		MustCreateTask(t, db, "t1", wf, nil)
		e := newEngine(db, "srv-1", wf)
		startEngine(t, e)
		e.Wake()
		waitDone(t, db, "t1")
	})

	t.Run("OKConcurrency", func(t *testing.T) {
		db := MustOpenDB(t)
		const n = 5
		var cur, peak, runs atomic.Int32
		release := make(chan struct{})
		wf := task.Workflow{Kind: "slow", Steps: []task.Step{{Name: "wait", Run: func(ctx context.Context, r *task.Run) error {
			runs.Add(1)
			c := cur.Add(1)
			for {
				p := peak.Load()
				if c <= p || peak.CompareAndSwap(p, c) {
					break
				}
			}
			defer cur.Add(-1)
			select {
			case <-release:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}}}}
		for i := range n {
			MustCreateTask(t, db, fmt.Sprintf("t%d", i), wf, nil)
		}
		e := newEngine(db, "srv-1", wf)
		e.Concurrency = 2
		startEngine(t, e)

		waitFor(t, "two tasks to run at once", func() bool { return cur.Load() == 2 })
		for i := range n {
			select {
			case release <- struct{}{}:
			case <-time.After(waitTimeout):
				t.Fatalf("task %d of %d never started", i+1, n)
			}
		}
		for i := range n {
			if tk := waitDone(t, db, fmt.Sprintf("t%d", i)); tk.Status != streamplane.TaskSucceeded {
				t.Errorf("t%d: Status = %s (%q), want SUCCEEDED", i, tk.Status, tk.Error)
			}
		}
		if got, want := peak.Load(), int32(2); got != want {
			t.Errorf("at most %d tasks ran at once, want %d", got, want)
		}
		if got, want := runs.Load(), int32(n); got != want {
			t.Errorf("steps ran %d times, want %d", got, want)
		}
	})
}

func TestEngineStart(t *testing.T) {
	t.Run("the caller gets the outcome", func(t *testing.T) {
		db := MustOpenDB(t)
		rec := &recorder{}
		wf := rec.workflow("k", []string{"one", "two"}, nil)
		e := newEngine(db, "owner-1", wf)
		MustCreateTask(t, db, "t1", wf, nil)
		if err, ok := <-e.Start("t1"); !ok || err != nil {
			t.Fatalf("Start = %v, %v; want nil, true", err, ok)
		}
		// The outcome is recorded before the caller hears it.
		if tk := MustTask(t, db, "t1"); tk.Status != streamplane.TaskSucceeded {
			t.Errorf("status = %s, want %s", tk.Status, streamplane.TaskSucceeded)
		}
		if got, want := rec.get(), []string{"one", "two", "finish"}; !slices.Equal(got, want) {
			t.Errorf("ran %v, want %v", got, want)
		}
	})

	t.Run("a step's application error reaches the caller intact", func(t *testing.T) {
		db := MustOpenDB(t)
		rec := &recorder{}
		refused := &streamplane.Error{Code: streamplane.EINVALID, Field: "partitions", Message: "too many partitions"}
		wf := rec.workflow("k", []string{"one", "two"}, map[string]func(context.Context, *task.Run) error{
			"two": func(context.Context, *task.Run) error { return refused },
		})
		e := newEngine(db, "owner-1", wf)
		MustCreateTask(t, db, "t1", wf, nil)
		err := <-e.Start("t1")
		var got *streamplane.Error
		if !errors.As(err, &got) || got != refused {
			t.Fatalf("Start = %v; want the step's error", err)
		}
		if tk := MustTask(t, db, "t1"); tk.Status != streamplane.TaskFailed || !strings.Contains(tk.Error, "too many partitions") {
			t.Errorf("task = %s %q; want FAILED naming the refusal", tk.Status, tk.Error)
		}
	})

	t.Run("a task already running is not run twice, and Start waits for it", func(t *testing.T) {
		db := MustOpenDB(t)
		var runs atomic.Int32
		release := make(chan struct{})
		rec := &recorder{}
		wf := rec.workflow("k", []string{"one"}, map[string]func(context.Context, *task.Run) error{
			"one": func(context.Context, *task.Run) error { runs.Add(1); <-release; return nil },
		})
		e := newEngine(db, "owner-1", wf)
		MustCreateTask(t, db, "t1", wf, nil)
		done := e.Start("t1")
		waitFor(t, "the step to start", func() bool { return runs.Load() == 1 })
		startEngine(t, e)
		e.Wake()
		again := e.Start("t1")
		close(release)
		for _, ch := range []<-chan error{done, again} {
			if err, ok := <-ch; !ok || err != nil {
				t.Errorf("Start = %v, %v; want the one run's outcome", err, ok)
			}
		}
		waitDone(t, db, "t1")
		if n := runs.Load(); n != 1 {
			t.Errorf("the step ran %d times, want 1", n)
		}
	})

	t.Run("a stopping server leaves the task to resume", func(t *testing.T) {
		db := MustOpenDB(t)
		rec := &recorder{}
		entered := make(chan struct{})
		wf := rec.workflow("k", []string{"one", "two"}, map[string]func(context.Context, *task.Run) error{
			"one": func(ctx context.Context, _ *task.Run) error { close(entered); <-ctx.Done(); return ctx.Err() },
		})
		e := newEngine(db, "owner-1", wf)
		stop := startEngine(t, e)
		MustCreateTask(t, db, "t1", wf, nil)
		done := e.Start("t1")
		<-entered
		stop()
		if _, ok := <-done; ok {
			t.Error("an interrupted task gave an outcome; want none")
		}
		if tk := MustTask(t, db, "t1"); tk.Status != streamplane.TaskRunning || tk.Current != 0 {
			t.Errorf("task = %s at step %d; want RUNNING at step 0, to resume", tk.Status, tk.Current)
		}
		// A new engine (the restarted server, same owner) finishes it.
		rec2 := &recorder{}
		startEngine(t, newEngine(db, "owner-1", rec2.workflow("k", []string{"one", "two"}, nil)))
		if tk := waitDone(t, db, "t1"); tk.Status != streamplane.TaskSucceeded {
			t.Errorf("resumed task = %s %q, want SUCCEEDED", tk.Status, tk.Error)
		}
	})
}

func TestSaveStateWith(t *testing.T) {
	db := MustOpenDB(t)
	type state struct{ Made bool }
	rec := &recorder{}
	wf := rec.workflow("k", []string{"one"}, map[string]func(context.Context, *task.Run) error{
		"one": func(ctx context.Context, r *task.Run) error {
			// A failed change leaves the state as it was.
			boom := errors.New("boom")
			if err := r.SaveStateWith(ctx, state{Made: true}, func(streamplane.Tx) error { return boom }); !errors.Is(err, boom) {
				return fmt.Errorf("SaveStateWith = %v, want boom", err)
			}
			var s state
			if err := r.State(&s); err != nil || s.Made {
				return fmt.Errorf("state after a rolled back change = %+v, %v", s, err)
			}
			return r.SaveStateWith(ctx, state{Made: true}, func(tx streamplane.Tx) error {
				return tx.AddTaskEvent(streamplane.TaskEvent{TaskID: r.Task.ID, Message: "made"})
			})
		},
	})
	e := newEngine(db, "owner-1", wf)
	MustCreateTask(t, db, "t1", wf, nil)
	if err := <-e.Start("t1"); err != nil {
		t.Fatal(err)
	}
	var s state
	if err := json.Unmarshal(MustTask(t, db, "t1").State, &s); err != nil || !s.Made {
		t.Errorf("saved state = %+v, %v; want Made", s, err)
	}
}

// outageStore fails every transaction with ESTOREDOWN while down is set.
type outageStore struct {
	streamplane.Store
	down atomic.Bool
}

func (s *outageStore) Update(ctx context.Context, fn func(streamplane.Tx) error) error {
	if s.down.Load() {
		return streamplane.Errorf(streamplane.ESTOREDOWN, "the store cannot be reached")
	}
	return s.Store.Update(ctx, fn)
}

func (s *outageStore) View(ctx context.Context, fn func(streamplane.Tx) error) error {
	if s.down.Load() {
		return streamplane.Errorf(streamplane.ESTOREDOWN, "the store cannot be reached")
	}
	return s.Store.View(ctx, fn)
}
