package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/wire"
)

// fakeAPI implements just enough of the REST API to check what the CLI
// asks for and how it renders the answers. Every GET of a task advances it
// by one step, so waiting commands see progress and then an end.
type fakeAPI struct {
	t   *testing.T
	srv *httptest.Server

	mu        sync.Mutex
	requests  []request
	instances map[string]*streamplane.Instance // by name
	tasks     map[string]*streamplane.TaskDetail
	nextID    int
	fail      map[string]string             // instance name → error its next task fails with
	refuse    map[string]*streamplane.Error // instance name → error its next change request gets
	iam       *iamFake
	alarm     *alarmFake
	migration *migrationFake
}

type request struct {
	Method, Path string
	Query        url.Values
	Body         []byte
	IfMatch      string
}

var created = time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)

func newFakeAPI(t *testing.T) *fakeAPI {
	f := &fakeAPI{t: t, instances: map[string]*streamplane.Instance{}, tasks: map[string]*streamplane.TaskDetail{},
		fail: map[string]string{}, refuse: map[string]*streamplane.Error{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/runtimes", func(w http.ResponseWriter, r *http.Request) {
		f.json(w, 200, wire.RuntimeList{Runtimes: []wire.Runtime{
			{Version: "3.9.1", Released: "2025-05-21", SupportStart: "2025-06-01", SupportEnd: "2026-06-01"},
			{Version: "4.1.1", Released: "2025-11-12", SupportStart: "2025-12-01", SupportEnd: "2027-12-01", Recommended: true, Installed: true},
		}})
	})
	mux.HandleFunc("POST /api/v1/runtimes/{version}/install", func(w http.ResponseWriter, r *http.Request) {
		f.json(w, 202, wire.TaskAccepted{Task: f.newTask(streamplane.TaskInstallRuntime, "", r.PathValue("version"))})
	})
	mux.HandleFunc("GET /api/v1/flavors", func(w http.ResponseWriter, r *http.Request) {
		f.json(w, 200, wire.FlavorList{Flavors: streamplane.Flavors()})
	})
	mux.HandleFunc("GET /api/v1/zones", func(w http.ResponseWriter, r *http.Request) {
		f.json(w, 200, wire.ZoneList{Zones: []string{"az1", "az2", "az3"}})
	})
	mux.HandleFunc("POST /api/v1/instances", func(w http.ResponseWriter, r *http.Request) {
		var spec streamplane.InstanceSpec
		dec := json.NewDecoder(bytes.NewReader(f.lastBody()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&spec); err != nil {
			f.error(w, streamplane.Invalid("", "bad body: %v", err))
			return
		}
		if spec.BrokerCount < 1 || spec.BrokerCount > 3 {
			f.error(w, streamplane.Invalid("brokers", "flavor %s allows 1 to 3 brokers, got %d", spec.Flavor, spec.BrokerCount))
			return
		}
		f.mu.Lock()
		f.nextID++
		inst := &streamplane.Instance{ID: fmt.Sprintf("in-%d", f.nextID), Name: spec.Name, Description: spec.Description,
			Version: spec.Version, Flavor: spec.Flavor, BrokerCount: spec.BrokerCount, StorageGBPerBroker: spec.StorageGBPerBroker,
			DiskType: spec.DiskType, Zones: spec.Zones, Tags: spec.Tags, AutoCreateTopics: spec.AutoCreateTopics,
			Status: streamplane.InstanceCreating, CreatedAt: created, UpdatedAt: created, ResourceVersion: 1}
		f.instances[inst.Name] = inst
		f.mu.Unlock()
		task := f.newTask(streamplane.TaskCreateInstance, inst.ID, inst.Name)
		f.json(w, 202, wire.InstanceCreated{Instance: inst, Task: task})
	})
	mux.HandleFunc("GET /api/v1/instances", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("format") == "csv" {
			w.Header().Set("Content-Type", "text/csv")
			io.WriteString(w, "id,name,status\nin-1,orders,RUNNING\n")
			return
		}
		f.mu.Lock()
		list := []*streamplane.Instance{}
		for _, inst := range f.instances {
			list = append(list, inst)
		}
		f.mu.Unlock()
		f.json(w, 200, wire.InstanceList{Instances: list, Total: len(list) + 5, Limit: 100})
	})
	mux.HandleFunc("POST /api/v1/instances/clear-failed", func(w http.ResponseWriter, r *http.Request) {
		f.json(w, 200, wire.InstancesCleared{Cleared: []string{"broken"}})
	})
	mux.HandleFunc("GET /api/v1/instances/{instance}", func(w http.ResponseWriter, r *http.Request) {
		if inst, ok := f.instance(w, r); ok {
			f.json(w, 200, inst)
		}
	})
	mux.HandleFunc("PATCH /api/v1/instances/{instance}", func(w http.ResponseWriter, r *http.Request) {
		inst, ok := f.instance(w, r)
		if !ok {
			return
		}
		var upd streamplane.InstanceUpdate
		json.Unmarshal(f.lastBody(), &upd)
		f.mu.Lock()
		if upd.Description != nil {
			inst.Description = *upd.Description
		}
		inst.ResourceVersion++
		f.mu.Unlock()
		f.json(w, 200, inst)
	})
	mux.HandleFunc("POST /api/v1/instances/{instance}/restart", func(w http.ResponseWriter, r *http.Request) {
		f.instanceTask(w, r, streamplane.TaskRestartInstance)
	})
	mux.HandleFunc("DELETE /api/v1/instances/{instance}", func(w http.ResponseWriter, r *http.Request) {
		f.instanceTask(w, r, streamplane.TaskDeleteInstance)
	})
	mux.HandleFunc("POST /api/v1/instances/{instance}/expand-storage", func(w http.ResponseWriter, r *http.Request) {
		f.instanceTask(w, r, streamplane.TaskExpandStorage)
	})
	mux.HandleFunc("GET /api/v1/instances/{instance}/brokers/{broker}/log", func(w http.ResponseWriter, r *http.Request) {
		if _, ok := f.instance(w, r); ok {
			fmt.Fprintf(w, "line one of broker %s\nline two", r.PathValue("broker"))
		}
	})
	mux.HandleFunc("GET /api/v1/tasks", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		list := []*streamplane.Task{}
		for _, t := range f.tasks {
			list = append(list, &t.Task)
		}
		f.mu.Unlock()
		f.json(w, 200, wire.TaskList{Tasks: list, Total: len(list), Limit: 100})
	})
	mux.HandleFunc("GET /api/v1/tasks/{task}", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		t, ok := f.tasks[r.PathValue("task")]
		if ok {
			f.advance(t)
		}
		f.mu.Unlock()
		if !ok {
			f.error(w, streamplane.Errorf(streamplane.ENOTFOUND, "no task %s", r.PathValue("task")))
			return
		}
		f.json(w, 200, t)
	})
	mux.HandleFunc("DELETE /api/v1/tasks/{task}", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})
	f.iamRoutes(mux)
	f.alarmRoutes(mux)
	f.migrationRoutes(mux)
	f.inventoryRoute(mux)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		f.error(w, streamplane.Errorf(streamplane.ENOTFOUND, "no such endpoint: %s %s", r.Method, r.URL.Path))
	})
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.requests = append(f.requests, request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Body: body, IfMatch: r.Header.Get("If-Match")})
		f.mu.Unlock()
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeAPI) URL() string { return f.srv.URL }

// addInstance stores a running instance with three brokers.
func (f *fakeAPI) addInstance(name string) *streamplane.Instance {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextID++
	inst := &streamplane.Instance{ID: fmt.Sprintf("in-%d", f.nextID), Name: name, Project: streamplane.DefaultProject, Version: "4.1.1", Flavor: streamplane.DevFlavor,
		BrokerCount: 3, StorageGBPerBroker: 10, Zones: []string{"az1", "az2", "az3"}, Status: streamplane.InstanceRunning,
		Tags: map[string]string{"team": "data"}, CreatedAt: created, UpdatedAt: created, ResourceVersion: 3}
	for i := range 3 {
		inst.Brokers = append(inst.Brokers, streamplane.Broker{ID: i, Roles: []string{"broker", "controller"}, State: streamplane.BrokerActive,
			Rack: inst.Zones[i], Host: "127.0.0.1", Ports: map[string]int{streamplane.PortPrivate: 19092 + i}, PID: 4000 + i, UsedBytes: 1 << 20,
			Endpoints: map[string]string{streamplane.ListenerPrivatePlaintext: fmt.Sprintf("127.0.0.1:%d", 19092+i)}})
	}
	inst.Finish()
	f.instances[name] = inst
	return inst
}

func (f *fakeAPI) instance(w http.ResponseWriter, r *http.Request) (*streamplane.Instance, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	key := r.PathValue("instance")
	for _, inst := range f.instances {
		if inst.Name == key || inst.ID == key {
			return inst, true
		}
	}
	f.error(w, streamplane.Errorf(streamplane.ENOTFOUND, "no instance %s", key))
	return nil, false
}

func (f *fakeAPI) instanceTask(w http.ResponseWriter, r *http.Request, kind string) {
	inst, ok := f.instance(w, r)
	if !ok {
		return
	}
	f.mu.Lock()
	refused := f.refuse[inst.Name]
	f.mu.Unlock()
	if refused != nil {
		f.error(w, refused)
		return
	}
	f.json(w, 202, wire.TaskAccepted{Task: f.newTask(kind, inst.ID, inst.Name)})
}

func (f *fakeAPI) newTask(kind, instanceID, target string) *streamplane.Task {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextID++
	t, _ := streamplane.NewTask(fmt.Sprintf("task-%d", f.nextID), kind, instanceID, target, struct{}{}, "Place brokers", "Start brokers")
	t.CreatedAt, t.UpdatedAt = created, created
	f.tasks[t.ID] = &streamplane.TaskDetail{Task: *t, Events: []streamplane.TaskEvent{}}
	return t
}

// advance moves a task one step on: PENDING → step 1 → step 2 → SUCCEEDED,
// or FAILED in step 2 when its instance is marked to fail.
func (f *fakeAPI) advance(t *streamplane.TaskDetail) {
	now := created.Add(time.Minute)
	switch {
	case t.Status == streamplane.TaskPending:
		t.Status, t.StartedAt = streamplane.TaskRunning, &created
		t.Steps[0].Status, t.Steps[0].Detail = streamplane.StepRunning, "placing 3 brokers"
	case t.Status == streamplane.TaskRunning && t.Current == 0:
		t.Steps[0].Status = streamplane.StepDone
		t.Steps[1].Status, t.Steps[1].Detail = streamplane.StepRunning, "starting broker 1"
		t.Current = 1
	case t.Status == streamplane.TaskRunning:
		if msg, ok := f.fail[t.Target]; ok {
			t.Steps[1].Status, t.Status, t.Error, t.FinishedAt = streamplane.StepFailed, streamplane.TaskFailed, msg, &now
			return
		}
		t.Steps[1].Status, t.Current, t.Status, t.FinishedAt = streamplane.StepDone, 2, streamplane.TaskSucceeded, &now
		t.Events = append(t.Events, streamplane.TaskEvent{TaskID: t.ID, At: now, Message: "all brokers started"})
		if inst := f.instances[t.Target]; inst != nil && t.Kind == streamplane.TaskCreateInstance {
			inst.Status = streamplane.InstanceRunning
		}
	}
	t.UpdateProgress()
}

func (f *fakeAPI) json(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func (f *fakeAPI) error(w http.ResponseWriter, e *streamplane.Error) {
	status, ok := map[string]int{streamplane.EINVALID: 400, streamplane.ENOTFOUND: 404}[e.Code]
	if !ok {
		status = 409
	}
	f.json(w, status, wire.ErrorEnvelope{Error: wire.ErrorDetail{Code: e.Code, Message: e.Message, Field: e.Field, TaskID: e.TaskID}})
}

// lastBody is the body of the request being served; the recording handler
// has already read it.
func (f *fakeAPI) lastBody() []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests[len(f.requests)-1].Body
}

// calls returns the recorded requests, optionally only those with a method
// and path prefix such as "POST /api/v1/instances".
func (f *fakeAPI) calls(prefix string) []request {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []request
	for _, r := range f.requests {
		if strings.HasPrefix(r.Method+" "+r.Path, prefix) {
			out = append(out, r)
		}
	}
	return out
}

// result is one run of the command line.
type result struct {
	code           int
	stdout, stderr string
}

// runCLI runs the command line against the fake with STREAMPLANE_SERVER
// pointing at it, unless env says otherwise.
func (f *fakeAPI) run(args ...string) result {
	return runWith(map[string]string{"STREAMPLANE_SERVER": f.URL()}, nil, args...)
}

// runWith runs the command line with the given environment; tweak may
// change the options first (e.g. to simulate Ctrl-C).
func runWith(env map[string]string, tweak func(*options), args ...string) result {
	var stdout, stderr bytes.Buffer
	o := newOptions(&stdout, &stderr, func(k string) string { return env[k] })
	o.now = func() time.Time { return created.Add(3 * time.Hour) }
	// No test reads the credentials of whoever runs it.
	o.configDir = func() (string, error) { return "", errors.New("tests keep no credentials unless they say where") }
	if tweak != nil {
		tweak(o)
	}
	code := o.execute(context.Background(), args)
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}
