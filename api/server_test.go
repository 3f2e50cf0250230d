package api_test

import (
	"encoding/json"
	"net/http"
	"testing"
)

// A known path asked with a method it does not serve answers 405 with the
// methods it does serve; an unknown path stays 404.
func TestUnknownMethod(t *testing.T) {
	c, _ := newAPI(t)
	cases := []struct {
		method, path string
		status       int
		code, allow  string
	}{
		{"TRACE", "/api/v1/instances", 405, "METHOD_NOT_ALLOWED", "GET, HEAD, POST"},
		{"PUT", "/api/v1/instances/some-instance", 405, "METHOD_NOT_ALLOWED", "GET, HEAD, PATCH, DELETE"},
		{"DELETE", "/api/v1/instances/some-instance/topics/t1/partitions/0/messages/5", 405, "METHOD_NOT_ALLOWED", "GET, HEAD"},
		{"OPTIONS", "/api/v1/tasks", 405, "METHOD_NOT_ALLOWED", "GET, HEAD"},
		// The literal path wins over /instances/{instance}, as in the document.
		{"OPTIONS", "/api/v1/instances/clear-failed", 405, "METHOD_NOT_ALLOWED", "POST"},
		{"TRACE", "/api/v1/no-such-thing", 404, "NOT_FOUND", ""},
		{"GET", "/api/v1/instances/some-instance/no-such-thing", 404, "NOT_FOUND", ""},
	}
	for _, tc := range cases {
		req, err := http.NewRequest(tc.method, c.BaseURL+tc.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			Error struct{ Code, Message string }
		}
		err = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if err != nil {
			t.Errorf("%s %s: the answer is not the JSON error envelope: %v", tc.method, tc.path, err)
			continue
		}
		if resp.StatusCode != tc.status || body.Error.Code != tc.code || resp.Header.Get("Allow") != tc.allow || body.Error.Message == "" {
			t.Errorf("%s %s: got %d %s Allow %q (%s), want %d %s Allow %q", tc.method, tc.path,
				resp.StatusCode, body.Error.Code, resp.Header.Get("Allow"), body.Error.Message, tc.status, tc.code, tc.allow)
		}
	}
}
