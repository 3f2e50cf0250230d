package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/term"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/client"
)

// waitTasks waits for each task in turn, drawing progress on stderr, and
// returns every task's final state and error (a *client.TaskFailedError
// for a failed one). Ctrl-C stops the waiting, never the tasks: the returned
// error then names the tasks still running.
func (o *options) waitTasks(ctx context.Context, c *client.Client, tasks []*streamplane.Task) ([]*streamplane.TaskDetail, []error, error) {
	waitCtx, stop := o.interrupt(ctx)
	defer stop()
	details := make([]*streamplane.TaskDetail, len(tasks))
	errs := make([]error, len(tasks))
	for i, t := range tasks {
		fmt.Fprintf(o.stderr, "Waiting for task %s (%s %s); Ctrl-C stops waiting, not the task.\n", t.ID, t.Kind, t.Target)
		p := &progress{w: o.stderr, tty: o.stderrTTY, width: o.columns()}
		d, err := c.WaitTask(waitCtx, t.ID, p.update)
		p.end()
		if waitCtx.Err() != nil && ctx.Err() == nil {
			return details, errs, stoppedWaiting(tasks[i:])
		}
		details[i], errs[i] = d, err
		if err == nil {
			fmt.Fprintf(o.stderr, "Task %s succeeded%s.\n", t.ID, took(d))
		}
	}
	return details, errs, nil
}

// waitTask waits for one task; see waitTasks.
func (o *options) waitTask(ctx context.Context, c *client.Client, t *streamplane.Task) (*streamplane.TaskDetail, error) {
	details, errs, err := o.waitTasks(ctx, c, []*streamplane.Task{t})
	if err != nil {
		return nil, err
	}
	return details[0], errs[0]
}

// stoppedWaiting says which tasks go on without us after Ctrl-C.
func stoppedWaiting(left []*streamplane.Task) error {
	ids := make([]string, len(left))
	for i, t := range left {
		ids[i] = t.ID
	}
	noun := "task " + ids[0] + " continues"
	if len(ids) > 1 {
		noun = "tasks " + strings.Join(ids, ", ") + " continue"
	}
	return fmt.Errorf("stopped waiting; %s on the server (follow with 'streamplane task show %s')", noun, ids[0])
}

func took(d *streamplane.TaskDetail) string {
	if d == nil || d.StartedAt == nil || d.FinishedAt == nil {
		return ""
	}
	dur := d.FinishedAt.Sub(*d.StartedAt)
	if dur < time.Second {
		return " in " + dur.Round(time.Millisecond).String()
	}
	return " in " + dur.Round(time.Second).String()
}

// progress draws a task's progress. On a terminal it redraws the current
// step's line in place and starts a new line when the step changes; to a
// file or pipe it prints a line whenever the step or its detail changes, so
// logs stay readable.
type progress struct {
	w     io.Writer
	tty   bool
	width int // terminal columns; a wrapped line cannot be redrawn

	step    int // index of the step on the open line or last printed
	last    string
	started bool
}

func (p *progress) update(t *streamplane.TaskDetail) {
	i := currentStep(&t.Task)
	line := stepLine(&t.Task, i)
	if p.tty {
		if p.started && i != p.step {
			fmt.Fprintln(p.w)
		}
		if p.width > 1 {
			line = shorten(line, p.width-1)
		}
		fmt.Fprint(p.w, "\r\033[K"+line)
	} else {
		key := strconv.Itoa(i) + "|" + stepKey(&t.Task, i)
		if p.started && key == p.last {
			return
		}
		p.last = key
		fmt.Fprintln(p.w, line)
	}
	p.step, p.started = i, true
}

// end finishes the redrawn line.
func (p *progress) end() {
	if p.tty && p.started {
		fmt.Fprintln(p.w)
	}
}

// currentStep is the step worth showing: the running or failed one, else
// the next to run, else the last.
func currentStep(t *streamplane.Task) int {
	for i, s := range t.Steps {
		if s.Status == streamplane.StepRunning || s.Status == streamplane.StepFailed {
			return i
		}
	}
	return max(0, min(t.Current, len(t.Steps)-1))
}

// stepKey is what must change for a new line in a log: the detail, or the
// step failing. A step merely finishing repeats the line; the waiter's
// closing line says so instead.
func stepKey(t *streamplane.Task, i int) string {
	if i >= len(t.Steps) {
		return string(t.Status)
	}
	s := t.Steps[i]
	return s.Detail + "|" + strconv.FormatBool(s.Status == streamplane.StepFailed)
}

// stepLine renders e.g. `[3/7] Format storage — formatting storage of
// broker 1 (42%)`.
func stepLine(t *streamplane.Task, i int) string {
	if len(t.Steps) == 0 {
		return fmt.Sprintf("%s %s: %s (%d%%)", t.Kind, t.Target, t.Status, t.Progress)
	}
	s := t.Steps[i]
	line := fmt.Sprintf("[%d/%d] %s", i+1, len(t.Steps), s.Name)
	detail := s.Detail
	if detail == "" && t.Status == streamplane.TaskPending {
		detail = "waiting for a worker"
	}
	if detail != "" {
		line += " — " + detail
	}
	if s.Status == streamplane.StepFailed {
		return line + " (FAILED)"
	}
	return line + fmt.Sprintf(" (%d%%)", t.Progress)
}

// columns is the width of the terminal stderr writes to, or 80 when it is
// not a terminal.
func (o *options) columns() int {
	if f, ok := o.stderr.(*os.File); ok {
		if w, _, err := term.GetSize(int(f.Fd())); err == nil && w > 0 {
			return w
		}
	}
	return 80
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// report turns per-target errors into the command's error: the error itself
// for one target, else one printed line per failed target.
func (o *options) report(targets []string, errs []error) error {
	if len(targets) == 1 {
		return errs[0]
	}
	failed := false
	for i, err := range errs {
		if err != nil {
			fmt.Fprintf(o.stderr, "error: %s: %s\n", targets[i], formatError(err))
			failed = true
		}
	}
	if failed {
		return errReported
	}
	return nil
}
