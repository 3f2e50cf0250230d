package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/notify"
	"github.com/streamplane/streamplane/wire"
)

// alarmFake holds the fake's alarm rules, channels and the secrets the
// channels were given; fakeAPI's mutex guards it.
type alarmFake struct {
	rules    map[string]*streamplane.AlarmRule // by name
	channels map[string]*streamplane.AlarmChannel
	secrets  map[string]string // channel name → signing secret
	history  []*streamplane.Alarm
	// hidden makes the alarm history refuse, as for a user who may
	// not read it.
	hidden bool
}

// alarmRoutes serves the metric, alarm and alarm channel endpoints on mux.
func (f *fakeAPI) alarmRoutes(mux *http.ServeMux) {
	resolved, resolvedValue := created.Add(150*time.Minute), 900.0
	f.alarm = &alarmFake{rules: map[string]*streamplane.AlarmRule{}, channels: map[string]*streamplane.AlarmChannel{}, secrets: map[string]string{},
		history: []*streamplane.Alarm{
			{ID: "al-2", RuleID: "rule-disk", RuleName: "disk", Metric: "broker_disk_usage", Labels: map[string]string{"broker": "0"},
				Op: ">", Threshold: 80, Periods: 1, Severity: "critical", State: streamplane.AlarmFiring, Value: 91.5, FiredAt: created.Add(170 * time.Minute)},
			{ID: "al-1", RuleID: "rule-lag", RuleName: "lag", Metric: "messages_remained", Labels: map[string]string{"group": "billing", "topic": "orders"},
				Op: ">=", Threshold: 10000, Periods: 3, Severity: "major", State: streamplane.AlarmResolved, Value: 12000, FiredAt: created.Add(2 * time.Hour),
				ResolvedAt: &resolved, ResolvedValue: &resolvedValue},
		}}
	mux.HandleFunc("GET /api/v1/metrics", func(w http.ResponseWriter, r *http.Request) {
		f.json(w, 200, wire.MetricCatalog{Metrics: streamplane.Metrics})
	})
	mux.HandleFunc("GET /api/v1/instances/{instance}/metrics/{metric}", func(w http.ResponseWriter, r *http.Request) {
		def, ok := f.metric(w, r)
		if !ok {
			return
		}
		if r.URL.Query().Get("format") == "csv" {
			io.WriteString(w, "time,metric,broker,topic,partition,group,value\n2026-11-21T12:00:00Z,broker_bytes_in_rate,0,,,,1250000\n")
			return
		}
		at := float64(created.Add(2 * time.Hour).Unix())
		f.json(w, 200, wire.MetricSeriesList{Metric: def.Name, Unit: def.Unit, From: "2026-11-21T12:00:00Z", To: "2026-11-21T13:00:00Z",
			Series: []wire.MetricSeries{
				{Labels: map[string]string{"broker": "0"}, Points: [][2]float64{{at, 1250000}, {at + 60, 1500000.4}}},
				{Labels: map[string]string{"broker": "1"}, Points: [][2]float64{{at, 0}}},
			}})
	})
	mux.HandleFunc("GET /api/v1/instances/{instance}/metrics/{metric}/top", func(w http.ResponseWriter, r *http.Request) {
		def, ok := f.metric(w, r)
		if !ok {
			return
		}
		f.json(w, 200, wire.MetricTop{Metric: def.Name, Unit: def.Unit, Series: []wire.MetricRanking{
			{Labels: map[string]string{"topic": "orders"}, Mean: 2500000, Latest: 3000000},
			{Labels: map[string]string{"topic": "audit-log"}, Mean: 1234.5, Latest: 0},
		}})
	})

	mux.HandleFunc("GET /api/v1/instances/{instance}/alarm-rules", func(w http.ResponseWriter, r *http.Request) {
		if _, ok := f.instance(w, r); !ok {
			return
		}
		f.mu.Lock()
		list := []*streamplane.AlarmRule{}
		for _, rule := range f.alarm.rules {
			list = append(list, rule)
		}
		f.mu.Unlock()
		sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
		f.json(w, 200, wire.AlarmRuleList{Rules: list})
	})
	mux.HandleFunc("POST /api/v1/instances/{instance}/alarm-rules", func(w http.ResponseWriter, r *http.Request) {
		inst, ok := f.instance(w, r)
		if !ok {
			return
		}
		var spec streamplane.AlarmRuleSpec
		if !f.decodeStrict(w, &spec) {
			return
		}
		rule := spec.Rule()
		if err := rule.Validate(); err != nil {
			f.error(w, err.(*streamplane.Error))
			return
		}
		if e := f.missingChannel(rule.Channels); e != nil {
			f.error(w, e)
			return
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.alarm.rules[rule.Name] != nil {
			f.error(w, streamplane.Errorf(streamplane.ECONFLICT, "the instance has an alarm rule named %q already", rule.Name))
			return
		}
		rule.ID, rule.InstanceID, rule.Version, rule.CreatedAt, rule.UpdatedAt = "rule-"+rule.Name, inst.ID, 1, created, created
		if rule.Channels == nil {
			rule.Channels = []string{}
		}
		f.alarm.rules[rule.Name] = &rule
		f.json(w, 201, rule)
	})
	mux.HandleFunc("POST /api/v1/instances/{instance}/alarm-rules/defaults", func(w http.ResponseWriter, r *http.Request) {
		inst, ok := f.instance(w, r)
		if !ok {
			return
		}
		var req streamplane.DefaultAlarmRules
		if !f.decodeStrict(w, &req) {
			return
		}
		limit := float64(req.GroupMessagesLimit)
		if limit == 0 {
			limit = 1e6
		}
		var added []*streamplane.AlarmRule
		f.mu.Lock()
		for _, rule := range []*streamplane.AlarmRule{
			{Name: "disk_usage", Metric: "broker_disk_usage", Op: ">", Threshold: 85, Periods: 1, Severity: "critical"},
			{Name: "group_lag", Metric: "consumer_messages_remaining", Op: ">", Threshold: 0.9 * limit, Periods: 3, Severity: "major"},
		} {
			if f.alarm.rules[rule.Name] != nil {
				continue
			}
			rule.ID, rule.InstanceID, rule.Enabled, rule.Version, rule.Channels = "rule-"+rule.Name, inst.ID, true, 1, append([]string{}, req.Channels...)
			f.alarm.rules[rule.Name] = rule
			added = append(added, rule)
		}
		f.mu.Unlock()
		f.json(w, 201, wire.AlarmRuleList{Rules: added})
	})
	mux.HandleFunc("GET /api/v1/instances/{instance}/alarm-rules/{rule}", func(w http.ResponseWriter, r *http.Request) {
		if rule, ok := f.rule(w, r); ok {
			f.json(w, 200, rule)
		}
	})
	mux.HandleFunc("PATCH /api/v1/instances/{instance}/alarm-rules/{rule}", func(w http.ResponseWriter, r *http.Request) {
		rule, ok := f.rule(w, r)
		if !ok {
			return
		}
		var u streamplane.AlarmRuleUpdate
		if !f.decodeStrict(w, &u) {
			return
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		if m := f.requests[len(f.requests)-1].IfMatch; m != "" && m != fmt.Sprintf("%q", fmt.Sprint(rule.Version)) {
			f.error(w, streamplane.Errorf(streamplane.ESTALE, "alarm rule %s is at version %d, not %s", rule.Name, rule.Version, m))
			return
		}
		changed := *rule
		u.Apply(&changed)
		if err := changed.Validate(); err != nil {
			f.error(w, err.(*streamplane.Error))
			return
		}
		changed.Version++
		delete(f.alarm.rules, rule.Name)
		f.alarm.rules[changed.Name] = &changed
		f.json(w, 200, changed)
	})
	mux.HandleFunc("DELETE /api/v1/instances/{instance}/alarm-rules/{rule}", func(w http.ResponseWriter, r *http.Request) {
		if rule, ok := f.rule(w, r); ok {
			f.mu.Lock()
			delete(f.alarm.rules, rule.Name)
			f.mu.Unlock()
			w.WriteHeader(http.StatusNoContent)
		}
	})
	mux.HandleFunc("GET /api/v1/instances/{instance}/alarms", func(w http.ResponseWriter, r *http.Request) {
		if _, ok := f.instance(w, r); !ok {
			return
		}
		state := r.URL.Query().Get("state")
		list := []*streamplane.Alarm{}
		f.mu.Lock()
		hidden := f.alarm.hidden
		for _, a := range f.alarm.history {
			if state == "" || a.State == state {
				list = append(list, a)
			}
		}
		f.mu.Unlock()
		if hidden {
			f.error(w, streamplane.Errorf(streamplane.EDENIED, "you may not list alarms"))
			return
		}
		f.json(w, 200, wire.AlarmList{Alarms: list})
	})

	mux.HandleFunc("GET /api/v1/alarm-channels", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		list := []*streamplane.AlarmChannel{}
		for _, c := range f.alarm.channels {
			list = append(list, c)
		}
		f.mu.Unlock()
		sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
		f.json(w, 200, wire.AlarmChannelList{Channels: list})
	})
	mux.HandleFunc("POST /api/v1/alarm-channels", func(w http.ResponseWriter, r *http.Request) {
		var spec streamplane.AlarmChannelSpec
		if !f.decodeStrict(w, &spec) {
			return
		}
		if n := len(spec.Secret); n > 0 && (n < notify.MinSecretLen || n > notify.MaxSecretLen) {
			f.error(w, streamplane.Invalid("secret", "a signing secret is %d to %d bytes; this one has %d", notify.MinSecretLen, notify.MaxSecretLen, n))
			return
		}
		c := &streamplane.AlarmChannel{ID: "ch-" + spec.Name, Name: spec.Name, Kind: spec.Kind, URL: spec.URL, To: spec.To, HasSecret: spec.Secret != "",
			ResourceVersion: 1, CreatedAt: created, UpdatedAt: created}
		if err := c.Validate(); err != nil {
			f.error(w, err.(*streamplane.Error))
			return
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.alarm.channels[c.Name] != nil {
			f.error(w, streamplane.Errorf(streamplane.ECONFLICT, "a channel named %s exists already", c.Name))
			return
		}
		f.alarm.channels[c.Name] = c
		if spec.Secret != "" {
			f.alarm.secrets[c.Name] = spec.Secret
		}
		f.json(w, 201, c)
	})
	mux.HandleFunc("GET /api/v1/alarm-channels/{channel}", func(w http.ResponseWriter, r *http.Request) {
		if c, ok := f.channel(w, r); ok {
			f.json(w, 200, c)
		}
	})
	mux.HandleFunc("DELETE /api/v1/alarm-channels/{channel}", func(w http.ResponseWriter, r *http.Request) {
		if c, ok := f.channel(w, r); ok {
			f.mu.Lock()
			delete(f.alarm.channels, c.Name)
			f.mu.Unlock()
			w.WriteHeader(http.StatusNoContent)
		}
	})
	mux.HandleFunc("GET /api/v1/alarm-channels/{channel}/deliveries", func(w http.ResponseWriter, r *http.Request) {
		c, ok := f.channel(w, r)
		if !ok {
			return
		}
		delivered := created.Add(170*time.Minute + time.Second)
		payload := func(state string) json.RawMessage {
			raw, _ := json.Marshal(streamplane.AlarmNotification{AlarmID: "al-2", State: state, RuleName: "disk"})
			return raw
		}
		f.json(w, 200, wire.AlarmDeliveryList{Deliveries: []*streamplane.AlarmDelivery{
			{ID: "dl-2", ChannelID: c.ID, AlarmID: "al-2", Payload: payload("firing"), Status: streamplane.DeliveryPending, Attempts: 2,
				NextAttemptAt: created.Add(3 * time.Hour), LastError: "HTTP 503 from the webhook", CreatedAt: created.Add(170 * time.Minute)},
			{ID: "dl-1", ChannelID: c.ID, AlarmID: "al-1", Payload: json.RawMessage(`{}`), Status: streamplane.DeliveryDelivered, Attempts: 1,
				DeliveredAt: &delivered, CreatedAt: created.Add(2 * time.Hour)},
		}})
	})
}

// metric checks the instance and that the metric is in the catalog.
func (f *fakeAPI) metric(w http.ResponseWriter, r *http.Request) (streamplane.MetricDef, bool) {
	if _, ok := f.instance(w, r); !ok {
		return streamplane.MetricDef{}, false
	}
	def, ok := streamplane.MetricByName(r.PathValue("metric"))
	if !ok {
		f.error(w, streamplane.Invalid("metric", "metric %q is not in the catalog", r.PathValue("metric")))
	}
	return def, ok
}

func (f *fakeAPI) rule(w http.ResponseWriter, r *http.Request) (*streamplane.AlarmRule, bool) {
	if _, ok := f.instance(w, r); !ok {
		return nil, false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, rule := range f.alarm.rules {
		if rule.Name == r.PathValue("rule") || rule.ID == r.PathValue("rule") {
			return rule, true
		}
	}
	f.error(w, streamplane.Errorf(streamplane.ENOTFOUND, "alarm rule %q not found", r.PathValue("rule")))
	return nil, false
}

func (f *fakeAPI) channel(w http.ResponseWriter, r *http.Request) (*streamplane.AlarmChannel, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if c := f.alarm.channels[r.PathValue("channel")]; c != nil {
		return c, true
	}
	f.error(w, streamplane.Errorf(streamplane.ENOTFOUND, "alarm channel %q not found", r.PathValue("channel")))
	return nil, false
}

// missingChannel is the error of a rule naming a channel that does not exist.
func (f *fakeAPI) missingChannel(names []string) *streamplane.Error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, n := range names {
		if f.alarm.channels[n] == nil {
			return streamplane.Invalid("channels", "no alarm channel %q", n)
		}
	}
	return nil
}

// addChannel stores a channel as if created earlier.
func (f *fakeAPI) addChannel(c *streamplane.AlarmChannel) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c.ID, c.ResourceVersion, c.CreatedAt, c.UpdatedAt = "ch-"+c.Name, 1, created, created
	f.alarm.channels[c.Name] = c
}

// channelNames lists the fake's channels.
func (f *fakeAPI) channelNames() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var names []string
	for n := range f.alarm.channels {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}
