package cli

import (
	"reflect"
	"strings"
	"testing"

	streamplane "github.com/streamplane/streamplane"
)

func TestProjectCreate(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t)
	res := f.run("project", "create", "team-b", "--description", "Team B", "--max-instances", "5", "--max-brokers", "15", "--max-storage-gb", "3000")
	if res.code != 0 {
		t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
	}
	want := map[string]any{"name": "team-b", "description": "Team B", "max_instances": 5.0, "max_brokers": 15.0, "max_storage_gb": 3000.0}
	if got := bodyOf(t, f.only(t, "POST /api/v1/projects")); !reflect.DeepEqual(got, want) {
		t.Errorf("body\n got %v\nwant %v", got, want)
	}
	if res.stdout != "Created project team-b: at most 5 instances, 15 brokers, 3000 GB of storage.\n" {
		t.Errorf("stdout %q", res.stdout)
	}
	res = f.run("project", "create", "sandbox", "-o", "json")
	var p streamplane.ProjectUsage
	mustDecodeOne(t, res.stdout, &p)
	if p.Name != "sandbox" || p.MaxInstances != 0 {
		t.Errorf("json %+v", p)
	}
	res = f.run("project", "create", "lab")
	if res.stdout != "Created project lab: no limits.\n" {
		t.Errorf("stdout %q", res.stdout)
	}
}

func TestProjectListShow(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t)
	res := f.run("project", "list")
	want := `NAME     INSTANCES  BROKERS  STORAGE-GB  DESCRIPTION
default  1/-        3/-      30/-        -
team-a   2/5        6/15     600/3000    Team A
`
	if res.code != 0 || res.stdout != want {
		t.Errorf("exit %d, stderr %q, stdout:\n%s\nwant:\n%s", res.code, res.stderr, res.stdout, want)
	}
	res = f.run("project", "list", "-o", "csv")
	want = `name,description,instances,max_instances,brokers,max_brokers,storage_gb,max_storage_gb
default,,1,0,3,0,30,0
team-a,Team A,2,5,6,15,600,3000
`
	if res.stdout != want {
		t.Errorf("csv:\n%s\nwant:\n%s", res.stdout, want)
	}
	res = f.run("project", "show", "team-a")
	for _, s := range []string{"Instances:    2 of 5", "Brokers:      6 of 15", "Storage:      600 GB of 3000 GB", "Description:  Team A"} {
		if !strings.Contains(res.stdout, s) {
			t.Errorf("show lacks %q:\n%s", s, res.stdout)
		}
	}
	res = f.run("project", "show", "default")
	if !strings.Contains(res.stdout, "Instances:  1 (no limit)") {
		t.Errorf("show:\n%s", res.stdout)
	}
}

func TestProjectUpdateDelete(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t)
	res := f.run("project", "update", "team-a", "--max-instances", "8", "--max-storage-gb", "0")
	if res.code != 0 {
		t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
	}
	// Only what was given, a 0 (no limit) included.
	if got := bodyOf(t, f.only(t, "PATCH /api/v1/projects/team-a")); !reflect.DeepEqual(got, map[string]any{"max_instances": 8.0, "max_storage_gb": 0.0}) {
		t.Errorf("body %v", got)
	}
	if res.stdout != "Updated project team-a: at most 8 instances, 15 brokers.\n" {
		t.Errorf("stdout %q", res.stdout)
	}
	res = f.run("project", "update", "team-a")
	if res.code != 1 || !strings.HasPrefix(res.stderr, "error: nothing to change") {
		t.Errorf("exit %d, stderr %q", res.code, res.stderr)
	}

	if res := f.run("project", "delete", "team-a"); res.code != 1 || !strings.Contains(res.stderr, "add --yes") {
		t.Errorf("without --yes: exit %d, stderr %q", res.code, res.stderr)
	}
	res = f.run("project", "delete", "team-a", "--yes")
	f.only(t, "DELETE /api/v1/projects/team-a")
	if res.code != 0 || res.stdout != "Deleted project team-a.\n" {
		t.Errorf("exit %d, stdout %q", res.code, res.stdout)
	}
}

func TestInstanceCreateProject(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t)
	res := f.run("instance", "create", "--no-wait", "--name", "orders", "--version", "4.1.1", "--flavor", streamplane.DevFlavor,
		"--brokers", "1", "--storage-gb", "5", "--project", "team-a")
	if res.code != 0 {
		t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
	}
	if got := bodyOf(t, f.only(t, "POST /api/v1/instances"))["project"]; got != "team-a" {
		t.Errorf("project %v", got)
	}
}
