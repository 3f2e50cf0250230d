package e2e

import (
	"bytes"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/streamplane/streamplane/api"
)

// Every exchange the tests have with a server goes through contractTransport,
// which checks it against the OpenAPI document: each answer, errors included,
// must be one the document lists for the operation, and each request the
// server accepts must be one the document allows. A request the server
// refused is not checked: tests send invalid ones on purpose.

// openAPIRouter finds operations of the document the server embeds.
var openAPIRouter = sync.OnceValues(func() (routers.Router, error) {
	doc, err := openapi3.NewLoader().LoadFromData(api.OpenAPI)
	if err != nil {
		return nil, err
	}
	return gorillamux.NewRouter(doc)
})

// contractTransport reports mismatches to the test the server is bound to.
type contractTransport struct {
	server *Server
	base   http.RoundTripper
}

func (c *contractTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		req.Body.Close()
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	resp, err := c.base.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	respBody, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(respBody))
	if err != nil {
		return resp, err
	}
	if mismatch := checkExchange(req, body, resp, respBody); mismatch != "" {
		c.server.t.Errorf("%s", mismatch)
	}
	return resp, nil
}

// checkExchange describes how an exchange breaks the document, or returns "".
func checkExchange(req *http.Request, body []byte, resp *http.Response, respBody []byte) string {
	if req.URL.Path == "/healthz" {
		return ""
	}
	router, err := openAPIRouter()
	if err != nil {
		return "openapi.json does not load: " + err.Error()
	}
	// The document's server is http://127.0.0.1:8080.
	check, _ := http.NewRequestWithContext(req.Context(), req.Method, "http://127.0.0.1:8080"+req.URL.RequestURI(), bytes.NewReader(body))
	check.Header = req.Header.Clone()
	route, params, err := router.FindRoute(check)
	if err != nil {
		if resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusMethodNotAllowed {
			return "" // a path or method the API does not have, refused as such
		}
		return req.Method + " " + req.URL.Path + ": not in the OpenAPI document: " + err.Error()
	}
	in := &openapi3filter.RequestValidationInput{Request: check, PathParams: params, Route: route}
	if resp.StatusCode < 400 {
		if err := openapi3filter.ValidateRequest(req.Context(), in); err != nil {
			return req.Method + " " + req.URL.RequestURI() + ": the request the server accepted breaks the OpenAPI document: " + err.Error()
		}
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header,
		Body: io.NopCloser(bytes.NewReader(respBody)), Options: &openapi3filter.Options{IncludeResponseStatus: true}}
	if err := openapi3filter.ValidateResponse(req.Context(), out); err != nil {
		return req.Method + " " + req.URL.RequestURI() + " → " + resp.Status + ": the answer breaks the OpenAPI document: " + err.Error() + "\n" + string(respBody)
	}
	return ""
}

// TestContractTransport checks the checker: it passes what the document
// allows and reports what it does not.
func TestContractTransport(t *testing.T) {
	exchange := func(method, path, reqBody string, status int, respBody string) string {
		req, _ := http.NewRequest(method, "http://127.0.0.1:1"+path, bytes.NewReader([]byte(reqBody)))
		req.Header.Set("Content-Type", "application/json")
		resp := &http.Response{StatusCode: status, Status: http.StatusText(status), Header: http.Header{"Content-Type": {"application/json"}}}
		return checkExchange(req, []byte(reqBody), resp, []byte(respBody))
	}
	if m := exchange("GET", "/api/v1/zones", "", 200, `{"zones":["az1"]}`); m != "" {
		t.Errorf("a conforming exchange was reported: %s", m)
	}
	if m := exchange("GET", "/api/v1/zones", "", 200, `{"zones":"az1"}`); m == "" {
		t.Error("an answer of the wrong shape passed")
	}
	if m := exchange("GET", "/api/v1/zones", "", 418, `{"error":{"code":"INTERNAL","message":"x"}}`); m == "" {
		t.Error("an undocumented status passed")
	}
	if m := exchange("GET", "/api/v1/tasks?limit=0", "", 200, `{"tasks":[],"total":0,"offset":0,"limit":0}`); m == "" {
		t.Error("an accepted request the document forbids passed")
	}
}
