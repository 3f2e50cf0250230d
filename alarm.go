package streamplane

import (
	"math"
	"regexp"
	"slices"
	"time"
)

// Alarm severities, as DMS names them.
const (
	SeverityCritical = "critical"
	SeverityMajor    = "major"
	SeverityMinor    = "minor"
	SeverityInfo     = "info"
)

// Severities are the valid severities, most severe first.
var Severities = []string{SeverityCritical, SeverityMajor, SeverityMinor, SeverityInfo}

// Comparisons a rule may use.
var Comparisons = []string{">", ">=", "<", "<=", "==", "!="}

// MaxAlarmPeriods bounds a rule's consecutive periods (DMS allows up to 5
// periods of raw data; an hour of one-minute periods is plenty).
const MaxAlarmPeriods = 60

var alarmRuleNameRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{0,63}$`)

// AlarmRule is a threshold on a metric of an instance, in the DMS model: it
// fires when the condition has held for Periods consecutive collections on
// a series, and resolves when it stops holding. The dimension filters
// narrow the series it watches; nil watches every series of the metric.
type AlarmRule struct {
	ID          string    `json:"id"`
	InstanceID  string    `json:"instance_id"`
	Name        string    `json:"name"`
	Description string    `json:"description,omitempty"`
	Metric      string    `json:"metric"`
	Broker      *int      `json:"broker,omitempty"`
	Topic       *string   `json:"topic,omitempty"`
	Group       *string   `json:"group,omitempty"`
	Op          string    `json:"op"`
	Threshold   float64   `json:"threshold"`
	Periods     int       `json:"periods"`
	Severity    string    `json:"severity"`
	Enabled     bool      `json:"enabled"`
	Channels    []string  `json:"channels"` // names of alarm channels notified
	Version     int       `json:"resource_version"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Validate checks the rule's fields against the catalog and the rules of
// each; it does not check that the channels exist.
func (r *AlarmRule) Validate() error {
	if !alarmRuleNameRE.MatchString(r.Name) {
		return Invalid("name", "name %q must be 1–64 characters, start with a letter and contain only letters, digits, '-' and '_'", r.Name)
	}
	if uuidLikeRE.MatchString(r.Name) {
		return Invalid("name", "name %q must not have the form of an id: rules are found by id or name", r.Name)
	}
	if err := ValidateDescription(r.Description); err != nil {
		return err
	}
	m, ok := MetricByName(r.Metric)
	if !ok {
		return Invalid("metric", "metric %q is not in the catalog (streamplane metrics list shows it)", r.Metric)
	}
	for dim, set := range map[string]bool{DimBroker: r.Broker != nil, DimTopic: r.Topic != nil, DimGroup: r.Group != nil} {
		if set && !m.HasDimension(dim) {
			return Invalid(dim, "metric %s has no %s dimension (its dimensions: %v)", r.Metric, dim, m.Dimensions)
		}
	}
	if r.Broker != nil && *r.Broker < 0 {
		return Invalid("broker", "broker must be a node id, 0 or more")
	}
	if !slices.Contains(Comparisons, r.Op) {
		return Invalid("op", "op %q must be one of %v", r.Op, Comparisons)
	}
	if math.IsNaN(r.Threshold) || math.IsInf(r.Threshold, 0) {
		return Invalid("threshold", "threshold must be a finite number")
	}
	if r.Periods < 1 || r.Periods > MaxAlarmPeriods {
		return Invalid("periods", "periods must be between 1 and %d, got %d", MaxAlarmPeriods, r.Periods)
	}
	if !slices.Contains(Severities, r.Severity) {
		return Invalid("severity", "severity %q must be one of %v", r.Severity, Severities)
	}
	for _, c := range r.Channels {
		if c == "" {
			return Invalid("channels", "a channel name must not be empty")
		}
	}
	return nil
}

// Breached says whether a value breaks the rule's threshold.
func (r *AlarmRule) Breached(v float64) bool {
	switch r.Op {
	case ">":
		return v > r.Threshold
	case ">=":
		return v >= r.Threshold
	case "<":
		return v < r.Threshold
	case "<=":
		return v <= r.Threshold
	case "==":
		return v == r.Threshold
	case "!=":
		return v != r.Threshold
	}
	return false
}

// Watches says whether the rule watches a series.
func (r *AlarmRule) Watches(k SeriesKey) bool {
	return k.InstanceID == r.InstanceID && k.Metric == r.Metric &&
		(r.Broker == nil || *r.Broker == k.Broker) &&
		(r.Topic == nil || *r.Topic == k.Topic) &&
		(r.Group == nil || *r.Group == k.Group)
}

// Alarm is one firing of a rule on one series, kept after it resolves:
// the alarm history.
type Alarm struct {
	ID         string            `json:"id"`
	RuleID     string            `json:"rule_id"`
	RuleName   string            `json:"rule"`
	InstanceID string            `json:"instance_id"`
	Metric     string            `json:"metric"`
	Labels     map[string]string `json:"labels"` // the series' dimensions
	Op         string            `json:"op"`
	Threshold  float64           `json:"threshold"`
	Periods    int               `json:"periods"`
	Severity   string            `json:"severity"`
	State      string            `json:"state"`
	Value      float64           `json:"value"` // the value that fired it
	FiredAt    time.Time         `json:"fired_at"`
	// ResolvedValue and ResolvedAt are set once it resolves.
	ResolvedValue *float64   `json:"resolved_value,omitempty"`
	ResolvedAt    *time.Time `json:"resolved_at,omitempty"`
}

// Resolve ends a firing alarm at a time, with the value that ended it
// (nil when no value did: its rule went away).
func (a *Alarm) Resolve(at time.Time, value *float64) {
	a.State, a.ResolvedAt, a.ResolvedValue = AlarmResolved, &at, value
}

// AlarmFilter selects alarms, newest first.
type AlarmFilter struct {
	InstanceID string
	RuleID     string
	State      string // "" for both
	From, To   time.Time
	Limit      int
}

// AlarmState is what the evaluator keeps of a rule on one series between
// collections: how many consecutive periods breached, and the alarm
// firing on it, if any.
type AlarmState struct {
	RuleID   string
	Series   SeriesKey
	Breaches int
	AlarmID  string // "" when not firing
	At       time.Time
}

// AlarmStore holds the Tx methods of alarm rules, their evaluation state
// and the alarms they raise.
type AlarmStore interface {
	// AlarmRules lists an instance's rules by name ("" for every
	// instance's).
	AlarmRules(instanceID string) ([]*AlarmRule, error)
	// AlarmRule returns a rule by id or name; ENOTFOUND (field "rule").
	AlarmRule(instanceID, idOrName string) (*AlarmRule, error)
	CreateAlarmRule(r *AlarmRule) error // ECONFLICT if the name is taken
	UpdateAlarmRule(r *AlarmRule) error // ESTALE on a version mismatch
	// DeleteAlarmRule removes a rule and its evaluation state; its alarms
	// stay in the history, those still firing resolved (without a value)
	// at the transaction's time.
	DeleteAlarmRule(id string) error

	AlarmStates(ruleID string) ([]AlarmState, error)
	PutAlarmState(s AlarmState) error
	DeleteAlarmState(ruleID string, series SeriesKey) error

	CreateAlarm(a *Alarm) error
	UpdateAlarm(a *Alarm) error
	Alarm(id string) (*Alarm, error)
	Alarms(f AlarmFilter) ([]*Alarm, error)
}

// AlarmRuleUpdate changes some of a rule's fields: nil ones keep their
// value. Clear* drops a dimension filter.
type AlarmRuleUpdate struct {
	Name        *string   `json:"name,omitempty"`
	Description *string   `json:"description,omitempty"`
	Broker      *int      `json:"broker,omitempty"`
	Topic       *string   `json:"topic,omitempty"`
	Group       *string   `json:"group,omitempty"`
	ClearBroker bool      `json:"clear_broker,omitempty"`
	ClearTopic  bool      `json:"clear_topic,omitempty"`
	ClearGroup  bool      `json:"clear_group,omitempty"`
	Op          *string   `json:"op,omitempty"`
	Threshold   *float64  `json:"threshold,omitempty"`
	Periods     *int      `json:"periods,omitempty"`
	Severity    *string   `json:"severity,omitempty"`
	Enabled     *bool     `json:"enabled,omitempty"`
	Channels    *[]string `json:"channels,omitempty"`
}

// Apply changes r by u.
func (u AlarmRuleUpdate) Apply(r *AlarmRule) {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&r.Name, u.Name)
	set(&r.Description, u.Description)
	set(&r.Op, u.Op)
	set(&r.Severity, u.Severity)
	if u.Broker != nil {
		r.Broker = u.Broker
	}
	if u.Topic != nil {
		r.Topic = u.Topic
	}
	if u.Group != nil {
		r.Group = u.Group
	}
	if u.ClearBroker {
		r.Broker = nil
	}
	if u.ClearTopic {
		r.Topic = nil
	}
	if u.ClearGroup {
		r.Group = nil
	}
	if u.Threshold != nil {
		r.Threshold = *u.Threshold
	}
	if u.Periods != nil {
		r.Periods = *u.Periods
	}
	if u.Enabled != nil {
		r.Enabled = *u.Enabled
	}
	if u.Channels != nil {
		r.Channels = *u.Channels
	}
}

// DefaultAlarmRules asks for DMS table 15-5's rules on an instance.
type DefaultAlarmRules struct {
	// GroupMessagesLimit and TopicMessagesLimit are the user-set limits
	// the lag rules warn at 90% of; zero takes the defaults.
	GroupMessagesLimit int64    `json:"group_messages_limit,omitempty"`
	TopicMessagesLimit int64    `json:"topic_messages_limit,omitempty"`
	Channels           []string `json:"channels,omitempty"`
}

// AlarmChannelSpec is a channel to create: what a client names of it and,
// for a webhook, the secret its notifications are signed with (sealed in
// the vault, never shown again). The server sets the rest.
type AlarmChannelSpec struct {
	Name   string   `json:"name"`
	Kind   string   `json:"kind"`
	URL    string   `json:"url,omitempty"`
	To     []string `json:"to,omitempty"`
	Secret string   `json:"secret,omitempty"`
}

// Channel is the channel the spec describes, not yet stored.
func (s AlarmChannelSpec) Channel() AlarmChannel {
	return AlarmChannel{Name: s.Name, Kind: s.Kind, URL: s.URL, To: s.To, HasSecret: s.Secret != ""}
}

// AlarmRuleSpec is a rule to create: what a client names of it. The server
// sets its id, instance, version and times.
type AlarmRuleSpec struct {
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	Metric      string   `json:"metric"`
	Broker      *int     `json:"broker,omitempty"`
	Topic       *string  `json:"topic,omitempty"`
	Group       *string  `json:"group,omitempty"`
	Op          string   `json:"op"`
	Threshold   float64  `json:"threshold"`
	Periods     int      `json:"periods"`
	Severity    string   `json:"severity"`
	Enabled     *bool    `json:"enabled,omitempty"` // default true
	Channels    []string `json:"channels,omitempty"`
}

// Spec is what a client sends to create a rule like r.
func (r *AlarmRule) Spec() AlarmRuleSpec {
	return AlarmRuleSpec{Name: r.Name, Description: r.Description, Metric: r.Metric, Broker: r.Broker, Topic: r.Topic, Group: r.Group,
		Op: r.Op, Threshold: r.Threshold, Periods: r.Periods, Severity: r.Severity, Enabled: &r.Enabled, Channels: r.Channels}
}

// Rule is the rule the spec describes, not yet stored.
func (s AlarmRuleSpec) Rule() AlarmRule {
	return AlarmRule{Name: s.Name, Description: s.Description, Metric: s.Metric, Broker: s.Broker, Topic: s.Topic, Group: s.Group,
		Op: s.Op, Threshold: s.Threshold, Periods: s.Periods, Severity: s.Severity, Enabled: s.Enabled == nil || *s.Enabled, Channels: s.Channels}
}
