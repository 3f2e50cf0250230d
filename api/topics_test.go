package api_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
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
	doc := loadDoc(t)
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	c, svc := newAPI(t)
	ctx := context.Background()
	inst, create, err := c.CreateInstance(ctx, validSpec("topic-errors"))
	if err != nil {
		t.Fatal(err)
	}
	base := "/api/v1/instances/topic-errors"
	for _, tc := range []struct {
		method, path, body string
		status             int
		code, field        string
	}{
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
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			status, header, body := call(t, c.BaseURL, tc.method, tc.path, tc.body)
			if !strings.Contains(body, `"code": "`+tc.code+`"`) || status != tc.status ||
				(tc.field != "" && !strings.Contains(body, `"field": "`+tc.field+`"`)) {
				t.Fatalf("HTTP %d %s, want %d %s field %q", status, body, tc.status, tc.code, tc.field)
			}
			checkResponse(t, router, tc.method, tc.path, tc.body, status, header, body)
		})
	}

	// Once the creation failed, changes are refused for the state, not a task.
	finishTask(t, svc, create.ID, inst.ID, streamplane.InstanceCreateFailed)
	_, err = c.CreateTopic(ctx, inst.Name, streamplane.TopicSpec{Name: "t-x"})
	wantAPIError(t, err, http.StatusConflict, streamplane.ESTATE, "")
}

func call(t *testing.T, baseURL, method, path, body string) (int, http.Header, string) {
	t.Helper()
	req, _ := http.NewRequest(method, baseURL+path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(raw)
}

// checkResponse validates an answer against the OpenAPI document.
func checkResponse(t *testing.T, router routers.Router, method, path, reqBody string, status int, header http.Header, body string) {
	t.Helper()
	ctx := context.Background()
	route, params, err := router.FindRoute(mustRequest(method, "http://127.0.0.1:8080"+path, reqBody))
	if err != nil {
		t.Fatalf("%s %s: not in the document: %v", method, path, err)
	}
	in := &openapi3filter.RequestValidationInput{Request: mustRequest(method, "http://127.0.0.1:8080"+path, reqBody), PathParams: params, Route: route}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: status, Header: header,
		Body: io.NopCloser(bytes.NewReader([]byte(body))), Options: &openapi3filter.Options{IncludeResponseStatus: true}}
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		t.Errorf("%s %s → %d: response breaks the document: %v\n%s", method, path, status, err, body)
	}
}
