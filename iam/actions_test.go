package iam_test

import (
	"regexp"
	"testing"

	"github.com/streamplane/streamplane/iam"
)

func TestActions(t *testing.T) {
	name := regexp.MustCompile(`^[a-z]+:[a-z][A-Za-z]*$`)
	seen := map[string]bool{}
	for _, a := range iam.Actions {
		if !name.MatchString(a.Name) {
			t.Errorf("action %q is not service:camelCaseVerb", a.Name)
		}
		if seen[a.Name] {
			t.Errorf("action %q is in the catalog twice", a.Name)
		}
		seen[a.Name] = true
		if a.Description == "" {
			t.Errorf("action %q has no description", a.Name)
		}
		got, ok := iam.Lookup(a.Name)
		if !ok || got != a {
			t.Errorf("Lookup(%q) = %+v, %v", a.Name, got, ok)
		}
	}
	for _, unknown := range []string{"", "*", "instance:*", "instance:Delete", "dms:instance:delete"} {
		if _, ok := iam.Lookup(unknown); ok {
			t.Errorf("Lookup(%q) found an action", unknown)
		}
	}
}

func TestActionsReadOnly(t *testing.T) {
	for action, want := range map[string]bool{
		iam.InstanceList: true, iam.InstanceGet: true, iam.InstanceReadLog: true, iam.MessageRead: true,
		iam.AuditRead: true, iam.AuditVerify: true, iam.IAMSimulate: true, iam.FlavorList: true,
		iam.InstanceCreate: false, iam.InstanceRestart: false, iam.MessageSend: false,
		iam.SecurityUpdate: false, iam.IAMCreateToken: false, iam.TaskDelete: false,
		iam.MigrationList: true, iam.MigrationGet: true, iam.MigrationUpdate: false, iam.MigrationInventory: false,
	} {
		a, ok := iam.Lookup(action)
		if !ok || a.ReadOnly != want {
			t.Errorf("%s: ReadOnly = %v (found %v), want %v", action, a.ReadOnly, ok, want)
		}
	}
}

func TestServices(t *testing.T) {
	want := []string{"instance", "task", "runtime", "flavor", "topic", "group", "message", "parameter",
		"user", "permission", "quota", "security", "iam", "project", "audit", "metric", "alarm", "migration"}
	got := iam.Services()
	if len(got) != len(want) {
		t.Fatalf("Services() = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("Services() = %v, want %v", got, want)
		}
	}
}
