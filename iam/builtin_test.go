package iam_test

import (
	"slices"
	"testing"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/iam"
)

func TestBuiltins(t *testing.T) {
	var names []string
	for _, p := range iam.Builtins() {
		names = append(names, p.Name)
		if !p.Builtin || p.Description == "" {
			t.Errorf("%s: Builtin %v, description %q", p.Name, p.Builtin, p.Description)
		}
		if err := iam.Validate(p.Document); err != nil {
			t.Errorf("%s: %v", p.Name, err)
		}
		got, ok := iam.Builtin(p.Name)
		if !ok || got.Name != p.Name {
			t.Errorf("Builtin(%q) = %v, %v", p.Name, got.Name, ok)
		}
	}
	if want := []string{iam.FullAccess, iam.UserAccess, iam.ReadOnlyAccess}; !slices.Equal(names, want) {
		t.Errorf("Builtins() = %v, want %v", names, want)
	}
	if _, ok := iam.Builtin("DMS FullAccess"); ok {
		t.Error("Builtin found a policy that does not exist")
	}
	// Each call makes new policies: a caller changing one changes no other.
	p, _ := iam.Builtin(iam.ReadOnlyAccess)
	p.Document.Statement[0].Action[0] = "*"
	if again, _ := iam.Builtin(iam.ReadOnlyAccess); again.Document.Statement[0].Action[0] == "*" {
		t.Error("Builtin returned shared state")
	}
}

// allowedBy evaluates every catalog action against one built-in policy
// attached for every project, on an instance, with instance facts.
func allowedBy(t *testing.T, name string) map[string]bool {
	t.Helper()
	p := mustBuiltin(t, name)
	out := map[string]bool{}
	for _, a := range iam.Actions {
		req := iam.Request{Action: a.Name, Resource: "instance:orders", Project: "team-a",
			Instance: facts(true, true, "team-a", "env", "prod")}
		out[a.Name] = iam.Evaluate(req, everywhere(p)).Allowed
		// Without a resource or facts the answer is the same: built-ins have
		// no resources or conditions.
		if bare := iam.Evaluate(iam.Request{Action: a.Name}, everywhere(p)).Allowed; bare != out[a.Name] {
			t.Errorf("%s: %s allowed %v on an instance, %v without one", name, a.Name, out[a.Name], bare)
		}
	}
	return out
}

func TestFullAccess(t *testing.T) {
	for action, ok := range allowedBy(t, iam.FullAccess) {
		if !ok {
			t.Errorf("FullAccess does not allow %s", action)
		}
	}
}

func TestReadOnlyAccess(t *testing.T) {
	allowed := allowedBy(t, iam.ReadOnlyAccess)
	for _, a := range iam.Actions {
		if allowed[a.Name] != a.ReadOnly {
			t.Errorf("ReadOnlyAccess allows %s: %v; the action is read-only: %v", a.Name, allowed[a.Name], a.ReadOnly)
		}
	}
}

func TestUserAccess(t *testing.T) {
	// The changes UserAccess allows, listed one by one so that a new action
	// in the catalog fails here until someone decides whether common users
	// get it. Every read-only action is allowed too: UserAccess can do all
	// that ReadOnlyAccess can.
	writes := []string{
		iam.InstanceRestart, iam.TaskDelete,
		iam.TopicCreate, iam.TopicUpdate, iam.TopicDelete, iam.TopicReassign,
		iam.GroupDelete, iam.GroupResetOffsets, iam.MessageSend,
		iam.UserCreate, iam.UserResetPassword, iam.UserDelete, iam.PermissionUpdate,
		iam.QuotaCreate, iam.QuotaUpdate, iam.QuotaDelete,
		iam.AlarmCreateRule, iam.AlarmUpdateRule, iam.AlarmDeleteRule,
		// A migration fills an instance's topics and groups, as a
		// producer with topic:create would; its inventory reads the source.
		iam.MigrationCreate, iam.MigrationUpdate, iam.MigrationDelete, iam.MigrationInventory,
	}
	allowed := allowedBy(t, iam.UserAccess)
	for _, a := range iam.Actions {
		want := a.ReadOnly || slices.Contains(writes, a.Name)
		if allowed[a.Name] != want {
			t.Errorf("UserAccess allows %s: %v, want %v", a.Name, allowed[a.Name], want)
		}
	}
	for _, denied := range []string{iam.InstanceCreate, iam.InstanceDelete, iam.InstanceScale, iam.InstanceUpgrade,
		iam.InstanceUpdate, iam.InstanceClearFailed, iam.IAMCreatePolicy, iam.ProjectCreate, iam.AlarmCreateChannel} {
		if allowed[denied] {
			t.Errorf("UserAccess allows %s", denied)
		}
	}
}

// TestDMSTable checks DMS 1.11 table 1-11, "Common operations supported by
// each system-defined policy", with DMS's operations translated: creating
// is instance:create, modifying instance:update, deleting instance:delete,
// modifying specifications instance:scale, restarting instance:restart and
// querying instance information instance:get and instance:list.
func TestDMSTable(t *testing.T) {
	full := allowedBy(t, iam.FullAccess)
	user := allowedBy(t, iam.UserAccess)
	readOnly := allowedBy(t, iam.ReadOnlyAccess)
	for _, row := range []struct {
		action               string
		full, user, readOnly bool
	}{
		{iam.InstanceCreate, true, false, false},
		{iam.InstanceUpdate, true, false, false},
		{iam.InstanceDelete, true, false, false},
		{iam.InstanceScale, true, false, false},
		{iam.InstanceRestart, true, true, false},
		{iam.InstanceGet, true, true, true},
		{iam.InstanceList, true, true, true},
	} {
		if full[row.action] != row.full || user[row.action] != row.user || readOnly[row.action] != row.readOnly {
			t.Errorf("%s: FullAccess %v, UserAccess %v, ReadOnlyAccess %v; DMS says %v, %v, %v", row.action,
				full[row.action], user[row.action], readOnly[row.action], row.full, row.user, row.readOnly)
		}
	}
}

func TestBuiltinWithDeny(t *testing.T) {
	// A custom Deny narrows a built-in, and a custom Allow widens UserAccess
	// (built-ins have no Deny statements that would override it).
	user := mustBuiltin(t, iam.UserAccess)
	creator := mustPolicy(t, "dev-creator", `{"Version":"1","Statement":[
		{"Effect":"Allow","Action":["instance:create"],"Resource":["instance:dev-*"]}]}`)
	noSend := mustPolicy(t, "no-send", `{"Version":"1","Statement":[{"Effect":"Deny","Action":["message:send"]}]}`)
	grants := everywhere(user, creator, noSend)
	req := func(action, name string) iam.Request {
		return iam.Request{Action: action, Resource: "instance:" + name, Project: streamplane.DefaultProject}
	}
	for _, tc := range []struct {
		action, instance string
		allowed          bool
	}{
		{iam.InstanceCreate, "dev-1", true},
		{iam.InstanceCreate, "prod-1", false},
		{iam.MessageSend, "dev-1", false},
		{iam.MessageRead, "dev-1", true},
	} {
		if got := iam.Evaluate(req(tc.action, tc.instance), grants); got.Allowed != tc.allowed {
			t.Errorf("%s on %s: %+v, want allowed %v", tc.action, tc.instance, got, tc.allowed)
		}
	}
}
