package client

import (
	"context"
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/poll"
	"github.com/streamplane/streamplane/wire"
)

// TaskOptions filter a task list.
type TaskOptions struct {
	Instance      string // id or name
	Kind          string
	Project       string
	Status        []string
	From, To      *time.Time
	Offset, Limit int
}

// Tasks lists tasks.
func (c *Client) Tasks(ctx context.Context, o TaskOptions) (*wire.TaskList, error) {
	q := url.Values{}
	if o.Instance != "" {
		q.Set("instance", o.Instance)
	}
	if o.Kind != "" {
		q.Set("kind", o.Kind)
	}
	if o.Project != "" {
		q.Set("project", o.Project)
	}
	for _, s := range o.Status {
		q.Add("status", s)
	}
	if o.From != nil {
		q.Set("from", o.From.Format(time.RFC3339))
	}
	if o.To != nil {
		q.Set("to", o.To.Format(time.RFC3339))
	}
	setPage(q, o.Offset, o.Limit)
	var out wire.TaskList
	_, err := c.do(ctx, "GET", "/api/v1/tasks", q, nil, &out)
	return &out, err
}

// Task returns a task with its log.
func (c *Client) Task(ctx context.Context, id string) (*streamplane.TaskDetail, error) {
	var out streamplane.TaskDetail
	_, err := c.do(ctx, "GET", "/api/v1/tasks/"+url.PathEscape(id), nil, nil, &out)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteTask removes a finished task's record.
func (c *Client) DeleteTask(ctx context.Context, id string) error {
	_, err := c.do(ctx, "DELETE", "/api/v1/tasks/"+url.PathEscape(id), nil, nil, nil)
	return err
}

// startTask sends a request that changes something and so answers
// 202 {"task": …}, and returns the task doing the change.
func (c *Client) startTask(ctx context.Context, method, path string, body any, opts ...reqOpt) (*streamplane.Task, error) {
	var out wire.TaskAccepted
	_, err := c.do(ctx, method, path, nil, body, &out, opts...)
	return out.Task, err
}

// StillRunning is the answer to a change inside an instance whose task
// did not finish within the server's short deadline: it goes on in the
// background, and WaitTask follows it.
type StillRunning struct{ Task *streamplane.Task }

func (e *StillRunning) Error() string {
	return fmt.Sprintf("task %s (%s %s) is still running; follow it with: streamplane task show %s", e.Task.ID, e.Task.Kind, e.Task.Target, e.Task.ID)
}

// expectsTask reports whether out is an answer with a "task" member: that
// of a request that always starts a task, for which 202 is the answer.
func expectsTask(out any) bool {
	t := reflect.TypeOf(out)
	if t == nil || t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
		return false
	}
	for _, f := range reflect.VisibleFields(t.Elem()) {
		if name, _, _ := strings.Cut(f.Tag.Get("json"), ","); name == "task" {
			return true
		}
	}
	return false
}

// TaskFailedError is returned by WaitTask for a task that failed.
type TaskFailedError struct{ Task *streamplane.TaskDetail }

func (e *TaskFailedError) Error() string {
	return fmt.Sprintf("task %s (%s %s) failed: %s", e.Task.ID, e.Task.Kind, e.Task.Target, e.Task.Error)
}

// WaitTask polls a task until it ends, calling onUpdate (if set) whenever
// it changes. A failed task is returned with a *TaskFailedError.
func (c *Client) WaitTask(ctx context.Context, id string, onUpdate func(*streamplane.TaskDetail)) (*streamplane.TaskDetail, error) {
	var (
		last string
		t    *streamplane.TaskDetail
	)
	err := poll.Until(ctx, 300*time.Millisecond, 0, func(context.Context) error {
		var err error
		if t, err = c.Task(ctx, id); err != nil {
			return poll.Stop(err)
		}
		if onUpdate != nil {
			key := fmt.Sprintf("%s|%d|%d|%d", t.Status, t.Current, t.Progress, len(t.Events))
			if key != last {
				onUpdate(t)
				last = key
			}
		}
		switch t.Status {
		case streamplane.TaskSucceeded:
			return nil
		case streamplane.TaskFailed:
			return poll.Stop(&TaskFailedError{Task: t})
		}
		return fmt.Errorf("task %s is %s", id, t.Status)
	})
	if t == nil {
		return nil, err
	}
	return t, err
}
