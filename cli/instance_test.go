package cli

import (
	"context"
	"encoding/json"
	"net/url"
	"reflect"
	"strings"
	"testing"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/wire"
)

func TestInstanceCreate(t *testing.T) {
	t.Parallel()
	t.Run("OK", func(t *testing.T) {
		t.Parallel()
		f := newFakeAPI(t)
		res := f.run("instance", "create", "--name", "orders", "--flavor", streamplane.DevFlavor, "--brokers", "3",
			"--storage-gb", "10", "--zones", "az1,az2,az3", "--disk-type", "ssd", "--description", "order events",
			"--tag", "team=data", "--tag", "env=prod", "--auto-create-topics")
		if res.code != 0 {
			t.Fatalf("exit %d, stderr:\n%s", res.code, res.stderr)
		}
		posts := f.calls("POST /api/v1/instances")
		if len(posts) != 1 {
			t.Fatalf("got %d create requests, want 1", len(posts))
		}
		var got map[string]any
		if err := json.Unmarshal(posts[0].Body, &got); err != nil {
			t.Fatal(err)
		}
		want := map[string]any{"name": "orders", "description": "order events", "version": "4.1.1", // the recommended one
			"flavor": streamplane.DevFlavor, "broker_count": 3.0, "storage_gb_per_broker": 10.0, "disk_type": "ssd",
			"zones": []any{"az1", "az2", "az3"}, "auto_create_topics": true, "tags": map[string]any{"team": "data", "env": "prod"}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("body:\n got %v\nwant %v", got, want)
		}
		// The fake advances the task on each GET: three polls to SUCCEEDED.
		if n := len(f.calls("GET /api/v1/tasks/")); n < 3 {
			t.Errorf("polled the task %d times, want at least 3", n)
		}
		for _, s := range []string{"Using Kafka 4.1.1", "[1/2] Place brokers — placing 3 brokers (0%)", "[2/2] Start brokers — starting broker 1 (50%)", "succeeded"} {
			if !strings.Contains(res.stderr, s) {
				t.Errorf("stderr lacks %q:\n%s", s, res.stderr)
			}
		}
		for _, s := range []string{"Name:", "orders", "RUNNING", "Tags:", "env=prod, team=data"} {
			if !strings.Contains(res.stdout, s) {
				t.Errorf("stdout lacks %q:\n%s", s, res.stdout)
			}
		}
	})

	t.Run("JSON", func(t *testing.T) {
		t.Parallel()
		f := newFakeAPI(t)
		res := f.run("instance", "create", "-o", "json", "--name", "orders", "--version", "3.9.1", "--flavor", streamplane.DevFlavor,
			"--brokers", "1", "--storage-gb", "5")
		if res.code != 0 {
			t.Fatalf("exit %d, stderr:\n%s", res.code, res.stderr)
		}
		var inst streamplane.Instance
		mustDecodeOne(t, res.stdout, &inst)
		if inst.Name != "orders" || inst.Version != "3.9.1" || inst.Status != streamplane.InstanceRunning {
			t.Errorf("got %+v", inst)
		}
		if len(f.calls("GET /api/v1/runtimes")) != 0 {
			t.Error("asked for the recommended version although --version was given")
		}
	})

	t.Run("NoWait", func(t *testing.T) {
		t.Parallel()
		f := newFakeAPI(t)
		res := f.run("instance", "create", "--no-wait", "-o", "json", "--name", "orders", "--flavor", streamplane.DevFlavor,
			"--brokers", "1", "--storage-gb", "5")
		if res.code != 0 {
			t.Fatalf("exit %d, stderr:\n%s", res.code, res.stderr)
		}
		var out struct {
			Instance *streamplane.Instance
			Task     *streamplane.Task
		}
		mustDecodeOne(t, res.stdout, &out)
		if out.Instance == nil || out.Task == nil || out.Task.Status != streamplane.TaskPending {
			t.Errorf("got %s", res.stdout)
		}
		if n := len(f.calls("GET /api/v1/tasks/")); n != 0 {
			t.Errorf("polled the task %d times with --no-wait", n)
		}
	})

	t.Run("ErrRequiredFlags", func(t *testing.T) {
		t.Parallel()
		f := newFakeAPI(t)
		res := f.run("instance", "create", "--name", "orders")
		if res.code != 1 {
			t.Errorf("exit %d, want 1", res.code)
		}
		if want := "error: 'streamplane instance create' needs --flavor, --brokers, --storage-gb\n"; res.stderr != want {
			t.Errorf("stderr %q, want %q", res.stderr, want)
		}
		if n := len(f.calls("")); n != 0 {
			t.Errorf("made %d requests", n)
		}
	})

	t.Run("ErrInvalidArgument", func(t *testing.T) {
		t.Parallel()
		f := newFakeAPI(t)
		res := f.run("instance", "create", "--name", "orders", "--flavor", streamplane.DevFlavor, "--brokers", "7", "--storage-gb", "5")
		if res.code != 1 {
			t.Errorf("exit %d, want 1", res.code)
		}
		want := "error: INVALID_ARGUMENT: flavor kafka.1u2g.dev allows 1 to 3 brokers, got 7 (field brokers)\n"
		if !strings.HasSuffix(res.stderr, want) {
			t.Errorf("stderr %q, want it to end in %q", res.stderr, want)
		}
		if res.stdout != "" {
			t.Errorf("stdout %q, want nothing", res.stdout)
		}
	})

	t.Run("ErrBadTag", func(t *testing.T) {
		t.Parallel()
		f := newFakeAPI(t)
		res := f.run("instance", "create", "--name", "orders", "--flavor", streamplane.DevFlavor, "--brokers", "1", "--storage-gb", "5", "--tag", "team")
		if res.code != 1 || !strings.Contains(res.stderr, `invalid --tag "team": use key=value`) {
			t.Errorf("exit %d, stderr %q", res.code, res.stderr)
		}
	})

	t.Run("ErrTaskFailed", func(t *testing.T) {
		t.Parallel()
		f := newFakeAPI(t)
		f.fail["doomed"] = "broker 1 did not start: port in use"
		res := f.run("instance", "create", "--name", "doomed", "--flavor", streamplane.DevFlavor, "--brokers", "1", "--storage-gb", "5")
		if res.code != 1 {
			t.Errorf("exit %d, want 1", res.code)
		}
		if want := "failed: broker 1 did not start: port in use\n"; !strings.HasSuffix(res.stderr, want) {
			t.Errorf("stderr %q, want it to end in %q", res.stderr, want)
		}
		if !strings.Contains(res.stderr, "[2/2] Start brokers — starting broker 1 (FAILED)") {
			t.Errorf("stderr lacks the failed step:\n%s", res.stderr)
		}
	})

	t.Run("Interrupted", func(t *testing.T) {
		t.Parallel()
		f := newFakeAPI(t)
		res := runWith(map[string]string{"STREAMPLANE_SERVER": f.URL()}, func(o *options) {
			// Ctrl-C before the first poll: the wait stops, the task goes on.
			o.interrupt = func(ctx context.Context) (context.Context, context.CancelFunc) {
				ctx, cancel := context.WithCancel(ctx)
				cancel()
				return ctx, cancel
			}
		}, "instance", "create", "--name", "orders", "--flavor", streamplane.DevFlavor, "--brokers", "1", "--storage-gb", "5")
		if res.code != 1 {
			t.Errorf("exit %d, want 1", res.code)
		}
		if want := "error: stopped waiting; task task-2 continues on the server (follow with 'streamplane task show task-2')\n"; !strings.HasSuffix(res.stderr, want) {
			t.Errorf("stderr %q, want it to end in %q", res.stderr, want)
		}
	})
}

func TestInstanceList(t *testing.T) {
	t.Parallel()
	t.Run("Table", func(t *testing.T) {
		t.Parallel()
		f := newFakeAPI(t)
		f.addInstance("orders")
		res := f.run("instance", "list")
		if res.code != 0 {
			t.Fatalf("exit %d, stderr:\n%s", res.code, res.stderr)
		}
		lines := strings.Split(strings.TrimSpace(res.stdout), "\n")
		if len(lines) != 2 {
			t.Fatalf("got %d lines:\n%s", len(lines), res.stdout)
		}
		if got := strings.Fields(lines[0]); !reflect.DeepEqual(got, []string{"NAME", "ID", "PROJECT", "STATUS", "VERSION", "FLAVOR", "BROKERS", "STORAGE", "BOOTSTRAP", "AGE"}) {
			t.Errorf("header %q", got)
		}
		want := []string{"orders", "in-1", "default", "RUNNING", "4.1.1", "kafka.1u2g.dev", "3", "3.15", "MB/30.0", "GB",
			"127.0.0.1:19092,127.0.0.1:19093,127.0.0.1:19094", "3h"}
		if got := strings.Fields(lines[1]); !reflect.DeepEqual(got, want) {
			t.Errorf("row\n got %q\nwant %q", got, want)
		}
		// The fake claims 5 more than it sends.
		if !strings.Contains(res.stderr, "Showing 1-1 of 6") {
			t.Errorf("stderr %q", res.stderr)
		}
	})

	t.Run("FiltersAndCSV", func(t *testing.T) {
		t.Parallel()
		f := newFakeAPI(t)
		res := f.run("instance", "list", "-o", "csv", "--status", "running,faulty", "--status", "CREATING", "--name", "ord",
			"--tag", "team=data", "--tag", "env", "--id", "in-1", "--address", "127.0.0.1", "--project", "team-a", "--all", "--offset", "10", "--limit", "5")
		if res.code != 0 {
			t.Fatalf("exit %d, stderr:\n%s", res.code, res.stderr)
		}
		if want := "id,name,status\nin-1,orders,RUNNING\n"; res.stdout != want {
			t.Errorf("stdout %q, want %q", res.stdout, want)
		}
		got := f.calls("GET /api/v1/instances")[0].Query
		want := url.Values{"format": {"csv"}, "status": {"RUNNING", "FAULTY", "CREATING"}, "name": {"ord"},
			"tag": {"team=data", "env"}, "id": {"in-1"}, "address": {"127.0.0.1"}, "include_deleted": {"true"}, "project": {"team-a"},
			"offset": {"10"}, "limit": {"5"}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("query\n got %v\nwant %v", got, want)
		}
	})

	t.Run("JSON", func(t *testing.T) {
		t.Parallel()
		f := newFakeAPI(t)
		f.addInstance("orders")
		res := f.run("instance", "list", "-o", "json")
		var list wire.InstanceList
		mustDecodeOne(t, res.stdout, &list)
		if len(list.Instances) != 1 || list.Instances[0].Name != "orders" || list.Total != 6 {
			t.Errorf("got %s", res.stdout)
		}
	})

	t.Run("ErrStatus", func(t *testing.T) {
		t.Parallel()
		f := newFakeAPI(t)
		res := f.run("instance", "list", "--status", "runing")
		if res.code != 1 || !strings.HasPrefix(res.stderr, `error: invalid --status "runing": use one of CREATING, RUNNING`) {
			t.Errorf("exit %d, stderr %q", res.code, res.stderr)
		}
	})
}

func TestInstanceShow(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t)
	inst := f.addInstance("orders")
	inst.Status, inst.StatusReason, inst.TaskID = streamplane.InstanceFaulty, "broker 2 is down", "task-9"
	inst.Brokers[2].State, inst.Brokers[2].Error = streamplane.BrokerError, "exited 3 times in a row"
	res := f.run("instance", "show", "in-1")
	if res.code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", res.code, res.stderr)
	}
	for _, s := range []string{
		"Status:", "FAULTY (broker 2 is down)",
		"Task:", "task-9",
		"Storage:", "3.15 MB used of 30.0 GB (0%), 10 GB per broker",
		"Zones:", "az1, az2, az3",
		"private_plaintext  127.0.0.1:19092,127.0.0.1:19093,127.0.0.1:19094",
		"Created:", "2026-11-21T10:00:00Z (3h ago)",
	} {
		if !strings.Contains(res.stdout, s) {
			t.Errorf("stdout lacks %q:\n%s", s, res.stdout)
		}
	}
	var header, broker2 []string
	for _, line := range strings.Split(res.stdout, "\n") {
		switch fields := strings.Fields(line); {
		case len(fields) > 0 && fields[0] == "ID" && len(fields) == 9:
			header = fields
		case len(fields) > 0 && fields[0] == "2":
			broker2 = fields
		}
	}
	if want := []string{"ID", "ROLES", "STATE", "VERSION", "RACK", "ADDRESS", "PID", "RESTARTS", "USED/TOTAL"}; !reflect.DeepEqual(header, want) {
		t.Errorf("broker header %q", header)
	}
	if want := []string{"2", "broker,controller", "ERROR", "4.1.1", "az3", "127.0.0.1:19094", "4002", "0", "1.05", "MB/10.0", "GB"}; !reflect.DeepEqual(broker2, want) {
		t.Errorf("broker row %q, want %q", broker2, want)
	}
	if !strings.Contains(res.stdout, "Broker 2: exited 3 times in a row") {
		t.Errorf("stdout lacks the broker error:\n%s", res.stdout)
	}

	t.Run("ErrNotFound", func(t *testing.T) {
		res := f.run("instance", "show", "nope")
		if res.code != 1 || res.stderr != "error: NOT_FOUND: no instance nope\n" {
			t.Errorf("exit %d, stderr %q", res.code, res.stderr)
		}
	})
}

func TestInstanceUpdate(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t)
	f.addInstance("orders")
	res := f.run("instance", "update", "orders", "-o", "json", "--description", "", "--tag", "env=prod", "--untag", "team", "--if-match", "3")
	if res.code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", res.code, res.stderr)
	}
	patch := f.calls("PATCH /api/v1/instances/orders")
	if len(patch) != 1 {
		t.Fatalf("got %d PATCH requests", len(patch))
	}
	var body map[string]any
	json.Unmarshal(patch[0].Body, &body)
	want := map[string]any{"description": "", "set_tags": map[string]any{"env": "prod"}, "remove_tags": []any{"team"}}
	if !reflect.DeepEqual(body, want) {
		t.Errorf("body\n got %v\nwant %v", body, want)
	}
	if patch[0].IfMatch != `"3"` {
		t.Errorf("If-Match %q", patch[0].IfMatch)
	}
	var inst streamplane.Instance
	mustDecodeOne(t, res.stdout, &inst)
	if inst.ResourceVersion != 4 {
		t.Errorf("resource version %d", inst.ResourceVersion)
	}

	t.Run("DeletionProtectionOff", func(t *testing.T) {
		res := f.run("instance", "update", "orders", "--deletion-protection=false")
		if res.code != 0 {
			t.Fatalf("exit %d, stderr:\n%s", res.code, res.stderr)
		}
		patch := f.calls("PATCH /api/v1/instances/orders")
		var body map[string]any
		json.Unmarshal(patch[len(patch)-1].Body, &body)
		if want := map[string]any{"deletion_protection": false}; !reflect.DeepEqual(body, want) {
			t.Errorf("body %v, want %v (false must be sent, not left out)", body, want)
		}
	})

	t.Run("CapacityPolicy", func(t *testing.T) {
		res := f.run("instance", "update", "orders", "--capacity-policy", "stop_production")
		if res.code != 0 {
			t.Fatalf("exit %d, stderr:\n%s", res.code, res.stderr)
		}
		patch := f.calls("PATCH /api/v1/instances/orders")
		var body map[string]any
		json.Unmarshal(patch[len(patch)-1].Body, &body)
		if want := map[string]any{"capacity_policy": "stop_production"}; !reflect.DeepEqual(body, want) {
			t.Errorf("body %v, want %v", body, want)
		}
	})

	t.Run("ErrNothing", func(t *testing.T) {
		res := f.run("instance", "update", "orders")
		if res.code != 1 || !strings.Contains(res.stderr, "nothing to change") {
			t.Errorf("exit %d, stderr %q", res.code, res.stderr)
		}
	})
}

func TestInstanceRestart(t *testing.T) {
	t.Parallel()
	t.Run("Many", func(t *testing.T) {
		t.Parallel()
		f := newFakeAPI(t)
		f.addInstance("orders")
		f.addInstance("events")
		res := f.run("instance", "restart", "orders", "events", "--force", "-o", "json")
		if res.code != 0 {
			t.Fatalf("exit %d, stderr:\n%s", res.code, res.stderr)
		}
		var out wire.TaskList
		mustDecodeOne(t, res.stdout, &out)
		if len(out.Tasks) != 2 || out.Tasks[0].Target != "orders" || out.Tasks[1].Target != "events" {
			t.Fatalf("got %s", res.stdout)
		}
		for _, task := range out.Tasks {
			if task.Status != streamplane.TaskSucceeded {
				t.Errorf("task %s is %s", task.ID, task.Status)
			}
		}
		for _, r := range f.calls("POST /api/v1/instances/") {
			if string(r.Body) != `{"force":true}` {
				t.Errorf("%s body %s", r.Path, r.Body)
			}
		}
	})

	t.Run("OneBusy", func(t *testing.T) {
		t.Parallel()
		f := newFakeAPI(t)
		f.addInstance("orders")
		f.addInstance("events")
		f.refuse["orders"] = &streamplane.Error{Code: streamplane.EBUSY, Message: "another task holds the instance", TaskID: "task-77"}
		res := f.run("instance", "restart", "orders", "events", "--no-wait")
		if res.code != 1 {
			t.Errorf("exit %d, want 1", res.code)
		}
		if want := "error: orders: INSTANCE_BUSY: another task holds the instance (held by task task-77)\n"; res.stderr != want {
			t.Errorf("stderr %q, want %q", res.stderr, want)
		}
		if !strings.HasPrefix(res.stdout, "Restarting events: task task-3") {
			t.Errorf("stdout %q", res.stdout)
		}
	})
}

func TestInstanceExpandStorage(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t)
	f.addInstance("orders")
	res := f.run("instance", "expand-storage", "orders", "--storage-gb", "200", "-o", "json")
	if res.code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", res.code, res.stderr)
	}
	calls := f.calls("POST /api/v1/instances/orders/expand-storage")
	if len(calls) != 1 || string(calls[0].Body) != `{"storage_gb_per_broker":200}` {
		t.Fatalf("requests %+v", calls)
	}
	if res := f.run("instance", "expand-storage", "orders"); res.code != 1 || !strings.Contains(res.stderr, "--storage-gb") {
		t.Errorf("without --storage-gb: exit %d, stderr %q", res.code, res.stderr)
	}
}

func TestInstanceDelete(t *testing.T) {
	t.Parallel()
	t.Run("ErrNoYes", func(t *testing.T) {
		t.Parallel()
		f := newFakeAPI(t)
		f.addInstance("orders")
		res := f.run("instance", "delete", "orders")
		if res.code != 1 || !strings.Contains(res.stderr, "add --yes to confirm") {
			t.Errorf("exit %d, stderr %q", res.code, res.stderr)
		}
		if n := len(f.calls("")); n != 0 {
			t.Errorf("made %d requests without --yes", n)
		}
	})

	t.Run("OK", func(t *testing.T) {
		t.Parallel()
		f := newFakeAPI(t)
		f.addInstance("orders")
		res := f.run("instance", "delete", "orders", "--yes")
		if res.code != 0 {
			t.Fatalf("exit %d, stderr:\n%s", res.code, res.stderr)
		}
		if len(f.calls("DELETE /api/v1/instances/orders")) != 1 {
			t.Error("no DELETE request")
		}
		if want := "Deleted orders (task task-2).\n"; res.stdout != want {
			t.Errorf("stdout %q, want %q", res.stdout, want)
		}
	})
}

func TestInstanceClearFailed(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t)
	res := f.run("instance", "clear-failed")
	if res.code != 0 || res.stdout != "Cleared 1 failed instance(s): broken.\n" {
		t.Errorf("exit %d, stdout %q, stderr %q", res.code, res.stdout, res.stderr)
	}
}

func TestInstanceLogs(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t)
	f.addInstance("orders")
	res := f.run("instance", "logs", "orders", "--broker", "2", "--lines", "50")
	if res.code != 0 || res.stdout != "line one of broker 2\nline two\n" {
		t.Errorf("exit %d, stdout %q, stderr %q", res.code, res.stdout, res.stderr)
	}
	if q := f.calls("GET /api/v1/instances/orders/brokers/2/log")[0].Query; q.Get("lines") != "50" {
		t.Errorf("query %v", q)
	}

	t.Run("ErrNoBroker", func(t *testing.T) {
		res := f.run("instance", "logs", "orders")
		if res.code != 1 || res.stderr != "error: 'streamplane instance logs' needs --broker\n" {
			t.Errorf("exit %d, stderr %q", res.code, res.stderr)
		}
	})
}

// mustDecodeOne decodes stdout as exactly one JSON document.
func mustDecodeOne(t *testing.T, stdout string, v any) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(stdout))
	if err := dec.Decode(v); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, stdout)
	}
	if dec.More() {
		t.Fatalf("stdout holds more than one JSON document:\n%s", stdout)
	}
}
