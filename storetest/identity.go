package storetest

import (
	"fmt"
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
)

// Accounts, tokens, policies and projects.

func mustUpdate(t *testing.T, s streamplane.Store, fn func(tx streamplane.Tx) error) {
	t.Helper()
	if err := s.Update(ctx, fn); err != nil {
		t.Fatal(err)
	}
}

func wantField(t *testing.T, err error, code, field string) {
	t.Helper()
	wantCode(t, err, code)
	if e, ok := err.(*streamplane.Error); !ok || e.Field != field {
		t.Fatalf("error %v should name field %q", err, field)
	}
}

func newAccount(id, name string) *streamplane.Account {
	return &streamplane.Account{ID: id, Name: name, PasswordHash: "$kdf$" + name, Project: "default"}
}

func getAccount(t *testing.T, s streamplane.Store, idOrName string) (*streamplane.Account, error) {
	t.Helper()
	var a *streamplane.Account
	err := s.View(ctx, func(tx streamplane.Tx) (err error) { a, err = tx.Account(idOrName); return })
	return a, err
}

func testAccountRoundTrip(t *testing.T, s streamplane.Store) {
	mustUpdate(t, s, func(tx streamplane.Tx) error {
		if err := tx.CreateAccount(newAccount("u-1", "alice")); err != nil {
			return err
		}
		bot := &streamplane.Account{ID: "u-2", Name: "bot"} // tokens only, home project left to the store
		if err := tx.CreateAccount(bot); err != nil {
			return err
		}
		for _, at := range []streamplane.Attachment{
			{AccountID: "u-1", Policy: "ReadOnlyAccess", Project: "*"},
			{AccountID: "u-1", Policy: "FullAccess", Project: "default"},
			{AccountID: "u-1", Policy: "UserAccess", Project: "default"},
			{AccountID: "u-1", Policy: "FullAccess", Project: "default"}, // again: no change
		} {
			if err := tx.Attach(at); err != nil {
				return err
			}
		}
		return nil
	})
	for _, key := range []string{"u-1", "alice"} {
		a, err := getAccount(t, s, key)
		if err != nil {
			t.Fatalf("account %s: %v", key, err)
		}
		if a.ID != "u-1" || a.Name != "alice" || a.PasswordHash != "$kdf$alice" || !a.HasPassword || a.Project != "default" ||
			a.ResourceVersion != 1 || a.CreatedAt.IsZero() || a.UpdatedAt.IsZero() {
			t.Fatalf("account = %+v", a)
		}
		// Ordered by project, then policy; the repeated attach added nothing.
		if got := fmt.Sprint(a.Attachments); got != "[{u-1 ReadOnlyAccess *} {u-1 FullAccess default} {u-1 UserAccess default}]" {
			t.Fatalf("attachments = %s", got)
		}
	}
	bot, err := getAccount(t, s, "bot")
	if err != nil || bot.HasPassword || bot.Project != streamplane.DefaultProject || len(bot.Attachments) != 0 {
		t.Fatalf("token-only account = %+v, %v", bot, err)
	}
	var all []*streamplane.Account
	s.View(ctx, func(tx streamplane.Tx) (err error) { all, err = tx.Accounts(); return })
	if len(all) != 2 || all[0].Name != "alice" || all[1].Name != "bot" || len(all[0].Attachments) != 3 {
		t.Fatalf("accounts = %+v", all)
	}
	_, err = getAccount(t, s, "carol")
	wantField(t, err, streamplane.ENOTFOUND, "user")

	mustUpdate(t, s, func(tx streamplane.Tx) error {
		return tx.Detach(streamplane.Attachment{AccountID: "u-1", Policy: "UserAccess", Project: "default"})
	})
	err = s.Update(ctx, func(tx streamplane.Tx) error {
		return tx.Detach(streamplane.Attachment{AccountID: "u-1", Policy: "UserAccess", Project: "default"})
	})
	wantCode(t, err, streamplane.ENOTFOUND)
	err = s.Update(ctx, func(tx streamplane.Tx) error {
		return tx.Attach(streamplane.Attachment{AccountID: "u-9", Policy: "FullAccess", Project: "default"})
	})
	wantField(t, err, streamplane.ENOTFOUND, "user")
	a, _ := getAccount(t, s, "alice")
	if len(a.Attachments) != 2 {
		t.Fatalf("after detach: %v", a.Attachments)
	}
}

func testAccountNameUnique(t *testing.T, s streamplane.Store) {
	mustUpdate(t, s, func(tx streamplane.Tx) error { return tx.CreateAccount(newAccount("u-1", "alice")) })
	mustUpdate(t, s, func(tx streamplane.Tx) error { return tx.CreateAccount(newAccount("u-2", "bob")) })
	err := s.Update(ctx, func(tx streamplane.Tx) error { return tx.CreateAccount(newAccount("u-3", "alice")) })
	wantCode(t, err, streamplane.ECONFLICT)
	err = s.Update(ctx, func(tx streamplane.Tx) error {
		b, err := tx.Account("bob")
		if err != nil {
			return err
		}
		b.Name = "alice"
		return tx.UpdateAccount(b)
	})
	wantCode(t, err, streamplane.ECONFLICT)
}

func testAccountStaleVersion(t *testing.T, s streamplane.Store) {
	mustUpdate(t, s, func(tx streamplane.Tx) error { return tx.CreateAccount(newAccount("u-1", "alice")) })
	a, _ := getAccount(t, s, "u-1")
	b, _ := getAccount(t, s, "u-1")
	a.Name, a.PasswordHash, a.Project = "alicia", "", "p1"
	mustUpdate(t, s, func(tx streamplane.Tx) error { return tx.UpdateAccount(a) })
	if a.ResourceVersion != 2 || a.HasPassword {
		t.Fatalf("after update: version %d, has password %v", a.ResourceVersion, a.HasPassword)
	}
	got, err := getAccount(t, s, "alicia")
	if err != nil || got.ResourceVersion != 2 || got.HasPassword || got.PasswordHash != "" || got.Project != "p1" {
		t.Fatalf("updated account = %+v, %v", got, err)
	}
	b.Name = "alice2"
	err = s.Update(ctx, func(tx streamplane.Tx) error { return tx.UpdateAccount(b) })
	wantCode(t, err, streamplane.ESTALE)
	gone := newAccount("u-9", "ghost")
	gone.ResourceVersion = 1
	err = s.Update(ctx, func(tx streamplane.Tx) error { return tx.UpdateAccount(gone) })
	wantField(t, err, streamplane.ENOTFOUND, "user")
}

func testDeleteAccountCascades(t *testing.T, s streamplane.Store) {
	mustUpdate(t, s, func(tx streamplane.Tx) error {
		for _, a := range []*streamplane.Account{newAccount("u-1", "alice"), newAccount("u-2", "bob")} {
			if err := tx.CreateAccount(a); err != nil {
				return err
			}
		}
		if err := tx.CreatePolicy(&streamplane.Policy{Name: "custom", Document: readOnlyDocument()}); err != nil {
			return err
		}
		for _, id := range []string{"u-1", "u-2"} {
			if err := tx.Attach(streamplane.Attachment{AccountID: id, Policy: "custom", Project: "default"}); err != nil {
				return err
			}
			if err := tx.CreateToken(&streamplane.Token{ID: "t-" + id, AccountID: id, Hash: "h-" + id}); err != nil {
				return err
			}
		}
		return nil
	})
	mustUpdate(t, s, func(tx streamplane.Tx) error { return tx.DeleteAccount("u-1") })
	s.View(ctx, func(tx streamplane.Tx) error {
		_, err := tx.Account("u-1")
		wantField(t, err, streamplane.ENOTFOUND, "user")
		_, err = tx.TokenByHash("h-u-1")
		wantField(t, err, streamplane.ENOTFOUND, "token")
		toks, err := tx.Tokens("")
		if err != nil || len(toks) != 1 || toks[0].ID != "t-u-2" {
			t.Fatalf("tokens left = %v, %v", toks, err)
		}
		return nil
	})
	// bob's attachment still holds the policy; alice's went with her.
	mustUpdate(t, s, func(tx streamplane.Tx) error {
		return tx.Detach(streamplane.Attachment{AccountID: "u-2", Policy: "custom", Project: "default"})
	})
	mustUpdate(t, s, func(tx streamplane.Tx) error { return tx.DeletePolicy("custom") })
	err := s.Update(ctx, func(tx streamplane.Tx) error { return tx.DeleteAccount("u-1") })
	wantField(t, err, streamplane.ENOTFOUND, "user")
}

func testTokens(t *testing.T, s streamplane.Store) {
	mustUpdate(t, s, func(tx streamplane.Tx) error {
		if err := tx.CreateAccount(newAccount("u-1", "alice")); err != nil {
			return err
		}
		return tx.CreateAccount(newAccount("u-2", "bob"))
	})
	expires := time.Now().Add(time.Hour).UTC().Truncate(time.Microsecond)
	// One transaction each, so every token has its own creation time.
	for _, tok := range []*streamplane.Token{
		{ID: "tok-1", AccountID: "u-1", Hash: "h1", Description: "ci", ExpiresAt: &expires},
		{ID: "tok-2", AccountID: "u-1", Hash: "h2", Login: true},
		{ID: "tok-3", AccountID: "u-2", Hash: "h3"},
	} {
		mustUpdate(t, s, func(tx streamplane.Tx) error { return tx.CreateToken(tok) })
		if tok.CreatedAt.IsZero() {
			t.Fatalf("token %s: created_at not set", tok.ID)
		}
	}
	err := s.Update(ctx, func(tx streamplane.Tx) error {
		return tx.CreateToken(&streamplane.Token{ID: "tok-4", AccountID: "u-9", Hash: "h4"})
	})
	wantField(t, err, streamplane.ENOTFOUND, "user")

	s.View(ctx, func(tx streamplane.Tx) error {
		tok, err := tx.TokenByHash("h1")
		if err != nil {
			t.Fatal(err)
		}
		if tok.ID != "tok-1" || tok.AccountID != "u-1" || tok.Account != "alice" || tok.Description != "ci" || tok.Login ||
			tok.ExpiresAt == nil || !tok.ExpiresAt.Equal(expires) || tok.RevokedAt != nil || !tok.Usable(time.Now()) {
			t.Fatalf("token by hash = %+v", tok)
		}
		if tok, err = tx.Token("tok-2"); err != nil || tok.Account != "alice" || !tok.Login || tok.ExpiresAt != nil {
			t.Fatalf("token by id = %+v, %v", tok, err)
		}
		_, err = tx.TokenByHash("nope")
		wantField(t, err, streamplane.ENOTFOUND, "token")
		_, err = tx.Token("nope")
		wantField(t, err, streamplane.ENOTFOUND, "token")
		if got := tokenIDs(tx, "u-1"); got != "[tok-2 tok-1]" {
			t.Fatalf("alice's tokens = %s, want newest first", got)
		}
		if got := tokenIDs(tx, ""); got != "[tok-3 tok-2 tok-1]" {
			t.Fatalf("every token = %s, want newest first", got)
		}
		return nil
	})

	// Revoke one, mark another used.
	revoked := time.Now().Add(-time.Minute).UTC().Truncate(time.Microsecond)
	used := time.Now().UTC().Truncate(time.Microsecond)
	mustUpdate(t, s, func(tx streamplane.Tx) error {
		tok, err := tx.Token("tok-2")
		if err != nil {
			return err
		}
		tok.RevokedAt = &revoked
		if err := tx.UpdateToken(tok); err != nil {
			return err
		}
		if tok, err = tx.Token("tok-3"); err != nil {
			return err
		}
		tok.LastUsedAt = &used
		return tx.UpdateToken(tok)
	})
	err = s.Update(ctx, func(tx streamplane.Tx) error { return tx.UpdateToken(&streamplane.Token{ID: "nope"}) })
	wantField(t, err, streamplane.ENOTFOUND, "token")
	s.View(ctx, func(tx streamplane.Tx) error {
		tok, _ := tx.Token("tok-2")
		if tok.RevokedAt == nil || !tok.RevokedAt.Equal(revoked) || tok.Usable(time.Now()) {
			t.Fatalf("revoked token = %+v", tok)
		}
		if tok, _ = tx.Token("tok-3"); tok.LastUsedAt == nil || !tok.LastUsedAt.Equal(used) || !tok.Usable(time.Now()) {
			t.Fatalf("used token = %+v", tok)
		}
		return nil
	})

	// Pruning before now removes the revoked token only; pruning after the
	// expiry removes the expired one too, and never a token with neither.
	var n int
	mustUpdate(t, s, func(tx streamplane.Tx) (err error) { n, err = tx.PruneTokens(time.Now()); return })
	if n != 1 {
		t.Fatalf("pruned %d tokens, want 1", n)
	}
	mustUpdate(t, s, func(tx streamplane.Tx) (err error) { n, err = tx.PruneTokens(expires.Add(time.Second)); return })
	if n != 1 {
		t.Fatalf("pruned %d tokens after expiry, want 1", n)
	}
	s.View(ctx, func(tx streamplane.Tx) error {
		if got := tokenIDs(tx, ""); got != "[tok-3]" {
			t.Fatalf("tokens after pruning = %s", got)
		}
		return nil
	})
}

func tokenIDs(tx streamplane.Tx, accountID string) string {
	list, err := tx.Tokens(accountID)
	if err != nil {
		return err.Error()
	}
	ids := make([]string, len(list))
	for i, tok := range list {
		ids[i] = tok.ID
	}
	return fmt.Sprint(ids)
}

func readOnlyDocument() streamplane.PolicyDocument {
	return streamplane.PolicyDocument{Version: "1", Statement: []streamplane.Statement{
		{Effect: streamplane.EffectAllow, Action: []string{"instance:get", "instance:list"}},
		{Effect: streamplane.EffectDeny, Action: []string{"instance:delete"}, Resource: []string{"instance:prod-*"},
			Condition: map[string]map[string]streamplane.StringList{"Bool": {"instance:ssl": {"true"}}}},
	}}
}

func testPolicies(t *testing.T, s streamplane.Store) {
	mustUpdate(t, s, func(tx streamplane.Tx) error {
		if err := tx.CreatePolicy(&streamplane.Policy{Name: "readers", Description: "read only", Document: readOnlyDocument()}); err != nil {
			return err
		}
		return tx.CreatePolicy(&streamplane.Policy{Name: "admins", Document: streamplane.PolicyDocument{Version: "1",
			Statement: []streamplane.Statement{{Effect: streamplane.EffectAllow, Action: []string{"*"}}}}})
	})
	err := s.Update(ctx, func(tx streamplane.Tx) error { return tx.CreatePolicy(&streamplane.Policy{Name: "readers"}) })
	wantCode(t, err, streamplane.ECONFLICT)
	var p *streamplane.Policy
	var all []*streamplane.Policy
	s.View(ctx, func(tx streamplane.Tx) (err error) {
		if p, err = tx.Policy("readers"); err != nil {
			return err
		}
		all, err = tx.Policies()
		return err
	})
	if p == nil || p.Description != "read only" || p.Builtin || p.ResourceVersion != 1 || p.CreatedAt.IsZero() ||
		fmt.Sprint(p.Document) != fmt.Sprint(readOnlyDocument()) {
		t.Fatalf("policy = %+v", p)
	}
	if len(all) != 2 || all[0].Name != "admins" || all[1].Name != "readers" {
		t.Fatalf("policies = %v", all)
	}
	err = s.View(ctx, func(tx streamplane.Tx) error { _, err := tx.Policy("nope"); return err })
	wantField(t, err, streamplane.ENOTFOUND, "policy")

	stalePolicy := *p
	p.Description = "readers of everything"
	p.Document.Statement = p.Document.Statement[:1]
	mustUpdate(t, s, func(tx streamplane.Tx) error { return tx.UpdatePolicy(p) })
	if p.ResourceVersion != 2 {
		t.Fatalf("version after update = %d", p.ResourceVersion)
	}
	err = s.Update(ctx, func(tx streamplane.Tx) error { return tx.UpdatePolicy(&stalePolicy) })
	wantCode(t, err, streamplane.ESTALE)
	s.View(ctx, func(tx streamplane.Tx) error {
		got, err := tx.Policy("readers")
		if err != nil || got.Description != "readers of everything" || len(got.Document.Statement) != 1 || got.ResourceVersion != 2 {
			t.Fatalf("updated policy = %+v, %v", got, err)
		}
		return nil
	})
	err = s.Update(ctx, func(tx streamplane.Tx) error {
		return tx.UpdatePolicy(&streamplane.Policy{Name: "nope", ResourceVersion: 1})
	})
	wantField(t, err, streamplane.ENOTFOUND, "policy")

	// An attached policy stays until it is detached.
	attachment := streamplane.Attachment{AccountID: "u-1", Policy: "readers", Project: "*"}
	mustUpdate(t, s, func(tx streamplane.Tx) error {
		if err := tx.CreateAccount(newAccount("u-1", "alice")); err != nil {
			return err
		}
		return tx.Attach(attachment)
	})
	err = s.Update(ctx, func(tx streamplane.Tx) error { return tx.DeletePolicy("readers") })
	wantCode(t, err, streamplane.ESTATE)
	mustUpdate(t, s, func(tx streamplane.Tx) error { return tx.Detach(attachment) })
	mustUpdate(t, s, func(tx streamplane.Tx) error { return tx.DeletePolicy("readers") })
	err = s.Update(ctx, func(tx streamplane.Tx) error { return tx.DeletePolicy("readers") })
	wantField(t, err, streamplane.ENOTFOUND, "policy")
}

func testProjects(t *testing.T, s streamplane.Store) {
	var def *streamplane.Project
	s.View(ctx, func(tx streamplane.Tx) (err error) { def, err = tx.Project(streamplane.DefaultProject); return })
	if def == nil || def.Name != streamplane.DefaultProject || def.ResourceVersion < 1 || def.CreatedAt.IsZero() {
		t.Fatalf("default project = %+v", def)
	}
	mustUpdate(t, s, func(tx streamplane.Tx) error {
		return tx.CreateProject(&streamplane.Project{Name: "team-a", Description: "A", MaxInstances: 3, MaxBrokers: 9, MaxStorageGB: 300})
	})
	err := s.Update(ctx, func(tx streamplane.Tx) error { return tx.CreateProject(&streamplane.Project{Name: "team-a"}) })
	wantCode(t, err, streamplane.ECONFLICT)
	var all []*streamplane.Project
	var p *streamplane.Project
	s.View(ctx, func(tx streamplane.Tx) (err error) {
		if p, err = tx.Project("team-a"); err != nil {
			return err
		}
		all, err = tx.Projects()
		return err
	})
	if p.Description != "A" || p.MaxInstances != 3 || p.MaxBrokers != 9 || p.MaxStorageGB != 300 || p.ResourceVersion != 1 {
		t.Fatalf("project = %+v", p)
	}
	if len(all) != 2 || all[0].Name != "default" || all[1].Name != "team-a" {
		t.Fatalf("projects = %v", all)
	}
	err = s.View(ctx, func(tx streamplane.Tx) error { _, err := tx.Project("nope"); return err })
	wantField(t, err, streamplane.ENOTFOUND, "project")

	staleProject := *p
	p.MaxInstances, p.Description = 5, "team A"
	mustUpdate(t, s, func(tx streamplane.Tx) error { return tx.UpdateProject(p) })
	err = s.Update(ctx, func(tx streamplane.Tx) error { return tx.UpdateProject(&staleProject) })
	wantCode(t, err, streamplane.ESTALE)
	s.View(ctx, func(tx streamplane.Tx) (err error) { p, err = tx.Project("team-a"); return })
	if p.MaxInstances != 5 || p.Description != "team A" || p.ResourceVersion != 2 {
		t.Fatalf("updated project = %+v", p)
	}
	err = s.Update(ctx, func(tx streamplane.Tx) error {
		return tx.UpdateProject(&streamplane.Project{Name: "nope", ResourceVersion: 1})
	})
	wantField(t, err, streamplane.ENOTFOUND, "project")

	err = s.Update(ctx, func(tx streamplane.Tx) error { return tx.DeleteProject(streamplane.DefaultProject) })
	wantCode(t, err, streamplane.ESTATE)

	// A live instance keeps its project; a deleted one does not.
	inst := newInstance("i-1", "demo")
	inst.Project = "team-a"
	mustCreate(t, s, inst)
	err = s.Update(ctx, func(tx streamplane.Tx) error { return tx.DeleteProject("team-a") })
	wantCode(t, err, streamplane.ESTATE)
	inst.Status = streamplane.InstanceDeleted
	mustUpdate(t, s, func(tx streamplane.Tx) error { return tx.UpdateInstance(inst) })

	// So does an attachment naming it.
	attachment := streamplane.Attachment{AccountID: "u-1", Policy: "FullAccess", Project: "team-a"}
	mustUpdate(t, s, func(tx streamplane.Tx) error {
		if err := tx.CreateAccount(newAccount("u-1", "alice")); err != nil {
			return err
		}
		return tx.Attach(attachment)
	})
	err = s.Update(ctx, func(tx streamplane.Tx) error { return tx.DeleteProject("team-a") })
	wantCode(t, err, streamplane.ESTATE)
	mustUpdate(t, s, func(tx streamplane.Tx) error { return tx.Detach(attachment) })

	mustUpdate(t, s, func(tx streamplane.Tx) error { return tx.DeleteProject("team-a") })
	err = s.Update(ctx, func(tx streamplane.Tx) error { return tx.DeleteProject("team-a") })
	wantField(t, err, streamplane.ENOTFOUND, "project")
}

func testInstanceProjects(t *testing.T, s streamplane.Store) {
	for i, project := range []string{"", "team-a", "team-b", "team-a"} {
		inst := newInstance(fmt.Sprintf("i-%d", i), fmt.Sprintf("inst-%d", i))
		inst.Project = project
		mustCreate(t, s, inst)
	}
	got, err := get(t, s, "i-0")
	if err != nil || got.Project != streamplane.DefaultProject {
		t.Fatalf("instance without a project = %q, %v; want %q", got.Project, err, streamplane.DefaultProject)
	}
	if got, _ = get(t, s, "i-1"); got.Project != "team-a" {
		t.Fatalf("project = %q, want team-a", got.Project)
	}
	mustUpdate(t, s, func(tx streamplane.Tx) error {
		inst, err := tx.Instance("i-2")
		if err != nil {
			return err
		}
		inst.Project = "team-a"
		return tx.UpdateInstance(inst)
	})
	if got, _ = get(t, s, "i-2"); got.Project != "team-a" {
		t.Fatalf("project after update = %q, want team-a", got.Project)
	}
	cases := []struct {
		name   string
		filter streamplane.InstanceFilter
		want   string
	}{
		{"every project", streamplane.InstanceFilter{}, "[i-3 i-2 i-1 i-0]"},
		{"one project", streamplane.InstanceFilter{Projects: []string{"team-a"}}, "[i-3 i-2 i-1]"},
		{"default", streamplane.InstanceFilter{Projects: []string{"default", "team-b"}}, "[i-0]"},
		{"no project", streamplane.InstanceFilter{Projects: []string{}}, "[]"},
		{"with a tag", streamplane.InstanceFilter{Projects: []string{"default"}, Tags: map[string]string{"env": "dev"}}, "[i-0]"},
		{"paged", streamplane.InstanceFilter{Projects: []string{"team-a"}, Offset: 1, Limit: 1}, "[i-2]"},
	}
	for _, c := range cases {
		var list []*streamplane.Instance
		err := s.View(ctx, func(tx streamplane.Tx) (err error) {
			list, _, err = tx.Instances(c.filter)
			return err
		})
		ids := make([]string, len(list))
		for i, inst := range list {
			ids[i] = inst.ID
		}
		if err != nil || fmt.Sprint(ids) != c.want {
			t.Errorf("%s: got %v (%v), want %s", c.name, ids, err, c.want)
		}
	}
}
