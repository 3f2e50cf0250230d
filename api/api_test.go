package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/api"
	"github.com/streamplane/streamplane/authn"
	"github.com/streamplane/streamplane/client"
	"github.com/streamplane/streamplane/identity"
	"github.com/streamplane/streamplane/kafkaruntime"
	"github.com/streamplane/streamplane/provision/local"
	"github.com/streamplane/streamplane/secrets"
	"github.com/streamplane/streamplane/service"
	"github.com/streamplane/streamplane/sqlite"
	"github.com/streamplane/streamplane/task"
	"github.com/streamplane/streamplane/workflow"
)

// newAPI serves the real API over a real store with no task workers: tasks
// stay PENDING, which is what the rules about busy instances need. The
// tests of the API's rules run signed in as admin: a request without an
// Authorization header gets the admin's token (auth_test.go tests the
// guard itself, on a server that adds nothing).
func newAPI(t *testing.T) (*client.Client, *service.Service) {
	t.Helper()
	e := newAPIEnv(t)
	handler := e.handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "" {
			r.Header.Set("Authorization", "Bearer "+e.adminToken)
		}
		handler.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return client.New(srv.URL), e.svc
}

// apiEnv is the API's parts: its handler with no help, the admin's token.
type apiEnv struct {
	handler    http.Handler
	svc        *service.Service
	ids        *identity.Service
	store      *sqlite.DB
	adminToken string
}

func newAPIEnv(t *testing.T) *apiEnv {
	t.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	log := slog.New(slog.DiscardHandler)
	cache := &kafkaruntime.Cache{Dir: t.TempDir()}
	prov := local.New(local.Config{Root: t.TempDir(), PortLo: 40000, PortHi: 40100, Zones: []string{"az1", "az2", "az3"}}, store, cache, log)
	env := &workflow.Env{Store: store, Provisioner: prov, Runtimes: cache, Log: log}
	wf := env.Workflows()
	key, err := secrets.LoadOrCreateKey(filepath.Join(t.TempDir(), "secret.key"))
	if err != nil {
		t.Fatal(err)
	}
	box, err := secrets.New(key)
	if err != nil {
		t.Fatal(err)
	}
	svc := &service.Service{Store: store, Provisioner: prov, Runtimes: cache, Engine: &task.Engine{}, Workflows: wf, Log: log,
		Vault: &secrets.Vault{Store: store, Box: box}, Limits: service.Limits{MaxInstances: 5, MaxBrokers: 9, MaxStorageGB: 1000}}
	dir := t.TempDir()
	ids := &identity.Service{Store: store, Throttle: authn.NewThrottle(), Log: log}
	if _, err := ids.Bootstrap(ctx, dir); err != nil {
		t.Fatal(err)
	}
	token, err := os.ReadFile(filepath.Join(dir, identity.AdminTokenFile))
	if err != nil {
		t.Fatal(err)
	}
	return &apiEnv{handler: (&api.Server{Service: svc, Identity: ids, Log: log}).Handler(), svc: svc, ids: ids, store: store,
		adminToken: strings.TrimSpace(string(token))}
}

func validSpec(name string) streamplane.InstanceSpec {
	return streamplane.InstanceSpec{Name: name, Version: kafkaruntime.Recommended().Version, Flavor: "kafka.2u4g.cluster",
		BrokerCount: 3, StorageGBPerBroker: 100, Zones: []string{"az1", "az2", "az3"}}
}

func wantAPIError(t *testing.T, err error, status int, code, field string) {
	t.Helper()
	var e *client.Error
	if !errors.As(err, &e) {
		t.Fatalf("got %v, want HTTP %d %s", err, status, code)
	}
	if e.StatusCode != status || e.App.Code != code || (field != "" && e.App.Field != field) {
		t.Fatalf("got HTTP %d %s field %q (%s), want HTTP %d %s field %q", e.StatusCode, e.App.Code, e.App.Field, e.App.Message, status, code, field)
	}
	if e.App.Message == "" {
		t.Fatal("error without a message")
	}
}

func TestCreateValidation(t *testing.T) {
	c, _ := newAPI(t)
	ctx := context.Background()
	cases := []struct {
		name   string
		mutate func(*streamplane.InstanceSpec)
		field  string
	}{
		{"NameMissing", func(s *streamplane.InstanceSpec) { s.Name = "" }, "name"},
		{"NameTooShort", func(s *streamplane.InstanceSpec) { s.Name = "abc" }, "name"},
		{"NameTooLong", func(s *streamplane.InstanceSpec) { s.Name = "a" + strings.Repeat("b", 64) }, "name"},
		{"NameDigitFirst", func(s *streamplane.InstanceSpec) { s.Name = "1abc" }, "name"},
		{"NameBadChar", func(s *streamplane.InstanceSpec) { s.Name = "ab.cd" }, "name"},
		{"DescriptionTooLong", func(s *streamplane.InstanceSpec) { s.Description = strings.Repeat("x", 1025) }, "description"},
		{"VersionUnknown", func(s *streamplane.InstanceSpec) { s.Version = "2.8.0" }, "version"},
		{"VersionMissing", func(s *streamplane.InstanceSpec) { s.Version = "" }, "version"},
		{"FlavorUnknown", func(s *streamplane.InstanceSpec) { s.Flavor = "kafka.64u128g.cluster" }, "flavor"},
		{"BrokersBelowFlavor", func(s *streamplane.InstanceSpec) { s.BrokerCount = 2; s.Zones = []string{"az1"} }, "broker_count"},
		{"BrokersAboveFlavor", func(s *streamplane.InstanceSpec) { s.BrokerCount = 31 }, "broker_count"},
		{"DevBrokersAboveFlavor", func(s *streamplane.InstanceSpec) {
			s.Flavor = streamplane.DevFlavor
			s.StorageGBPerBroker = 10
			s.BrokerCount = 4
		}, "broker_count"},
		{"StorageBelowFlavor", func(s *streamplane.InstanceSpec) { s.StorageGBPerBroker = 50 }, "storage_gb_per_broker"},
		{"StorageNotStep", func(s *streamplane.InstanceSpec) { s.StorageGBPerBroker = 150 }, "storage_gb_per_broker"},
		{"DevStorageAboveFlavor", func(s *streamplane.InstanceSpec) { s.Flavor = streamplane.DevFlavor; s.StorageGBPerBroker = 101 }, "storage_gb_per_broker"},
		{"DiskTypeUnknown", func(s *streamplane.InstanceSpec) { s.DiskType = "floppy" }, "disk_type"},
		{"TwoZones", func(s *streamplane.InstanceSpec) { s.Zones = []string{"az1", "az2"} }, "zones"},
		{"ZoneUnknown", func(s *streamplane.InstanceSpec) { s.Zones = []string{"az1", "az2", "az9"} }, "zones"},
		{"ZoneTwice", func(s *streamplane.InstanceSpec) { s.Zones = []string{"az1", "az1", "az2"} }, "zones"},
		{"TagKeyTooLong", func(s *streamplane.InstanceSpec) { s.Tags = map[string]string{strings.Repeat("k", 37): "v"} }, ""},
		{"TagValueTooLong", func(s *streamplane.InstanceSpec) { s.Tags = map[string]string{"k": strings.Repeat("v", 44)} }, "tags.k"},
		{"TagForbiddenChar", func(s *streamplane.InstanceSpec) { s.Tags = map[string]string{"a=b": "v"} }, "tags.a=b"},
		{"TagValueEmpty", func(s *streamplane.InstanceSpec) { s.Tags = map[string]string{"k": ""} }, "tags.k"},
		{"TagLeadingSpace", func(s *streamplane.InstanceSpec) { s.Tags = map[string]string{"k": " v"} }, "tags.k"},
		{"TooManyTags", func(s *streamplane.InstanceSpec) {
			s.Tags = map[string]string{}
			for i := 0; i < 21; i++ {
				s.Tags[fmt.Sprintf("k%d", i)] = "v"
			}
		}, "tags"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			spec := validSpec("valid-name")
			tc.mutate(&spec)
			_, _, err := c.CreateInstance(ctx, spec)
			wantAPIError(t, err, http.StatusBadRequest, streamplane.EINVALID, tc.field)
		})
	}
	t.Run("OK", func(t *testing.T) {
		inst, task, err := c.CreateInstance(ctx, validSpec("valid-name"))
		if err != nil {
			t.Fatal(err)
		}
		if inst.Status != streamplane.InstanceCreating || task.Status != streamplane.TaskPending || task.InstanceID != inst.ID {
			t.Fatalf("instance %s task %s", inst.Status, task.Status)
		}
		if got := []string{inst.Brokers[0].Rack, inst.Brokers[1].Rack, inst.Brokers[2].Rack}; fmt.Sprint(got) != "[az1 az2 az3]" {
			t.Fatalf("racks = %v", got)
		}
	})
	t.Run("NameTaken", func(t *testing.T) {
		_, _, err := c.CreateInstance(ctx, validSpec("valid-name"))
		wantAPIError(t, err, http.StatusConflict, streamplane.ECONFLICT, "")
	})
	t.Run("ServiceQuota", func(t *testing.T) {
		spec := validSpec("second-one")
		spec.BrokerCount = 7 // 3 + 7 brokers > the quota of 9
		_, _, err := c.CreateInstance(ctx, spec)
		wantAPIError(t, err, http.StatusUnprocessableEntity, streamplane.ELIMIT, "broker_count")
	})
}

func TestUnknownAndMistypedFields(t *testing.T) {
	c, _ := newAPI(t)
	for _, tc := range []struct{ body, field string }{
		{`{"name":"abcd","brokers":3}`, "brokers"},
		{`{"name":"abcd","broker_count":"three"}`, "broker_count"},
		{`{"name":`, ""},
	} {
		resp, err := http.Post(c.BaseURL+"/api/v1/instances", "application/json", strings.NewReader(tc.body))
		if err != nil {
			t.Fatal(err)
		}
		var env struct {
			Error struct{ Code, Field, Message string }
		}
		json.NewDecoder(resp.Body).Decode(&env)
		resp.Body.Close()
		if resp.StatusCode != 400 || env.Error.Code != streamplane.EINVALID || env.Error.Field != tc.field {
			t.Errorf("%s: HTTP %d %+v, want 400 INVALID_ARGUMENT field %q", tc.body, resp.StatusCode, env.Error, tc.field)
		}
	}
}

// While a task holds an instance, other changes get 409 naming the task;
// a stale If-Match gets 412.
func TestBusyAndStale(t *testing.T) {
	c, svc := newAPI(t)
	ctx := context.Background()
	inst, create, err := c.CreateInstance(ctx, validSpec("busy-one"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteInstance(ctx, inst.ID)
	wantAPIError(t, err, http.StatusConflict, streamplane.EBUSY, "")
	if e := err.(*client.Error); e.App.TaskID != create.ID || !strings.Contains(e.App.Message, create.ID) {
		t.Fatalf("409 should name the holding task %s: %+v", create.ID, e.App)
	}
	_, err = c.RestartInstance(ctx, inst.ID, false)
	wantAPIError(t, err, http.StatusConflict, streamplane.EBUSY, "")
	got, err := c.Instance(ctx, "busy-one")
	if err != nil || got.TaskID != create.ID {
		t.Fatalf("instance should show its holding task: %v %v", got, err)
	}

	// Let the creation fail, as if its worker had given up.
	finishTask(t, svc, create.ID, inst.ID, streamplane.InstanceCreateFailed)
	_, err = c.RestartInstance(ctx, inst.ID, false)
	wantAPIError(t, err, http.StatusConflict, streamplane.ESTATE, "")

	// Optimistic concurrency.
	cur, err := c.Instance(ctx, inst.ID)
	if err != nil {
		t.Fatal(err)
	}
	desc := "first"
	updated, err := c.UpdateInstance(ctx, inst.ID, streamplane.InstanceUpdate{Description: &desc}, client.IfMatch(cur.ResourceVersion))
	if err != nil {
		t.Fatal(err)
	}
	if updated.ResourceVersion != cur.ResourceVersion+1 {
		t.Fatalf("version %d after update, want %d", updated.ResourceVersion, cur.ResourceVersion+1)
	}
	desc = "second"
	_, err = c.UpdateInstance(ctx, inst.ID, streamplane.InstanceUpdate{Description: &desc}, client.IfMatch(cur.ResourceVersion))
	wantAPIError(t, err, http.StatusPreconditionFailed, streamplane.ESTALE, "If-Match")
	_, err = c.DeleteInstance(ctx, inst.ID, client.IfMatch(cur.ResourceVersion))
	wantAPIError(t, err, http.StatusPreconditionFailed, streamplane.ESTALE, "If-Match")
	got, _ = c.Instance(ctx, inst.ID)
	if got.Description != "first" || got.Status != streamplane.InstanceCreateFailed {
		t.Fatalf("a refused request changed the instance: %+v", got)
	}
	// The current version is accepted.
	if _, err := c.DeleteInstance(ctx, inst.ID, client.IfMatch(got.ResourceVersion)); err != nil {
		t.Fatal(err)
	}
}

// An instance with deletion protection is refused every deletion, single
// or by clear-failed, until the protection is turned off.
func TestDeletionProtection(t *testing.T) {
	c, svc := newAPI(t)
	ctx := context.Background()
	spec := validSpec("kept-one")
	spec.DeletionProtection = true
	kept, create, err := c.CreateInstance(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	if !kept.DeletionProtection {
		t.Fatalf("created without the protection asked for: %+v", kept)
	}
	finishTask(t, svc, create.ID, kept.ID, streamplane.InstanceRunning)
	_, err = c.DeleteInstance(ctx, "kept-one")
	wantAPIError(t, err, http.StatusConflict, streamplane.ESTATE, "deletion_protection")
	if got, err := c.Instance(ctx, kept.ID); err != nil || got.Status != streamplane.InstanceRunning || got.TaskID != "" {
		t.Fatalf("a refused deletion changed the instance: %+v %v", got, err)
	}

	failedSpec := validSpec("failed-kept")
	failedSpec.DeletionProtection = true
	failed, create, err := c.CreateInstance(ctx, failedSpec)
	if err != nil {
		t.Fatal(err)
	}
	finishTask(t, svc, create.ID, failed.ID, streamplane.InstanceCreateFailed)
	if cleared, err := c.ClearFailed(ctx); err != nil || len(cleared) != 0 {
		t.Fatalf("clear-failed with only a protected failed instance: cleared %v, %v", cleared, err)
	}
	if _, err := c.Instance(ctx, failed.ID); err != nil {
		t.Fatalf("clear-failed removed a protected instance: %v", err)
	}

	off := false
	if got, err := c.UpdateInstance(ctx, kept.ID, streamplane.InstanceUpdate{DeletionProtection: &off}); err != nil || got.DeletionProtection {
		t.Fatalf("turning the protection off: %+v %v", got, err)
	}
	if _, err := c.DeleteInstance(ctx, kept.ID); err != nil {
		t.Fatalf("delete after the protection is off: %v", err)
	}
	if _, err := c.UpdateInstance(ctx, failed.ID, streamplane.InstanceUpdate{DeletionProtection: &off}); err != nil {
		t.Fatal(err)
	}
	if cleared, err := c.ClearFailed(ctx); err != nil || len(cleared) != 1 || cleared[0] != "failed-kept" {
		t.Fatalf("clear-failed once unprotected: %v, %v", cleared, err)
	}
}

func TestUpdateRules(t *testing.T) {
	c, _ := newAPI(t)
	ctx := context.Background()
	inst, _, err := c.CreateInstance(ctx, validSpec("named-one"))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.CreateInstance(ctx, validSpec("other-one")); err != nil {
		t.Fatal(err)
	}
	taken := "other-one"
	_, err = c.UpdateInstance(ctx, inst.ID, streamplane.InstanceUpdate{Name: &taken})
	wantAPIError(t, err, http.StatusConflict, streamplane.ECONFLICT, "")
	bad := "x"
	_, err = c.UpdateInstance(ctx, inst.ID, streamplane.InstanceUpdate{Name: &bad})
	wantAPIError(t, err, http.StatusBadRequest, streamplane.EINVALID, "name")
	_, err = c.UpdateInstance(ctx, inst.ID, streamplane.InstanceUpdate{RemoveTags: []string{"nope"}})
	wantAPIError(t, err, http.StatusBadRequest, streamplane.EINVALID, "remove_tags")
	name := "renamed-one"
	if _, err := c.UpdateInstance(ctx, inst.ID, streamplane.InstanceUpdate{Name: &name, SetTags: map[string]string{"env": "dev", "owner": "me"}}); err != nil {
		t.Fatal(err)
	}
	got, err := c.UpdateInstance(ctx, "renamed-one", streamplane.InstanceUpdate{RemoveTags: []string{"owner"}})
	if err != nil || got.Name != "renamed-one" || fmt.Sprint(got.Tags) != "map[env:dev]" {
		t.Fatalf("got %+v, %v", got, err)
	}
	list, err := c.Instances(ctx, client.ListOptions{Tags: []string{"env=dev"}})
	if err != nil || list.Total != 1 || list.Instances[0].ID != inst.ID {
		t.Fatalf("tag filter: %+v %v", list, err)
	}
	_, err = c.Instances(ctx, client.ListOptions{Status: []string{"SLEEPING"}})
	wantAPIError(t, err, http.StatusBadRequest, streamplane.EINVALID, "status")
}

func TestNotFoundAndCSV(t *testing.T) {
	c, _ := newAPI(t)
	ctx := context.Background()
	_, err := c.Instance(ctx, "no-such-instance")
	wantAPIError(t, err, http.StatusNotFound, streamplane.ENOTFOUND, "")
	_, err = c.Task(ctx, "no-such-task")
	wantAPIError(t, err, http.StatusNotFound, streamplane.ENOTFOUND, "")
	resp, err := http.Get(c.BaseURL + "/api/v1/nothing-here")
	if err != nil || resp.StatusCode != 404 {
		t.Fatalf("unknown endpoint: %v %v", resp, err)
	}
	if _, _, err := c.CreateInstance(ctx, validSpec("csv-one")); err != nil {
		t.Fatal(err)
	}
	text, err := c.InstancesCSV(ctx, client.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(text), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "id,name,status") || !strings.Contains(lines[1], ",csv-one,CREATING,") {
		t.Fatalf("csv:\n%s", text)
	}
}

func TestTaskRecords(t *testing.T) {
	c, svc := newAPI(t)
	ctx := context.Background()
	inst, create, err := c.CreateInstance(ctx, validSpec("tasks-one"))
	if err != nil {
		t.Fatal(err)
	}
	err = c.DeleteTask(ctx, create.ID)
	wantAPIError(t, err, http.StatusConflict, streamplane.ESTATE, "")
	list, err := c.Tasks(ctx, client.TaskOptions{Instance: "tasks-one"})
	if err != nil || list.Total != 1 || list.Tasks[0].ID != create.ID || len(list.Tasks[0].Steps) == 0 {
		t.Fatalf("tasks: %+v %v", list, err)
	}
	finishTask(t, svc, create.ID, inst.ID, streamplane.InstanceCreateFailed)
	if err := c.DeleteTask(ctx, create.ID); err != nil {
		t.Fatal(err)
	}
	_, err = c.Task(ctx, create.ID)
	wantAPIError(t, err, http.StatusNotFound, streamplane.ENOTFOUND, "")
	resp, _ := http.Get(c.BaseURL + "/api/v1/tasks?from=yesterday")
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 400 || !strings.Contains(string(body), `"field": "from"`) {
		t.Fatalf("bad time filter: %d %s", resp.StatusCode, body)
	}
}

// finishTask ends a task as its worker would, setting the instance status.
func finishTask(t *testing.T, svc *service.Service, taskID, instanceID string, status streamplane.InstanceStatus) {
	t.Helper()
	err := svc.Store.Update(context.Background(), func(tx streamplane.Tx) error {
		tk, err := tx.Task(taskID)
		if err != nil {
			return err
		}
		tk.Status = streamplane.TaskFailed
		if err := tx.UpdateTask(tk); err != nil {
			return err
		}
		inst, err := tx.Instance(instanceID)
		if err != nil {
			return err
		}
		inst.Status = status
		return tx.UpdateInstance(inst)
	})
	if err != nil {
		t.Fatal(err)
	}
}
