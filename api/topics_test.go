package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/client"
)

// These tests need no brokers: every request here is refused before the
// server talks to Kafka. The e2e tests cover the rest against real brokers.

// While a task holds an instance, topic changes get 409 naming the task,
// and each refusal is recorded as a failed change.
func TestTopicChangesRefusedWhileBusy(t *testing.T) {
	c, _ := newAPI(t)
	ctx := context.Background()
	inst, create, err := c.CreateInstance(ctx, validSpec("busy-topics"))
	if err != nil {
		t.Fatal(err)
	}
	parts := 12
	for name, call := range map[string]func() error{
		"create": func() error {
			_, err := c.CreateTopic(ctx, inst.Name, streamplane.TopicSpec{Name: "t-busy"})
			return err
		},
		"update": func() error {
			_, err := c.UpdateTopic(ctx, inst.Name, "t-busy", streamplane.TopicUpdate{Partitions: &parts})
			return err
		},
		"delete": func() error { _, err := c.DeleteTopic(ctx, inst.Name, "t-busy"); return err },
		"batch":  func() error { _, err := c.DeleteTopics(ctx, inst.ID, "t-busy", "t-other"); return err },
	} {
		err := call()
		wantAPIError(t, err, http.StatusConflict, streamplane.EBUSY, "")
		if e := err.(*client.Error); e.App.TaskID != create.ID || !strings.Contains(e.App.Message, create.ID) {
			t.Errorf("%s: the 409 should name task %s: %+v", name, create.ID, e.App)
		}
	}
	list, err := c.Tasks(ctx, client.TaskOptions{Instance: inst.ID, Status: []string{"FAILED"}})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, tk := range list.Tasks {
		kinds[tk.Kind]++
		if !strings.Contains(tk.Error, create.ID) || tk.FinishedAt == nil {
			t.Errorf("recorded refusal %s: error %q, finished %v", tk.Kind, tk.Error, tk.FinishedAt)
		}
	}
	if kinds[streamplane.TaskCreateTopic] != 1 || kinds[streamplane.TaskUpdateTopic] != 1 || kinds[streamplane.TaskDeleteTopics] != 2 {
		t.Fatalf("recorded refusals by kind: %v", kinds)
	}
}

// Requests that break a rule the server checks before reaching Kafka get
// 400 naming the field; unknown instances 404; instances whose brokers do
// not run 409. Every answer matches the OpenAPI document.
func TestTopicRequestErrors(t *testing.T) {
	router := loadRouter(t)
	c, svc := newAPI(t)
	ctx := context.Background()
	inst, create, err := c.CreateInstance(ctx, validSpec("topic-errors"))
	if err != nil {
		t.Fatal(err)
	}
	base := "/api/v1/instances/topic-errors"
	for _, tc := range []errorCase{
		{"POST", base + "/topics", `{"name":"t-x","partition":3}`, 400, streamplane.EINVALID, "partition"},
		{"POST", base + "/topics", `{"name":"t-x","partitions":"three"}`, 400, streamplane.EINVALID, "partitions"},
		{"POST", base + "/topics/delete", `{"topics":"t-x"}`, 400, streamplane.EINVALID, "topics"},
		{"PATCH", base + "/topics/t-x", `{"delete_config":["a"]}`, 400, streamplane.EINVALID, "delete_config"},
		{"GET", base + "/topics?internal=maybe", "", 400, streamplane.EINVALID, "internal"},
		{"GET", base + "/disk-usage?top=0", "", 400, streamplane.EINVALID, "top"},
		{"GET", base + "/disk-usage?top=1001", "", 400, streamplane.EINVALID, "top"},
		{"GET", base + "/disk-usage?min_size_bytes=1GB", "", 400, streamplane.EINVALID, "min_size_bytes"},
		{"GET", base + "/disk-usage?min_percent=101", "", 400, streamplane.EINVALID, "min_percent"},
		{"GET", base + "/topics/t-x/sample-code?lang=rust", "", 400, streamplane.EINVALID, "lang"},
		{"GET", base + "/topics/__consumer_offsets/sample-code?lang=go", "", 400, streamplane.EINVALID, "topic"},
		{"GET", "/api/v1/instances/no-such-instance/topics", "", 404, streamplane.ENOTFOUND, ""},
		{"POST", "/api/v1/instances/no-such-instance/topics", `{"name":"t-x"}`, 404, streamplane.ENOTFOUND, ""},
		{"GET", "/api/v1/instances/no-such-instance/disk-usage", "", 404, streamplane.ENOTFOUND, ""},
		// The instance is CREATING: no brokers to read from yet.
		{"GET", base + "/topics", "", 409, streamplane.ESTATE, ""},
		{"GET", base + "/topics/t-x", "", 409, streamplane.ESTATE, ""},
		{"GET", base + "/topics/t-x/sample-code?lang=go", "", 409, streamplane.ESTATE, ""},
		{"GET", base + "/disk-usage", "", 409, streamplane.ESTATE, ""},
		{"POST", base + "/topics", `{"name":"t-x"}`, 409, streamplane.EBUSY, ""},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) { tc.check(t, c.BaseURL, router) })
	}

	// Once the creation failed, changes are refused for the state, not a task.
	finishTask(t, svc, create.ID, inst.ID, streamplane.InstanceCreateFailed)
	_, err = c.CreateTopic(ctx, inst.Name, streamplane.TopicSpec{Name: "t-x"})
	wantAPIError(t, err, http.StatusConflict, streamplane.ESTATE, "")
}
