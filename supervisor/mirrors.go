package supervisor

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/kafkaadmin"
)

// Mirrors watches migrations' MirrorMaker processes as Supervisor watches
// brokers: it adopts those running after a server restart, restarts one
// whose process died (at most MaxRestarts within RestartWindow, then
// SERVICE_EXCEPTION), and reports SERVICE_EXCEPTION while one of its
// connectors has failed, RUNNING again when they run. It leaves alone a
// migration a task is changing, and one stopped on purpose (paused, or
// failed by its task).
type Mirrors struct {
	Store  streamplane.Store
	Runner streamplane.MirrorRunner
	// Connectors reads a migration's connector states from its instance;
	// nil means through Admin.
	Connectors func(ctx context.Context, inst *streamplane.Instance, m *streamplane.Migration) ([]streamplane.MirrorConnector, error)
	Admin      *kafkaadmin.Pool
	Log        *slog.Logger

	Interval      time.Duration
	MaxRestarts   int
	RestartWindow time.Duration

	// Watching and Fence divide the instances among servers sharing the
	// store, as for Supervisor; nil: every instance.
	Watching func(instanceID string) bool
	Fence    func(tx streamplane.Tx, instanceID string) error

	restarts map[string][]time.Time // migration id -> recent restarts
}

// Run checks every Interval until ctx ends.
func (w *Mirrors) Run(ctx context.Context) {
	if w.Interval <= 0 {
		w.Interval = 3 * time.Second
	}
	if w.MaxRestarts <= 0 {
		w.MaxRestarts = 3
	}
	if w.RestartWindow <= 0 {
		w.RestartWindow = 10 * time.Minute
	}
	if w.Connectors == nil {
		w.Connectors = w.connectors
	}
	w.restarts = map[string][]time.Time{}
	tick := time.NewTicker(w.Interval)
	defer tick.Stop()
	for {
		w.checkAll(ctx)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func (w *Mirrors) connectors(ctx context.Context, inst *streamplane.Instance, m *streamplane.Migration) ([]streamplane.MirrorConnector, error) {
	cl, err := w.Admin.Get(ctx, inst)
	if err != nil {
		return nil, err
	}
	return cl.MirrorConnectors(ctx, m)
}

// checkAll checks every migration that should be running.
func (w *Mirrors) checkAll(ctx context.Context) {
	var list []*streamplane.Migration
	insts := map[string]*streamplane.Instance{}
	err := w.Store.View(ctx, func(tx streamplane.Tx) error {
		all, err := tx.Migrations(streamplane.MigrationFilter{})
		if err != nil {
			return err
		}
		held := map[string]bool{}
		for _, m := range all {
			if !watched(m) || (w.Watching != nil && !w.Watching(m.InstanceID)) {
				continue
			}
			if _, seen := held[m.InstanceID]; !seen {
				// A task that holds the instance (a delete, a roll) owns
				// what runs in it until it ends: a MirrorMaker started
				// meanwhile could outlive the instance's files.
				task, err := tx.ActiveTask(m.InstanceID)
				if err != nil {
					return err
				}
				held[m.InstanceID] = task != nil
				if insts[m.InstanceID], err = tx.Instance(m.InstanceID); err != nil {
					return err
				}
			}
			if !held[m.InstanceID] {
				list = append(list, m)
			}
		}
		return nil
	})
	if err != nil {
		if ctx.Err() == nil {
			w.Log.Error("mirror supervisor: list migrations", "err", err)
		}
		return
	}
	for _, m := range list {
		if ctx.Err() != nil {
			return
		}
		w.check(ctx, insts[m.InstanceID], m)
	}
}

// watched reports whether the supervisor looks after a migration: one
// that runs, or was running when its connectors failed. A migration whose
// task failed, or that it gave up on, has no process (PID 0) and stays
// down until the user resumes it.
func watched(m *streamplane.Migration) bool {
	if m.TaskID != "" {
		return false
	}
	return m.State == streamplane.MigrationRunning || (m.State == streamplane.MigrationServiceException && m.PID != 0)
}

// check observes one migration's process and connectors and saves what
// they make of it.
func (w *Mirrors) check(ctx context.Context, inst *streamplane.Instance, m *streamplane.Migration) {
	next := *m
	proc, running := w.Runner.InspectMirror(m)
	if !running {
		w.revive(ctx, inst, &next)
	} else {
		started := proc.StartedAt
		next.PID, next.StartedAt = proc.PID, &started
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		conns, err := w.Connectors(cctx, inst, m)
		cancel()
		if err == nil {
			judgeConnectors(&next, conns)
		}
	}
	if next.State == m.State && next.StateReason == m.StateReason && next.PID == m.PID && next.Restarts == m.Restarts {
		return
	}
	err := w.Store.Update(ctx, func(tx streamplane.Tx) error {
		cur, err := tx.Migration(m.InstanceID, m.ID)
		if err != nil {
			return err
		}
		if cur.TaskID != "" || cur.State != m.State {
			return nil // a task took it meanwhile: it decides now
		}
		if w.Fence != nil {
			if err := w.Fence(tx, m.InstanceID); err != nil {
				return err // another server watches the instance now
			}
		}
		cur.State, cur.StateReason, cur.PID, cur.StartedAt, cur.Restarts = next.State, next.StateReason, next.PID, next.StartedAt, next.Restarts
		return tx.SaveMigrationObserved(cur)
	})
	if err != nil && ctx.Err() == nil {
		w.Log.Error("mirror supervisor: save migration", "migration", m.Name, "err", err)
	}
	if next.State != m.State {
		w.Log.Info("migration state changed", "migration", m.Name, "from", m.State, "to", next.State, "reason", next.StateReason)
	}
}

// revive restarts a migration's dead MirrorMaker unless it died too often
// lately; it changes m as observed.
func (w *Mirrors) revive(ctx context.Context, inst *streamplane.Instance, m *streamplane.Migration) {
	now := time.Now()
	recent := recentRestarts(w.restarts[m.ID], now, w.RestartWindow)
	if len(recent) >= w.MaxRestarts {
		w.restarts[m.ID] = recent
		m.State, m.PID, m.StartedAt = streamplane.MigrationServiceException, 0, nil
		m.StateReason = fmt.Sprintf("MirrorMaker exited %d times within %s; not restarting it (see streamplane migration logs; resume the migration to retry)",
			len(recent)+1, w.RestartWindow)
		w.Log.Error("MirrorMaker keeps dying; giving up", "migration", m.Name, "restarts", len(recent))
		return
	}
	w.restarts[m.ID] = append(recent, now)
	w.Log.Warn("MirrorMaker's process is gone; restarting it", "migration", m.Name, "last_pid", m.PID)
	proc, err := w.Runner.StartMirror(ctx, inst, m)
	if err != nil {
		m.State, m.PID, m.StartedAt = streamplane.MigrationServiceException, 0, nil
		m.StateReason = "MirrorMaker exited and could not be restarted: " + err.Error()
		return
	}
	started := proc.StartedAt
	m.PID, m.StartedAt, m.Restarts = proc.PID, &started, m.Restarts+1
	m.StateReason = fmt.Sprintf("MirrorMaker exited; restarted by the supervisor as pid %d (restart %d of at most %d in %s)",
		proc.PID, len(w.restarts[m.ID]), w.MaxRestarts, w.RestartWindow)
}

// judgeConnectors sets the state from MirrorMaker's connectors: a failed
// one is a SERVICE_EXCEPTION with its error; all running again, RUNNING.
func judgeConnectors(m *streamplane.Migration, conns []streamplane.MirrorConnector) {
	for _, c := range conns {
		if c.State == "FAILED" {
			line, _, _ := strings.Cut(strings.TrimSpace(c.Trace), "\n")
			m.State, m.StateReason = streamplane.MigrationServiceException, fmt.Sprintf("MirrorMaker's %s failed: %s", c.Name, line)
			return
		}
	}
	if m.State == streamplane.MigrationServiceException && len(conns) > 0 {
		m.State, m.StateReason = streamplane.MigrationRunning, ""
	}
}
