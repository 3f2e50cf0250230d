package iam

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	streamplane "github.com/streamplane/streamplane"
)

// Request is one thing a caller asks to do.
type Request struct {
	Action string // a catalog action
	// Resource is "instance:<name>" for an action on one instance (for
	// instance:create, the instance to be made), or "" for actions that
	// act on none, like instance:list or the iam:* actions.
	Resource string
	// Project is the project the request acts in: the instance's project,
	// or the one a list or create names. "" means an action outside every
	// project (iam:*, audit:*, runtime:*), which only grants for
	// streamplane.AllProjects cover.
	Project string
	// Instance describes the instance for conditions; nil when no instance
	// is involved.
	Instance *InstanceFacts
}

// InstanceFacts are what conditions can test about an instance.
type InstanceFacts struct {
	SSL          bool // the instance uses SASL_SSL (DMS's dms:ssl)
	PublicAccess bool // DMS's dms:publicIP
	Project      string
	Tags         map[string]string
}

// Facts returns the condition facts of an instance.
func Facts(inst *streamplane.Instance) *InstanceFacts {
	return &InstanceFacts{
		SSL:          inst.SASL(),
		PublicAccess: inst.PublicAccess,
		Project:      inst.Project,
		Tags:         inst.Tags,
	}
}

// SpecFacts returns the condition facts of an instance about to be created,
// so that a policy can deny, say, instance:create with public access.
func SpecFacts(spec streamplane.InstanceSpec) *InstanceFacts {
	project := spec.Project
	if project == "" {
		project = streamplane.DefaultProject
	}
	return &InstanceFacts{
		SSL:          spec.SecurityProtocol == streamplane.ProtocolSASLSSL,
		PublicAccess: spec.PublicAccess,
		Project:      project,
		Tags:         spec.Tags,
	}
}

// Grant is an attachment resolved to its policy: the policy applies to
// requests in Project, or in every project for streamplane.AllProjects.
type Grant struct {
	Policy  streamplane.Policy
	Project string
}

// applies reports whether the grant covers a request in project. An empty
// grant project covers nothing: the caller resolves an attachment without a
// project to the account's home project.
func (g Grant) applies(project string) bool {
	return g.Project == streamplane.AllProjects || g.Project != "" && g.Project == project
}

// Decision is the answer for one request, with what decided it. Statement
// is the index of the deciding statement in Policy's document, -1 when no
// statement decided (an implicit deny).
type Decision struct {
	Allowed   bool   `json:"allowed"`
	Effect    string `json:"effect,omitempty"` // Allow, Deny, or "" for an implicit deny
	Policy    string `json:"policy,omitempty"`
	Statement int    `json:"statement"`
	Reason    string `json:"reason"`
}

// Evaluate decides a request against a caller's grants, as DMS does: a
// matching Deny statement wins over any Allow, and without a matching Allow
// the request is denied. Only grants whose project covers the request's
// project count. A statement matches when one of its actions matches the
// request's action, one of its resources matches the request's resource
// (a request without a resource matches only "*", or a statement without
// Resource), and every one of its conditions holds.
//
// Conditions are about the instance; a request with no Instance facts
// satisfies none of them, whatever the operator: a statement with
// conditions then neither allows nor denies. With facts, a missing tag
// fails StringEquals and StringLike and satisfies StringNotEquals and
// StringNotLike (the tag is indeed not equal to any of the values).
//
// The first matching Deny in grant and statement order is reported; failing
// one, the first matching Allow.
func Evaluate(req Request, grants []Grant) Decision {
	if _, ok := Lookup(req.Action); !ok {
		return Decision{Statement: -1, Reason: fmt.Sprintf("unknown action %q", req.Action)}
	}
	allow := Decision{Statement: -1}
	for _, g := range grants {
		if !g.applies(req.Project) {
			continue
		}
		for i, st := range g.Policy.Document.Statement {
			if !statementMatches(st, req) {
				continue
			}
			switch st.Effect {
			case streamplane.EffectDeny:
				return Decision{Effect: st.Effect, Policy: g.Policy.Name, Statement: i,
					Reason: fmt.Sprintf("denied by statement %d of policy %s", i, g.Policy.Name)}
			case streamplane.EffectAllow:
				if !allow.Allowed {
					allow = Decision{Allowed: true, Effect: st.Effect, Policy: g.Policy.Name, Statement: i,
						Reason: fmt.Sprintf("allowed by statement %d of policy %s", i, g.Policy.Name)}
				}
			}
		}
	}
	if !allow.Allowed {
		allow.Reason = "no policy allows " + describe(req)
	}
	return allow
}

// describe says what a request asks for, for reasons.
func describe(req Request) string {
	s := req.Action
	if req.Resource != "" {
		s += " on " + req.Resource
	}
	if req.Project == "" {
		return s + " (an action outside projects: only policies attached for every project count)"
	}
	return s + " in project " + req.Project
}

func statementMatches(st streamplane.Statement, req Request) bool {
	if !slices.ContainsFunc(st.Action, func(p string) bool { return match(p, req.Action) }) {
		return false
	}
	if len(st.Resource) > 0 && !slices.ContainsFunc(st.Resource, func(p string) bool {
		return p == "*" || req.Resource != "" && match(p, req.Resource)
	}) {
		return false
	}
	for op, keys := range st.Condition {
		for key, values := range keys {
			if !holds(op, key, values, req.Instance) {
				return false
			}
		}
	}
	return true
}

// holds evaluates one condition key; unknown operators and keys (in a
// document that skipped Validate) never hold.
func holds(op, key string, values []string, f *InstanceFacts) bool {
	if f == nil {
		return false
	}
	var value string
	present := true
	switch {
	case key == KeySSL:
		value = strconv.FormatBool(f.SSL)
	case key == KeyPublicAccess:
		value = strconv.FormatBool(f.PublicAccess)
	case key == KeyProject:
		value, present = f.Project, f.Project != ""
	case strings.HasPrefix(key, KeyTagPrefix):
		value, present = f.Tags[strings.TrimPrefix(key, KeyTagPrefix)]
	default:
		return false
	}
	isBool := slices.Contains(boolKeys, key)
	equal := slices.Contains(values, value)
	like := slices.ContainsFunc(values, func(p string) bool { return match(p, value) })
	switch op {
	case OpBool:
		return isBool && equal
	case OpStringEquals:
		return !isBool && present && equal
	case OpStringNotEquals:
		return !isBool && (!present || !equal)
	case OpStringLike:
		return !isBool && present && like
	case OpStringNotLike:
		return !isBool && (!present || !like)
	}
	return false
}

// Projects returns the projects in which the grants allow something: all
// is true when some grant with an Allow statement covers every project
// (names is then nil); otherwise names lists the projects, sorted. The API
// uses it to filter lists to what the caller may see. Grants whose policy
// only denies give nothing.
func Projects(grants []Grant) (all bool, names []string) {
	for _, g := range grants {
		allows := slices.ContainsFunc(g.Policy.Document.Statement, func(st streamplane.Statement) bool {
			return st.Effect == streamplane.EffectAllow
		})
		switch {
		case !allows || g.Project == "":
		case g.Project == streamplane.AllProjects:
			all = true
		case !slices.Contains(names, g.Project):
			names = append(names, g.Project)
		}
	}
	if all {
		return true, nil
	}
	slices.Sort(names)
	return false, names
}
