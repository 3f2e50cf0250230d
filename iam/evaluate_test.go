package iam_test

import (
	"reflect"
	"strings"
	"testing"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/iam"
)

// mustPolicy parses and validates a custom policy document.
func mustPolicy(t *testing.T, name, doc string) streamplane.Policy {
	t.Helper()
	d, err := iam.Parse([]byte(doc))
	if err != nil {
		t.Fatalf("policy %s: %v", name, err)
	}
	if err := iam.Validate(d); err != nil {
		t.Fatalf("policy %s: %v", name, err)
	}
	return streamplane.Policy{Name: name, Document: d}
}

func mustBuiltin(t *testing.T, name string) streamplane.Policy {
	t.Helper()
	p, ok := iam.Builtin(name)
	if !ok {
		t.Fatalf("no built-in policy %s", name)
	}
	return p
}

// everywhere attaches policies in every project.
func everywhere(policies ...streamplane.Policy) []iam.Grant {
	var grants []iam.Grant
	for _, p := range policies {
		grants = append(grants, iam.Grant{Policy: p, Project: streamplane.AllProjects})
	}
	return grants
}

// on is a request on instance name in project default, with facts.
func on(action, name string, facts *iam.InstanceFacts) iam.Request {
	return iam.Request{Action: action, Resource: "instance:" + name, Project: streamplane.DefaultProject, Instance: facts}
}

func facts(ssl, public bool, project string, tags ...string) *iam.InstanceFacts {
	f := &iam.InstanceFacts{SSL: ssl, PublicAccess: public, Project: project, Tags: map[string]string{}}
	for i := 0; i+1 < len(tags); i += 2 {
		f.Tags[tags[i]] = tags[i+1]
	}
	return f
}

func TestEvaluate(t *testing.T) {
	full := mustBuiltin(t, iam.FullAccess)
	readOnly := mustBuiltin(t, iam.ReadOnlyAccess)

	// DMS 3.2 example 1, "Allowing users to delete and restart instances":
	// dms:instance:modifyStatus is instance:restart here, dms:instance:delete
	// is instance:delete, and Version "1.1" is "1".
	restartDelete := mustPolicy(t, "restart-delete", `{"Version":"1","Statement":[
		{"Effect":"Allow","Action":["instance:restart","instance:delete"]}]}`)
	// DMS 3.2 example 2, "Denying instance deletion": dms:instance:delete is
	// instance:delete.
	noDelete := mustPolicy(t, "no-delete", `{"Version":"1","Statement":[
		{"Effect":"Deny","Action":["instance:delete"]}]}`)
	// DMS 3.3: a resource path "DMS:*:*:kafka:<id>" is instance:<name>
	// here; "DMS:*:*:kafka:*" is instance:*.
	noProdDelete := mustPolicy(t, "no-prod-delete", `{"Version":"1","Statement":[
		{"Effect":"Deny","Action":["instance:delete"],"Resource":["instance:prod-*"]}]}`)
	devTopics := mustPolicy(t, "dev-topics", `{"Version":"1","Statement":[
		{"Effect":"Allow","Action":["topic:create"],"Resource":["instance:dev-*"]}]}`)
	anyInstanceList := mustPolicy(t, "any-list", `{"Version":"1","Statement":[
		{"Effect":"Allow","Action":["instance:list"],"Resource":["instance:*","*"]}]}`)
	instanceOnlyList := mustPolicy(t, "instance-only-list", `{"Version":"1","Statement":[
		{"Effect":"Allow","Action":["instance:list"],"Resource":["instance:*"]}]}`)
	lists := mustPolicy(t, "lists", `{"Version":"1","Statement":[
		{"Effect":"Allow","Action":["*:list","instance:re*"]}]}`)
	// DMS 3.4: "to define an Allow permission, you can use the condition key
	// dms:ssl to check whether SASL is enabled" — dms:ssl is instance:ssl.
	sslOnly := mustPolicy(t, "ssl-only", `{"Version":"1","Statement":[
		{"Effect":"Allow","Action":["instance:*"],"Condition":{"Bool":{"instance:ssl":"true"}}}]}`)
	// DMS 3.4: dms:publicIP (whether public access is enabled) is
	// instance:publicAccess.
	noPublic := mustPolicy(t, "no-public", `{"Version":"1","Statement":[
		{"Effect":"Deny","Action":["instance:create","security:update"],"Condition":{"Bool":{"instance:publicAccess":"true"}}}]}`)
	payments := mustPolicy(t, "payments-topics", `{"Version":"1","Statement":[
		{"Effect":"Allow","Action":["topic:*"],"Condition":{"StringEquals":{"instance:tag/team":"payments"}}}]}`)
	notProd := mustPolicy(t, "not-prod", `{"Version":"1","Statement":[
		{"Effect":"Allow","Action":["*"],"Condition":{"StringNotEquals":{"instance:tag/env":"prod"}}}]}`)
	teamGet := mustPolicy(t, "team-get", `{"Version":"1","Statement":[
		{"Effect":"Allow","Action":["instance:get"],"Condition":{"StringLike":{"instance:project":"team-*"}}}]}`)
	teamMessages := mustPolicy(t, "team-messages", `{"Version":"1","Statement":[
		{"Effect":"Deny","Action":["message:read"],"Condition":{"StringNotLike":{"instance:project":"team-*"}}}]}`)
	sslProd := mustPolicy(t, "ssl-prod", `{"Version":"1","Statement":[
		{"Effect":"Allow","Action":["topic:get"],"Condition":{"Bool":{"instance:ssl":"true"},"StringEquals":{"instance:tag/env":"prod"}}}]}`)
	twoTeams := mustPolicy(t, "two-teams", `{"Version":"1","Statement":[
		{"Effect":"Allow","Action":["topic:get"],"Condition":{"StringEquals":{"instance:project":["team-a","team-b"]}}}]}`)
	allowThenDeny := mustPolicy(t, "allow-then-deny", `{"Version":"1","Statement":[
		{"Effect":"Allow","Action":["*"]},
		{"Effect":"Allow","Action":["topic:*"]},
		{"Effect":"Deny","Action":["topic:delete"]}]}`)

	plain := facts(false, false, streamplane.DefaultProject)
	noResource := func(action, project string) iam.Request {
		return iam.Request{Action: action, Project: project}
	}

	for _, tc := range []struct {
		name   string
		grants []iam.Grant
		req    iam.Request
		want   iam.Decision
	}{
		{"DMSExample1Restart", everywhere(restartDelete), on(iam.InstanceRestart, "orders", plain),
			iam.Decision{Allowed: true, Effect: "Allow", Policy: "restart-delete", Statement: 0, Reason: "allowed by statement 0 of policy restart-delete"}},
		{"DMSExample1Delete", everywhere(restartDelete), on(iam.InstanceDelete, "orders", plain),
			iam.Decision{Allowed: true, Effect: "Allow", Policy: "restart-delete", Statement: 0, Reason: "allowed by statement 0 of policy restart-delete"}},
		{"DMSExample1NoCreate", everywhere(restartDelete), on(iam.InstanceCreate, "orders", plain),
			iam.Decision{Statement: -1, Reason: "no policy allows instance:create on instance:orders in project default"}},
		// DMS 3.2 example 2 with DMS FullAccess: "the user will then be able
		// to perform all operations on instances except deleting instances",
		// whichever order the policies come in.
		{"DMSExample2DenyWins", everywhere(full, noDelete), on(iam.InstanceDelete, "orders", plain),
			iam.Decision{Effect: "Deny", Policy: "no-delete", Statement: 0, Reason: "denied by statement 0 of policy no-delete"}},
		{"DMSExample2DenyWinsFirst", everywhere(noDelete, full), on(iam.InstanceDelete, "orders", plain),
			iam.Decision{Effect: "Deny", Policy: "no-delete", Statement: 0, Reason: "denied by statement 0 of policy no-delete"}},
		{"DMSExample2OthersAllowed", everywhere(noDelete, full), on(iam.InstanceRestart, "orders", plain),
			iam.Decision{Allowed: true, Effect: "Allow", Policy: iam.FullAccess, Statement: 0, Reason: "allowed by statement 0 of policy FullAccess"}},
		// DMS 3.2: "a policy with only Deny permissions must be used in
		// conjunction with other policies to take effect".
		{"DMSExample2Alone", everywhere(noDelete), on(iam.InstanceRestart, "orders", plain),
			iam.Decision{Statement: -1, Reason: "no policy allows instance:restart on instance:orders in project default"}},
		// DMS 3.1: with DMS ReadOnlyAccess, "Create Instance" says the
		// permissions are insufficient.
		{"DMS31ReadOnlyNoCreate", everywhere(readOnly), on(iam.InstanceCreate, "orders", plain),
			iam.Decision{Statement: -1, Reason: "no policy allows instance:create on instance:orders in project default"}},
		{"DMS31ReadOnlyList", everywhere(readOnly), noResource(iam.InstanceList, "default"),
			iam.Decision{Allowed: true, Effect: "Allow", Policy: iam.ReadOnlyAccess, Statement: 0, Reason: "allowed by statement 0 of policy ReadOnlyAccess"}},
		{"NoGrants", nil, noResource(iam.InstanceList, "default"),
			iam.Decision{Statement: -1, Reason: "no policy allows instance:list in project default"}},
		{"DenyInSamePolicy", everywhere(allowThenDeny), on(iam.TopicDelete, "orders", plain),
			iam.Decision{Effect: "Deny", Policy: "allow-then-deny", Statement: 2, Reason: "denied by statement 2 of policy allow-then-deny"}},
		{"FirstAllowReported", everywhere(allowThenDeny), on(iam.TopicCreate, "orders", plain),
			iam.Decision{Allowed: true, Effect: "Allow", Policy: "allow-then-deny", Statement: 0, Reason: "allowed by statement 0 of policy allow-then-deny"}},
		{"UnknownAction", everywhere(full), on("instance:frobnicate", "orders", plain),
			iam.Decision{Statement: -1, Reason: `unknown action "instance:frobnicate"`}},

		// Resources.
		{"ResourceDeny", everywhere(full, noProdDelete), on(iam.InstanceDelete, "prod-orders", plain),
			iam.Decision{Effect: "Deny", Policy: "no-prod-delete", Statement: 0, Reason: "denied by statement 0 of policy no-prod-delete"}},
		{"ResourceDenyOther", everywhere(full, noProdDelete), on(iam.InstanceDelete, "dev-orders", plain),
			iam.Decision{Allowed: true, Effect: "Allow", Policy: iam.FullAccess, Statement: 0, Reason: "allowed by statement 0 of policy FullAccess"}},
		{"ResourceDenyNotOnList", everywhere(full, noProdDelete), noResource(iam.InstanceList, "default"),
			iam.Decision{Allowed: true, Effect: "Allow", Policy: iam.FullAccess, Statement: 0, Reason: "allowed by statement 0 of policy FullAccess"}},
		{"ResourceAllow", everywhere(devTopics), on(iam.TopicCreate, "dev-1", plain),
			iam.Decision{Allowed: true, Effect: "Allow", Policy: "dev-topics", Statement: 0, Reason: "allowed by statement 0 of policy dev-topics"}},
		{"ResourceAllowOther", everywhere(devTopics), on(iam.TopicCreate, "prod-1", plain),
			iam.Decision{Statement: -1, Reason: "no policy allows topic:create on instance:prod-1 in project default"}},
		{"ResourceAllowCase", everywhere(devTopics), on(iam.TopicCreate, "Dev-1", plain),
			iam.Decision{Statement: -1, Reason: "no policy allows topic:create on instance:Dev-1 in project default"}},
		{"ResourceStarCoversNoResource", everywhere(anyInstanceList), noResource(iam.InstanceList, "default"),
			iam.Decision{Allowed: true, Effect: "Allow", Policy: "any-list", Statement: 0, Reason: "allowed by statement 0 of policy any-list"}},
		{"InstancePatternNeedsResource", everywhere(instanceOnlyList), noResource(iam.InstanceList, "default"),
			iam.Decision{Statement: -1, Reason: "no policy allows instance:list in project default"}},

		// Action wildcards.
		{"StarList", everywhere(lists), noResource(iam.GroupList, "default"),
			iam.Decision{Allowed: true, Effect: "Allow", Policy: "lists", Statement: 0, Reason: "allowed by statement 0 of policy lists"}},
		{"StarListNotGet", everywhere(lists), on(iam.GroupGet, "orders", plain),
			iam.Decision{Statement: -1, Reason: "no policy allows group:get on instance:orders in project default"}},
		{"PrefixStar", everywhere(lists), on(iam.InstanceReadLog, "orders", plain),
			iam.Decision{Allowed: true, Effect: "Allow", Policy: "lists", Statement: 0, Reason: "allowed by statement 0 of policy lists"}},
		{"PrefixStarOther", everywhere(lists), on(iam.InstanceUpgrade, "orders", plain),
			iam.Decision{Statement: -1, Reason: "no policy allows instance:upgrade on instance:orders in project default"}},

		// Conditions.
		{"SSLHolds", everywhere(sslOnly), on(iam.InstanceGet, "orders", facts(true, false, "default")),
			iam.Decision{Allowed: true, Effect: "Allow", Policy: "ssl-only", Statement: 0, Reason: "allowed by statement 0 of policy ssl-only"}},
		{"SSLFails", everywhere(sslOnly), on(iam.InstanceGet, "orders", plain),
			iam.Decision{Statement: -1, Reason: "no policy allows instance:get on instance:orders in project default"}},
		{"SSLNoFacts", everywhere(sslOnly), on(iam.InstanceGet, "orders", nil),
			iam.Decision{Statement: -1, Reason: "no policy allows instance:get on instance:orders in project default"}},
		{"PublicDenied", everywhere(full, noPublic), on(iam.InstanceCreate, "orders", facts(false, true, "default")),
			iam.Decision{Effect: "Deny", Policy: "no-public", Statement: 0, Reason: "denied by statement 0 of policy no-public"}},
		{"PrivateAllowed", everywhere(full, noPublic), on(iam.InstanceCreate, "orders", plain),
			iam.Decision{Allowed: true, Effect: "Allow", Policy: iam.FullAccess, Statement: 0, Reason: "allowed by statement 0 of policy FullAccess"}},
		// A Deny with conditions does not deny a request without facts.
		{"PublicNoFacts", everywhere(full, noPublic), on(iam.SecurityUpdate, "orders", nil),
			iam.Decision{Allowed: true, Effect: "Allow", Policy: iam.FullAccess, Statement: 0, Reason: "allowed by statement 0 of policy FullAccess"}},
		{"TagEquals", everywhere(payments), on(iam.TopicCreate, "pay", facts(true, false, "default", "team", "payments")),
			iam.Decision{Allowed: true, Effect: "Allow", Policy: "payments-topics", Statement: 0, Reason: "allowed by statement 0 of policy payments-topics"}},
		{"TagOtherValue", everywhere(payments), on(iam.TopicCreate, "search", facts(true, false, "default", "team", "search")),
			iam.Decision{Statement: -1, Reason: "no policy allows topic:create on instance:search in project default"}},
		{"TagMissing", everywhere(payments), on(iam.TopicCreate, "misc", plain),
			iam.Decision{Statement: -1, Reason: "no policy allows topic:create on instance:misc in project default"}},
		{"TagNotEqualsHolds", everywhere(notProd), on(iam.TopicDelete, "x", facts(false, false, "default", "env", "dev")),
			iam.Decision{Allowed: true, Effect: "Allow", Policy: "not-prod", Statement: 0, Reason: "allowed by statement 0 of policy not-prod"}},
		{"TagNotEqualsFails", everywhere(notProd), on(iam.TopicDelete, "x", facts(false, false, "default", "env", "prod")),
			iam.Decision{Statement: -1, Reason: "no policy allows topic:delete on instance:x in project default"}},
		{"TagNotEqualsMissingTag", everywhere(notProd), on(iam.TopicDelete, "x", plain),
			iam.Decision{Allowed: true, Effect: "Allow", Policy: "not-prod", Statement: 0, Reason: "allowed by statement 0 of policy not-prod"}},
		{"TagNotEqualsNoFacts", everywhere(notProd), noResource(iam.IAMListUsers, ""),
			iam.Decision{Statement: -1, Reason: "no policy allows iam:listUsers (an action outside projects: only policies attached for every project count)"}},
		{"ProjectLike", everywhere(teamGet), on(iam.InstanceGet, "x", facts(false, false, "team-a")),
			iam.Decision{Allowed: true, Effect: "Allow", Policy: "team-get", Statement: 0, Reason: "allowed by statement 0 of policy team-get"}},
		{"ProjectLikeFails", everywhere(teamGet), on(iam.InstanceGet, "x", plain),
			iam.Decision{Statement: -1, Reason: "no policy allows instance:get on instance:x in project default"}},
		{"ProjectNotLikeDenies", everywhere(full, teamMessages), on(iam.MessageRead, "x", plain),
			iam.Decision{Effect: "Deny", Policy: "team-messages", Statement: 0, Reason: "denied by statement 0 of policy team-messages"}},
		{"ProjectNotLikeSpares", everywhere(full, teamMessages), on(iam.MessageRead, "x", facts(false, false, "team-b")),
			iam.Decision{Allowed: true, Effect: "Allow", Policy: iam.FullAccess, Statement: 0, Reason: "allowed by statement 0 of policy FullAccess"}},
		{"ConditionsAllHold", everywhere(sslProd), on(iam.TopicGet, "x", facts(true, false, "default", "env", "prod")),
			iam.Decision{Allowed: true, Effect: "Allow", Policy: "ssl-prod", Statement: 0, Reason: "allowed by statement 0 of policy ssl-prod"}},
		{"ConditionsOneFails", everywhere(sslProd), on(iam.TopicGet, "x", facts(false, false, "default", "env", "prod")),
			iam.Decision{Statement: -1, Reason: "no policy allows topic:get on instance:x in project default"}},
		{"ValuesAnyOf", everywhere(twoTeams), on(iam.TopicGet, "x", facts(false, false, "team-b")),
			iam.Decision{Allowed: true, Effect: "Allow", Policy: "two-teams", Statement: 0, Reason: "allowed by statement 0 of policy two-teams"}},
		{"ValuesNoneOf", everywhere(twoTeams), on(iam.TopicGet, "x", facts(false, false, "team-c")),
			iam.Decision{Statement: -1, Reason: "no policy allows topic:get on instance:x in project default"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := iam.Evaluate(tc.req, tc.grants); got != tc.want {
				t.Fatalf("Evaluate = %+v\nwant       %+v", got, tc.want)
			}
		})
	}
}

func TestEvaluateProjects(t *testing.T) {
	full := mustBuiltin(t, iam.FullAccess)
	noDelete := mustPolicy(t, "no-delete", `{"Version":"1","Statement":[{"Effect":"Deny","Action":["instance:delete"]}]}`)
	in := func(project string, action string) iam.Request {
		return iam.Request{Action: action, Resource: "instance:x", Project: project, Instance: facts(false, false, project)}
	}
	teamA := []iam.Grant{{Policy: full, Project: "team-a"}}
	for _, tc := range []struct {
		name    string
		grants  []iam.Grant
		req     iam.Request
		allowed bool
		reason  string
	}{
		{"InProject", teamA, in("team-a", iam.TopicCreate), true, "allowed by statement 0 of policy FullAccess"},
		{"OtherProject", teamA, in("team-b", iam.TopicCreate), false, "no policy allows topic:create on instance:x in project team-b"},
		{"OutsideProjects", teamA, iam.Request{Action: iam.IAMListUsers}, false, "only policies attached for every project count"},
		{"AllProjects", []iam.Grant{{Policy: full, Project: "*"}}, in("team-b", iam.TopicCreate), true, "allowed by"},
		{"AllProjectsOutside", []iam.Grant{{Policy: full, Project: "*"}}, iam.Request{Action: iam.IAMListUsers}, true, "allowed by"},
		{"EmptyGrantProject", []iam.Grant{{Policy: full, Project: ""}}, iam.Request{Action: iam.IAMListUsers}, false, "no policy allows"},
		{"DenyInItsProject", []iam.Grant{{Policy: full, Project: "*"}, {Policy: noDelete, Project: "team-a"}}, in("team-a", iam.InstanceDelete), false, "denied by statement 0 of policy no-delete"},
		{"DenyNotInOtherProject", []iam.Grant{{Policy: full, Project: "*"}, {Policy: noDelete, Project: "team-a"}}, in("team-b", iam.InstanceDelete), true, "allowed by"},
		{"DenyEverywhere", []iam.Grant{{Policy: full, Project: "team-a"}, {Policy: noDelete, Project: "*"}}, in("team-a", iam.InstanceDelete), false, "denied by"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := iam.Evaluate(tc.req, tc.grants)
			if got.Allowed != tc.allowed || !strings.Contains(got.Reason, tc.reason) {
				t.Fatalf("Evaluate = %+v; want allowed %v, reason containing %q", got, tc.allowed, tc.reason)
			}
		})
	}
}

func TestProjects(t *testing.T) {
	full := mustBuiltin(t, iam.FullAccess)
	readOnly := mustBuiltin(t, iam.ReadOnlyAccess)
	denyOnly := mustPolicy(t, "deny-only", `{"Version":"1","Statement":[{"Effect":"Deny","Action":["*"]}]}`)
	for _, tc := range []struct {
		name   string
		grants []iam.Grant
		all    bool
		names  []string
	}{
		{"None", nil, false, nil},
		{"Some", []iam.Grant{{Policy: full, Project: "team-b"}, {Policy: readOnly, Project: "team-a"}, {Policy: full, Project: "team-a"}}, false, []string{"team-a", "team-b"}},
		{"All", []iam.Grant{{Policy: readOnly, Project: "team-a"}, {Policy: readOnly, Project: "*"}}, true, nil},
		{"DenyOnlyGivesNothing", []iam.Grant{{Policy: denyOnly, Project: "*"}, {Policy: denyOnly, Project: "team-c"}, {Policy: full, Project: "team-a"}}, false, []string{"team-a"}},
		{"EmptyProjectIgnored", []iam.Grant{{Policy: full, Project: ""}}, false, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			all, names := iam.Projects(tc.grants)
			if all != tc.all || !reflect.DeepEqual(names, tc.names) {
				t.Fatalf("Projects = %v, %v; want %v, %v", all, names, tc.all, tc.names)
			}
		})
	}
}

func TestFacts(t *testing.T) {
	inst := &streamplane.Instance{Name: "orders", Project: "team-a", SecurityProtocol: streamplane.ProtocolSASLSSL,
		PublicAccess: true, Tags: map[string]string{"env": "prod"}}
	want := &iam.InstanceFacts{SSL: true, PublicAccess: true, Project: "team-a", Tags: map[string]string{"env": "prod"}}
	if got := iam.Facts(inst); !reflect.DeepEqual(got, want) {
		t.Fatalf("Facts = %+v, want %+v", got, want)
	}
	inst.SecurityProtocol = streamplane.ProtocolPlaintext
	if iam.Facts(inst).SSL {
		t.Fatal("a PLAINTEXT instance has SSL facts")
	}
}

func TestSpecFacts(t *testing.T) {
	spec := streamplane.InstanceSpec{Name: "orders", SecurityProtocol: streamplane.ProtocolSASLSSL, PublicAccess: true,
		Tags: map[string]string{"team": "payments"}}
	want := &iam.InstanceFacts{SSL: true, PublicAccess: true, Project: streamplane.DefaultProject, Tags: map[string]string{"team": "payments"}}
	if got := iam.SpecFacts(spec); !reflect.DeepEqual(got, want) {
		t.Fatalf("SpecFacts = %+v, want %+v", got, want)
	}
	spec.Project, spec.SecurityProtocol = "team-a", ""
	if got := iam.SpecFacts(spec); got.Project != "team-a" || got.SSL {
		t.Fatalf("SpecFacts = %+v, want project team-a without SSL", got)
	}
}
