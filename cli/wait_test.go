package cli

import (
	"bytes"
	"io"
	"os"
	"testing"

	streamplane "github.com/streamplane/streamplane"
)

// states returns a task as a waiter would see it over time.
func states() []*streamplane.TaskDetail {
	t, _ := streamplane.NewTask("task-1", streamplane.TaskCreateInstance, "in-1", "orders", nil, "Place brokers", "Format storage")
	var out []*streamplane.TaskDetail
	snap := func(edit func(*streamplane.Task)) {
		edit(t)
		t.UpdateProgress()
		c := *t
		c.Steps = append([]streamplane.TaskStep(nil), t.Steps...)
		out = append(out, &streamplane.TaskDetail{Task: c})
	}
	snap(func(t *streamplane.Task) {})
	snap(func(t *streamplane.Task) {
		t.Status, t.Steps[0].Status, t.Steps[0].Detail = streamplane.TaskRunning, streamplane.StepRunning, "placing 3 brokers"
	})
	snap(func(t *streamplane.Task) { t.Steps[0].Status, t.Current = streamplane.StepDone, 1 })
	snap(func(t *streamplane.Task) {
		t.Steps[1].Status, t.Steps[1].Detail = streamplane.StepRunning, "formatting storage of broker 1"
	})
	snap(func(t *streamplane.Task) { t.Steps[1].Detail = "formatting storage of broker 2" })
	snap(func(t *streamplane.Task) {
		t.Steps[1].Status, t.Current, t.Status = streamplane.StepDone, 2, streamplane.TaskSucceeded
	})
	return out
}

func TestProgress(t *testing.T) {
	t.Parallel()
	t.Run("Lines", func(t *testing.T) {
		var buf bytes.Buffer
		p := &progress{w: &buf}
		for _, s := range states() {
			p.update(s)
		}
		p.end()
		want := "[1/2] Place brokers — waiting for a worker (0%)\n" +
			"[1/2] Place brokers — placing 3 brokers (0%)\n" +
			"[2/2] Format storage (50%)\n" +
			"[2/2] Format storage — formatting storage of broker 1 (50%)\n" +
			"[2/2] Format storage — formatting storage of broker 2 (50%)\n"
		if buf.String() != want {
			t.Errorf("got\n%s\nwant\n%s", buf.String(), want)
		}
	})

	t.Run("Terminal", func(t *testing.T) {
		var buf bytes.Buffer
		p := &progress{w: &buf, tty: true, width: 50}
		for _, s := range states() {
			p.update(s)
		}
		p.end()
		const cr = "\r\033[K"
		want := cr + "[1/2] Place brokers — waiting for a worker (0%)" +
			cr + "[1/2] Place brokers — placing 3 brokers (0%)" +
			"\n" + cr + "[2/2] Format storage (50%)" +
			cr + "[2/2] Format storage — formatting storage of bro…" +
			cr + "[2/2] Format storage — formatting storage of bro…" +
			cr + "[2/2] Format storage — formatting storage of bro…" + "\n"
		if buf.String() != want {
			t.Errorf("got\n%q\nwant\n%q", buf.String(), want)
		}
	})
}

func TestHumanBytes(t *testing.T) {
	t.Parallel()
	for n, want := range map[int64]string{0: "0 B", 999: "999 B", 1000: "1.00 kB", 82854982: "82.9 MB", 1250000000: "1.25 GB", 10e9: "10.0 GB", 3e12: "3.00 TB", -1: "-1 B"} {
		if got := humanBytes(n); got != want {
			t.Errorf("humanBytes(%d) = %q, want %q", n, got, want)
		}
	}
}

// Without a terminal the width is 80, whatever $COLUMNS says: the width
// comes from the terminal itself.
func TestColumnsWithoutTerminal(t *testing.T) {
	t.Parallel()
	f, err := os.CreateTemp(t.TempDir(), "stderr")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	env := func(k string) string {
		if k == "COLUMNS" {
			return "200"
		}
		return ""
	}
	for _, w := range []io.Writer{f, &bytes.Buffer{}} {
		o := newOptions(io.Discard, w, env)
		if got := o.columns(); got != 80 {
			t.Errorf("columns() with stderr %T = %d, want 80", w, got)
		}
		if o.stderrTTY {
			t.Errorf("stderr %T counts as a terminal", w)
		}
	}
}
