package task

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	streamplane "github.com/streamplane/streamplane"
)

// A running task is held through a lease in the store: claimed with a new
// fencing token, renewed while the task runs, checked by every write the
// run makes. This file holds the lease's side of the engine.

// DefaultLease is how long a task's claim lasts without renewal; the
// holder renews it every third of that. With the engine's 2 s look for
// work, a dead server's task resumes elsewhere within 15 s.
const DefaultLease = 12 * time.Second

// errLeaseLost ends a run whose task another server has claimed since:
// the run stops at once and records nothing, the new holder goes on.
// errLeaseExpired ends a run that could not renew its lease in time.
var (
	errLeaseLost    = errors.New("another server has claimed the task")
	errLeaseExpired = errors.New("the task's lease could not be renewed")
)

// interrupted says whether a step's error means the run must stop and
// resume later rather than fail the task.
func interrupted(err error) bool {
	return errors.Is(err, errLeaseLost) || streamplane.IsCode(err, streamplane.ESTOREDOWN)
}

var errNotClaimed = errors.New("task not claimable")

func (e *Engine) claim(ctx context.Context, id string) (*Run, error) {
	var r *Run
	start := time.Now() // the lease the claim takes runs from no earlier
	err := e.Store.Update(ctx, func(tx streamplane.Tx) error {
		t, err := tx.Task(id)
		if err != nil {
			return err
		}
		now := tx.Now()
		if t.Status.Done() || (t.LeaseOwner != "" && t.LeaseOwner != e.Owner && t.LeaseUntil != nil && t.LeaseUntil.After(now)) {
			return errNotClaimed
		}
		if _, known := e.Workflows[t.Kind]; !known {
			// A newer server's task, during a rolling upgrade of the
			// servers sharing the store: it is left for one that knows it.
			e.Log.Debug("task of a kind this server does not know left alone", "task", id, "kind", t.Kind)
			return errNotClaimed
		}
		r = &Run{Task: t, store: e.Store, log: e.Log, leasedAt: start}
		until := now.Add(e.Lease)
		t.LeaseOwner, t.LeaseUntil = e.Owner, &until
		if t.Status == streamplane.TaskPending {
			t.Status, t.StartedAt = streamplane.TaskRunning, &now
		}
		return tx.ClaimTask(t)
	})
	return r, err
}

// renewLease keeps the claim alive while the task runs. When the store
// says another server has claimed the task, it ends the run.
func (e *Engine) renewLease(ctx context.Context, r *Run, endRun context.CancelCauseFunc) func() {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(e.Lease / 3)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				attempt := time.Now()
				err := r.save(ctx, func(tx streamplane.Tx) error {
					until := tx.Now().Add(e.Lease)
					r.Task.LeaseUntil = &until
					return nil
				})
				switch {
				case err == nil:
					r.leasedAt = attempt
				case errors.Is(err, errLeaseLost):
					e.Log.Warn("task lease lost to another server", "task", r.Task.ID)
					endRun(err)
					return
				case time.Since(r.leasedAt) >= e.Lease/2:
					// Cut off from the store: another server may claim the
					// task once the lease runs out, and must not find this
					// one still at work.
					e.Log.Warn("task lease not renewed in time; stopping the task here", "task", r.Task.ID, "err", err)
					endRun(fmt.Errorf("%w: %v", errLeaseExpired, err))
					return
				case ctx.Err() == nil:
					e.Log.Warn("renew task lease", "task", r.Task.ID, "err", err)
				}
			}
		}
	}()
	var once sync.Once
	return func() { once.Do(func() { cancel(); <-done }) }
}

// stillHeld checks, in a transaction about to write for a task, that no
// other server has claimed the task since t was claimed: errLeaseLost.
func stillHeld(tx streamplane.Tx, t *streamplane.Task) error {
	stored, err := tx.Task(t.ID)
	if err != nil {
		return err
	}
	if stored.LeaseToken != t.LeaseToken {
		return fmt.Errorf("%w (%s holds it now)", errLeaseLost, stored.LeaseOwner)
	}
	return nil
}
