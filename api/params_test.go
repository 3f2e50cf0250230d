package api_test

import (
	"encoding/json"
	"net/http"
	"testing"
)

// A query parameter given with an empty or malformed value is refused with
// a 400 naming it, rather than read as absent.
func TestQueryParameterValues(t *testing.T) {
	c, _ := newAPI(t)
	cases := []struct{ path, field string }{
		{"/api/v1/tasks?to=", "to"},
		{"/api/v1/tasks?from=yesterday", "from"},
		{"/api/v1/instances/some-instance/tasks?from=", "from"},
		{"/api/v1/instances?include_deleted=null", "include_deleted"},
		{"/api/v1/instances?include_deleted=", "include_deleted"},
		{"/api/v1/instances?limit=", "limit"},
		{"/api/v1/instances?offset=-1", "offset"},
		{"/api/v1/instances/some-instance/disk-usage?min_size_bytes=-5", "min_size_bytes"},
		{"/api/v1/instances?format=xml", "format"},
		{"/api/v1/tasks?status=DONE", "status"},
		{"/api/v1/instances?status=RUNNING,SLEEPING", "status"},
		{"/api/v1/tasks?format=", "format"},
	}
	for _, tc := range cases {
		resp, err := http.Get(c.BaseURL + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			Error struct{ Code, Field, Message string }
		}
		err = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 400 || body.Error.Field != tc.field {
			t.Errorf("GET %s: got %d field %q (%s, %v), want 400 naming %s", tc.path, resp.StatusCode, body.Error.Field, body.Error.Message, err, tc.field)
		}
	}
	// Well-formed values and absent parameters are accepted.
	for _, path := range []string{"/api/v1/tasks", "/api/v1/tasks?to=2026-11-21T10:00:00Z", "/api/v1/instances?include_deleted=true", "/api/v1/tasks?format=csv", "/api/v1/tasks?format=json", "/api/v1/tasks?status=failed,RUNNING"} {
		resp, err := http.Get(c.BaseURL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("GET %s: got %d, want 200", path, resp.StatusCode)
		}
	}
}

// If-Match takes *, or a resource version, quoted or not; anything else,
// an empty value included, is refused before the instance is looked up.
func TestIfMatchFormat(t *testing.T) {
	c, _ := newAPI(t)
	for _, h := range []string{"", "abc", `"3", "4"`, `W/"x"`, "-3", "1234567890123456789"} {
		req, _ := http.NewRequest("DELETE", c.BaseURL+"/api/v1/instances/no-such-instance", nil)
		req.Header["If-Match"] = []string{h}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body struct{ Error struct{ Field string } }
		json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode != 400 || body.Error.Field != "If-Match" {
			t.Errorf("If-Match %q: got %d field %q, want 400 naming If-Match", h, resp.StatusCode, body.Error.Field)
		}
	}
	for _, h := range []string{"*", "3", `"3"`, `W/"3"`} {
		req, _ := http.NewRequest("DELETE", c.BaseURL+"/api/v1/instances/no-such-instance", nil)
		req.Header.Set("If-Match", h)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 404 {
			t.Errorf("If-Match %q: got %d, want 404 (the version is well formed, the instance unknown)", h, resp.StatusCode)
		}
	}
}
