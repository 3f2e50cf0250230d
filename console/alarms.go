package console

import (
	"net/http"
	"net/url"
	"strconv"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/client"
	"github.com/streamplane/streamplane/wire"
)

// alarmPages: an instance's alarm rules (create, DMS's defaults in one
// click, enable, edit, delete) and its alarm history; the server's alarm
// channels and their delivery logs.
var alarmPages = []page{
	{"GET", "/instances/{instance}/alarms", (*Server).handleAlarms},
	{"POST", "/instances/{instance}/alarms/rules", (*Server).handleAlarmRuleCreate},
	{"POST", "/instances/{instance}/alarms/defaults", (*Server).handleAlarmDefaults},
	{"GET", "/instances/{instance}/alarms/rules/{rule}", (*Server).handleAlarmRuleEdit},
	{"POST", "/instances/{instance}/alarms/rules/{rule}", (*Server).handleAlarmRuleUpdate},
	{"POST", "/instances/{instance}/alarms/rules/{rule}/enabled", (*Server).handleAlarmRuleEnabled},
	{"POST", "/instances/{instance}/alarms/rules/{rule}/delete", (*Server).handleAlarmRuleDelete},
	{"GET", "/alarm-channels", (*Server).handleAlarmChannels},
	{"POST", "/alarm-channels", (*Server).handleAlarmChannelCreate},
	{"GET", "/alarm-channels/{channel}", (*Server).handleAlarmChannel},
	{"POST", "/alarm-channels/{channel}/delete", (*Server).handleAlarmChannelDelete},
}

// ruleChoices are what the rule forms offer to pick from.
type ruleChoices struct {
	Metrics     []streamplane.MetricDef
	Comparisons []string
	Severities  []string
	Channels    []string // channel names; empty when there are none (or the caller may not list them)
}

func (s *Server) ruleChoices(c *call) (ruleChoices, error) {
	rc := ruleChoices{Comparisons: streamplane.Comparisons, Severities: streamplane.Severities}
	cat, err := c.api.MetricCatalog(c.r.Context())
	if err != nil {
		return rc, err
	}
	rc.Metrics = cat.Metrics
	// Channels are the server's; a caller who may not list them can still
	// set rules, without notifications.
	if list, err := c.api.AlarmChannels(c.r.Context()); err == nil {
		for _, ch := range list.Channels {
			rc.Channels = append(rc.Channels, ch.Name)
		}
	}
	return rc, nil
}

// alarmFilter is the history's filter form.
type alarmFilter struct {
	State, Rule, From string
}

type alarmsView struct {
	Instance string
	Rules    []*streamplane.AlarmRule
	Alarms   []*streamplane.Alarm
	Filter   alarmFilter
	Can      map[string]bool
	Choices  ruleChoices
	Added    string // how many default rules the last click added, for the notice
	Done     string // what the last change did, for the notice
}

// alarmsPage gathers the alarms page: rules, history and the forms'
// choices, with the create form's starting values.
func (s *Server) alarmsPage(c *call) (*view, error) {
	inst := c.r.PathValue("instance")
	ctx := c.r.Context()
	q := c.r.URL.Query()
	av := &alarmsView{Instance: inst, Filter: alarmFilter{State: q.Get("state"), Rule: q.Get("rule"), From: q.Get("from")},
		Added: q.Get("added"), Done: q.Get("done")}
	v := &view{Title: "Alarms · " + inst, Section: "instances", Instance: inst, Tab: "alarms", Data: av,
		Form: url.Values{"op": {">"}, "periods": {"3"}, "severity": {streamplane.SeverityMajor}, "enabled": {"true"}}}
	rules, err := c.api.AlarmRules(ctx, inst)
	if err != nil {
		return nil, err
	}
	av.Rules = rules.Rules
	opts := client.AlarmOptions{State: av.Filter.State, Rule: av.Filter.Rule}
	if av.Filter.From != "" {
		t, ok := parseFormTime(av.Filter.From)
		if !ok {
			return nil, fieldError("from", "from must be a time such as 2026-11-21T10:00:00 (UTC), got %q", av.Filter.From)
		}
		opts.From = &t
	}
	alarms, err := c.api.Alarms(ctx, inst, opts)
	if err != nil {
		return nil, err
	}
	av.Alarms = alarms.Alarms
	if av.Can, err = c.can(inst, "", "alarm:createRule", "alarm:updateRule", "alarm:deleteRule"); err != nil {
		return nil, err
	}
	if av.Choices, err = s.ruleChoices(c); err != nil {
		return nil, err
	}
	return v, nil
}

func (s *Server) handleAlarms(c *call) error {
	v, err := s.alarmsPage(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "alarm-list", v)
}

// ruleOf reads a rule form: the fields of AlarmRuleSpec by their JSON
// names; channels as checkboxes named channels.
func ruleOf(form url.Values) (streamplane.AlarmRule, error) {
	r := streamplane.AlarmRule{Name: form.Get("name"), Description: form.Get("description"), Metric: form.Get("metric"),
		Op: form.Get("op"), Severity: form.Get("severity"), Enabled: form.Get("enabled") == "true",
		Topic: formString(form, "topic"), Group: formString(form, "group"), Channels: form["channels"]}
	var err error
	if r.Broker, err = optionalInt(form, "broker"); err != nil {
		return r, err
	}
	th, err := formFloat(form, "threshold")
	if err != nil {
		return r, err
	}
	if th == nil {
		return r, fieldError("threshold", "threshold is required: the value the metric is compared with")
	}
	r.Threshold = *th
	p, err := optionalInt(form, "periods")
	if err != nil {
		return r, err
	}
	if p != nil {
		r.Periods = *p
	}
	return r, nil
}

func (s *Server) handleAlarmRuleCreate(c *call) error {
	inst := c.r.PathValue("instance")
	rule, err := ruleOf(postForm(c))
	if err == nil {
		_, err = c.api.CreateAlarmRule(c.r.Context(), inst, rule)
	}
	if err != nil {
		v, perr := s.alarmsPage(c)
		if perr != nil {
			return perr
		}
		return s.renderForm(c, "alarm-list", v, err)
	}
	return redirect(c, alarmsPath(inst)+"?"+url.Values{"done": {"Rule " + rule.Name + " created."}}.Encode())
}

func alarmsPath(inst string) string { return "/instances/" + url.PathEscape(inst) + "/alarms" }

// handleAlarmDefaults adds DMS's recommended rules in one click, with the
// optional lag limits and channels.
func (s *Server) handleAlarmDefaults(c *call) error {
	inst := c.r.PathValue("instance")
	form := postForm(c)
	req := streamplane.DefaultAlarmRules{Channels: form["channels"]}
	g, err := formInt64(form, "group_messages_limit")
	if err == nil && g != nil {
		req.GroupMessagesLimit = *g
	}
	if err == nil {
		var t *int64
		if t, err = formInt64(form, "topic_messages_limit"); err == nil && t != nil {
			req.TopicMessagesLimit = *t
		}
	}
	var added *wire.AlarmRuleList
	if err == nil {
		added, err = c.api.CreateDefaultAlarmRules(c.r.Context(), inst, req)
	}
	if err != nil {
		v, perr := s.alarmsPage(c)
		if perr != nil {
			return perr
		}
		return s.renderForm(c, "alarm-list", v, err)
	}
	return redirect(c, alarmsPath(inst)+"?"+url.Values{"added": {strconv.Itoa(len(added.Rules))}}.Encode())
}

type alarmRuleView struct {
	Instance string
	Rule     *streamplane.AlarmRule
	Choices  ruleChoices
}

// rulePage gathers the edit page of a rule, the form filled with the
// rule's values.
func (s *Server) rulePage(c *call) (*view, error) {
	inst := c.r.PathValue("instance")
	rule, err := c.api.AlarmRule(c.r.Context(), inst, c.r.PathValue("rule"))
	if err != nil {
		return nil, err
	}
	choices, err := s.ruleChoices(c)
	if err != nil {
		return nil, err
	}
	f := url.Values{"name": {rule.Name}, "description": {rule.Description}, "metric": {rule.Metric}, "op": {rule.Op},
		"threshold": {number(rule.Threshold)}, "periods": {strconv.Itoa(rule.Periods)}, "severity": {rule.Severity},
		"channels": rule.Channels, "resource_version": {strconv.Itoa(rule.Version)}}
	if rule.Enabled {
		f.Set("enabled", "true")
	}
	if rule.Broker != nil {
		f.Set("broker", strconv.Itoa(*rule.Broker))
	}
	if rule.Topic != nil {
		f.Set("topic", *rule.Topic)
	}
	if rule.Group != nil {
		f.Set("group", *rule.Group)
	}
	return &view{Title: "Alarm rule " + rule.Name + " · " + inst, Section: "instances", Instance: inst, Tab: "alarms",
		Data: &alarmRuleView{Instance: inst, Rule: rule, Choices: choices}, Form: f}, nil
}

func (s *Server) handleAlarmRuleEdit(c *call) error {
	v, err := s.rulePage(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "alarm-rule", v)
}

// updateRule changes a rule, on the condition that it is still at the
// version the form was read at (when the form says): a change made
// meanwhile by someone else is refused rather than overwritten.
func updateRule(c *call, inst, id string, u streamplane.AlarmRuleUpdate, version *int64) error {
	var err error
	if version != nil {
		_, err = c.api.UpdateAlarmRule(c.r.Context(), inst, id, u, client.IfMatch(*version))
	} else {
		_, err = c.api.UpdateAlarmRule(c.r.Context(), inst, id, u)
	}
	return err
}

func (s *Server) handleAlarmRuleUpdate(c *call) error {
	inst, id := c.r.PathValue("instance"), c.r.PathValue("rule")
	form := postForm(c)
	rule, err := ruleOf(form)
	var version *int64
	if err == nil {
		version, err = formInt64(form, "resource_version")
	}
	if err == nil {
		u := streamplane.AlarmRuleUpdate{Name: &rule.Name, Description: &rule.Description, Op: &rule.Op, Threshold: &rule.Threshold,
			Periods: &rule.Periods, Severity: &rule.Severity, Enabled: &rule.Enabled, Channels: &rule.Channels,
			Broker: rule.Broker, Topic: rule.Topic, Group: rule.Group,
			ClearBroker: rule.Broker == nil, ClearTopic: rule.Topic == nil, ClearGroup: rule.Group == nil}
		if rule.Channels == nil {
			u.Channels = &[]string{}
		}
		err = updateRule(c, inst, id, u, version)
	}
	if err != nil {
		v, perr := s.rulePage(c)
		if perr != nil {
			return perr
		}
		return s.renderForm(c, "alarm-rule", v, err)
	}
	return redirect(c, alarmsPath(inst)+"?"+url.Values{"done": {"Rule " + rule.Name + " saved."}}.Encode())
}

// handleAlarmRuleEnabled turns a rule on or off from the list.
func (s *Server) handleAlarmRuleEnabled(c *call) error {
	inst, id := c.r.PathValue("instance"), c.r.PathValue("rule")
	on := postForm(c).Get("enabled") == "true"
	version, err := formInt64(postForm(c), "resource_version")
	if err == nil {
		err = updateRule(c, inst, id, streamplane.AlarmRuleUpdate{Enabled: &on}, version)
	}
	if err != nil {
		v, perr := s.alarmsPage(c)
		if perr != nil {
			return perr
		}
		return s.renderForm(c, "alarm-list", v, err)
	}
	state := "disabled"
	if on {
		state = "enabled"
	}
	return redirect(c, alarmsPath(inst)+"?"+url.Values{"done": {"Rule " + postForm(c).Get("name") + " " + state + "."}}.Encode())
}

func (s *Server) handleAlarmRuleDelete(c *call) error {
	inst, id := c.r.PathValue("instance"), c.r.PathValue("rule")
	if err := c.api.DeleteAlarmRule(c.r.Context(), inst, id); err != nil {
		return err
	}
	return redirect(c, alarmsPath(inst)+"?"+url.Values{"done": {"Rule " + postForm(c).Get("name") + " deleted."}}.Encode())
}
