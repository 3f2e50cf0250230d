package client

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	streamplane "github.com/streamplane/streamplane"
)

// taskServer answers GET /api/v1/tasks/t-1 with the statuses in turn, the
// last one for ever after.
func taskServer(t *testing.T, statuses ...streamplane.TaskStatus) *httptest.Server {
	var mu sync.Mutex
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/tasks/t-1" {
			http.NotFound(w, r)
			return
		}
		mu.Lock()
		s := statuses[min(calls, len(statuses)-1)]
		calls++
		mu.Unlock()
		task := streamplane.TaskDetail{Task: streamplane.Task{ID: "t-1", Kind: "create_instance", Target: "orders", Status: s}}
		if s == streamplane.TaskFailed {
			task.Error = "no java"
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(task)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestWaitTask(t *testing.T) {
	t.Parallel()
	t.Run("Succeeded", func(t *testing.T) {
		srv := taskServer(t, streamplane.TaskPending, streamplane.TaskRunning, streamplane.TaskSucceeded)
		var seen []streamplane.TaskStatus
		got, err := New(srv.URL).WaitTask(context.Background(), "t-1", func(d *streamplane.TaskDetail) { seen = append(seen, d.Status) })
		if err != nil || got.Status != streamplane.TaskSucceeded {
			t.Fatalf("WaitTask = %+v, %v", got, err)
		}
		if want := []streamplane.TaskStatus{streamplane.TaskPending, streamplane.TaskRunning, streamplane.TaskSucceeded}; len(seen) != 3 || seen[0] != want[0] || seen[1] != want[1] || seen[2] != want[2] {
			t.Errorf("updates %v, want %v", seen, want)
		}
	})
	t.Run("Failed", func(t *testing.T) {
		srv := taskServer(t, streamplane.TaskRunning, streamplane.TaskFailed)
		got, err := New(srv.URL).WaitTask(context.Background(), "t-1", nil)
		var failed *TaskFailedError
		if !errors.As(err, &failed) || failed.Task.Error != "no java" || got == nil || got.Status != streamplane.TaskFailed {
			t.Fatalf("WaitTask = %+v, %v; want the failed task and a *TaskFailedError", got, err)
		}
	})
	t.Run("Cancelled", func(t *testing.T) {
		srv := taskServer(t, streamplane.TaskRunning)
		ctx, cancel := context.WithCancel(context.Background())
		got, err := New(srv.URL).WaitTask(ctx, "t-1", func(*streamplane.TaskDetail) { cancel() })
		if !errors.Is(err, context.Canceled) || got == nil || got.Status != streamplane.TaskRunning {
			t.Fatalf("WaitTask = %+v, %v; want the running task and context.Canceled", got, err)
		}
	})
	t.Run("NotFound", func(t *testing.T) {
		srv := taskServer(t, streamplane.TaskRunning)
		_, err := New(srv.URL).WaitTask(context.Background(), "t-2", nil)
		if err == nil {
			t.Fatal("WaitTask of a missing task = nil error")
		}
	})
}
