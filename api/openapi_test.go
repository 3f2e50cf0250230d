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
	"github.com/getkin/kin-openapi/routers/gorillamux"
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
	doc := loadDoc(t)
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
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
		req, _ := http.NewRequest(call.method, c.BaseURL+call.path, strings.NewReader(call.body))
		if call.body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		route, params, err := router.FindRoute(mustRequest(call.method, "http://127.0.0.1:8080"+call.path, call.body))
		if err != nil {
			t.Errorf("%s %s: not in the document: %v", call.method, call.path, err)
			continue
		}
		in := &openapi3filter.RequestValidationInput{Request: mustRequest(call.method, "http://127.0.0.1:8080"+call.path, call.body), PathParams: params, Route: route}
		if resp.StatusCode < 400 {
			if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
				t.Errorf("%s %s: the request the server accepted breaks the document: %v", call.method, call.path, err)
			}
		}
		out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header,
			Body: io.NopCloser(bytes.NewReader(body)), Options: &openapi3filter.Options{IncludeResponseStatus: true}}
		if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
			t.Errorf("%s %s → %d: response breaks the document: %v\n%s", call.method, call.path, resp.StatusCode, err, body)
		}
	}
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
