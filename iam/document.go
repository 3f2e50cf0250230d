package iam

import (
	"fmt"
	"slices"
	"strings"

	streamplane "github.com/streamplane/streamplane"
)

// The policy language (DMS 3.2–3.4, translated):
//
//   - Version is "1".
//   - Action entries are "*", "service:*", a catalog action, or a pattern
//     with '*' that matches at least one catalog action ("instance:re*",
//     "*:delete"). A name that matches nothing is rejected: a typo must not
//     turn a Deny into a statement that silently denies nothing.
//   - Resource entries are "*" or "instance:<pattern>", where the pattern is
//     an instance name in which '*' stands for any run of characters
//     ("instance:prod-*"). Instances are the only resources, as in DMS 3.3;
//     projects are not resources: an attachment chooses the projects its
//     policy applies in, and the instance:project condition narrows a
//     statement to instances of some projects. A statement without Resource
//     covers every resource and requests that name none.
//   - Condition maps an operator to condition keys and their values. Bool
//     goes with instance:ssl and instance:publicAccess ("true" or "false");
//     StringEquals, StringNotEquals, StringLike and StringNotLike go with
//     instance:project and instance:tag/<key>. StringLike values are
//     patterns with '*'.

// Condition operators.
const (
	OpBool            = "Bool"
	OpStringEquals    = "StringEquals"
	OpStringNotEquals = "StringNotEquals"
	OpStringLike      = "StringLike"
	OpStringNotLike   = "StringNotLike"
)

// Condition keys. KeySSL is DMS's dms:ssl (the instance uses SASL_SSL),
// KeyPublicAccess its dms:publicIP; a tag key is KeyTagPrefix + the tag's
// key.
const (
	KeySSL          = "instance:ssl"
	KeyPublicAccess = "instance:publicAccess"
	KeyProject      = "instance:project"
	KeyTagPrefix    = "instance:tag/"
)

// Limits of a policy document.
const (
	PolicyVersion    = "1"
	MaxStatements    = 50
	MaxEntries       = 100 // actions or resources of a statement, values of a condition key
	MaxPatternLen    = 256 // bytes of one action, resource or condition value
	MaxDocumentBytes = 64 << 10
)

var (
	operators  = []string{OpBool, OpStringEquals, OpStringNotEquals, OpStringLike, OpStringNotLike}
	boolKeys   = []string{KeySSL, KeyPublicAccess}
	stringOps  = []string{OpStringEquals, OpStringNotEquals, OpStringLike, OpStringNotLike}
	actionByte = byteSet("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ:*")
	// Instance names are letters, digits, '-' and '_' (SPEC §1); a resource
	// pattern adds '*'.
	instanceByte = byteSet("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_*")
)

// Validate checks a policy document against the rules above. Its error is
// a streamplane.EINVALID error whose field is the path of the first fault,
// like document.Statement[1].Action[0].
func Validate(doc streamplane.PolicyDocument) error {
	if doc.Version != PolicyVersion {
		return streamplane.Invalid("document.Version", "Version must be %q, got %q", PolicyVersion, doc.Version)
	}
	switch n := len(doc.Statement); {
	case n == 0:
		return streamplane.Invalid("document.Statement", "a policy needs at least one statement")
	case n > MaxStatements:
		return streamplane.Invalid("document.Statement", "a policy may have at most %d statements, got %d", MaxStatements, n)
	}
	for i, st := range doc.Statement {
		if err := validateStatement(fmt.Sprintf("document.Statement[%d]", i), st); err != nil {
			return err
		}
	}
	return nil
}

func validateStatement(path string, st streamplane.Statement) error {
	if st.Effect != streamplane.EffectAllow && st.Effect != streamplane.EffectDeny {
		return streamplane.Invalid(path+".Effect", "Effect must be %q or %q, got %q", streamplane.EffectAllow, streamplane.EffectDeny, st.Effect)
	}
	switch n := len(st.Action); {
	case n == 0:
		return streamplane.Invalid(path+".Action", "a statement needs at least one action")
	case n > MaxEntries:
		return streamplane.Invalid(path+".Action", "a statement may name at most %d actions, got %d", MaxEntries, n)
	}
	for i, a := range st.Action {
		if err := validateAction(fmt.Sprintf("%s.Action[%d]", path, i), a); err != nil {
			return err
		}
	}
	switch n := len(st.Resource); {
	case st.Resource != nil && n == 0:
		return streamplane.Invalid(path+".Resource", "Resource must not be an empty list; leave it out to mean every resource")
	case n > MaxEntries:
		return streamplane.Invalid(path+".Resource", "a statement may name at most %d resources, got %d", MaxEntries, n)
	}
	for i, r := range st.Resource {
		if err := validateResource(fmt.Sprintf("%s.Resource[%d]", path, i), r); err != nil {
			return err
		}
	}
	if st.Condition != nil && len(st.Condition) == 0 {
		return streamplane.Invalid(path+".Condition", "Condition must not be empty; leave it out for a statement without conditions")
	}
	for _, op := range sortedKeys(st.Condition) {
		if err := validateOperator(path+".Condition."+op, op, st.Condition[op]); err != nil {
			return err
		}
	}
	return nil
}

func validateAction(path, a string) error {
	if a == "*" {
		return nil
	}
	if len(a) > MaxPatternLen {
		return streamplane.Invalid(path, "an action may be at most %d bytes, got %d", MaxPatternLen, len(a))
	}
	svc, verb, ok := strings.Cut(a, ":")
	if !ok || svc == "" || verb == "" || !onlyBytes(a, actionByte) {
		return streamplane.Invalid(path, `action %q must be "*", "service:*" or "service:action", like instance:delete`, a)
	}
	if !strings.Contains(svc, "*") && !slices.Contains(Services(), svc) {
		return streamplane.Invalid(path, "action %q names an unknown service %q; the services are %s", a, svc, strings.Join(Services(), ", "))
	}
	if !strings.Contains(a, "*") {
		if _, ok := Lookup(a); ok {
			return nil
		}
		for _, known := range Actions {
			if strings.EqualFold(known.Name, a) {
				return streamplane.Invalid(path, "unknown action %q; did you mean %s?", a, known.Name)
			}
		}
		return streamplane.Invalid(path, "unknown action %q; the %s actions are %s", a, svc, strings.Join(actionsOf(svc), ", "))
	}
	for _, known := range Actions {
		if match(a, known.Name) {
			return nil
		}
	}
	return streamplane.Invalid(path, "action pattern %q matches no action", a)
}

func validateResource(path, r string) error {
	if r == "*" {
		return nil
	}
	if len(r) > MaxPatternLen {
		return streamplane.Invalid(path, "a resource may be at most %d bytes, got %d", MaxPatternLen, len(r))
	}
	typ, name, _ := strings.Cut(r, ":")
	if typ != "instance" || name == "" {
		return streamplane.Invalid(path, `resource %q must be "*" or "instance:<name pattern>", like instance:prod-*; instances are the only resources`, r)
	}
	if !onlyBytes(name, instanceByte) {
		return streamplane.Invalid(path, "resource %q: an instance name pattern has only letters, digits, '-', '_' and '*'", r)
	}
	return nil
}

func validateOperator(path, op string, keys map[string]streamplane.StringList) error {
	if !slices.Contains(operators, op) {
		return streamplane.Invalid(path, "unknown condition operator %q; the operators are %s", op, strings.Join(operators, ", "))
	}
	if len(keys) == 0 {
		return streamplane.Invalid(path, "operator %s needs at least one condition key", op)
	}
	for _, key := range sortedKeys(keys) {
		kpath := path + "." + key
		if err := validateKey(kpath, op, key); err != nil {
			return err
		}
		values := keys[key]
		switch n := len(values); {
		case n == 0:
			return streamplane.Invalid(kpath, "condition key %s needs at least one value", key)
		case n > MaxEntries:
			return streamplane.Invalid(kpath, "a condition key may have at most %d values, got %d", MaxEntries, n)
		}
		for i, v := range values {
			vpath := fmt.Sprintf("%s[%d]", kpath, i)
			switch {
			case v == "":
				return streamplane.Invalid(vpath, "a condition value must not be empty")
			case len(v) > MaxPatternLen:
				return streamplane.Invalid(vpath, "a condition value may be at most %d bytes, got %d", MaxPatternLen, len(v))
			case op == OpBool && v != "true" && v != "false":
				return streamplane.Invalid(vpath, `a Bool condition's value must be "true" or "false", got %q`, v)
			}
		}
	}
	return nil
}

func validateKey(path, op, key string) error {
	switch {
	case slices.Contains(boolKeys, key):
		if op != OpBool {
			return streamplane.Invalid(path, "condition key %s goes with the Bool operator, not %s", key, op)
		}
		return nil
	case key == KeyProject || strings.HasPrefix(key, KeyTagPrefix):
		if !slices.Contains(stringOps, op) {
			return streamplane.Invalid(path, "condition key %s goes with %s, not %s", key, strings.Join(stringOps, ", "), op)
		}
		if tag, ok := strings.CutPrefix(key, KeyTagPrefix); ok {
			if err := streamplane.ValidateTag(tag, "v"); err != nil {
				return streamplane.Invalid(path, "condition key %s: %s", key, streamplane.ErrorMessage(err))
			}
		}
		return nil
	}
	return streamplane.Invalid(path, "unknown condition key %q; the keys are %s, %s, %s and %s<key>", key, KeySSL, KeyPublicAccess, KeyProject, KeyTagPrefix)
}

// actionsOf lists a service's actions, for error messages.
func actionsOf(svc string) []string {
	var out []string
	for _, a := range Actions {
		if service(a.Name) == svc {
			out = append(out, a.Name)
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func byteSet(chars string) (set [256]bool) {
	for i := 0; i < len(chars); i++ {
		set[chars[i]] = true
	}
	return set
}

func onlyBytes(s string, set [256]bool) bool {
	for i := 0; i < len(s); i++ {
		if !set[s[i]] {
			return false
		}
	}
	return true
}
