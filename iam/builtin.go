package iam

import (
	"slices"

	streamplane "github.com/streamplane/streamplane"
)

// Names of the built-in policies (DMS 1.11 table 1-10 without the DMS
// prefix).
const (
	FullAccess     = "FullAccess"
	UserAccess     = "UserAccess"
	ReadOnlyAccess = "ReadOnlyAccess"
)

// userAccessWithout are the actions UserAccess leaves out. DMS UserAccess
// is "common user permissions, excluding permissions for creating,
// modifying, deleting, and scaling up instances", and its table 1-11 keeps
// restarts. Here modifying an instance covers what changes the instance
// itself rather than what lives in it: its information, its version, its
// failed changes, its security (public access, mutual TLS, certificates)
// and its broker parameters. UserAccess also keeps out what administers
// the control plane: installing runtimes, changing projects, every change
// to IAM users, tokens and policies, and the server's alarm notification
// channels (alarm rules on an instance are a user's to set).
var userAccessWithout = []string{
	InstanceCreate, InstanceUpdate, InstanceDelete, InstanceScale, InstanceUpgrade, InstanceClearFailed,
	SecurityUpdate, ParameterUpdate,
	RuntimeInstall,
	ProjectCreate, ProjectUpdate, ProjectDelete,
	IAMCreateUser, IAMUpdateUser, IAMDeleteUser, IAMCreateToken, IAMRevokeToken,
	IAMCreatePolicy, IAMUpdatePolicy, IAMDeletePolicy,
	AlarmCreateChannel, AlarmDeleteChannel,
}

// Builtins returns the built-in policies, freshly made (callers may change
// them):
//
//   - FullAccess allows every action on every resource.
//   - UserAccess allows every action but those of userAccessWithout: it is
//     ReadOnlyAccess plus working inside instances (topics, consumer
//     groups, messages, SASL users, topic permissions, Kafka quotas,
//     replica placement and leader elections, migrations into them
//     (and the inventory of their sources), restarts, task records,
//     alarm rules).
//   - ReadOnlyAccess allows every ReadOnly action of the catalog.
//
// UserAccess and ReadOnlyAccess list their actions one by one (no Deny
// statements, which would override what other attached policies allow), so
// a new action joins them only by being in the catalog with the right
// ReadOnly flag or not in userAccessWithout.
func Builtins() []streamplane.Policy {
	var user, readOnly []string
	for _, a := range Actions {
		if !slices.Contains(userAccessWithout, a.Name) {
			user = append(user, a.Name)
		}
		if a.ReadOnly {
			readOnly = append(readOnly, a.Name)
		}
	}
	return []streamplane.Policy{
		builtin(FullAccess, "Administrator permissions: every action on every instance, project and IAM resource.", []string{"*"}),
		builtin(UserAccess, "Common user permissions: view everything and work inside instances (topics, consumer groups, messages, SASL users, permissions, quotas, migrations, restarts); no creating, changing, scaling, upgrading or deleting instances, no changes to their security or parameters, no runtime installs, and no changes to projects or IAM.", user),
		builtin(ReadOnlyAccess, "Read-only permissions: view everything, change nothing.", readOnly),
	}
}

// Builtin returns the built-in policy of that name.
func Builtin(name string) (streamplane.Policy, bool) {
	for _, p := range Builtins() {
		if p.Name == name {
			return p, true
		}
	}
	return streamplane.Policy{}, false
}

func builtin(name, description string, actions []string) streamplane.Policy {
	return streamplane.Policy{
		Name:        name,
		Description: description,
		Builtin:     true,
		Document: streamplane.PolicyDocument{
			Version:   PolicyVersion,
			Statement: []streamplane.Statement{{Effect: streamplane.EffectAllow, Action: actions}},
		},
	}
}
