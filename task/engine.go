// Package task runs durable background tasks. A task is a list of named
// steps; the engine runs them in order, saving progress after each, so a
// server killed at any point resumes the task where it stopped. Steps must
// be idempotent: the step that was running when the server died runs again.
package task

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"slices"
	"sync"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/audit"
)

// Step is one idempotent step of a workflow.
type Step struct {
	Name string
	Run  func(ctx context.Context, r *Run) error
	// Timeout bounds one run of the step where a workflow bounds its
	// steps (0: the workflow's own bound); the engine does not read it.
	Timeout time.Duration
}

// Workflow is what a task kind does: its steps, and what becomes of the
// instance when the task ends. Finish runs in the transaction that records
// the end; err is nil on success.
type Workflow struct {
	Kind   string
	Steps  []Step
	Finish func(tx streamplane.Tx, r *Run, err error) error
	// OnFail, if set, runs after a step failed and before Finish, outside
	// any transaction: to release what a failed task holds.
	OnFail func(ctx context.Context, r *Run, err error)
}

// StepNames lists the workflow's step names, for creating its tasks.
func (w Workflow) StepNames() []string {
	names := make([]string, len(w.Steps))
	for i, s := range w.Steps {
		names[i] = s.Name
	}
	return names
}

// Engine runs tasks from the store.
type Engine struct {
	Store     streamplane.Store
	Owner     string // this server's id, for leases
	Log       *slog.Logger
	Workflows map[string]Workflow
	// Concurrency bounds how many tasks run at once.
	Concurrency int
	// Lease is how long a claim lasts without renewal: how long a task of
	// a server that died waits before another server resumes it.
	Lease time.Duration
	// FaultExitAfterStep, for tests only: "kind:N" makes the server exit
	// right after step N (1-based) of a task of that kind has done its work
	// and before its completion is recorded.
	FaultExitAfterStep string
	// StatusOf maps an error code to the HTTP status the API answers for
	// it, for the audit entry a task writes when it fails (api.StatusOf).
	StatusOf func(code string) int

	once    sync.Once
	wake    chan struct{}
	mu      sync.Mutex
	running map[string]*taskRun
	// base ends when Run's context does: tasks Start runs stop with it,
	// even when Start is called before Run.
	base    context.Context
	endBase context.CancelFunc
	wg      sync.WaitGroup
}

// Wake asks the engine to look for new tasks now. It may be called before
// Run starts; the wake-up is kept.
func (e *Engine) Wake() {
	e.init()
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

func (e *Engine) init() { e.once.Do(e.setup) }

func (e *Engine) setup() {
	e.wake = make(chan struct{}, 1)
	e.running = map[string]*taskRun{}
	if e.Concurrency <= 0 {
		e.Concurrency = 4
	}
	if e.Lease <= 0 {
		e.Lease = DefaultLease
	}
	if e.Log == nil {
		e.Log = slog.New(slog.DiscardHandler)
	}
	e.base, e.endBase = context.WithCancel(context.Background())
}

// Run claims and runs tasks until ctx ends, then waits for running tasks to
// stop. Tasks interrupted by the end of ctx stay RUNNING and resume on the
// next start.
func (e *Engine) Run(ctx context.Context) {
	e.init()
	defer context.AfterFunc(ctx, e.endBase)()
	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	for {
		e.dispatch(ctx)
		select {
		case <-ctx.Done():
			e.wg.Wait()
			return
		case <-e.wake:
		case <-tick.C:
		}
	}
}

func (e *Engine) dispatch(ctx context.Context) {
	e.mu.Lock()
	free := e.Concurrency - len(e.running)
	e.mu.Unlock()
	if free <= 0 || ctx.Err() != nil {
		return
	}
	var tasks []*streamplane.Task
	err := e.Store.View(ctx, func(tx streamplane.Tx) (err error) {
		tasks, err = tx.RunnableTasks(e.Owner, e.Concurrency*2)
		return err
	})
	if err != nil {
		e.Log.Error("list runnable tasks", "err", err)
		return
	}
	for _, t := range tasks {
		e.mu.Lock()
		_, busy := e.running[t.ID]
		if !busy && len(e.running) < e.Concurrency {
			e.launch(ctx, t.ID)
		}
		e.mu.Unlock()
	}
}

// taskRun is a task running here; done closes when it stops, with its
// outcome set.
type taskRun struct {
	done  chan struct{}
	err   error
	ended bool // the task ended (rather than stopping to resume later)
}

// launch runs a task in a new goroutine. e.mu must be held.
func (e *Engine) launch(ctx context.Context, id string) *taskRun {
	tr := &taskRun{done: make(chan struct{})}
	e.running[id] = tr
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		tr.err, tr.ended = e.runTask(ctx, id)
		e.mu.Lock()
		delete(e.running, id)
		e.mu.Unlock()
		close(tr.done)
		e.Wake()
	}()
	return tr
}

// Running lists the ids of the tasks running on this engine now.
func (e *Engine) Running() []string {
	e.init()
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Collect(maps.Keys(e.running))
}

// Start runs a task now, without waiting for the engine's next look, so
// that the request that created it can wait for its outcome; if the task
// already runs here, it waits for that run. The channel receives the
// outcome when the task ends: nil, or the error of the step that failed,
// wrapped with the step's name. It is closed without a value when the task
// did not end here: the server is stopping (the task resumes at the next
// start), another server holds it, or its progress could not be recorded.
// Start does not count against Concurrency: it runs what a caller is
// waiting for.
func (e *Engine) Start(id string) <-chan error {
	e.init()
	out := make(chan error, 1)
	e.mu.Lock()
	tr, running := e.running[id]
	if !running && e.base.Err() == nil {
		tr = e.launch(e.base, id)
	}
	e.mu.Unlock()
	if tr == nil {
		close(out)
		return out
	}
	go func() {
		defer close(out)
		<-tr.done
		if tr.ended {
			out <- tr.err
		}
	}()
	return out
}

// runTask claims a task and runs its remaining steps. It returns the
// task's outcome and whether the task ended here.
func (e *Engine) runTask(ctx context.Context, id string) (runErr error, ended bool) {
	r, err := e.claim(ctx, id)
	if err != nil {
		if !errors.Is(err, errNotClaimed) {
			e.Log.Error("claim task", "task", id, "err", err)
		}
		return nil, false
	}
	wf := e.Workflows[r.Task.Kind] // claim takes only the kinds this server knows
	log := e.Log.With("task", id, "kind", r.Task.Kind, "target", r.Task.Target)
	log.Info("task running", "from_step", r.Task.Current+1, "steps", len(wf.Steps))

	// The run's own context ends when the server stops or when the lease
	// is lost; either way the task stays unfinished for its next holder.
	ctx, endRun := context.WithCancelCause(ctx)
	defer endRun(nil)
	stopRenew := e.renewLease(ctx, r, endRun)
	defer stopRenew() // on the paths that leave the task unfinished

	for r.Task.Current < len(wf.Steps) {
		i := r.Task.Current
		step := wf.Steps[i]
		if err := r.startStep(ctx, i); err != nil {
			log.Error("record step start", "err", err)
			return nil, false
		}
		err := e.runStep(ctx, step, r)
		if ctx.Err() != nil {
			log.Info("task stopped here; it will resume", "step", step.Name, "why", context.Cause(ctx))
			return nil, false
		}
		if interrupted(err) {
			// The store could not be reached or the task has a new holder:
			// the step did not fail, it could not record what it did. It
			// runs again, here or on the new holder, when the store allows.
			log.Warn("task interrupted; it will resume", "step", step.Name, "err", err)
			return nil, false
		}
		if err != nil {
			// The step may have failed because another server holds the
			// task now (and, say, the ports its brokers use): undoing what
			// the task holds is for the holder only.
			if held := r.View(ctx, func(tx streamplane.Tx) error { return stillHeld(tx, r.Task) }); interrupted(held) {
				log.Warn("task step failed, but this server no longer holds the task; it will resume", "step", step.Name, "err", err, "why", held)
				return nil, false
			}
			log.Warn("task failed", "step", step.Name, "err", err)
			err = fmt.Errorf("%s: %w", step.Name, err)
			if wf.OnFail != nil {
				wf.OnFail(ctx, r, err)
			}
			stopRenew()
			if !e.finish(ctx, r, wf, err) {
				return nil, false
			}
			return err, true
		}
		e.faultHook(r.Task.Kind, i+1)
		if err := r.endStep(ctx, i); err != nil {
			log.Error("record step end", "err", err)
			return nil, false
		}
	}
	stopRenew()
	if !e.finish(ctx, r, wf, nil) {
		return nil, false
	}
	log.Info("task succeeded")
	return nil, true
}

// runStep runs a step, turning a panic into an error.
func (e *Engine) runStep(ctx context.Context, step Step, r *Run) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
			e.Log.Error("task step panicked", "task", r.Task.ID, "step", step.Name, "panic", p)
		}
	}()
	return step.Run(ctx, r)
}

func (e *Engine) faultHook(kind string, step int) {
	if e.FaultExitAfterStep != "" && e.FaultExitAfterStep == fmt.Sprintf("%s:%d", kind, step) {
		e.Log.Warn("fault hook: exiting after step", "kind", kind, "step", step)
		os.Exit(86)
	}
}

// finish records the task's end and lets the workflow settle the instance,
// in one transaction. If the workflow cannot settle it, the task is still
// recorded as failed, so it is never retried in a loop.
func (e *Engine) finish(ctx context.Context, r *Run, wf Workflow, runErr error) (ended bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	err := e.record(ctx, r, wf.Finish, runErr)
	if interrupted(err) {
		// Another server holds the task now, or the store cannot be
		// reached (the end may even be recorded: a commit that lost its
		// connection): the task's next run ends it, or finds it ended.
		e.Log.Warn("task end not recorded here; it will resume", "task", r.Task.ID, "err", err)
		return false
	}
	if err != nil && wf.Finish != nil {
		e.Log.Error("settle task", "task", r.Task.ID, "err", err)
		err = e.record(ctx, r, nil, fmt.Errorf("%v; then recording the outcome failed: %w", orOK(runErr), err))
	}
	if err != nil {
		e.Log.Error("record task end", "task", r.Task.ID, "err", err)
	}
	return true
}

func orOK(err error) any {
	if err == nil {
		return "succeeded"
	}
	return err
}

func (e *Engine) record(ctx context.Context, r *Run, settle func(streamplane.Tx, *Run, error) error, runErr error) error {
	saved := *r.Task
	saved.Steps = append([]streamplane.TaskStep(nil), r.Task.Steps...)
	err := e.Store.Update(context.WithoutCancel(ctx), func(tx streamplane.Tx) error {
		t := r.Task
		if err := stillHeld(tx, t); err != nil {
			return err
		}
		now := tx.Now()
		t.FinishedAt, t.LeaseOwner, t.LeaseUntil = &now, "", nil
		if runErr != nil {
			t.Status, t.Error = streamplane.TaskFailed, runErr.Error()
			if t.Current < len(t.Steps) {
				t.Steps[t.Current].Status = streamplane.StepFailed
				t.Steps[t.Current].FinishedAt = &now
			}
		} else {
			t.Status = streamplane.TaskSucceeded
		}
		if settle != nil {
			if err := settle(tx, r, runErr); err != nil {
				return err
			}
		}
		if err := audit.TaskEnded(tx, t, runErr, e.StatusOf); err != nil {
			return err
		}
		return tx.UpdateTask(t)
	})
	if err != nil {
		*r.Task = saved // the transaction rolled back: so does the in-memory task
	}
	return err
}

// Run is a running task as its steps see it.
type Run struct {
	Task  *streamplane.Task
	store streamplane.Store
	log   *slog.Logger
	mu    sync.Mutex // guards Task against the lease renewer
	// leasedAt is when the last claim or renewal that succeeded began, by
	// this server's clock: the lease runs from no earlier. Only the
	// renewer uses it once the run has started.
	leasedAt time.Time
}

// Params decodes the task's parameters into v.
func (r *Run) Params(v any) error { return json.Unmarshal(r.Task.Params, v) }

// State decodes what earlier steps saved into v.
func (r *Run) State(v any) error {
	if len(r.Task.State) == 0 {
		return nil
	}
	return json.Unmarshal(r.Task.State, v)
}

// SaveState durably records v as the task's state, so a resumed run sees it.
func (r *Run) SaveState(ctx context.Context, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return r.save(ctx, func(streamplane.Tx) error {
		r.Task.State = raw
		return nil
	})
}

// SaveStateWith runs fn and records v as the task's state in one
// transaction, so that a step's change to the store and its note that it
// made it cannot part: a resumed step can tell its own earlier change from
// someone else's.
func (r *Run) SaveStateWith(ctx context.Context, v any, fn func(tx streamplane.Tx) error) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	old := r.Task.State
	err = r.save(ctx, func(tx streamplane.Tx) error {
		r.Task.State = raw
		return fn(tx)
	})
	if err != nil {
		r.Task.State = old // the transaction rolled back
	}
	return err
}

// Progress records what the current step is doing and logs it as an event.
func (r *Run) Progress(ctx context.Context, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	err := r.save(ctx, func(tx streamplane.Tx) error {
		if r.Task.Current < len(r.Task.Steps) {
			r.Task.Steps[r.Task.Current].Detail = msg
		}
		return tx.AddTaskEvent(streamplane.TaskEvent{TaskID: r.Task.ID, Message: msg})
	})
	if err != nil && ctx.Err() == nil {
		r.log.Warn("record task progress", "task", r.Task.ID, "err", err)
	}
}

// Update runs fn in a store transaction, for steps that change the
// instance. The transaction first checks that this run still holds the
// task (fencing): a server that lost it changes nothing.
func (r *Run) Update(ctx context.Context, fn func(tx streamplane.Tx) error) error {
	return r.store.Update(ctx, func(tx streamplane.Tx) error {
		if err := stillHeld(tx, r.Task); err != nil {
			return err
		}
		return fn(tx)
	})
}

// View runs fn in a read-only store transaction.
func (r *Run) View(ctx context.Context, fn func(tx streamplane.Tx) error) error {
	return r.store.View(ctx, fn)
}

func (r *Run) startStep(ctx context.Context, i int) error {
	return r.save(ctx, func(tx streamplane.Tx) error {
		s := &r.Task.Steps[i]
		if s.Status != streamplane.StepRunning {
			now := tx.Now()
			s.Status, s.StartedAt = streamplane.StepRunning, &now
		}
		return nil
	})
}

func (r *Run) endStep(ctx context.Context, i int) error {
	return r.save(ctx, func(tx streamplane.Tx) error {
		now := tx.Now()
		s := &r.Task.Steps[i]
		s.Status, s.FinishedAt = streamplane.StepDone, &now
		r.Task.Current = i + 1
		return nil
	})
}

// save lets edit change the task and saves it, in one transaction, holding
// the task against the lease renewer. The store refuses the write if
// another server has claimed the task since: errLeaseLost.
func (r *Run) save(ctx context.Context, edit func(tx streamplane.Tx) error) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	lost := false
	err := r.store.Update(ctx, func(tx streamplane.Tx) error {
		if err := edit(tx); err != nil {
			return err
		}
		err := tx.UpdateTask(r.Task)
		lost = streamplane.IsCode(err, streamplane.ESTALE)
		return err
	})
	if lost {
		return fmt.Errorf("%w: %v", errLeaseLost, err)
	}
	return err
}
