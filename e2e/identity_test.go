// Not in kfake: the CLI binary signing in to a real server, a user confined to a project, and the audit trail that records it.

package e2e

import (
	"os/exec"
	"slices"
	"strings"
	"testing"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/iam"
	"github.com/streamplane/streamplane/wire"
)

// The README's identity walk-through: the admin makes a project and a
// read-only user in it; the user signs in with a password, sees none of
// the default project's instances, is refused a change, and the admin
// finds the refusal in a trail whose chain verifies.
func TestCLIIdentity(t *testing.T) {
	s, inst := sharedInstance(t)

	mustCLI(t, s, "project", "create", "team-e2e", "--max-instances", "1")
	t.Cleanup(func() { cli(t, s, "project", "delete", "team-e2e", "--yes") })
	mustCLIInput(t, s, "Correct horse battery 9\n", "iam", "user", "create", "alice-e2e", "--password-stdin", "--project", "team-e2e")
	t.Cleanup(func() { cli(t, s, "iam", "user", "delete", "alice-e2e", "--yes") })
	mustCLI(t, s, "iam", "user", "attach", "alice-e2e", "--policy", "ReadOnlyAccess", "--project", "team-e2e")

	var d iam.Decision
	mustJSON(t, mustCLI(t, s, "iam", "policy", "simulate", "--user", "alice-e2e", "--action", "topic:list",
		"--resource", "instance:"+inst.Name, "-o", "json"), &d)
	if d.Allowed {
		t.Errorf("simulate topic:list on %s (project default) for a user of team-e2e: allowed (%s)", inst.Name, d.Reason)
	}

	// Alice has her own configuration directory and no token in the
	// environment: only what login stores.
	alice := []string{"STREAMPLANE_SERVER=" + s.URL, "STREAMPLANE_TOKEN=", "XDG_CONFIG_HOME=" + t.TempDir(), "HOME=" + t.TempDir()}
	if out, err := run(alice, "", "whoami"); err == nil {
		t.Fatalf("whoami before login succeeded:\n%s", out)
	}
	if out, err := run(alice, "a wrong password\n", "login", "--user", "alice-e2e", "--password-stdin"); err == nil {
		t.Fatalf("login with a wrong password succeeded:\n%s", out)
	}
	if out, err := run(alice, "Correct horse battery 9\n", "login", "--user", "alice-e2e", "--password-stdin"); err != nil {
		t.Fatalf("login: %v\n%s", err, out)
	}
	out, err := run(alice, "", "whoami", "-o", "json")
	if err != nil {
		t.Fatalf("whoami: %v\n%s", err, out)
	}
	var me streamplane.Account
	mustJSON(t, out, &me)
	if me.Name != "alice-e2e" || me.Project != "team-e2e" {
		t.Errorf("whoami: %s in %s, want alice-e2e in team-e2e", me.Name, me.Project)
	}

	out, err = run(alice, "", "instance", "list", "-o", "json")
	if err != nil {
		t.Fatalf("instance list as alice: %v\n%s", err, out)
	}
	var list wire.InstanceList
	mustJSON(t, out, &list)
	if len(list.Instances) != 0 {
		t.Errorf("alice lists %d instances of other projects, e.g. %s", len(list.Instances), list.Instances[0].Name)
	}
	if out, err := run(alice, "", "topic", "list", inst.Name); err == nil || !strings.Contains(out, "not found") {
		t.Errorf("topic list on the default project's %s as alice: %v, want not found\n%s", inst.Name, err, out)
	}
	out, err = run(alice, "", "project", "create", "alice-own")
	if err == nil || !strings.Contains(out, "project:create") {
		t.Errorf("project create as a ReadOnlyAccess user: %v, want a refusal naming project:create\n%s", err, out)
	}

	if out, err := run(alice, "", "logout"); err != nil {
		t.Fatalf("logout: %v\n%s", err, out)
	}
	if out, err := run(alice, "", "whoami"); err == nil {
		t.Errorf("whoami after logout succeeded:\n%s", out)
	}

	var trail wire.AuditList
	mustJSON(t, mustCLI(t, s, "audit", "list", "--user", "alice-e2e", "--from", "-1h", "-o", "json"), &trail)
	results := map[string][]string{} // action → results, newest first
	for _, e := range trail.Entries {
		results[e.Action] = append(results[e.Action], e.Result)
	}
	if !slices.Contains(results["project:create"], streamplane.AuditDenied) {
		t.Errorf("no denied project:create by alice-e2e in the trail: %v", results)
	}
	logins := results["auth:login"]
	if !slices.Contains(logins, streamplane.AuditSuccess) || !slices.Contains(logins, streamplane.AuditDenied) {
		t.Errorf("alice-e2e's logins in the trail: %v, want one denied and one success", logins)
	}
	if out := mustCLI(t, s, "audit", "verify"); !strings.Contains(strings.ToLower(out), "intact") {
		t.Errorf("audit verify:\n%s", out)
	}
}

// run runs the CLI with exactly env added, input on standard input.
func run(env []string, input string, args ...string) (string, error) {
	cmd := exec.Command(binary, args...)
	cmd.Env = append(cmd.Environ(), env...)
	cmd.Stdin = strings.NewReader(input)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// mustCLIInput is mustCLI with input on standard input.
func mustCLIInput(t *testing.T, s *Server, input string, args ...string) string {
	t.Helper()
	out, err := run(s.CLIEnv(), input, args...)
	if err != nil {
		t.Fatalf("streamplane %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}
