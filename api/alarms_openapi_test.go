package api_test

import (
	"context"
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
)

// fixedHistory answers every metric query with one broker series of two
// points, so the query and top-list answers have something in them.
type fixedHistory struct{}

func (fixedHistory) Query(ctx context.Context, q streamplane.MetricQuery) ([]streamplane.Series, error) {
	k := streamplane.BrokerSeries(q.InstanceID, q.Metric, 0)
	return []streamplane.Series{{Key: k, Points: []streamplane.Point{{At: q.From.Add(time.Minute), Value: 1.5}, {At: q.From.Add(2 * time.Minute), Value: 2}}}}, nil
}

// The metric, alarm and alarm-channel operations answer as the document
// says: successes, CSV, the text of /metrics and the error envelope.
func TestAlarmResponsesMatchOpenAPI(t *testing.T) {
	router := loadRouter(t)
	c, svc := newAPI(t)
	ctx := context.Background()
	if _, _, err := c.CreateInstance(ctx, validSpec("schema-one")); err != nil {
		t.Fatal(err)
	}
	base := c.BaseURL
	calls := []struct {
		method, path, body string
		status             int
	}{
		{"GET", "/api/v1/metrics", "", 200},
		{"GET", "/api/v1/instances/schema-one/metrics/broker_disk_usage", "", 503},
		{"GET", "/metrics", "", 200},
		{"POST", "/api/v1/alarm-channels", `{"name":"ops-hook","kind":"webhook","url":"https://example.com/h","secret":"a-secret-of-16-bytes-or-more"}`, 201},
		{"POST", "/api/v1/alarm-channels", `{"name":"ops-mail","kind":"email","to":["ops@example.com"]}`, 201},
		{"POST", "/api/v1/alarm-channels", `{"name":"ops-mail","kind":"email","to":["ops@example.com"]}`, 409},
		{"POST", "/api/v1/alarm-channels", `{"name":"x","kind":"email"}`, 400},
		{"POST", "/api/v1/alarm-channels", `{"name":"short-secret","kind":"webhook","url":"https://example.com/h","secret":"short"}`, 400},
		{"GET", "/api/v1/alarm-channels", "", 200},
		{"GET", "/api/v1/alarm-channels/ops-hook", "", 200},
		{"GET", "/api/v1/alarm-channels/nope", "", 404},
		{"GET", "/api/v1/alarm-channels/ops-hook/deliveries?status=failed&limit=5", "", 200},
		{"GET", "/api/v1/alarm-channels/ops-hook/deliveries?status=bad", "", 400},
		{"POST", "/api/v1/instances/schema-one/alarm-rules", `{"name":"disk","metric":"broker_disk_usage","broker":0,"op":">","threshold":80,"periods":3,"severity":"major","enabled":true,"channels":["ops-hook"]}`, 201},
		{"POST", "/api/v1/instances/schema-one/alarm-rules", `{"name":"disk","metric":"broker_disk_usage","op":">","periods":3,"severity":"major"}`, 409},
		{"POST", "/api/v1/instances/schema-one/alarm-rules", `{"name":"lag","metric":"current_topics","topic":"t","op":">","periods":3,"severity":"major"}`, 400},
		{"POST", "/api/v1/instances/schema-one/alarm-rules", `{"name":"lag","metric":"current_topics","op":">","periods":3,"severity":"major","channels":["nope"]}`, 400},
		{"POST", "/api/v1/instances/nope/alarm-rules", `{"name":"lag","metric":"current_topics","op":">","periods":3,"severity":"major"}`, 404},
		{"POST", "/api/v1/instances/schema-one/alarm-rules/defaults", `{}`, 201},
		{"POST", "/api/v1/instances/schema-one/alarm-rules/defaults", `{"group_messages_limit":-1}`, 400},
		{"GET", "/api/v1/instances/schema-one/alarm-rules", "", 200},
		{"GET", "/api/v1/instances/schema-one/alarm-rules/disk", "", 200},
		{"GET", "/api/v1/instances/schema-one/alarm-rules/nope", "", 404},
		{"PATCH", "/api/v1/instances/schema-one/alarm-rules/disk", `{"threshold":85,"clear_broker":true}`, 200},
		{"PATCH", "/api/v1/instances/schema-one/alarm-rules/disk", `{"name":"cpu-usage"}`, 409},
		{"GET", "/api/v1/instances/schema-one/alarms?state=firing&from=0&limit=10", "", 200},
		{"GET", "/api/v1/instances/schema-one/alarms?state=bad", "", 400},
		{"DELETE", "/api/v1/alarm-channels/ops-hook", "", 409},
		{"DELETE", "/api/v1/instances/schema-one/alarm-rules/disk", "", 204},
		{"DELETE", "/api/v1/alarm-channels/ops-hook", "", 204},
	}
	for _, call := range calls {
		status, header, body := do(t, base, call.method, call.path, call.body)
		if status != call.status {
			t.Errorf("%s %s: %d, want %d: %s", call.method, call.path, status, call.status, body)
		}
		checkResponse(t, router, call.method, call.path, call.body, status, header, body)
	}
	// The test server keeps no history (503); with one, the answers.
	svc.Metrics = fixedHistory{}
	for _, call := range []struct {
		path   string
		status int
	}{
		{"/api/v1/instances/schema-one/metrics/broker_disk_usage?broker=0&step=5m", 200},
		{"/api/v1/instances/schema-one/metrics/broker_disk_usage?format=csv", 200},
		{"/api/v1/instances/schema-one/metrics/broker_disk_usage?topic=x", 400},
		{"/api/v1/instances/schema-one/metrics/broker_disk_usage?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z", 400},
		{"/api/v1/instances/schema-one/metrics/broker_disk_usage?step=1ms", 400},
		{"/api/v1/instances/schema-one/metrics/nope", 400},
		{"/api/v1/instances/schema-one/metrics/broker_disk_usage/top?top=3", 200},
		{"/api/v1/instances/schema-one/metrics/broker_disk_usage/top?top=0", 400},
	} {
		status, header, body := do(t, base, "GET", call.path, "")
		if status != call.status {
			t.Errorf("GET %s: %d, want %d: %s", call.path, status, call.status, body)
		}
		checkResponse(t, router, "GET", call.path, "", status, header, body)
	}
}
