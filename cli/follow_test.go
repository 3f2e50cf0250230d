package cli

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/wire"
)

// A change that outlasts the server's deadline is answered 202 with its
// task; the CLI follows the task and ends as the task does.
func TestChangeAnsweredLaterIsFollowed(t *testing.T) {
	for _, tc := range []struct {
		status   streamplane.TaskStatus
		wantCode int
		want     string // on stdout for success, stderr for failure
	}{
		{streamplane.TaskSucceeded, 0, "created topic orders"},
		{streamplane.TaskFailed, 1, "the partition limit"},
	} {
		t.Run(string(tc.status), func(t *testing.T) {
			task, _ := streamplane.NewTask("task-9", streamplane.TaskCreateTopic, "in-1", "demo", struct{}{}, "Create the topic")
			mux := http.NewServeMux()
			mux.HandleFunc("POST /api/v1/instances/demo/topics", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusAccepted)
				json.NewEncoder(w).Encode(wire.TaskAccepted{Task: task})
			})
			mux.HandleFunc("GET /api/v1/tasks/task-9", func(w http.ResponseWriter, r *http.Request) {
				done := *task
				done.Status, done.Current, done.Progress = tc.status, 1, 100
				done.Steps = []streamplane.TaskStep{{Name: "Create the topic", Status: streamplane.StepDone}}
				if tc.status == streamplane.TaskFailed {
					done.Steps[0].Status, done.Error = streamplane.StepFailed, "the partition limit of demo is 100"
				} else {
					done.Result = "created topic orders"
				}
				w.Header().Set("Content-Type", "application/json")
				json.NewEncoder(w).Encode(streamplane.TaskDetail{Task: done, Events: []streamplane.TaskEvent{}})
			})
			srv := httptest.NewServer(mux)
			defer srv.Close()

			res := runWith(map[string]string{"STREAMPLANE_SERVER": srv.URL}, nil, "topic", "create", "demo", "orders", "--partitions", "3")
			if res.code != tc.wantCode {
				t.Fatalf("exit %d, want %d; stdout %q stderr %q", res.code, tc.wantCode, res.stdout, res.stderr)
			}
			if !strings.Contains(res.stderr, "task-9") {
				t.Errorf("stderr does not name the task: %q", res.stderr)
			}
			out := res.stdout
			if tc.wantCode != 0 {
				out = res.stderr
			}
			if !strings.Contains(out, tc.want) {
				t.Errorf("output %q does not say %q", out, tc.want)
			}
		})
	}
}
