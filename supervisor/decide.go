package supervisor

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	streamplane "github.com/streamplane/streamplane"
)

// The supervisor's rules, free of I/O: what to do about a broker whose
// process is gone, and what a check's observations make of the brokers and
// the instance. supervisor.go gathers the observations and carries out the
// decisions.

// revival is what to do about a broker whose process is gone.
type revival int

const (
	// leaveDown: the supervisor gave up on it earlier; only a restart of
	// the instance retries it.
	leaveDown revival = iota
	restart
	// giveUp: it died too often lately; leave it in ERROR.
	giveUp
)

// restartLimits: at most max restarts of a broker within window.
type restartLimits struct {
	max    int
	window time.Duration
}

// decideRevival decides about broker b, whose process is gone, given when
// the supervisor restarted it lately. It returns the restarts to remember:
// those still within the window, plus now when it decides to restart (a
// start that fails counts too).
func decideRevival(b *streamplane.Broker, restarts []time.Time, now time.Time, l restartLimits) (revival, []time.Time) {
	if b.State == streamplane.BrokerError && b.PID == 0 {
		return leaveDown, restarts // an ERROR broker with no process: given up earlier
	}
	recent := recentRestarts(restarts, now, l.window)
	if len(recent) >= l.max {
		return giveUp, recent
	}
	return restart, append(recent, now)
}

// recentRestarts are the restarts within window before now.
func recentRestarts(restarts []time.Time, now time.Time, window time.Duration) []time.Time {
	return slices.DeleteFunc(slices.Clone(restarts), func(t time.Time) bool { return now.Sub(t) >= window })
}

// gaveUpNote is the reason an ERROR broker shows after restarts restarts.
func gaveUpNote(restarts int, window time.Duration) string {
	return fmt.Sprintf("process exited %d times within %s; not restarting it (see the broker log; restart the instance to retry)", restarts+1, window)
}

// observation is what one check saw of a broker.
type observation struct {
	running   bool
	proc      streamplane.Process
	restarted bool   // the supervisor started it just now
	gaveUp    bool   // it keeps dying: left in ERROR
	note      string // for the instance's status reason
}

// health is what the cluster answered: which brokers are registered with
// it, their disk usage (nil between refreshes), or why it did not answer.
type health struct {
	alive map[int32]bool
	usage map[int32]int64
	err   error
}

// assess applies a check's observations (by broker id) and the cluster's
// health to the instance record cur: each broker's state, process and disk
// usage, then the instance's status. The instance is RUNNING only when every
// broker's process runs and the cluster lists every broker as registered;
// otherwise FAULTY, with a reason naming each problem. An instance whose
// last change failed keeps that status: only a restart or a new change
// clears it. It reports false, changing nothing, when the instance is in
// none of the states the supervisor watches (a task has it meanwhile).
func assess(cur *streamplane.Instance, obs map[int]*observation, h health) bool {
	changeFailed := cur.Status == streamplane.InstanceChangeFailed
	if cur.Status != streamplane.InstanceRunning && cur.Status != streamplane.InstanceFaulty && !changeFailed {
		return false
	}
	var problems []string
	for i := range cur.Brokers {
		b := &cur.Brokers[i]
		o, ok := obs[b.ID]
		if !ok {
			continue
		}
		assessBroker(b, o, h)
		if b.State != streamplane.BrokerActive {
			problems = append(problems, fmt.Sprintf("broker %d %s: %s", b.ID, b.State, b.Error))
		}
	}
	if h.err != nil {
		problems = append(problems, "the cluster does not answer: "+h.err.Error())
	}
	sort.Strings(problems)
	switch {
	case changeFailed:
	case len(problems) == 0:
		cur.Status, cur.StatusReason = streamplane.InstanceRunning, ""
	default:
		cur.Status, cur.StatusReason = streamplane.InstanceFaulty, strings.Join(problems, "; ")
	}
	return true
}

// assessBroker updates one broker's record from what the check saw of it.
func assessBroker(b *streamplane.Broker, o *observation, h health) {
	if o.running || o.restarted {
		started := o.proc.StartedAt
		b.PID, b.StartedAt = o.proc.PID, &started
	}
	if o.restarted {
		b.Restarts++
	}
	if n, ok := h.usage[int32(b.ID)]; ok {
		b.UsedBytes = n
	}
	switch {
	case o.gaveUp:
		b.State, b.Error = streamplane.BrokerError, o.note
		b.PID, b.StartedAt = 0, nil
	case b.State == streamplane.BrokerError && !o.running:
		// Still given up; only a restart of the instance retries it.
	case !o.running && !o.restarted:
		b.State, b.Error = streamplane.BrokerError, o.note
	case o.restarted:
		b.State, b.Error = streamplane.BrokerStarting, o.note
	case h.err != nil:
		// The process runs but the cluster does not answer: keep the
		// broker's state; the instance is reported faulty.
	case h.alive[int32(b.ID)]:
		b.State, b.Error = streamplane.BrokerActive, ""
	default:
		b.State = streamplane.BrokerStarting
		if b.Error == "" {
			b.Error = "process runs but the broker is not registered with the cluster"
		}
	}
}
