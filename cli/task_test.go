package cli

import (
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/streamplane/streamplane/wire"
)

func TestTaskList(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t)
	f.newTask("create_instance", "in-1", "orders")

	res := f.run("task", "list", "--instance", "orders", "--kind", "create_instance", "--status", "running,failed",
		"--from", "2026-11-21T00:00:00Z", "--to", "2026-11-22T00:00:00+01:00", "--limit", "20")
	if res.code != 0 {
		t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
	}
	got := f.calls("GET /api/v1/tasks")[0].Query
	want := url.Values{"instance": {"orders"}, "kind": {"create_instance"}, "status": {"RUNNING", "FAILED"},
		"from": {"2026-11-21T00:00:00Z"}, "to": {"2026-11-22T00:00:00+01:00"}, "limit": {"20"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("query\n got %v\nwant %v", got, want)
	}
	if want := []string{"task-1", "create_instance", "orders", "PENDING", "0%", "3h", "-"}; !reflect.DeepEqual(strings.Fields(strings.Split(res.stdout, "\n")[1]), want) {
		t.Errorf("table:\n%s", res.stdout)
	}

	res = f.run("task", "list", "-o", "csv")
	if want := "id,kind,target,status,progress,created_at,finished_at,error\ntask-1,create_instance,orders,PENDING,0,2026-11-21T10:00:00Z,,\n"; res.stdout != want {
		t.Errorf("csv %q, want %q", res.stdout, want)
	}

	res = f.run("task", "list", "-o", "json")
	var list wire.TaskList
	mustDecodeOne(t, res.stdout, &list)
	if len(list.Tasks) != 1 {
		t.Errorf("json %s", res.stdout)
	}

	res = f.run("task", "list", "--from", "yesterday")
	if res.code != 1 || !strings.HasPrefix(res.stderr, `error: invalid --from "yesterday": use an RFC 3339 time`) {
		t.Errorf("exit %d, stderr %q", res.code, res.stderr)
	}
}

func TestTaskShow(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t)
	f.newTask("create_instance", "in-1", "orders")
	for range 3 { // the fake advances on each GET: run it to the end
		f.run("task", "show", "task-1", "-o", "json")
	}
	res := f.run("task", "show", "task-1")
	if res.code != 0 {
		t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
	}
	for _, s := range []string{"Status:", "SUCCEEDED (100%)", "Duration:", "1m0s",
		"#  STEP", "1  Place brokers  DONE", "2  Start brokers  DONE", "placing 3 brokers",
		"Events:", "2026-11-21T10:01:00Z  all brokers started"} {
		if !strings.Contains(res.stdout, s) {
			t.Errorf("stdout lacks %q:\n%s", s, res.stdout)
		}
	}
}

func TestTaskDelete(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t)
	res := f.run("task", "delete", "task-1")
	if res.code != 0 || res.stdout != "Deleted task task-1.\n" || len(f.calls("DELETE /api/v1/tasks/task-1")) != 1 {
		t.Errorf("exit %d, stdout %q, stderr %q", res.code, res.stdout, res.stderr)
	}
}
