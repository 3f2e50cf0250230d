package client

import (
	"context"
	"net/url"
	"strconv"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/wire"
)

func alarmRulesPath(instance string) string { return instancePath(instance) + "/alarm-rules" }

func alarmRulePath(instance, rule string) string {
	return alarmRulesPath(instance) + "/" + url.PathEscape(rule)
}

// AlarmRules lists an instance's alarm rules by name.
func (c *Client) AlarmRules(ctx context.Context, instance string) (*wire.AlarmRuleList, error) {
	var out wire.AlarmRuleList
	if _, err := c.do(ctx, "GET", alarmRulesPath(instance), nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// AlarmRule returns one rule of an instance, by id or name.
func (c *Client) AlarmRule(ctx context.Context, instance, rule string) (*streamplane.AlarmRule, error) {
	var out streamplane.AlarmRule
	if _, err := c.do(ctx, "GET", alarmRulePath(instance, rule), nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// CreateAlarmRule adds a rule to an instance; the server sets its id.
func (c *Client) CreateAlarmRule(ctx context.Context, instance string, rule streamplane.AlarmRule) (*streamplane.AlarmRule, error) {
	var out streamplane.AlarmRule
	if _, err := c.do(ctx, "POST", alarmRulesPath(instance), nil, rule.Spec(), &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// CreateDefaultAlarmRules adds DMS's recommended rules to an instance and
// returns those added: a rule whose name the instance already uses is
// skipped, so asking twice adds nothing.
func (c *Client) CreateDefaultAlarmRules(ctx context.Context, instance string, req streamplane.DefaultAlarmRules) (*wire.AlarmRuleList, error) {
	var out wire.AlarmRuleList
	if _, err := c.do(ctx, "POST", alarmRulesPath(instance)+"/defaults", nil, req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateAlarmRule changes the fields of a rule that u sets; IfMatch(v)
// makes it conditional on the rule's version.
func (c *Client) UpdateAlarmRule(ctx context.Context, instance, rule string, u streamplane.AlarmRuleUpdate, opts ...reqOpt) (*streamplane.AlarmRule, error) {
	var out streamplane.AlarmRule
	if _, err := c.do(ctx, "PATCH", alarmRulePath(instance, rule), nil, u, &out, opts...); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteAlarmRule removes a rule; the alarms it raised stay in the history.
func (c *Client) DeleteAlarmRule(ctx context.Context, instance, rule string) error {
	_, err := c.do(ctx, "DELETE", alarmRulePath(instance, rule), nil, nil, nil)
	return err
}

// AlarmOptions filter an instance's alarm history.
type AlarmOptions struct {
	State    string // firing or resolved; "" for both
	Rule     string // a rule's id
	From, To *time.Time
	Limit    int // 0: the server's 100
}

func (o AlarmOptions) query() url.Values {
	q := url.Values{}
	if o.State != "" {
		q.Set("state", o.State)
	}
	if o.Rule != "" {
		q.Set("rule", o.Rule)
	}
	if o.From != nil {
		q.Set("from", o.From.UTC().Format(time.RFC3339Nano))
	}
	if o.To != nil {
		q.Set("to", o.To.UTC().Format(time.RFC3339Nano))
	}
	if o.Limit > 0 {
		q.Set("limit", strconv.Itoa(o.Limit))
	}
	return q
}

// Alarms lists an instance's alarms, newest first.
func (c *Client) Alarms(ctx context.Context, instance string, opts AlarmOptions) (*wire.AlarmList, error) {
	var out wire.AlarmList
	if _, err := c.do(ctx, "GET", instancePath(instance)+"/alarms", opts.query(), nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
