package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	streamplane "github.com/streamplane/streamplane"
)

// bodyOf decodes a recorded request's JSON body.
func bodyOf(t *testing.T, r request) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("%s %s body %q: %v", r.Method, r.Path, r.Body, err)
	}
	return m
}

// only returns the single request matching prefix, failing otherwise.
func (f *fakeAPI) only(t *testing.T, prefix string) request {
	t.Helper()
	calls := f.calls(prefix)
	if len(calls) != 1 {
		t.Fatalf("%d requests %s, want 1 (all: %v)", len(calls), prefix, f.calls(""))
	}
	return calls[0]
}

// rows returns a table's lines split into cells.
func rows(out string) [][]string {
	var rs [][]string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		rs = append(rs, strings.Fields(l))
	}
	return rs
}

func TestIAMUserCreate(t *testing.T) {
	t.Parallel()
	t.Run("PasswordStdin", func(t *testing.T) {
		t.Parallel()
		f := newFakeAPI(t)
		res := f.runStdin("Alice-Pass1\nignored\n", "iam", "user", "create", "bob", "--password-stdin", "--project", "team-a")
		if res.code != 0 {
			t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
		}
		got := bodyOf(t, f.only(t, "POST /api/v1/iam/users"))
		if want := map[string]any{"name": "bob", "password": "Alice-Pass1", "project": "team-a"}; !reflect.DeepEqual(got, want) {
			t.Errorf("body %v, want %v", got, want)
		}
		if res.stdout != "Created IAM user bob in project team-a, with a password.\n" {
			t.Errorf("stdout %q", res.stdout)
		}
		if !strings.Contains(res.stderr, "streamplane iam user attach bob --policy") {
			t.Errorf("no hint to attach a policy: %q", res.stderr)
		}
		if strings.Contains(res.stdout+res.stderr, "Alice-Pass1") {
			t.Error("the password was printed")
		}
	})

	t.Run("TokensOnly", func(t *testing.T) {
		t.Parallel()
		f := newFakeAPI(t)
		res := f.run("iam", "user", "create", "deployer")
		if res.code != 0 {
			t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
		}
		if got := bodyOf(t, f.only(t, "POST /api/v1/iam/users")); !reflect.DeepEqual(got, map[string]any{"name": "deployer"}) {
			t.Errorf("body %v", got)
		}
		if !strings.Contains(res.stdout, "without a password: it signs in with API tokens ('streamplane iam token create --user deployer')") {
			t.Errorf("stdout %q", res.stdout)
		}
	})

	t.Run("ErrEmptyStdin", func(t *testing.T) {
		t.Parallel()
		f := newFakeAPI(t)
		res := f.runStdin("\n", "iam", "user", "create", "bob", "--password-stdin")
		if res.code != 1 || res.stderr != "error: --password-stdin: standard input holds no password\n" {
			t.Errorf("exit %d, stderr %q", res.code, res.stderr)
		}
		if n := len(f.calls("POST")); n != 0 {
			t.Errorf("%d requests", n)
		}
	})
}

func TestIAMUserListShow(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t)
	res := f.run("iam", "user", "list")
	if res.code != 0 {
		t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
	}
	want := `NAME    PROJECT  PASSWORD  POLICIES                               CREATED
alice   team-a   yes       ReadOnlyAccess@team-a, NoProdDelete@*  2026-11-21T10:00:00Z
ci-bot  default  no        -                                      2026-11-21T10:00:00Z
`
	if res.stdout != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", res.stdout, want)
	}

	res = f.run("iam", "user", "list", "-o", "csv")
	if want := "name,project,password,policies,created\nalice,team-a,yes,\"ReadOnlyAccess@team-a, NoProdDelete@*\",2026-11-21T10:00:00Z\n"; !strings.HasPrefix(res.stdout, want) {
		t.Errorf("csv:\n%s", res.stdout)
	}

	res = f.run("iam", "user", "show", "alice")
	for _, s := range []string{"Home project:  team-a", "Password:      yes", "Policies:", "ReadOnlyAccess  team-a", "NoProdDelete    * (every project)"} {
		if !strings.Contains(res.stdout, s) {
			t.Errorf("show lacks %q:\n%s", s, res.stdout)
		}
	}
	res = f.run("iam", "user", "show", "ci-bot")
	for _, s := range []string{"Password:      no (API tokens only)", "No policies: the user may do nothing."} {
		if !strings.Contains(res.stdout, s) {
			t.Errorf("show lacks %q:\n%s", s, res.stdout)
		}
	}
	res = f.run("iam", "user", "show", "nobody")
	if res.code != 1 || !strings.HasPrefix(res.stderr, "error: NOT_FOUND") {
		t.Errorf("exit %d, stderr %q", res.code, res.stderr)
	}
}

func TestIAMUserChanges(t *testing.T) {
	t.Parallel()
	t.Run("Delete", func(t *testing.T) {
		t.Parallel()
		f := newFakeAPI(t)
		res := f.run("iam", "user", "delete", "alice")
		if res.code != 1 || !strings.Contains(res.stderr, "add --yes to confirm") || len(f.calls("DELETE")) != 0 {
			t.Errorf("without --yes: exit %d, stderr %q", res.code, res.stderr)
		}
		res = f.run("iam", "user", "delete", "alice", "--yes")
		f.only(t, "DELETE /api/v1/iam/users/alice")
		if res.code != 0 || res.stdout != "Deleted IAM user alice and revoked its API tokens.\n" {
			t.Errorf("exit %d, stdout %q, stderr %q", res.code, res.stdout, res.stderr)
		}
	})

	t.Run("SetPassword", func(t *testing.T) {
		t.Parallel()
		f := newFakeAPI(t)
		res := f.runStdin("N3w-Password\r\n", "iam", "user", "set-password", "alice", "--password-stdin")
		if res.code != 0 {
			t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
		}
		if got := bodyOf(t, f.only(t, "PUT /api/v1/iam/users/alice/password")); !reflect.DeepEqual(got, map[string]any{"password": "N3w-Password"}) {
			t.Errorf("body %v", got)
		}
		if res.stdout != "IAM user alice has a new password; its API tokens stay valid.\n" {
			t.Errorf("stdout %q", res.stdout)
		}
		// Standard input is no terminal here, so there is nobody to ask.
		res = f.runStdin("", "iam", "user", "set-password", "alice")
		if res.code != 1 || !strings.Contains(res.stderr, "standard input is not a terminal to ask the password on; pipe the password with --password-stdin") {
			t.Errorf("exit %d, stderr %q", res.code, res.stderr)
		}
		if n := len(f.calls("PUT")); n != 1 {
			t.Errorf("%d password changes, want 1", n)
		}
	})

	t.Run("AttachDetach", func(t *testing.T) {
		t.Parallel()
		f := newFakeAPI(t)
		res := f.run("iam", "user", "attach", "ci-bot", "--policy", "FullAccess", "--project", "*")
		if got := bodyOf(t, f.only(t, "POST /api/v1/iam/users/ci-bot/attachments")); !reflect.DeepEqual(got, map[string]any{"policy": "FullAccess", "project": "*"}) {
			t.Errorf("body %v", got)
		}
		if res.code != 0 || res.stdout != "IAM user ci-bot now has: FullAccess@*.\n" {
			t.Errorf("exit %d, stdout %q, stderr %q", res.code, res.stdout, res.stderr)
		}
		res = f.run("iam", "user", "attach", "ci-bot", "--policy", "ReadOnlyAccess")
		if got := bodyOf(t, f.calls("POST /api/v1/iam/users/ci-bot/attachments")[1]); !reflect.DeepEqual(got, map[string]any{"policy": "ReadOnlyAccess"}) {
			t.Errorf("without --project: body %v", got)
		}
		if res.stdout != "IAM user ci-bot now has: FullAccess@*, ReadOnlyAccess@default.\n" {
			t.Errorf("stdout %q", res.stdout)
		}

		res = f.run("iam", "user", "detach", "ci-bot", "--policy", "FullAccess", "--project", "*")
		d := f.only(t, "DELETE /api/v1/iam/users/ci-bot/attachments")
		if d.Query.Encode() != "policy=FullAccess&project=%2A" || len(d.Body) != 0 {
			t.Errorf("query %q, body %q", d.Query.Encode(), d.Body)
		}
		if res.stdout != "IAM user ci-bot now has: ReadOnlyAccess@default.\n" {
			t.Errorf("stdout %q", res.stdout)
		}
		res = f.run("iam", "user", "detach", "ci-bot", "--policy", "ReadOnlyAccess")
		if res.stdout != "IAM user ci-bot has no policies now: it may do nothing.\n" {
			t.Errorf("stdout %q", res.stdout)
		}

		res = f.run("iam", "user", "attach", "ci-bot")
		if res.code != 1 || res.stderr != "error: 'streamplane iam user attach' needs --policy\n" {
			t.Errorf("exit %d, stderr %q", res.code, res.stderr)
		}
	})
}

func TestIAMToken(t *testing.T) {
	t.Parallel()
	t.Run("Create", func(t *testing.T) {
		t.Parallel()
		f := newFakeAPI(t)
		res := f.run("iam", "token", "create", "--user", "ci-bot", "--expires", "720h", "--description", "release pipeline")
		if res.code != 0 {
			t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
		}
		want := map[string]any{"user": "ci-bot", "expires": "720h", "description": "release pipeline"}
		if got := bodyOf(t, f.only(t, "POST /api/v1/iam/tokens")); !reflect.DeepEqual(got, want) {
			t.Errorf("body %v, want %v", got, want)
		}
		// The secret alone on stdout, so that $(...) captures just it.
		if res.stdout != "sp_s3cr3t\n" {
			t.Errorf("stdout %q", res.stdout)
		}
		if want := "Created token tok-9 for ci-bot; it expires 2026-12-21T10:00:00Z. Its secret, shown this once:\n"; res.stderr != want {
			t.Errorf("stderr %q, want %q", res.stderr, want)
		}

		res = f.run("iam", "token", "create", "--user", "ci-bot", "-o", "json")
		var ts streamplane.TokenSecret
		mustDecodeOne(t, res.stdout, &ts)
		if ts.Secret != "sp_s3cr3t" || ts.ID != "tok-9" || ts.Account != "ci-bot" {
			t.Errorf("json %+v", ts)
		}
		if got := bodyOf(t, f.calls("POST /api/v1/iam/tokens")[1]); !reflect.DeepEqual(got, map[string]any{"user": "ci-bot"}) {
			t.Errorf("default expiry sent: %v", got)
		}
	})

	t.Run("ErrFlags", func(t *testing.T) {
		t.Parallel()
		f := newFakeAPI(t)
		for args, want := range map[string]string{
			"iam token create --expires 720h":              "error: 'streamplane iam token create' needs --user\n",
			"iam token create --user ci-bot --expires 30d": "error: invalid --expires \"30d\": use a duration such as 24h or 720h\n",
		} {
			if res := f.run(strings.Fields(args)...); res.code != 1 || res.stderr != want {
				t.Errorf("%s: exit %d, stderr %q, want %q", args, res.code, res.stderr, want)
			}
		}
		if n := len(f.calls("")); n != 0 {
			t.Errorf("%d requests", n)
		}
	})

	t.Run("List", func(t *testing.T) {
		t.Parallel()
		f := newFakeAPI(t)
		res := f.run("iam", "token", "list")
		if res.code != 0 {
			t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
		}
		want := `ID     USER    DESCRIPTION       CREATED  EXPIRES  LAST-USED  STATE
tok-1  ci-bot  release pipeline  3h ago   in 29d   1h ago     active
tok-2  alice   (login session)   3h ago   never    never      revoked
`
		if res.stdout != want {
			t.Errorf("stdout:\n%s\nwant:\n%s", res.stdout, want)
		}
		if q := f.only(t, "GET /api/v1/iam/tokens").Query; len(q) != 0 {
			t.Errorf("query %v", q)
		}

		res = f.run("iam", "token", "list", "--user", "alice", "-o", "csv")
		want = "id,user,description,login,created_at,expires_at,last_used_at,revoked_at\n" +
			"tok-2,alice,,true,2026-11-21T10:00:00Z,,,2026-11-21T11:00:00Z\n"
		if res.stdout != want {
			t.Errorf("csv:\n%s\nwant:\n%s", res.stdout, want)
		}
		if q := f.calls("GET /api/v1/iam/tokens")[1].Query.Encode(); q != "user=alice" {
			t.Errorf("query %q", q)
		}
	})

	t.Run("Revoke", func(t *testing.T) {
		t.Parallel()
		f := newFakeAPI(t)
		res := f.run("iam", "token", "revoke", "tok-1")
		f.only(t, "DELETE /api/v1/iam/tokens/tok-1")
		if res.code != 0 || res.stdout != "Revoked token tok-1.\n" {
			t.Errorf("exit %d, stdout %q, stderr %q", res.code, res.stdout, res.stderr)
		}
	})
}

const policyJSON = `{"Version": "1", "Statement": [
  {"Effect": "Deny", "Action": ["instance:delete"], "Resource": ["instance:prod-*"],
   "Condition": {"Bool": {"instance:ssl": "true"}}}]}`

func TestIAMPolicy(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "policy.json")
	if err := os.WriteFile(file, []byte(policyJSON), 0o600); err != nil {
		t.Fatal(err)
	}
	wantDoc := map[string]any{"Version": "1", "Statement": []any{map[string]any{"Effect": "Deny", "Action": []any{"instance:delete"},
		"Resource": []any{"instance:prod-*"}, "Condition": map[string]any{"Bool": map[string]any{"instance:ssl": []any{"true"}}}}}}

	t.Run("CreateFromFile", func(t *testing.T) {
		t.Parallel()
		f := newFakeAPI(t)
		res := f.run("iam", "policy", "create", "KeepProd", "--file", file, "--description", "keep prod")
		if res.code != 0 {
			t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
		}
		want := map[string]any{"name": "KeepProd", "description": "keep prod", "document": wantDoc}
		if got := bodyOf(t, f.only(t, "POST /api/v1/iam/policies")); !reflect.DeepEqual(got, want) {
			t.Errorf("body\n got %v\nwant %v", got, want)
		}
		if want := "Created policy KeepProd with 1 statement(s); attach it with 'streamplane iam user attach USER --policy KeepProd'.\n"; res.stdout != want {
			t.Errorf("stdout %q", res.stdout)
		}
	})

	t.Run("CreateFromStdin", func(t *testing.T) {
		t.Parallel()
		f := newFakeAPI(t)
		res := f.runStdin(policyJSON, "iam", "policy", "create", "KeepProd", "--file", "-")
		if res.code != 0 {
			t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
		}
		if got := bodyOf(t, f.only(t, "POST /api/v1/iam/policies")); !reflect.DeepEqual(got["document"], wantDoc) {
			t.Errorf("document %v", got["document"])
		}
	})

	t.Run("ErrFile", func(t *testing.T) {
		t.Parallel()
		f := newFakeAPI(t)
		typo := filepath.Join(t.TempDir(), "typo.json")
		os.WriteFile(typo, []byte(`{"Version": "1", "Statment": []}`), 0o600)
		for _, tc := range []struct{ args, want string }{
			{"iam policy create P", "error: 'streamplane iam policy create' needs --file\n"},
			{"iam policy create P --file " + typo, `error: --file ` + typo + ` is not a policy document: json: unknown field "Statment"` + "\n"},
			{"iam policy create P --file " + typo + ".missing", "error: read --file: open " + typo + ".missing: no such file or directory\n"},
		} {
			if res := f.run(strings.Fields(tc.args)...); res.code != 1 || res.stderr != tc.want {
				t.Errorf("%s: exit %d, stderr %q, want %q", tc.args, res.code, res.stderr, tc.want)
			}
		}
		if n := len(f.calls("")); n != 0 {
			t.Errorf("%d requests", n)
		}
	})

	t.Run("ListShow", func(t *testing.T) {
		t.Parallel()
		f := newFakeAPI(t)
		res := f.run("iam", "policy", "list")
		want := `NAME            TYPE      STATEMENTS  DESCRIPTION
FullAccess      built-in  1           everything
ReadOnlyAccess  built-in  1           look, do not touch
NoProdDelete    custom    1           keep prod
`
		if res.code != 0 || res.stdout != want {
			t.Errorf("exit %d, stdout:\n%s\nwant:\n%s", res.code, res.stdout, want)
		}
		res = f.run("iam", "policy", "show", "NoProdDelete")
		for _, s := range []string{"Type:         custom", "Version:      4", "Document:\n{\n  \"Version\": \"1\",", `"instance:prod-*"`} {
			if !strings.Contains(res.stdout, s) {
				t.Errorf("show lacks %q:\n%s", s, res.stdout)
			}
		}
	})

	t.Run("UpdateKeepsDescription", func(t *testing.T) {
		t.Parallel()
		f := newFakeAPI(t)
		res := f.run("iam", "policy", "update", "NoProdDelete", "--file", file)
		if res.code != 0 {
			t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
		}
		f.only(t, "GET /api/v1/iam/policies/NoProdDelete")
		put := f.only(t, "PUT /api/v1/iam/policies/NoProdDelete")
		want := map[string]any{"description": "keep prod", "document": wantDoc}
		if got := bodyOf(t, put); !reflect.DeepEqual(got, want) {
			t.Errorf("body\n got %v\nwant %v", got, want)
		}
		if put.IfMatch != `"4"` {
			t.Errorf("If-Match %q, want the version read", put.IfMatch)
		}
		if res.stdout != "Updated policy NoProdDelete: 1 statement(s), version 5.\n" {
			t.Errorf("stdout %q", res.stdout)
		}
	})

	t.Run("UpdateDescription", func(t *testing.T) {
		t.Parallel()
		f := newFakeAPI(t)
		res := f.run("iam", "policy", "update", "NoProdDelete", "--file", file, "--description", "new words")
		if res.code != 0 {
			t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
		}
		if n := len(f.calls("GET")); n != 0 {
			t.Errorf("%d reads although the description was given", n)
		}
		put := f.only(t, "PUT /api/v1/iam/policies/NoProdDelete")
		if put.IfMatch != "" || bodyOf(t, put)["description"] != "new words" {
			t.Errorf("If-Match %q, body %s", put.IfMatch, put.Body)
		}
		res = f.run("iam", "policy", "update", "NoProdDelete", "--file", file, "--description", "x", "--if-match", "3")
		if res.code != 1 || !strings.HasPrefix(res.stderr, "error: STALE") {
			t.Errorf("stale --if-match: exit %d, stderr %q", res.code, res.stderr)
		}
		if got := f.calls("PUT")[1].IfMatch; got != `"3"` {
			t.Errorf("If-Match %q", got)
		}
	})

	t.Run("Delete", func(t *testing.T) {
		t.Parallel()
		f := newFakeAPI(t)
		if res := f.run("iam", "policy", "delete", "NoProdDelete"); res.code != 1 || !strings.Contains(res.stderr, "add --yes") {
			t.Errorf("without --yes: exit %d, stderr %q", res.code, res.stderr)
		}
		res := f.run("iam", "policy", "delete", "NoProdDelete", "--yes")
		f.only(t, "DELETE /api/v1/iam/policies/NoProdDelete")
		if res.code != 0 || res.stdout != "Deleted policy NoProdDelete.\n" {
			t.Errorf("exit %d, stdout %q", res.code, res.stdout)
		}
	})
}

func TestIAMPolicySimulate(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"Deny", []string{"--action", "instance:delete", "--resource", "instance:prod-orders", "--project", "team-a"}, `DENY
Effect:      Deny
Decided by:  policy NoProdDelete, Statement[0]
Reason:      Statement[0] of NoProdDelete denies instance:delete on instance:prod-*
`},
		{"Allow", []string{"--action", "instance:list"}, `ALLOW
Effect:      Allow
Decided by:  policy ReadOnlyAccess, Statement[0]
Reason:      ReadOnlyAccess allows *:list in project team-a
`},
		{"NoMatch", []string{"--action", "instance:create"}, `DENY
Effect:  none (no statement matches)
Reason:  no statement of alice's policies matches instance:create
`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := f.run(append([]string{"iam", "policy", "simulate", "--user", "alice"}, tc.args...)...)
			if res.code != 0 || res.stdout != tc.want {
				t.Errorf("exit %d, stderr %q, stdout:\n%s\nwant:\n%s", res.code, res.stderr, res.stdout, tc.want)
			}
		})
	}
	if q := f.calls("GET /api/v1/iam/simulate")[0].Query.Encode(); q != "action=instance%3Adelete&project=team-a&resource=instance%3Aprod-orders&user=alice" {
		t.Errorf("query %q", q)
	}
	res := f.run("iam", "policy", "simulate", "--action", "instance:list")
	if res.code != 1 || res.stderr != "error: 'streamplane iam policy simulate' needs --user\n" {
		t.Errorf("exit %d, stderr %q", res.code, res.stderr)
	}
}

func TestIAMGroups(t *testing.T) {
	t.Parallel()
	res := runWith(nil, nil, "iam", "user", "lst")
	if res.code != 1 || res.stderr != "error: unknown command \"lst\" for \"streamplane iam user\"; did you mean list?\n" {
		t.Errorf("exit %d, stderr %q", res.code, res.stderr)
	}
	res = runWith(nil, nil, "iam", "token")
	if res.code != 0 || !strings.Contains(res.stdout, "revoke") || !strings.Contains(res.stdout, "--server") {
		t.Errorf("exit %d, stdout %q", res.code, res.stdout)
	}
	res = runWith(nil, nil, "iam", "policy", "show", "P", "-o", "csv")
	if res.code != 1 || !strings.Contains(res.stderr, "-o csv is only for commands that show a list") {
		t.Errorf("global flags not checked in a subgroup: exit %d, stderr %q", res.code, res.stderr)
	}
}
