// Not in kfake: the CLI binary driving a real server and its broker processes end to end.

package e2e

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	streamplane "github.com/streamplane/streamplane"
)

// cli runs the streamplane binary as a user would, against server s.
func cli(t *testing.T, s *Server, args ...string) (stdout string, err error) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(cmd.Environ(), s.CLIEnv()...)
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	if err != nil {
		return out.String() + errOut.String(), err
	}
	return out.String(), nil
}

func mustCLI(t *testing.T, s *Server, args ...string) string {
	t.Helper()
	out, err := cli(t, s, args...)
	if err != nil {
		t.Fatalf("streamplane %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

func mustJSON(t *testing.T, text string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(text), v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, text)
	}
}

// The README's commands, through the CLI against a real server.
func TestCLILifecycle(t *testing.T) {
	s, _ := sharedInstance(t)

	var runtimes struct {
		Runtimes []struct {
			Version     string `json:"version"`
			Recommended bool   `json:"recommended"`
			Installed   bool   `json:"installed"`
		} `json:"runtimes"`
	}
	mustJSON(t, mustCLI(t, s, "runtime", "list", "-o", "json"), &runtimes)
	recommended := 0
	for _, r := range runtimes.Runtimes {
		if r.Recommended {
			recommended++
			if !r.Installed {
				t.Errorf("recommended runtime %s is not installed on a server that runs it", r.Version)
			}
		}
	}
	if recommended != 1 {
		t.Fatalf("%d recommended runtimes, want 1", recommended)
	}
	// A second catalog version, installed and verified from Maven Central.
	var installed struct {
		Status string `json:"status"`
	}
	mustJSON(t, mustCLI(t, s, "runtime", "install", "3.9.2", "-o", "json"), &installed)
	if installed.Status != "SUCCEEDED" {
		t.Fatalf("runtime install: %+v", installed)
	}

	var inst streamplane.Instance
	mustJSON(t, mustCLI(t, s, "instance", "create", "--name", "cli-demo", "--version", kafkaVersion, "--flavor", streamplane.DevFlavor,
		"--brokers", "1", "--storage-gb", "5", "--tag", "env=dev", "--tag", "owner=me", "-o", "json"), &inst)
	if inst.Status != streamplane.InstanceRunning || inst.BootstrapServers[streamplane.ListenerPrivatePlaintext] == "" {
		t.Fatalf("created: %s %v", inst.Status, inst.BootstrapServers)
	}

	table := mustCLI(t, s, "instance", "list", "--name", "cli-d", "--tag", "env=dev")
	if !strings.Contains(table, "cli-demo") || !strings.Contains(table, "RUNNING") {
		t.Fatalf("instance list:\n%s", table)
	}
	csv := mustCLI(t, s, "instance", "list", "--status", "RUNNING", "-o", "csv")
	if !strings.HasPrefix(csv, "id,name,status") || !strings.Contains(csv, ",cli-demo,RUNNING,") {
		t.Fatalf("csv:\n%s", csv)
	}
	show := mustCLI(t, s, "instance", "show", "cli-demo")
	for _, want := range []string{"cli-demo", "private_plaintext", inst.BootstrapServers[streamplane.ListenerPrivatePlaintext], "ACTIVE"} {
		if !strings.Contains(show, want) {
			t.Errorf("instance show lacks %q:\n%s", want, show)
		}
	}

	var updated streamplane.Instance
	mustJSON(t, mustCLI(t, s, "instance", "update", "cli-demo", "--description", "made by the CLI test", "--name", "cli-demo2",
		"--tag", "tier=gold", "--untag", "owner", "-o", "json"), &updated)
	if updated.Name != "cli-demo2" || updated.Description != "made by the CLI test" || updated.Tags["tier"] != "gold" || updated.Tags["owner"] != "" {
		t.Fatalf("update: %+v", updated)
	}
	if out, err := cli(t, s, "instance", "update", "cli-demo2", "--description", "x", "--if-match", "1"); err == nil || !strings.Contains(out, "STALE_VERSION") {
		t.Fatalf("a stale --if-match was accepted: %v\n%s", err, out)
	}

	mustCLI(t, s, "instance", "restart", "cli-demo2")
	if out, err := cli(t, s, "instance", "delete", "cli-demo2"); err == nil || !strings.Contains(out, "--yes") {
		t.Fatalf("delete without --yes: %v\n%s", err, out)
	}
	tasks := mustCLI(t, s, "task", "list", "--instance", "cli-demo2")
	for _, kind := range []string{"create_instance", "restart_instance"} {
		if !strings.Contains(tasks, kind) {
			t.Errorf("task list lacks %s:\n%s", kind, tasks)
		}
	}
	mustCLI(t, s, "instance", "delete", "cli-demo2", "--yes")
	if out, err := cli(t, s, "instance", "show", "cli-demo2"); err == nil || !strings.Contains(out, "NOT_FOUND") {
		t.Fatalf("show after delete: %v\n%s", err, out)
	}
	if out, err := cli(t, s, "instance", "create", "--name", "x", "--flavor", streamplane.DevFlavor, "--brokers", "9", "--storage-gb", "5"); err == nil ||
		!strings.Contains(out, "INVALID_ARGUMENT") || !strings.Contains(out, "field") {
		t.Fatalf("bad create: %v\n%s", err, out)
	}
	mustCLI(t, s, "instance", "clear-failed")
}
