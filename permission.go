package streamplane

import (
	"fmt"
	"slices"
	"strings"
)

// Topic permissions (DMS 8.9). A SASL user may publish to a topic,
// subscribe to it, or both; a topic's "default permissions" apply to every
// user. They are Kafka ACLs on the topic (literal name, any host):
// publishing is WRITE and DESCRIBE, subscribing READ and DESCRIBE. With
// allow.everyone.if.no.acl.found, a topic without any grant is open to every
// user, and once it has one, only what is granted is allowed; a user gets
// the union of its own grant and the default one.

// Permission is what a grant allows on a topic.
type Permission string

const (
	PermissionPublish          Permission = "publish"
	PermissionSubscribe        Permission = "subscribe"
	PermissionPublishSubscribe Permission = "publish-subscribe"
)

// Permissions lists every permission, in the order people choose them.
var Permissions = []Permission{PermissionPublish, PermissionSubscribe, PermissionPublishSubscribe}

// ParsePermission reads a permission name, in any case.
func ParsePermission(field, s string) (Permission, error) {
	p := Permission(strings.ToLower(strings.TrimSpace(s)))
	if slices.Contains(Permissions, p) {
		return p, nil
	}
	if s == "" {
		return "", Invalid(field, "a permission is required: %s", permissionNames())
	}
	return "", Invalid(field, "permission must be one of %s, got %q", permissionNames(), s)
}

func permissionNames() string {
	names := make([]string, len(Permissions))
	for i, p := range Permissions {
		names[i] = string(p)
	}
	return strings.Join(names, ", ")
}

// Publish reports whether the permission allows producing.
func (p Permission) Publish() bool {
	return p == PermissionPublish || p == PermissionPublishSubscribe
}

// Subscribe reports whether the permission allows consuming.
func (p Permission) Subscribe() bool {
	return p == PermissionSubscribe || p == PermissionPublishSubscribe
}

// PermissionOf is the permission that allows publishing, subscribing or
// both; ok is false when it allows neither.
func PermissionOf(publish, subscribe bool) (p Permission, ok bool) {
	switch {
	case publish && subscribe:
		return PermissionPublishSubscribe, true
	case publish:
		return PermissionPublish, true
	case subscribe:
		return PermissionSubscribe, true
	}
	return "", false
}

// Union is what two grants allow together.
func (p Permission) Union(q Permission) Permission {
	u, _ := PermissionOf(p.Publish() || q.Publish(), p.Subscribe() || q.Subscribe())
	return u
}

// DefaultPrincipal is the Kafka principal of the default grant: every user.
const DefaultPrincipal = "User:*"

// UserPrincipal is a SASL user's Kafka principal.
func UserPrincipal(name string) string { return "User:" + name }

// TopicGrant is one grant on a topic: to a user, or the default one.
type TopicGrant struct {
	User       string     `json:"user,omitempty"` // the SASL user; absent for the default grant
	Default    bool       `json:"default"`        // the default grant, for every user
	Permission Permission `json:"permission"`
}

// Principal is the Kafka principal the grant's ACLs name.
func (g TopicGrant) Principal() string {
	if g.Default {
		return DefaultPrincipal
	}
	return UserPrincipal(g.User)
}

// Grantee names who the grant is for, for people.
func (g TopicGrant) Grantee() string {
	if g.Default {
		return "every user (default)"
	}
	return "user " + g.User
}

func (g TopicGrant) String() string {
	return fmt.Sprintf("%s: %s", g.Grantee(), g.Permission)
}

// CheckGrantee checks that the grant names exactly one of a user and the
// default grant. The user's existence is the caller's to check.
func (g TopicGrant) CheckGrantee() error {
	switch {
	case g.Default && g.User != "":
		return Invalid("user", "a grant is for one user or the default (every user), not both")
	case !g.Default && g.User == "":
		return Invalid("user", "name the user the grant is for, or choose the default grant for every user")
	}
	return nil
}

// GrantFromPrincipal turns an ACL principal back into a grant's grantee;
// ok is false for principals that are not SASL users (User:…).
func GrantFromPrincipal(principal string) (g TopicGrant, ok bool) {
	name, ok := strings.CutPrefix(principal, "User:")
	switch {
	case !ok || name == "":
		return g, false
	case name == "*":
		return TopicGrant{Default: true}, true
	}
	return TopicGrant{User: name}, true
}

// TopicGrants are a topic's grants: the default one first, then users by
// name.
type TopicGrants struct {
	Topic string `json:"topic"`
	// Open: the topic has no grant at all, so every user may publish and
	// subscribe; the first grant closes it to everyone not granted.
	Open   bool         `json:"open"`
	Grants []TopicGrant `json:"grants"`
}

// SortGrants puts the default grant first and users by name.
func SortGrants(gs []TopicGrant) {
	slices.SortFunc(gs, func(a, b TopicGrant) int {
		switch {
		case a.Default != b.Default:
			if a.Default {
				return -1
			}
			return 1
		}
		return strings.Compare(a.User, b.User)
	})
}

// Allows returns what a user may do with the topic: everything on an open
// topic, else the union of the default grant and the user's own.
func (tg TopicGrants) Allows(user string) (publish, subscribe bool) {
	if tg.Open {
		return true, true
	}
	for _, g := range tg.Grants {
		if g.Default || g.User == user {
			publish = publish || g.Permission.Publish()
			subscribe = subscribe || g.Permission.Subscribe()
		}
	}
	return publish, subscribe
}

// Grant returns the grant of a user ("" with def for the default one).
func (tg TopicGrants) Grant(user string, def bool) (TopicGrant, bool) {
	for _, g := range tg.Grants {
		if g.Default == def && g.User == user {
			return g, true
		}
	}
	return TopicGrant{}, false
}
