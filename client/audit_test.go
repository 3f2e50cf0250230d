package client

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/streamplane/streamplane/wire"
)

// queryServer answers every request with an empty JSON object, or a line of
// CSV when asked for it, and records each request's method, path and query.
func queryServer(t *testing.T) (*httptest.Server, func() []*http.Request) {
	var mu sync.Mutex
	var seen []*http.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r)
		mu.Unlock()
		if r.URL.Query().Get("format") == "csv" {
			w.Write([]byte("seq,at\n1,2026-11-21T10:00:00Z\n"))
			return
		}
		json.NewEncoder(w).Encode(map[string]any{})
	}))
	t.Cleanup(srv.Close)
	return srv, func() []*http.Request { mu.Lock(); defer mu.Unlock(); return seen }
}

func TestAuditQuery(t *testing.T) {
	t.Parallel()
	srv, seen := queryServer(t)
	c := New(srv.URL)
	from := time.Date(2026, 11, 21, 11, 0, 0, 0, time.FixedZone("CET", 3600))
	to := time.Date(2026, 11, 21, 12, 30, 0, 500, time.UTC)
	opts := AuditOptions{From: &from, To: &to, User: "alice", Action: "instance:*", Resource: "orders", Result: "denied", Projects: []string{"team-a", "team-b"}, Offset: 50, Limit: 25}
	if _, err := c.Audit(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	csv, err := c.AuditCSV(context.Background(), opts)
	if err != nil || csv != "seq,at\n1,2026-11-21T10:00:00Z\n" {
		t.Fatalf("AuditCSV = %q, %v", csv, err)
	}
	if _, err := c.Audit(context.Background(), AuditOptions{}); err != nil {
		t.Fatal(err)
	}
	reqs := seen()
	want := url.Values{"from": {"2026-11-21T10:00:00Z"}, "to": {"2026-11-21T12:30:00.0000005Z"}, "user": {"alice"},
		"action": {"instance:*"}, "resource": {"orders"}, "result": {"denied"}, "project": {"team-a", "team-b"}, "offset": {"50"}, "limit": {"25"}}
	if got := reqs[0].URL.Query(); reqs[0].URL.Path != "/api/v1/audit" || got.Encode() != want.Encode() {
		t.Errorf("list: %s ?%s, want /api/v1/audit ?%s", reqs[0].URL.Path, got.Encode(), want.Encode())
	}
	want.Set("format", "csv")
	if got := reqs[1].URL.Query(); got.Encode() != want.Encode() {
		t.Errorf("csv: ?%s, want ?%s", got.Encode(), want.Encode())
	}
	if reqs[2].URL.RawQuery != "" {
		t.Errorf("no filter sent ?%s", reqs[2].URL.RawQuery)
	}
}

func TestIAMQueries(t *testing.T) {
	t.Parallel()
	srv, seen := queryServer(t)
	c := New(srv.URL)
	ctx := context.Background()
	c.DetachPolicy(ctx, "al ice", wire.AttachmentSpec{Policy: "ReadOnlyAccess", Project: "*"})
	c.DetachPolicy(ctx, "bob", wire.AttachmentSpec{Policy: "FullAccess"})
	c.Tokens(ctx, "alice")
	c.Tokens(ctx, "")
	c.UpdatePolicy(ctx, "NoDelete", wire.PolicyUpdate{}, IfMatch(7))
	c.UpdatePolicy(ctx, "NoDelete", wire.PolicyUpdate{})
	c.Simulate(ctx, SimulateRequest{User: "alice", Action: "instance:delete", Resource: "instance:prod-orders", Project: "team-a"})
	c.Simulate(ctx, SimulateRequest{User: "bob", Action: "instance:create"})
	reqs := seen()
	for i, want := range []string{
		"DELETE /api/v1/iam/users/al%20ice/attachments?policy=ReadOnlyAccess&project=%2A",
		"DELETE /api/v1/iam/users/bob/attachments?policy=FullAccess",
		"GET /api/v1/iam/tokens?user=alice",
		"GET /api/v1/iam/tokens?",
		"PUT /api/v1/iam/policies/NoDelete?",
		"PUT /api/v1/iam/policies/NoDelete?",
		"GET /api/v1/iam/simulate?action=instance%3Adelete&project=team-a&resource=instance%3Aprod-orders&user=alice",
		"GET /api/v1/iam/simulate?action=instance%3Acreate&user=bob",
	} {
		if got := reqs[i].Method + " " + reqs[i].URL.EscapedPath() + "?" + reqs[i].URL.RawQuery; got != want {
			t.Errorf("request %d: %s, want %s", i, got, want)
		}
	}
	if got := reqs[4].Header.Get("If-Match"); got != `"7"` {
		t.Errorf("If-Match %q", got)
	}
	if got, ok := reqs[5].Header["If-Match"]; ok {
		t.Errorf("If-Match sent without one asked: %q", got)
	}
}
