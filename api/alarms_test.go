package api_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/client"
)

// The rules of alarm rules and channels, as a client meets them: each bad
// field named, secrets sealed, versions checked, channels in use kept.
func TestAlarmRulesAndChannels(t *testing.T) {
	c, _ := newAPI(t)
	ctx := context.Background()
	inst, _, err := c.CreateInstance(ctx, validSpec("watched"))
	if err != nil {
		t.Fatal(err)
	}
	// Channels: the secret is checked and never shown.
	_, err = c.CreateAlarmChannel(ctx, streamplane.AlarmChannelSpec{Name: "ops", Kind: streamplane.ChannelWebhook, URL: "https://hooks.example/x", Secret: "short"})
	wantAPIError(t, err, http.StatusBadRequest, streamplane.EINVALID, "secret")
	_, err = c.CreateAlarmChannel(ctx, streamplane.AlarmChannelSpec{Name: "ops", Kind: streamplane.ChannelWebhook, URL: "https://user:pw@hooks.example/x"})
	wantAPIError(t, err, http.StatusBadRequest, streamplane.EINVALID, "url")
	ch, err := c.CreateAlarmChannel(ctx, streamplane.AlarmChannelSpec{Name: "ops", Kind: streamplane.ChannelWebhook, URL: "https://hooks.example/x", Secret: "a-secret-of-16-bytes-or-more"})
	if err != nil || !ch.HasSecret || ch.ID == "" {
		t.Fatalf("create channel: %+v, %v", ch, err)
	}
	_, err = c.CreateAlarmChannel(ctx, streamplane.AlarmChannelSpec{Name: "ops", Kind: streamplane.ChannelEmail, To: []string{"a@example.com"}})
	wantAPIError(t, err, http.StatusConflict, streamplane.ECONFLICT, "name")

	// Rules: every field's rule, named.
	valid := func() streamplane.AlarmRule {
		return streamplane.AlarmRule{Name: "disk", Metric: "broker_disk_usage", Op: ">", Threshold: 80, Periods: 1,
			Severity: streamplane.SeverityCritical, Enabled: true, Channels: []string{"ops"}}
	}
	topic := "orders"
	for field, change := range map[string]func(*streamplane.AlarmRule){
		"name":     func(r *streamplane.AlarmRule) { r.Name = "1disk" },
		"metric":   func(r *streamplane.AlarmRule) { r.Metric = "disk_usage" },
		"topic":    func(r *streamplane.AlarmRule) { r.Topic = &topic }, // a broker metric has no topic
		"op":       func(r *streamplane.AlarmRule) { r.Op = "=>" },
		"periods":  func(r *streamplane.AlarmRule) { r.Periods = 0 },
		"severity": func(r *streamplane.AlarmRule) { r.Severity = "urgent" },
		"channels": func(r *streamplane.AlarmRule) { r.Channels = []string{"nobody"} },
	} {
		r := valid()
		change(&r)
		_, err := c.CreateAlarmRule(ctx, inst.Name, r)
		wantAPIError(t, err, http.StatusBadRequest, streamplane.EINVALID, field)
	}
	rule, err := c.CreateAlarmRule(ctx, inst.Name, valid())
	if err != nil || rule.ID == "" || rule.InstanceID != inst.ID || rule.Version != 1 {
		t.Fatalf("create rule: %+v, %v", rule, err)
	}
	_, err = c.CreateAlarmRule(ctx, inst.Name, valid())
	wantAPIError(t, err, http.StatusConflict, streamplane.ECONFLICT, "name")

	off := false
	_, err = c.UpdateAlarmRule(ctx, inst.Name, "disk", streamplane.AlarmRuleUpdate{Enabled: &off}, client.IfMatch(7))
	wantAPIError(t, err, http.StatusPreconditionFailed, streamplane.ESTALE, "")
	upd, err := c.UpdateAlarmRule(ctx, inst.Name, "disk", streamplane.AlarmRuleUpdate{Enabled: &off}, client.IfMatch(1))
	if err != nil || upd.Enabled || upd.Version != 2 {
		t.Fatalf("disable: %+v, %v", upd, err)
	}
	// A channel a rule notifies stays.
	wantAPIError(t, c.DeleteAlarmChannel(ctx, "ops"), http.StatusConflict, streamplane.ESTATE, "")

	// DMS's recommended rules: added once, the taken name skipped.
	added, err := c.CreateDefaultAlarmRules(ctx, inst.Name, streamplane.DefaultAlarmRules{Channels: []string{"ops"}})
	if err != nil || len(added.Rules) != 8 {
		t.Fatalf("defaults: %v rules, %v", len(added.Rules), err)
	}
	again, err := c.CreateDefaultAlarmRules(ctx, inst.Name, streamplane.DefaultAlarmRules{})
	if err != nil || len(again.Rules) != 0 {
		t.Fatalf("defaults again: %v rules, %v; want none", len(again.Rules), err)
	}
	list, err := c.AlarmRules(ctx, inst.Name)
	if err != nil || len(list.Rules) != 9 {
		t.Fatalf("%d rules (%v), want 9", len(list.Rules), err)
	}
	for _, r := range list.Rules {
		if err := c.DeleteAlarmRule(ctx, inst.Name, r.ID); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.DeleteAlarmChannel(ctx, "ops"); err != nil {
		t.Fatalf("delete an unused channel: %v", err)
	}
	history, err := c.Alarms(ctx, inst.Name, client.AlarmOptions{State: "firing"})
	if err != nil || len(history.Alarms) != 0 {
		t.Fatalf("alarms of a new instance: %v, %v", history, err)
	}
}

// A metric query names what is wrong with it.
func TestMetricQueryRules(t *testing.T) {
	c, _ := newAPI(t)
	ctx := context.Background()
	inst, _, err := c.CreateInstance(ctx, validSpec("measured"))
	if err != nil {
		t.Fatal(err)
	}
	broker, topic := 0, "orders"
	jan, mar := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		metric string
		opts   client.MetricOptions
		field  string
	}{
		{"no_such_metric", client.MetricOptions{}, "metric"},
		{"current_topics", client.MetricOptions{Broker: &broker}, "broker"},
		{"broker_alive", client.MetricOptions{Topic: &topic}, "topic"},
		{"broker_alive", client.MetricOptions{Step: 10 * time.Millisecond}, "step"},
		{"broker_alive", client.MetricOptions{Step: time.Second, From: &jan, To: &mar}, "step"},
		{"broker_alive", client.MetricOptions{From: &mar, To: &jan}, "from"},
	} {
		_, err := c.Metric(ctx, inst.Name, tc.metric, tc.opts)
		wantAPIError(t, err, http.StatusBadRequest, streamplane.EINVALID, tc.field)
	}
}
