package api_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/api"
)

func loadDoc(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(api.OpenAPI)
	if err != nil {
		t.Fatalf("openapi.json does not parse: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.json is not a valid OpenAPI 3 document: %v", err)
	}
	return doc
}

func loadRouter(t *testing.T) routers.Router {
	t.Helper()
	router, err := gorillamux.NewRouter(loadDoc(t))
	if err != nil {
		t.Fatal(err)
	}
	return router
}

// The document and the route table describe the same API, both ways.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	doc := loadDoc(t)
	inDoc := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			inDoc[method+" "+path] = true
		}
	}
	inRoutes := map[string]bool{}
	for _, r := range api.Routes {
		inRoutes[r.Method+" "+r.Pattern] = true
	}
	var missing, extra []string
	for k := range inRoutes {
		if !inDoc[k] {
			missing = append(missing, k)
		}
	}
	for k := range inDoc {
		if !inRoutes[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 || len(extra) > 0 {
		t.Fatalf("routes missing from openapi.json: %v\nopenapi.json paths with no route: %v", missing, extra)
	}
}

// Every kind of task the engine runs, instance-level and inside an
// instance, is one the document lets a Task have, and no other.
func TestOpenAPITaskKinds(t *testing.T) {
	_, svc := newAPI(t)
	kinds := map[string]bool{}
	for kind := range svc.Workflows {
		kinds[kind] = true
	}
	for kind := range svc.ChangeWorkflows() {
		kinds[kind] = true
	}
	// Recorded when done, with no workflow: issuing a client certificate
	// changes nothing in the instance.
	kinds[streamplane.TaskIssueClientCertificate] = true
	// A migration's changes run on the server's engine beside the
	// instance's: the server adds them (server/server.go), this env does
	// not.
	for kind := range svc.MigrationWorkflows() {
		kinds[kind] = true
	}
	inDoc := map[string]bool{}
	for _, v := range loadDoc(t).Components.Schemas["Task"].Value.Properties["kind"].Value.Enum {
		inDoc[v.(string)] = true
	}
	for kind := range kinds {
		if !inDoc[kind] {
			t.Errorf("task kind %s is missing from the Task schema's kind enum", kind)
		}
	}
	for kind := range inDoc {
		if !kinds[kind] {
			t.Errorf("the Task schema names kind %s, which no workflow runs", kind)
		}
	}
}

// The server serves the committed document.
func TestOpenAPIServed(t *testing.T) {
	c, _ := newAPI(t)
	resp, err := http.Get(c.BaseURL + "/api/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !bytes.Equal(body, api.OpenAPI) {
		t.Fatalf("GET openapi.json: %d, %d bytes", resp.StatusCode, len(body))
	}
}

// Answers conform to the document: successes and the error envelope alike.
func TestResponsesMatchOpenAPI(t *testing.T) {
	router := loadRouter(t)
	c, _ := newAPI(t)
	ctx := context.Background()
	inst, task, err := c.CreateInstance(ctx, validSpec("schema-one"))
	if err != nil {
		t.Fatal(err)
	}
	calls := []struct{ method, path, body string }{
		{"GET", "/api/v1/flavors", ""},
		{"GET", "/api/v1/zones", ""},
		{"GET", "/api/v1/runtimes", ""},
		{"GET", "/api/v1/instances", ""},
		{"GET", "/api/v1/instances?status=CREATING&tag=env", ""},
		{"GET", "/api/v1/instances/" + inst.ID, ""},
		{"GET", "/api/v1/instances/schema-one/tasks", ""},
		{"GET", "/api/v1/tasks", ""},
		{"GET", "/api/v1/tasks/" + task.ID, ""},
		{"POST", "/api/v1/instances", `{"name":"schema-two","version":"` + inst.Version + `","flavor":"kafka.1u2g.dev","broker_count":1,"storage_gb_per_broker":5,"tags":{"env":"dev"}}`},
		{"PATCH", "/api/v1/instances/schema-two", `{"description":"d","set_tags":{"a":"b"}}`},
		{"POST", "/api/v1/instances", `{"name":"x","version":"1","flavor":"f","broker_count":1,"storage_gb_per_broker":1}`},
		{"GET", "/api/v1/instances/nope", ""},
		{"POST", "/api/v1/instances/schema-one/restart", `{"force":false}`},
		{"DELETE", "/api/v1/instances/schema-one", ""},
		{"POST", "/api/v1/instances/clear-failed", ""},
		{"POST", "/api/v1/runtimes/9.9.9/install", ""},
	}
	for _, call := range calls {
		status, header, body := do(t, c.BaseURL, call.method, call.path, call.body)
		checkResponse(t, router, call.method, call.path, call.body, status, header, body)
	}
}

// do sends a request and returns the answer.
func do(t *testing.T, baseURL, method, path, body string) (int, http.Header, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(mustRequest(method, baseURL+path, body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(raw)
}

// checkResponse validates an exchange against the OpenAPI document: the
// answer always, the request too when the server accepted it.
func checkResponse(t *testing.T, router routers.Router, method, path, reqBody string, status int, header http.Header, body string) {
	t.Helper()
	ctx := context.Background()
	route, params, err := router.FindRoute(mustRequest(method, "http://127.0.0.1:8080"+path, reqBody))
	if err != nil {
		t.Errorf("%s %s: not in the document: %v", method, path, err)
		return
	}
	// The bearer token is the server's to check (auth_test.go); here the
	// document's security requirement is taken as met.
	in := &openapi3filter.RequestValidationInput{Request: mustRequest(method, "http://127.0.0.1:8080"+path, reqBody), PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
	if status < 400 {
		if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
			t.Errorf("%s %s: the request the server accepted breaks the document: %v", method, path, err)
		}
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: status, Header: header,
		Body: io.NopCloser(strings.NewReader(body)), Options: &openapi3filter.Options{IncludeResponseStatus: true}}
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		t.Errorf("%s %s → %d: response breaks the document: %v\n%s", method, path, status, err, body)
	}
}

// errorCase is a request the server must refuse with status and code, and
// name field if it is set, in an answer the document allows.
type errorCase struct {
	method, path, body string
	status             int
	code, field        string
}

// check sends the request, checks the answer and returns its body.
func (tc errorCase) check(t *testing.T, baseURL string, router routers.Router) string {
	t.Helper()
	status, header, body := do(t, baseURL, tc.method, tc.path, tc.body)
	if !strings.Contains(body, `"code": "`+tc.code+`"`) || status != tc.status ||
		(tc.field != "" && !strings.Contains(body, `"field": "`+tc.field+`"`)) {
		t.Fatalf("HTTP %d %s, want %d %s field %q", status, body, tc.status, tc.code, tc.field)
	}
	checkResponse(t, router, tc.method, tc.path, tc.body, status, header, body)
	return body
}

func mustRequest(method, url, body string) *http.Request {
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		panic(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return req
}
