package streamplane_test

import (
	"errors"
	"strings"
	"testing"

	streamplane "github.com/streamplane/streamplane"
)

func TestParsePermission(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want streamplane.Permission
	}{
		{"publish", streamplane.PermissionPublish},
		{"Subscribe", streamplane.PermissionSubscribe},
		{" publish-subscribe ", streamplane.PermissionPublishSubscribe},
	} {
		got, err := streamplane.ParsePermission("permission", tc.in)
		if err != nil || got != tc.want {
			t.Errorf("%q: got %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{"", "required"},
		{"read", `one of publish, subscribe, publish-subscribe, got "read"`},
		{"publish/subscribe", "one of"},
	} {
		_, err := streamplane.ParsePermission("permission", tc.in)
		var e *streamplane.Error
		if !errors.As(err, &e) || e.Code != streamplane.EINVALID || e.Field != "permission" || !strings.Contains(e.Message, tc.want) {
			t.Errorf("%q: got %v, want INVALID_ARGUMENT on permission mentioning %q", tc.in, err, tc.want)
		}
	}
}

func TestPermissionRights(t *testing.T) {
	for _, tc := range []struct {
		p                  streamplane.Permission
		publish, subscribe bool
	}{
		{streamplane.PermissionPublish, true, false},
		{streamplane.PermissionSubscribe, false, true},
		{streamplane.PermissionPublishSubscribe, true, true},
		{"", false, false},
	} {
		if tc.p.Publish() != tc.publish || tc.p.Subscribe() != tc.subscribe {
			t.Errorf("%q: publish %v subscribe %v", tc.p, tc.p.Publish(), tc.p.Subscribe())
		}
		back, ok := streamplane.PermissionOf(tc.publish, tc.subscribe)
		if back != tc.p || ok != (tc.p != "") {
			t.Errorf("PermissionOf(%v, %v) = %q, %v; want %q", tc.publish, tc.subscribe, back, ok, tc.p)
		}
	}
	if u := streamplane.PermissionPublish.Union(streamplane.PermissionSubscribe); u != streamplane.PermissionPublishSubscribe {
		t.Errorf("publish ∪ subscribe = %q", u)
	}
	if u := streamplane.PermissionSubscribe.Union(streamplane.PermissionSubscribe); u != streamplane.PermissionSubscribe {
		t.Errorf("subscribe ∪ subscribe = %q", u)
	}
}

func TestGrantPrincipals(t *testing.T) {
	for _, tc := range []struct {
		principal string
		want      streamplane.TopicGrant
		ok        bool
	}{
		{"User:alice", streamplane.TopicGrant{User: "alice"}, true},
		{"User:*", streamplane.TopicGrant{Default: true}, true},
		{"User:", streamplane.TopicGrant{}, false},
		{"Group:ops", streamplane.TopicGrant{}, false},
		{"alice", streamplane.TopicGrant{}, false},
	} {
		g, ok := streamplane.GrantFromPrincipal(tc.principal)
		if ok != tc.ok || g != tc.want {
			t.Errorf("%q: got %+v, %v; want %+v, %v", tc.principal, g, ok, tc.want, tc.ok)
		}
		if ok && g.Principal() != tc.principal {
			t.Errorf("%q: round trip gives %q", tc.principal, g.Principal())
		}
	}
	for _, tc := range []struct {
		g     streamplane.TopicGrant
		valid bool
	}{
		{streamplane.TopicGrant{User: "alice"}, true},
		{streamplane.TopicGrant{Default: true}, true},
		{streamplane.TopicGrant{}, false},
		{streamplane.TopicGrant{User: "alice", Default: true}, false},
	} {
		err := tc.g.CheckGrantee()
		if (err == nil) != tc.valid || (err != nil && !streamplane.IsCode(err, streamplane.EINVALID)) {
			t.Errorf("%+v: %v", tc.g, err)
		}
	}
}

// DMS 8.9: no grant, open to all; once granted, only the grantees and the
// default; a user gets the union of its own grant and the default.
func TestTopicGrantsAllow(t *testing.T) {
	open := streamplane.TopicGrants{Topic: "t", Open: true}
	if p, s := open.Allows("anyone"); !p || !s {
		t.Errorf("an open topic allows publish %v subscribe %v", p, s)
	}
	tg := streamplane.TopicGrants{Topic: "t", Grants: []streamplane.TopicGrant{
		{User: "send", Permission: streamplane.PermissionPublish},
		{Default: true, Permission: streamplane.PermissionSubscribe},
		{User: "both", Permission: streamplane.PermissionPublishSubscribe},
	}}
	for _, tc := range []struct {
		user               string
		publish, subscribe bool
	}{
		{"send", true, true}, // own publish ∪ default subscribe
		{"both", true, true},
		{"other", false, true}, // the default only
	} {
		if p, s := tg.Allows(tc.user); p != tc.publish || s != tc.subscribe {
			t.Errorf("%s: publish %v subscribe %v, want %v %v", tc.user, p, s, tc.publish, tc.subscribe)
		}
	}
	noDefault := streamplane.TopicGrants{Topic: "t", Grants: tg.Grants[:1]}
	if p, s := noDefault.Allows("other"); p || s {
		t.Errorf("a user without a grant on a closed topic: publish %v subscribe %v", p, s)
	}

	streamplane.SortGrants(tg.Grants)
	var order []string
	for _, g := range tg.Grants {
		order = append(order, g.Principal())
	}
	if got := strings.Join(order, " "); got != "User:* User:both User:send" {
		t.Errorf("sorted: %s", got)
	}
	if g, ok := tg.Grant("", true); !ok || g.Permission != streamplane.PermissionSubscribe {
		t.Errorf("default grant: %+v %v", g, ok)
	}
	if _, ok := tg.Grant("nobody", false); ok {
		t.Error("found a grant for a user without one")
	}
}
