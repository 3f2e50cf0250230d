package client

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
)

// sent is a request as a test server saw it, body included.
type sent struct {
	line, body, ifMatch string
}

// bodyServer answers every request with an empty JSON object and records
// its method, path, query and body.
func bodyServer(t *testing.T) (*httptest.Server, func() []sent) {
	var mu sync.Mutex
	var seen []sent
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		seen = append(seen, sent{r.Method + " " + r.URL.EscapedPath() + "?" + r.URL.Query().Encode(), string(body), r.Header.Get("If-Match")})
		mu.Unlock()
		if r.Method == "DELETE" {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		json.NewEncoder(w).Encode(map[string]any{})
	}))
	t.Cleanup(srv.Close)
	return srv, func() []sent { mu.Lock(); defer mu.Unlock(); return seen }
}

func TestAlarmRequests(t *testing.T) {
	t.Parallel()
	srv, seen := bodyServer(t)
	c := New(srv.URL)
	ctx := context.Background()
	broker, threshold, enabled := 0, 90.5, false
	from := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	for i, call := range []func() error{
		func() error { _, err := c.AlarmRules(ctx, "demo"); return err },
		func() error { _, err := c.AlarmRule(ctx, "demo", "disk full"); return err },
		func() error {
			_, err := c.CreateAlarmRule(ctx, "demo", streamplane.AlarmRule{Name: "disk", Metric: "broker_disk_usage", Broker: &broker,
				Op: ">", Threshold: 80, Periods: 1, Severity: "critical", Enabled: true, Channels: []string{"ops"}})
			return err
		},
		func() error {
			_, err := c.CreateDefaultAlarmRules(ctx, "demo", streamplane.DefaultAlarmRules{GroupMessagesLimit: 5000, Channels: []string{"ops"}})
			return err
		},
		func() error {
			_, err := c.UpdateAlarmRule(ctx, "demo", "disk", streamplane.AlarmRuleUpdate{Threshold: &threshold, ClearBroker: true}, IfMatch(3))
			return err
		},
		func() error {
			_, err := c.UpdateAlarmRule(ctx, "demo", "disk", streamplane.AlarmRuleUpdate{Enabled: &enabled})
			return err
		},
		func() error { return c.DeleteAlarmRule(ctx, "demo", "disk") },
		func() error {
			_, err := c.Alarms(ctx, "demo", AlarmOptions{State: "firing", Rule: "r-1", From: &from, Limit: 20})
			return err
		},
		func() error { _, err := c.Alarms(ctx, "demo", AlarmOptions{}); return err },
		func() error { _, err := c.AlarmChannels(ctx); return err },
		func() error { _, err := c.AlarmChannel(ctx, "ops"); return err },
		func() error {
			_, err := c.CreateAlarmChannel(ctx, streamplane.AlarmChannelSpec{Name: "ops", Kind: streamplane.ChannelWebhook, URL: "https://hooks.example/x", Secret: "s3cret"})
			return err
		},
		func() error {
			_, err := c.CreateAlarmChannel(ctx, streamplane.AlarmChannelSpec{Name: "mail", Kind: streamplane.ChannelEmail, To: []string{"a@example.com"}})
			return err
		},
		func() error { return c.DeleteAlarmChannel(ctx, "ops") },
		func() error {
			_, err := c.AlarmDeliveries(ctx, "ops", DeliveryOptions{Status: streamplane.DeliveryFailed, Alarm: "al-1", Limit: 5})
			return err
		},
	} {
		if err := call(); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	want := []sent{
		{line: "GET /api/v1/instances/demo/alarm-rules?"},
		{line: "GET /api/v1/instances/demo/alarm-rules/disk%20full?"},
		{line: "POST /api/v1/instances/demo/alarm-rules?", body: `{"name":"disk","metric":"broker_disk_usage","broker":0,"op":"\u003e","threshold":80,"periods":1,"severity":"critical","enabled":true,"channels":["ops"]}`},
		{line: "POST /api/v1/instances/demo/alarm-rules/defaults?", body: `{"group_messages_limit":5000,"channels":["ops"]}`},
		{line: "PATCH /api/v1/instances/demo/alarm-rules/disk?", body: `{"clear_broker":true,"threshold":90.5}`, ifMatch: `"3"`},
		{line: "PATCH /api/v1/instances/demo/alarm-rules/disk?", body: `{"enabled":false}`},
		{line: "DELETE /api/v1/instances/demo/alarm-rules/disk?"},
		{line: "GET /api/v1/instances/demo/alarms?from=2026-11-21T10%3A00%3A00Z&limit=20&rule=r-1&state=firing"},
		{line: "GET /api/v1/instances/demo/alarms?"},
		{line: "GET /api/v1/alarm-channels?"},
		{line: "GET /api/v1/alarm-channels/ops?"},
		{line: "POST /api/v1/alarm-channels?", body: `{"name":"ops","kind":"webhook","url":"https://hooks.example/x","secret":"s3cret"}`},
		{line: "POST /api/v1/alarm-channels?", body: `{"name":"mail","kind":"email","to":["a@example.com"]}`},
		{line: "DELETE /api/v1/alarm-channels/ops?"},
		{line: "GET /api/v1/alarm-channels/ops/deliveries?alarm=al-1&limit=5&status=failed"},
	}
	got := seen()
	if len(got) != len(want) {
		t.Fatalf("%d requests, want %d: %v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("request %d\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
}
