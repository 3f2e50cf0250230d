package api_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/api"
	"github.com/streamplane/streamplane/client"
	"github.com/streamplane/streamplane/iam"
)

// guarded serves the API as the server does: nothing signs requests in.
func guarded(t *testing.T) (*apiEnv, string) {
	t.Helper()
	e := newAPIEnv(t)
	srv := httptest.NewServer(e.handler)
	t.Cleanup(srv.Close)
	return e, srv.URL
}

// call sends one request with a token ("" for none) and returns the status
// and the error envelope's code.
func call(t *testing.T, base, token, method, path, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var env struct{ Error struct{ Code string } }
	json.Unmarshal(raw, &env)
	return resp.StatusCode, env.Error.Code
}

// concrete fills a route pattern's wildcards with names that exist nowhere.
func concrete(pattern string) string {
	r := strings.NewReplacer("{instance}", "no-such-instance", "{topic}", "t-x", "{group}", "g-x", "{user}", "nobody",
		"{task}", "00000000-0000-0000-0000-000000000000", "{version}", "9.9.9", "{broker}", "0", "{partition}", "0",
		"{offset}", "0", "{token}", "00000000-0000-0000-0000-000000000000", "{policy}", "NoSuchPolicy", "{project}", "no-such-project")
	return r.Replace(pattern)
}

// bodyFor is a well-formed body for the operations that take one; the
// guard must refuse before any of it matters.
func bodyFor(method string) string {
	if method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch {
		return `{}`
	}
	return ""
}

func newCaller(t *testing.T, e *apiEnv, base, name string, attach ...streamplane.Attachment) string {
	t.Helper()
	admin := client.New(base)
	admin.Token = e.adminToken
	ctx := context.Background()
	if _, err := e.ids.CreateAccount(ctx, streamplane.AccountSpec{Name: name, Password: "Good-Pass-42"}); err != nil {
		t.Fatal(err)
	}
	for _, a := range attach {
		if _, err := e.ids.Attach(ctx, name, a); err != nil {
			t.Fatal(err)
		}
	}
	tok, err := e.ids.CreateToken(ctx, streamplane.TokenSpec{User: name})
	if err != nil {
		t.Fatal(err)
	}
	return tok.Secret
}

func auditCount(t *testing.T, e *apiEnv, f streamplane.AuditFilter) int {
	t.Helper()
	_, total, err := e.ids.AuditEntries(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	return total
}

// Every operation in the OpenAPI document but the public ones refuses a
// request without a token, or with a bad one, and records the refusal.
func TestEveryOperationNeedsAToken(t *testing.T) {
	e, base := guarded(t)
	refused := 0
	for _, rt := range api.Routes {
		acc := api.Access[rt.Method+" "+rt.Pattern]
		if rt.Pattern == "/api/v1/openapi.json" || rt.Pattern == "/api/v1/auth/login" {
			continue
		}
		for _, token := range []string{"", "spt_not-a-real-token-of-the-right-length-xxxxx", "garbage"} {
			status, code := call(t, base, token, rt.Method, concrete(rt.Pattern), bodyFor(rt.Method))
			if status != http.StatusUnauthorized || code != streamplane.EUNAUTHENTICATED {
				t.Errorf("%s %s (action %q) with token %q: got %d %s, want 401 UNAUTHENTICATED", rt.Method, rt.Pattern, acc.Action, token, status, code)
			}
			refused++
		}
	}
	if got := auditCount(t, e, streamplane.AuditFilter{Result: streamplane.AuditDenied}); got != refused {
		t.Errorf("%d denied entries in the audit trail, want one per refused request (%d)", got, refused)
	}
	if status, _ := call(t, base, "", "GET", "/api/v1/openapi.json", ""); status != http.StatusOK {
		t.Errorf("the OpenAPI document answered %d without a token, want 200", status)
	}
}

// With ReadOnlyAccess every GET is allowed and every other method refused
// with 403; a custom Deny beats FullAccess. Every refusal is audited as
// denied, by user and action.
func TestPoliciesDecideEveryOperation(t *testing.T) {
	e, base := guarded(t)
	readOnly := newCaller(t, e, base, "reader", streamplane.Attachment{Policy: iam.ReadOnlyAccess, Project: streamplane.AllProjects})

	var writes []string
	for _, a := range iam.Actions {
		if !a.ReadOnly {
			writes = append(writes, a.Name)
		}
	}
	doc := streamplane.PolicyDocument{Version: "1", Statement: []streamplane.Statement{{Effect: streamplane.EffectDeny, Action: writes}}}
	if _, err := e.ids.CreatePolicy(context.Background(), streamplane.Policy{Name: "no-writes", Document: doc}); err != nil {
		t.Fatal(err)
	}
	denied := newCaller(t, e, base, "fullbutdenied",
		streamplane.Attachment{Policy: iam.FullAccess, Project: streamplane.AllProjects},
		streamplane.Attachment{Policy: "no-writes", Project: streamplane.AllProjects})

	for _, who := range []struct{ name, token string }{{"reader", readOnly}, {"fullbutdenied", denied}} {
		wantDenied := 0
		for _, rt := range api.Routes {
			acc := api.Access[rt.Method+" "+rt.Pattern]
			if acc.Action == "" {
				continue
			}
			status, code := call(t, base, who.token, rt.Method, concrete(rt.Pattern), bodyFor(rt.Method))
			if rt.Method == http.MethodGet {
				if status == http.StatusUnauthorized || status == http.StatusForbidden {
					t.Errorf("%s: GET %s (%s) answered %d %s, want it allowed", who.name, rt.Pattern, acc.Action, status, code)
				}
				continue
			}
			wantDenied++
			if status != http.StatusForbidden || code != streamplane.EDENIED {
				t.Errorf("%s: %s %s (%s) answered %d %s, want 403 PERMISSION_DENIED", who.name, rt.Method, rt.Pattern, acc.Action, status, code)
			}
		}
		if got := auditCount(t, e, streamplane.AuditFilter{User: who.name, Result: streamplane.AuditDenied}); got != wantDenied {
			t.Errorf("%s: %d denied entries in the audit trail, want %d", who.name, got, wantDenied)
		}
	}
	if got := auditCount(t, e, streamplane.AuditFilter{User: "fullbutdenied", Action: "instance:delete", Result: streamplane.AuditDenied}); got != 1 {
		t.Errorf("audit entries of fullbutdenied's instance:delete: %d, want 1", got)
	}
}

// A user of one project neither sees nor touches another project's
// instances, and cannot create past the project's quota.
func TestProjectsKeepTeamsApart(t *testing.T) {
	e, base := guarded(t)
	ctx := context.Background()
	for _, p := range []streamplane.Project{{Name: "team-a", MaxInstances: 1}, {Name: "team-b"}} {
		if _, err := e.ids.CreateProject(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	admin := client.New(base)
	admin.Token = e.adminToken
	specB := validSpec("orders-b")
	specB.Project = "team-b"
	instB, _, err := admin.CreateInstance(ctx, specB)
	if err != nil {
		t.Fatal(err)
	}
	alice := client.New(base)
	alice.Token = newCaller(t, e, base, "alice", streamplane.Attachment{Policy: iam.FullAccess, Project: "team-a"})

	specA := validSpec("orders-a")
	specA.Project = "team-a"
	if _, _, err := alice.CreateInstance(ctx, specA); err != nil {
		t.Fatalf("alice creates in her project: %v", err)
	}
	if _, _, err := alice.CreateInstance(ctx, specB); !streamplane.IsCode(err, streamplane.EDENIED) {
		t.Errorf("alice creates in team-b: got %v, want PERMISSION_DENIED", err)
	}
	second := validSpec("orders-a2")
	second.Project = "team-a"
	if _, _, err := alice.CreateInstance(ctx, second); !streamplane.IsCode(err, streamplane.ELIMIT) {
		t.Errorf("a second instance in team-a (max 1): got %v, want LIMIT_EXCEEDED", err)
	}

	list, err := alice.Instances(ctx, client.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Instances) != 1 || list.Instances[0].Name != "orders-a" || list.Total != 1 {
		t.Errorf("alice's list: %d instances (total %d), want only orders-a", len(list.Instances), list.Total)
	}
	// Asking for a project narrows the list; a project she may not see
	// lists nothing, as an empty one would.
	for project, want := range map[string][]string{"team-a": {"orders-a"}, "team-b": nil, "no-such": nil} {
		assertNames(t, "alice's list of "+project, alice, project, want)
		if project != "no-such" {
			assertNames(t, "the admin's list of "+project, admin, project, []string{"orders-" + project[len("team-"):]})
		}
	}
	tasks, err := alice.Tasks(ctx, client.TaskOptions{Project: "team-b"})
	if err != nil || len(tasks.Tasks) != 0 {
		t.Errorf("alice's tasks of team-b: %d, %v; want none", len(tasks.Tasks), err)
	}
	for _, op := range []struct{ method, path string }{
		{"GET", "/api/v1/instances/orders-b"}, {"GET", "/api/v1/instances/" + instB.ID}, {"DELETE", "/api/v1/instances/orders-b"},
		{"GET", "/api/v1/instances/orders-b/topics"}, {"POST", "/api/v1/instances/orders-b/restart"},
	} {
		if status, code := call(t, base, alice.Token, op.method, op.path, bodyFor(op.method)); status != http.StatusNotFound {
			t.Errorf("alice %s %s: got %d %s, want 404 (team-b's instance is not there for her)", op.method, op.path, status, code)
		}
	}
	// The five above and the creation in team-b.
	if got := auditCount(t, e, streamplane.AuditFilter{User: "alice", Resource: "orders-b", Result: streamplane.AuditDenied}); got != 6 {
		t.Errorf("alice's refused requests on orders-b in the audit trail: %d, want 6", got)
	}
	pl, err := alice.Projects(ctx)
	if err != nil {
		t.Fatal(err)
	}
	projects := pl.Projects
	if len(projects) != 1 || projects[0].Name != "team-a" || projects[0].Usage.Instances != 1 {
		t.Errorf("alice's projects: %+v, want team-a with 1 instance", projects)
	}
}

// assertNames checks the names of the instances c lists in project.
func assertNames(t *testing.T, what string, c *client.Client, project string, want []string) {
	t.Helper()
	list, err := c.Instances(context.Background(), client.ListOptions{Project: project})
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	var got []string
	for _, inst := range list.Instances {
		got = append(got, inst.Name)
	}
	if !slices.Equal(got, want) || list.Total != len(want) {
		t.Errorf("%s: %v (total %d), want %v", what, got, list.Total, want)
	}
}

// An audit entry edited in the database breaks the chain, and verify says
// which.
func TestAuditVerifyDetectsAnEditedEntry(t *testing.T) {
	e, base := guarded(t)
	admin := client.New(base)
	admin.Token = e.adminToken
	ctx := context.Background()
	for i := range 3 {
		if _, err := admin.CreateProject(ctx, streamplane.Project{Name: fmt.Sprintf("p-%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	v, err := admin.VerifyAudit(ctx)
	if err != nil || !v.OK || v.Entries != 3 {
		t.Fatalf("verify before the edit: %+v, %v; want ok over the 3 entries", v, err)
	}
	list, _, err := e.ids.AuditEntries(ctx, streamplane.AuditFilter{Action: "project:create", Resource: "p-1"})
	if err != nil || len(list) != 1 {
		t.Fatalf("the entry of p-1: %v %v", list, err)
	}
	db, err := sql.Open("sqlite", e.store.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE audit SET user_name = 'someone-else' WHERE seq = ?`, list[0].Seq); err != nil {
		t.Fatal(err)
	}
	v, err = admin.VerifyAudit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if v.OK || v.BadSeq != list[0].Seq || v.Problem == "" {
		t.Errorf("verify after editing entry %d: %+v; want not ok at that entry", list[0].Seq, v)
	}
}

// 50 wrong passwords from one address lock it: the right password is then
// refused for the lock period, while another address signs in.
func TestRepeatedFailedLoginsLockTheAddress(t *testing.T) {
	e, base := guarded(t)
	newCaller(t, e, base, "bob")
	from := func(ip string) *http.Client {
		d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
		return &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
	}
	login := func(hc *http.Client, password string) int {
		body := fmt.Sprintf(`{"user":"bob","password":%q}`, password)
		resp, err := hc.Post(base+"/api/v1/auth/login", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	attacker, other := from("127.0.0.1"), from("127.0.0.2")
	unauthorized := 0
	for i := range 50 {
		switch status := login(attacker, fmt.Sprintf("Wrong-Pass-%d", i)); status {
		case http.StatusUnauthorized:
			unauthorized++
		case http.StatusTooManyRequests:
		default:
			t.Fatalf("wrong password #%d answered %d", i, status)
		}
	}
	if unauthorized > 10 {
		t.Errorf("%d of 50 wrong passwords were checked; the rest should be refused unchecked", unauthorized)
	}
	if status := login(attacker, "Good-Pass-42"); status != http.StatusTooManyRequests {
		t.Errorf("the right password from the locked address answered %d, want 429", status)
	}
	if status := login(other, "Good-Pass-42"); status != http.StatusOK {
		t.Errorf("the right password from another address answered %d, want 200", status)
	}
	if got := auditCount(t, e, streamplane.AuditFilter{Action: "auth:login"}); got != 52 {
		t.Errorf("%d login entries in the audit trail, want all 52 attempts", got)
	}
}

// Nothing secret reaches an answer or the audit trail: passwords given to
// create users and tokens' secrets appear in neither.
func TestSecretsStayOutOfTheTrail(t *testing.T) {
	e, base := guarded(t)
	admin := client.New(base)
	admin.Token = e.adminToken
	ctx := context.Background()
	const password = "Very-Secret-77"
	if _, err := admin.CreateIAMUser(ctx, streamplane.AccountSpec{Name: "carol", Password: password}); err != nil {
		t.Fatal(err)
	}
	tok, err := admin.CreateToken(ctx, streamplane.TokenSpec{User: "carol"})
	if err != nil {
		t.Fatal(err)
	}
	if err := admin.SetIAMUserPassword(ctx, "carol", password+"x"); err != nil {
		t.Fatal(err)
	}
	list, _, err := e.ids.AuditEntries(ctx, streamplane.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(list)
	for _, secret := range []string{password, tok.Secret, e.adminToken} {
		if strings.Contains(string(raw), secret) {
			t.Errorf("the audit trail holds a secret: %q", secret)
		}
	}
	for _, path := range []string{"/api/v1/iam/users/carol", "/api/v1/iam/tokens?user=carol", "/api/v1/audit?format=csv"} {
		req, _ := http.NewRequest("GET", base+path, nil)
		req.Header.Set("Authorization", "Bearer "+e.adminToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		for _, secret := range []string{password, tok.Secret, "argon2"} {
			if strings.Contains(string(body), secret) {
				t.Errorf("GET %s shows a secret (%q)", path, secret)
			}
		}
	}
}

// A revoked token and an expired one both answer 401, saying which.
func TestRevokedAndExpiredTokens(t *testing.T) {
	e, base := guarded(t)
	ctx := context.Background()
	if _, err := e.ids.CreateAccount(ctx, streamplane.AccountSpec{Name: "dave"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.ids.Attach(ctx, "dave", streamplane.Attachment{Policy: iam.ReadOnlyAccess, Project: streamplane.AllProjects}); err != nil {
		t.Fatal(err)
	}
	short, err := e.ids.CreateToken(ctx, streamplane.TokenSpec{User: "dave", Expires: "1m"})
	if err != nil {
		t.Fatal(err)
	}
	revoked, err := e.ids.CreateToken(ctx, streamplane.TokenSpec{User: "dave"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{short.Secret, revoked.Secret} {
		if status, code := call(t, base, tok, "GET", "/api/v1/instances", ""); status != http.StatusOK {
			t.Fatalf("a fresh token answered %d %s", status, code)
		}
	}
	if err := e.ids.RevokeToken(ctx, revoked.ID); err != nil {
		t.Fatal(err)
	}
	e.ids.Now = func() time.Time { return time.Now().Add(2 * time.Minute) }
	for _, tok := range []string{short.Secret, revoked.Secret} {
		if status, code := call(t, base, tok, "GET", "/api/v1/instances", ""); status != http.StatusUnauthorized || code != streamplane.EUNAUTHENTICATED {
			t.Errorf("an expired or revoked token answered %d %s, want 401", status, code)
		}
	}
	if status, _ := call(t, base, e.adminToken, "GET", "/api/v1/instances", ""); status != http.StatusOK {
		t.Errorf("the admin's token stopped working: %d", status)
	}
}

// Signing out revokes the token it is sent with, needs no policy, and is
// audited; the token authenticates nothing afterwards.
func TestLogoutRevokesTheToken(t *testing.T) {
	e, base := guarded(t)
	token := newCaller(t, e, base, "leaver") // no policy attached
	if status, code := call(t, base, token, "POST", "/api/v1/auth/logout", ""); status != http.StatusNoContent {
		t.Fatalf("logout answered %d %s, want 204", status, code)
	}
	if status, code := call(t, base, token, "GET", "/api/v1/auth/whoami", ""); status != http.StatusUnauthorized {
		t.Errorf("whoami after logout answered %d %s, want 401", status, code)
	}
	if got := auditCount(t, e, streamplane.AuditFilter{User: "leaver", Action: "auth:logout", Result: streamplane.AuditSuccess}); got != 1 {
		t.Errorf("audit entries of leaver's logout: %d, want 1", got)
	}
}

// A caller may ask which actions their own policies allow; the answer
// follows the policies, and an unknown action is refused by name.
func TestPermissionsAnswerForTheCaller(t *testing.T) {
	e, base := guarded(t)
	reader := client.New(base)
	reader.Token = newCaller(t, e, base, "reader", streamplane.Attachment{Policy: iam.ReadOnlyAccess, Project: streamplane.AllProjects})
	admin := client.New(base)
	admin.Token = e.adminToken
	ctx := context.Background()
	if _, _, err := admin.CreateInstance(ctx, validSpec("perm-demo")); err != nil {
		t.Fatal(err)
	}
	got, err := reader.Permissions(ctx, "perm-demo", "", "topic:list", "topic:delete", "instance:delete")
	if err != nil {
		t.Fatal(err)
	}
	if !got["topic:list"] || got["topic:delete"] || got["instance:delete"] {
		t.Errorf("read-only caller on an instance: %v, want only topic:list", got)
	}
	got, err = admin.Permissions(ctx, "perm-demo", "", "topic:delete", "instance:delete")
	if err != nil || !got["topic:delete"] || !got["instance:delete"] {
		t.Errorf("admin on an instance: %v %v, want both allowed", got, err)
	}
	got, err = reader.Permissions(ctx, "", "default", "instance:list", "instance:create")
	if err != nil || !got["instance:list"] || got["instance:create"] {
		t.Errorf("read-only caller in a project: %v %v, want only instance:list", got, err)
	}
	_, err = reader.Permissions(ctx, "", "", "topic:teleport")
	wantAPIError(t, err, http.StatusBadRequest, streamplane.EINVALID, "actions")
	_, err = reader.Permissions(ctx, "no-such-instance", "", "topic:list")
	wantAPIError(t, err, http.StatusNotFound, streamplane.ENOTFOUND, "")
}

// The permissions operation's document lists exactly the IAM catalog's
// actions, so a schema-valid request is one the operation takes.
func TestPermissionsDocumentListsEveryAction(t *testing.T) {
	raw, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	var op struct {
		Parameters []struct {
			Name   string `json:"name"`
			Schema struct {
				Items struct {
					Enum []string `json:"enum"`
				} `json:"items"`
			} `json:"schema"`
		} `json:"parameters"`
	}
	if err := json.Unmarshal(doc.Paths["/api/v1/auth/permissions"]["get"], &op); err != nil {
		t.Fatal(err)
	}
	var documented []string
	for _, p := range op.Parameters {
		if p.Name == "actions" {
			documented = p.Schema.Items.Enum
		}
	}
	var catalog []string
	for _, a := range iam.Actions {
		catalog = append(catalog, a.Name)
	}
	if !slices.Equal(documented, catalog) {
		t.Errorf("GET /api/v1/auth/permissions documents actions %v; the catalog has %v", documented, catalog)
	}
}
