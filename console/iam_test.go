package console_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/iam"
)

// post sends a form with the session's CSRF token.
func (b *browser) post(path, csrf string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("_csrf", csrf)
	return b.do("POST", path, form)
}

// wantRedirect fails unless resp is a 303 to a path starting with prefix.
func wantRedirect(t *testing.T, what string, resp *http.Response, page, prefix string) {
	t.Helper()
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), prefix) {
		t.Fatalf("%s answered %d to %q, want 303 to %s…:\n%s", what, resp.StatusCode, resp.Header.Get("Location"), prefix, page)
	}
}

// destructive finds what a read-only user must not see: danger buttons
// and confirmed forms.
var destructive = regexp.MustCompile(`class="danger"|data-confirm=`)

// Creating a control-plane user through the forms: the API's refusals
// land beside their fields (and never echo a password), a policy is
// attached and detached, the password set, the user deleted.
func TestIAMUserForms(t *testing.T) {
	e := newEnv(t)
	e.user(t, "ann", iam.FullAccess)
	b := e.browser(t)
	csrf := b.signIn("ann")

	resp, page := b.get("/iam/users")
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `action="/iam/users"`) || !strings.Contains(page, `aria-current="page">Users</a>`) {
		t.Fatalf("/iam/users answered %d without the create form or the sub-navigation:\n%s", resp.StatusCode, page)
	}
	checkNoInline(t, "/iam/users", page)
	if resp, _ := b.do("POST", "/iam/users", url.Values{"name": {"bob"}, "password": {"Good-Pass-42"}}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a create without the CSRF token answered %d, want 403", resp.StatusCode)
	}
	if _, err := e.ids.Account(context.Background(), "bob"); err == nil {
		t.Fatal("the refused post created the user")
	}

	resp, page = b.post("/iam/users", csrf, url.Values{"name": {`<b>Bob</b>`}, "password": {"Secret-Pass-77"}})
	wantFieldError(t, "a hostile user name", resp, page, http.StatusBadRequest, "name")
	if strings.Contains(page, "<b>Bob</b>") || !strings.Contains(page, "&lt;b&gt;Bob&lt;/b&gt;") {
		t.Errorf("the hostile name is not escaped:\n%s", page)
	}
	if strings.Contains(page, "Secret-Pass-77") {
		t.Error("the refused form shows the password back")
	}
	resp, page = b.post("/iam/users", csrf, url.Values{"name": {"bob"}, "password": {"short"}})
	wantFieldError(t, "a weak password", resp, page, http.StatusBadRequest, "password")
	if !strings.Contains(page, `value="bob"`) {
		t.Errorf("the refused form lost the name:\n%s", page)
	}

	resp, page = b.post("/iam/users", csrf, url.Values{"name": {"bob"}, "password": {"Good-Pass-42"}, "project": {""}})
	wantRedirect(t, "creating bob", resp, page, "/iam/users/bob")
	resp, page = b.post("/iam/users/bob/attach", csrf, url.Values{"policy": {"NoSuchPolicy"}, "project": {"*"}})
	wantFieldError(t, "attaching a missing policy", resp, page, http.StatusNotFound, "policy")
	resp, page = b.post("/iam/users/bob/attach", csrf, url.Values{"policy": {iam.ReadOnlyAccess}, "project": {"*"}})
	wantRedirect(t, "attaching ReadOnlyAccess", resp, page, "/iam/users/bob")
	_, page = b.get("/iam/users/bob")
	if !strings.Contains(page, `href="/iam/policies/ReadOnlyAccess"`) || !strings.Contains(page, "every project (*)") {
		t.Fatalf("bob's page does not show the attachment:\n%s", page)
	}
	if !strings.Contains(page, `data-confirm="Detach policy ReadOnlyAccess in project * from user bob?"`) {
		t.Errorf("detaching is not confirmed naming the policy and user:\n%s", page)
	}
	resp, page = b.post("/iam/users/bob/password", csrf, url.Values{"password": {"bob"}})
	wantFieldError(t, "a bad new password", resp, page, http.StatusBadRequest, "password")
	resp, page = b.post("/iam/users/bob/password", csrf, url.Values{"password": {"Other-Pass-43"}})
	wantRedirect(t, "setting the password", resp, page, "/iam/users/bob?done=password")
	if _, err := e.ids.Login(context.Background(), "127.0.0.1", streamplane.Login{User: "bob", Password: "Other-Pass-43"}); err != nil {
		t.Errorf("bob cannot sign in with the password set through the console: %v", err)
	}
	resp, page = b.post("/iam/users/bob/detach", csrf, url.Values{"policy": {iam.ReadOnlyAccess}, "project": {"*"}})
	wantRedirect(t, "detaching", resp, page, "/iam/users/bob")
	if a, _ := e.ids.Account(context.Background(), "bob"); len(a.Attachments) != 0 {
		t.Errorf("after the detach bob has %v", a.Attachments)
	}
	resp, page = b.post("/iam/users/bob/delete", csrf, nil)
	wantRedirect(t, "deleting bob", resp, page, "/iam/users")
	if resp, _ := b.get("/iam/users/bob"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("the deleted user's page answered %d, want 404", resp.StatusCode)
	}
}

// A token's secret is on the answer that creates it, once: never on the
// list, and it works as a token.
func TestIAMTokenSecretShownOnce(t *testing.T) {
	e := newEnv(t)
	e.user(t, "ann", iam.FullAccess)
	e.user(t, "bot", iam.ReadOnlyAccess)
	b := e.browser(t)
	csrf := b.signIn("ann")

	resp, page := b.post("/iam/tokens", csrf, url.Values{"user": {"bot"}, "expires": {"soon"}})
	wantFieldError(t, "a bad expiry", resp, page, http.StatusBadRequest, "expires")
	resp, page = b.post("/iam/tokens", csrf, url.Values{"user": {"bot"}, "expires": {"24h"}, "description": {"<i>ci</i>"}})
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("creating a token answered %d:\n%s", resp.StatusCode, page)
	}
	m := regexp.MustCompile(`<code id="token-secret">([^<]+)</code>`).FindStringSubmatch(page)
	if m == nil || !strings.Contains(page, `data-copy="`+m[1]+`"`) {
		t.Fatalf("the answer shows no secret with a copy button:\n%s", page)
	}
	secret := m[1]
	if resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("the secret's page may be cached: %q", resp.Header.Get("Cache-Control"))
	}
	caller, err := e.ids.Authenticate(context.Background(), secret)
	if err != nil || caller.Account.Name != "bot" {
		t.Fatalf("the secret shown is not bot's token: %v", err)
	}
	_, page = b.get("/iam/tokens?user=bot")
	if strings.Contains(page, secret) {
		t.Fatal("the token list shows the secret again")
	}
	if strings.Contains(page, "<i>ci</i>") || !strings.Contains(page, "&lt;i&gt;ci&lt;/i&gt;") {
		t.Errorf("the hostile description is not escaped:\n%s", page)
	}
	id := caller.TokenID
	if !strings.Contains(page, `action="/iam/tokens/`+id+`/revoke"`) {
		t.Fatalf("no revoke form for token %s:\n%s", id, page)
	}
	resp, page = b.post("/iam/tokens/"+id+"/revoke", csrf, url.Values{"user": {"bot"}})
	wantRedirect(t, "revoking", resp, page, "/iam/tokens?user=bot")
	if _, err := e.ids.Authenticate(context.Background(), secret); err == nil {
		t.Error("the revoked token still authenticates")
	}
}

const denyDeletes = `{"Version":"1","Statement":[{"Effect":"Deny","Action":["instance:delete"],"Resource":["instance:prod-*"]}]}`

// Custom policies through the forms: JSON the console cannot read and
// documents the API refuses are shown beside the document; a policy is
// created, viewed, changed and deleted; built-in ones cannot be edited.
func TestIAMPolicyForms(t *testing.T) {
	e := newEnv(t)
	e.user(t, "ann", iam.FullAccess)
	b := e.browser(t)
	csrf := b.signIn("ann")

	_, page := b.get("/iam/policies")
	for _, want := range []string{iam.FullAccess, iam.ReadOnlyAccess, `href="/iam/policies/new"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the policy list lacks %q", want)
		}
	}
	_, page = b.get("/iam/policies/" + iam.ReadOnlyAccess)
	if strings.Contains(page, "<textarea") || !strings.Contains(page, "&#34;Statement&#34;") || destructive.MatchString(page) {
		t.Errorf("a built-in policy is editable or its document is not shown:\n%s", page)
	}
	for _, doc := range []string{`{"Version": "1", "Statement": [`, `{"Version":"1","Statement":[],"Extra":1}`} {
		resp, page := b.post("/iam/policies", csrf, url.Values{"name": {"NoProdDeletes"}, "document": {doc}})
		wantFieldError(t, "document "+doc, resp, page, http.StatusBadRequest, "document")
		if !strings.Contains(page, "Extra") && !strings.Contains(page, "Statement") {
			t.Errorf("the refused document is not shown back:\n%s", page)
		}
	}
	resp, page := b.post("/iam/policies", csrf, url.Values{"name": {"NoProdDeletes"},
		"document": {`{"Version":"1","Statement":[{"Effect":"Perhaps","Action":["instance:delete"]}]}`}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, "Perhaps") {
		t.Fatalf("a policy with a bad effect answered %d:\n%s", resp.StatusCode, page)
	}
	resp, page = b.post("/iam/policies", csrf, url.Values{"name": {"NoProdDeletes"}, "description": {"<script>x()</script>"}, "document": {denyDeletes}})
	wantRedirect(t, "creating a policy", resp, page, "/iam/policies/NoProdDeletes")
	_, page = b.get("/iam/policies/NoProdDeletes")
	if strings.Contains(page, "<script>x()") || !strings.Contains(page, "&lt;script&gt;x()") {
		t.Errorf("the hostile description is not escaped:\n%s", page)
	}
	if !strings.Contains(page, "instance:prod-*") || !strings.Contains(page, `name="resource_version" value="1"`) {
		t.Fatalf("the policy page lacks its document or version:\n%s", page)
	}
	changed := strings.Replace(denyDeletes, "prod-*", "live-*", 1)
	resp, page = b.post("/iam/policies/NoProdDeletes", csrf, url.Values{"description": {"no live deletes"}, "document": {changed}, "resource_version": {"7"}})
	if resp.StatusCode != http.StatusPreconditionFailed {
		t.Errorf("an update at a stale version answered %d, want 412:\n%s", resp.StatusCode, page)
	}
	resp, page = b.post("/iam/policies/NoProdDeletes", csrf, url.Values{"description": {"no live deletes"}, "document": {changed}, "resource_version": {"1"}})
	wantRedirect(t, "updating the policy", resp, page, "/iam/policies/NoProdDeletes")
	if p, _ := e.ids.Policy(context.Background(), "NoProdDeletes"); p == nil || p.Document.Statement[0].Resource[0] != "instance:live-*" {
		t.Fatalf("the update did not change the document: %+v", p)
	}
	resp, page = b.post("/iam/policies/NoProdDeletes/delete", csrf, nil)
	wantRedirect(t, "deleting the policy", resp, page, "/iam/policies")
	if resp, _ := b.get("/iam/policies/NoProdDeletes"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("the deleted policy answered %d", resp.StatusCode)
	}
}

// The simulator answers allow and deny with the deciding policy and
// statement, and shows a refused question beside its field.
func TestPolicySimulator(t *testing.T) {
	e := newEnv(t)
	e.user(t, "ann", iam.FullAccess)
	e.user(t, "rita", iam.ReadOnlyAccess)
	b := e.browser(t)
	b.signIn("ann")

	resp, page := b.get("/iam/simulate?user=rita&action=instance:list")
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `<span class="badge ok">allowed</span>`) || !strings.Contains(page, `href="/iam/policies/ReadOnlyAccess"`) {
		t.Fatalf("simulating a read answered %d without allowed by ReadOnlyAccess:\n%s", resp.StatusCode, page)
	}
	resp, page = b.get("/iam/simulate?user=rita&action=instance:delete&resource=instance:demo")
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `<span class="badge bad">denied</span>`) || !strings.Contains(page, "implicit deny") {
		t.Fatalf("simulating a delete answered %d without an implicit deny:\n%s", resp.StatusCode, page)
	}
	if !strings.Contains(page, `<option value="instance:delete" selected>`) || !strings.Contains(page, `value="instance:demo"`) {
		t.Errorf("the question is not kept on the form:\n%s", page)
	}
	resp, page = b.get("/iam/simulate?user=nobody&action=instance:list")
	wantFieldError(t, "simulating a missing user", resp, page, http.StatusNotFound, "user")
	resp, page = b.get("/iam/simulate?user=rita&action=instance:list&resource=" + url.QueryEscape("<x>"))
	wantFieldError(t, "a bad resource", resp, page, http.StatusBadRequest, "resource")
	if strings.Contains(page, "<x>") {
		t.Errorf("the hostile resource is not escaped")
	}
}

// Projects: created with quotas, a bad limit beside its field, quotas
// changed, deleted; the usage shows against the limits.
func TestProjectForms(t *testing.T) {
	e := newEnv(t)
	e.user(t, "ann", iam.FullAccess)
	b := e.browser(t)
	csrf := b.signIn("ann")

	resp, page := b.post("/iam/projects", csrf, url.Values{"name": {"team-a"}, "max_instances": {"lots"}})
	wantFieldError(t, "a limit that is not a number", resp, page, http.StatusBadRequest, "max_instances")
	resp, page = b.post("/iam/projects", csrf, url.Values{"name": {"Team A"}})
	wantFieldError(t, "a bad project name", resp, page, http.StatusBadRequest, "name")
	resp, page = b.post("/iam/projects", csrf, url.Values{"name": {"team-a"}, "description": {"<em>A</em>"}, "max_instances": {"3"}, "max_brokers": {"9"}, "max_storage_gb": {""}})
	wantRedirect(t, "creating a project", resp, page, "/iam/projects")
	_, page = b.get("/iam/projects")
	if !strings.Contains(page, `0 of 3<progress max="3" value="0"`) || !strings.Contains(page, "no limit") || strings.Contains(page, "<em>A</em>") {
		t.Fatalf("the project list does not show usage against quotas, or does not escape:\n%s", page)
	}
	resp, page = b.post("/iam/projects/team-a", csrf, url.Values{"description": {"A"}, "max_instances": {"-1"}, "max_brokers": {"9"}, "max_storage_gb": {"0"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, "Project team-a was not changed") || !strings.Contains(page, `<details open>`) {
		t.Fatalf("a negative quota answered %d without the refusal on the project's form:\n%s", resp.StatusCode, page)
	}
	resp, page = b.post("/iam/projects/team-a", csrf, url.Values{"description": {"A"}, "max_instances": {"5"}, "max_brokers": {"9"}, "max_storage_gb": {"500"}})
	wantRedirect(t, "updating quotas", resp, page, "/iam/projects")
	if p, _ := e.ids.Project(context.Background(), "team-a"); p == nil || p.MaxInstances != 5 || p.MaxStorageGB != 500 {
		t.Fatalf("the quotas were not changed: %+v", p)
	}
	resp, page = b.post("/iam/projects/team-a/delete", csrf, nil)
	wantRedirect(t, "deleting the project", resp, page, "/iam/projects")
	_, page = b.get("/iam/projects")
	if strings.Contains(page, "team-a") && !strings.Contains(page, "deleted=team-a") {
		t.Errorf("the deleted project is still listed")
	}
}

// A ReadOnlyAccess user sees the IAM pages without a change button or
// form, and the API refuses the change if it posts anyway.
func TestIAMReadOnly(t *testing.T) {
	e := newEnv(t)
	e.user(t, "rita", iam.ReadOnlyAccess)
	b := e.browser(t)
	csrf := b.signIn("rita")
	for _, path := range []string{"/iam/users", "/iam/users/rita", "/iam/tokens", "/iam/policies", "/iam/policies/ReadOnlyAccess", "/iam/simulate", "/iam/projects"} {
		resp, page := b.get(path)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s answered %d to a read-only user", path, resp.StatusCode)
			continue
		}
		if m := destructive.FindString(page); m != "" {
			t.Errorf("%s shows a read-only user %q", path, m)
		}
		if regexp.MustCompile(`<form method="post" action="/(iam|audit)`).MatchString(page) {
			t.Errorf("%s shows a read-only user a change form", path)
		}
	}
	for path, form := range map[string]url.Values{
		"/iam/users":                   {"name": {"eve"}, "password": {"Good-Pass-42"}},
		"/iam/users/rita/attach":       {"policy": {iam.FullAccess}, "project": {"*"}},
		"/iam/policies":                {"name": {"Mine"}, "document": {denyDeletes}},
		"/iam/projects":                {"name": {"mine"}},
		"/iam/projects/default/delete": {},
	} {
		resp, page := b.post(path, csrf, form)
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(page, "403") {
			t.Errorf("a read-only post to %s answered %d, want the API's 403:\n%.300s", path, resp.StatusCode, page)
		}
	}
	if a, _ := e.ids.Account(context.Background(), "rita"); len(a.Attachments) != 1 {
		t.Errorf("rita's refused attach changed her policies: %v", a.Attachments)
	}
}
