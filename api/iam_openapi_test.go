package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/streamplane/streamplane/kafkaruntime"
)

// The identity, project and audit operations answer as the document says:
// successes, the error envelope, and the guard's 401, 403 and 429.
func TestIAMResponsesMatchOpenAPI(t *testing.T) {
	router := loadRouter(t)
	c, _ := newAPI(t)
	base := c.BaseURL
	version := kafkaruntime.Recommended().Version
	policy := `{"name":"NoDelete","description":"d","document":{"Version":"1","Statement":[{"Effect":"Deny","Action":["instance:delete"],"Resource":["instance:prod-*"],"Condition":{"Bool":{"instance:ssl":"true"},"StringEquals":{"instance:project":["team-a","default"]}}},{"Effect":"Allow","Action":["instance:*"]}]}}`
	calls := []struct {
		method, path, body string
		status             int
	}{
		// newAPI signs requests without a token in as admin.
		{"GET", "/api/v1/auth/whoami", "", 200},
		{"POST", "/api/v1/projects", `{"name":"team-a","description":"A","max_instances":3}`, 201},
		{"POST", "/api/v1/projects", `{"name":"team-a"}`, 409},
		{"POST", "/api/v1/projects", `{"name":"t","max_brokers":-1}`, 400},
		{"GET", "/api/v1/projects", "", 200},
		{"GET", "/api/v1/projects/team-a", "", 200},
		{"GET", "/api/v1/projects/nope", "", 404},
		{"PATCH", "/api/v1/projects/team-a", `{"max_brokers":9,"description":null}`, 200},
		{"POST", "/api/v1/iam/users", `{"name":"alice","password":"Secr3t-pass","project":"team-a"}`, 201},
		{"POST", "/api/v1/iam/users", `{"name":"bob"}`, 201},
		{"POST", "/api/v1/iam/users", `{"name":"alice"}`, 409},
		{"POST", "/api/v1/iam/users", `{"name":"Bad"}`, 400},
		{"POST", "/api/v1/iam/users", `{"name":"carol","project":"nope"}`, 404},
		{"GET", "/api/v1/iam/users", "", 200},
		{"GET", "/api/v1/iam/users/alice", "", 200},
		{"GET", "/api/v1/iam/users/nobody", "", 404},
		{"PUT", "/api/v1/iam/users/alice/password", `{"password":"An0ther-pass"}`, 204},
		{"PUT", "/api/v1/iam/users/alice/password", `{"password":"short"}`, 400},
		{"POST", "/api/v1/iam/users/alice/attachments", `{"policy":"ReadOnlyAccess"}`, 200},
		{"POST", "/api/v1/iam/users/alice/attachments", `{"policy":"UserAccess","project":"*"}`, 200},
		{"POST", "/api/v1/iam/users/alice/attachments", `{"policy":"Nope"}`, 404},
		{"DELETE", "/api/v1/iam/users/alice/attachments?policy=UserAccess&project=*", "", 200},
		{"DELETE", "/api/v1/iam/users/alice/attachments?policy=UserAccess", "", 404},
		{"GET", "/api/v1/iam/tokens", "", 200},
		{"GET", "/api/v1/iam/tokens?user=alice", "", 200},
		{"GET", "/api/v1/iam/tokens?user=nobody", "", 404},
		{"POST", "/api/v1/iam/tokens", `{"user":"alice","expires":"720h","description":"ci"}`, 201},
		{"POST", "/api/v1/iam/tokens", `{"user":"alice"}`, 201},
		{"POST", "/api/v1/iam/tokens", `{"user":"alice","expires":"1s"}`, 400},
		{"POST", "/api/v1/iam/tokens", `{"user":"nobody"}`, 404},
		{"DELETE", "/api/v1/iam/tokens/00000000-0000-0000-0000-000000000000", "", 404},
		{"GET", "/api/v1/iam/policies", "", 200},
		{"POST", "/api/v1/iam/policies", policy, 201},
		{"POST", "/api/v1/iam/policies", policy, 409},
		{"POST", "/api/v1/iam/policies", `{"name":"Bad","document":{"Version":"2","Statement":[]}}`, 400},
		{"GET", "/api/v1/iam/policies/NoDelete", "", 200},
		{"GET", "/api/v1/iam/policies/FullAccess", "", 200},
		{"GET", "/api/v1/iam/policies/Nope", "", 404},
		{"PUT", "/api/v1/iam/policies/NoDelete", `{"document":{"Version":"1","Statement":[{"Effect":"Allow","Action":["*"],"Condition":{"StringLike":{"instance:tag/env":"dev*"}}}]}}`, 200},
		{"PUT", "/api/v1/iam/policies/FullAccess", `{"document":{"Version":"1","Statement":[{"Effect":"Allow","Action":["*"]}]}}`, 409},
		{"GET", "/api/v1/iam/policies/NoDelete", "", 200},
		{"GET", "/api/v1/iam/simulate?user=alice&action=instance:delete&resource=instance:prod-1", "", 200},
		{"GET", "/api/v1/iam/simulate?user=alice&action=instance:get&project=team-a", "", 200},
		{"GET", "/api/v1/iam/simulate?user=alice&action=nope:x", "", 400},
		{"GET", "/api/v1/iam/simulate?user=nobody&action=instance:get", "", 404},
		{"POST", "/api/v1/instances", `{"name":"in-team","version":"` + version + `","flavor":"kafka.1u2g.dev","broker_count":1,"storage_gb_per_broker":5,"project":"nope"}`, 404},
		{"POST", "/api/v1/instances", `{"name":"in-team","version":"` + version + `","flavor":"kafka.1u2g.dev","broker_count":1,"storage_gb_per_broker":5,"project":"team-a"}`, 202},
		{"GET", "/api/v1/tasks", "", 200},
		{"DELETE", "/api/v1/iam/policies/NoDelete", "", 204},
		{"DELETE", "/api/v1/iam/policies/FullAccess", "", 409},
		{"DELETE", "/api/v1/projects/default", "", 409},
		{"DELETE", "/api/v1/projects/team-a", "", 409},
		{"DELETE", "/api/v1/iam/users/admin", "", 409},
		{"DELETE", "/api/v1/iam/users/bob", "", 204},
		{"GET", "/api/v1/audit", "", 200},
		{"GET", "/api/v1/audit?result=success&project=team-a&project=default&limit=5&offset=1&action=iam:*&from=2020-01-01T00:00:00Z", "", 200},
		{"GET", "/api/v1/audit?format=csv", "", 200},
		{"GET", "/api/v1/audit?result=maybe", "", 400},
		{"GET", "/api/v1/audit/verify", "", 200},
	}
	for _, call := range calls {
		status, header, body := do(t, base, call.method, call.path, call.body)
		if call.status != 0 && status != call.status {
			t.Errorf("%s %s: %d, want %d: %s", call.method, call.path, status, call.status, body)
		}
		checkResponse(t, router, call.method, call.path, call.body, status, header, body)
	}

	// A user whose policies do not allow it: 403.
	status, _, body := doToken(t, base, "", "POST", "/api/v1/auth/login", `{"user":"alice","password":"An0ther-pass"}`)
	if status != 200 {
		t.Fatalf("login: %d %s", status, body)
	}
	var tok struct{ Token string }
	json.Unmarshal([]byte(body), &tok)
	denied := []struct{ method, path string }{
		{"GET", "/api/v1/iam/users"}, {"GET", "/api/v1/audit"}, {"DELETE", "/api/v1/instances/in-team"},
	}
	for _, d := range denied {
		status, header, body := doToken(t, base, tok.Token, d.method, d.path, "")
		if status != 403 {
			t.Errorf("alice: %s %s: %d, want 403: %s", d.method, d.path, status, body)
		}
		checkResponse(t, router, d.method, d.path, "", status, header, body)
	}

	// The guard's refusals, on a server that signs nobody in.
	_, gbase := guarded(t)
	refusals := []struct {
		method, path, body, token string
		status                    int
	}{
		{"GET", "/api/v1/iam/users", "", "", 401},
		{"GET", "/api/v1/auth/whoami", "", "not-a-token", 401},
		{"POST", "/api/v1/auth/login", `{"user":"alice","password":"wrong"}`, "", 401},
	}
	for _, r := range refusals {
		status, header, body := doToken(t, gbase, r.token, r.method, r.path, r.body)
		if status != r.status {
			t.Errorf("%s %s: %d, want %d: %s", r.method, r.path, status, r.status, body)
		}
		checkResponse(t, router, r.method, r.path, r.body, status, header, body)
	}
	// Failed sign-ins from one address are throttled: 429 with Retry-After.
	var throttled bool
	for i := 0; i < 60 && !throttled; i++ {
		status, header, body := doToken(t, gbase, "", "POST", "/api/v1/auth/login", `{"user":"alice","password":"wrong"}`)
		if status == 429 {
			throttled = true
			if header.Get("Retry-After") == "" {
				t.Error("429 without Retry-After")
			}
			checkResponse(t, router, "POST", "/api/v1/auth/login", `{"user":"alice","password":"wrong"}`, status, header, body)
		}
	}
	if !throttled {
		t.Error("never throttled")
	}
}

// doToken sends a request with a bearer token, "" for none.
func doToken(t *testing.T, base, token, method, path, body string) (int, http.Header, string) {
	t.Helper()
	req := mustRequest(method, base+path, body)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(raw)
}
