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
	for _, path := range []string{"/api/v1/tasks", "/api/v1/tasks?to=2026-11-21T10:00:00Z", "/api/v1/instances?include_deleted=true"} {
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
