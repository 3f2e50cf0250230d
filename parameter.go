package streamplane

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// ParamDef describes one tunable broker parameter (DMS ch. 13). Dynamic
// parameters apply live to every broker; static ones are written to the
// brokers' configuration and take effect at the next restart.
type ParamDef struct {
	Name        string
	Description string
	Type        string   // "int", "bool" or "enum"
	Min, Max    int64    // for "int"
	Values      []string // for "enum"
	Default     string
	Dynamic     bool
}

// Parameter is a parameter as an instance has it.
type Parameter struct {
	Name           string   `json:"name"`
	Value          string   `json:"value"`   // what the brokers run with now
	Default        string   `json:"default"` // for this instance
	Type           string   `json:"type"`
	Range          string   `json:"range"` // e.g. "1–3" or "true, false"
	Min            *int64   `json:"min,omitempty"`
	Max            *int64   `json:"max,omitempty"`
	Values         []string `json:"values,omitempty"`
	Dynamic        bool     `json:"dynamic"`
	PendingRestart bool     `json:"pending_restart"`
	PendingValue   string   `json:"pending_value,omitempty"` // what the next restart applies
	Description    string   `json:"description"`
}

// ParameterList is an instance's tunable parameters.
type ParameterList struct {
	Parameters []Parameter `json:"parameters"`
	// PendingRestart names static parameters saved but not yet applied:
	// restarting the instance applies them.
	PendingRestart []string `json:"pending_restart"`
}

// Parameter returns the parameter of the list with that name.
func (l *ParameterList) Parameter(name string) (Parameter, bool) {
	for _, p := range l.Parameters {
		if p.Name == name {
			return p, true
		}
	}
	return Parameter{}, false
}

// ParameterChange says what a change of parameters did, with the list as
// it is after it.
type ParameterChange struct {
	ParameterList
	AppliedLive []string `json:"applied_live"` // dynamic parameters every broker now runs with
	Saved       []string `json:"saved"`        // static parameters saved for the next restart
}

// The DMS set (tables 13-2 and 13-3), with DMS's ranges and defaults, plus
// automatic topic creation (SPEC §6) and compression.type.
var paramDefs = []ParamDef{
	{Name: "min.insync.replicas", Type: "int", Min: 1, Max: 3, Default: "1", Dynamic: true,
		Description: "With acks=all, the fewest replicas that must acknowledge a write for it to succeed."},
	{Name: "message.max.bytes", Type: "int", Min: 0, Max: 10485760, Default: "10485760", Dynamic: true,
		Description: "The largest record batch, in bytes, a broker accepts."},
	{Name: "max.connections.per.ip", Type: "int", Min: 100, Max: 20000, Default: "1000", Dynamic: true,
		Description: "Connections allowed from each IP address; more are refused."},
	// DMS defaults to true; Streamplane keeps Kafka's false, so that a
	// write acknowledged by the in-sync replicas is never lost to an
	// out-of-sync replica taking over.
	{Name: "unclean.leader.election.enable", Type: "bool", Default: "false", Dynamic: true,
		Description: "Whether a replica outside the ISR may become leader as a last resort, at the risk of losing acknowledged data."},
	{Name: "compression.type", Type: "enum", Values: []string{"producer", "uncompressed", "gzip", "snappy", "lz4", "zstd"}, Default: "producer", Dynamic: true,
		Description: "How brokers store record batches; producer keeps the producer's compression."},
	{Name: "connections.max.idle.ms", Type: "int", Min: 5000, Max: 600000, Default: "600000",
		Description: "Idle connections are closed after this many milliseconds."},
	{Name: "log.retention.hours", Type: "int", Min: 1, Max: 168, Default: "72",
		Description: "Hours a message is kept, for topics that set no aging time of their own."},
	{Name: "group.max.session.timeout.ms", Type: "int", Min: 6000, Max: 1800000, Default: "1800000",
		Description: "The longest session timeout a consumer may ask for."},
	{Name: "group.min.session.timeout.ms", Type: "int", Min: 6000, Max: 300000, Default: "6000",
		Description: "The shortest session timeout a consumer may ask for."},
	{Name: "default.replication.factor", Type: "int", Min: 1, Max: 3, Default: "3",
		Description: "Replicas of an automatically created topic."},
	{Name: "num.partitions", Type: "int", Min: 1, Max: 100, Default: "3",
		Description: "Partitions of an automatically created topic."},
	{Name: "auto.create.topics.enable", Type: "bool", Default: "false",
		Description: "Whether producing to or consuming from a missing topic creates it."},
}

// ParamAutoCreateTopics mirrors the instance's auto_create_topics field.
const ParamAutoCreateTopics = "auto.create.topics.enable"

// ParamDefs returns every parameter definition, sorted by name.
func ParamDefs() []ParamDef {
	out := slices.Clone(paramDefs)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// LookupParam returns a parameter's definition.
func LookupParam(name string) (ParamDef, bool) {
	for _, d := range paramDefs {
		if d.Name == name {
			return d, true
		}
	}
	return ParamDef{}, false
}

// Bounds returns an "int" parameter's range for an instance: replica
// counts cannot exceed the broker count.
func (d ParamDef) Bounds(inst *Instance) (int64, int64) {
	lo, hi := d.Min, d.Max
	if d.Name == "min.insync.replicas" || d.Name == "default.replication.factor" {
		hi = min(hi, int64(inst.BrokerCount))
	}
	return lo, hi
}

// DefaultFor returns the parameter's default on an instance.
func (d ParamDef) DefaultFor(inst *Instance) string {
	if d.Name == "default.replication.factor" {
		return strconv.Itoa(min(3, inst.BrokerCount))
	}
	return d.Default
}

// RangeText describes the allowed values for people.
func (d ParamDef) RangeText(inst *Instance) string {
	switch d.Type {
	case "int":
		lo, hi := d.Bounds(inst)
		return fmt.Sprintf("%d–%d", lo, hi)
	case "bool":
		return "true, false"
	}
	return strings.Join(d.Values, ", ")
}

// Check validates a value for an instance and returns it in canonical form.
func (d ParamDef) Check(inst *Instance, value string) (string, error) {
	value = strings.TrimSpace(value)
	switch d.Type {
	case "int":
		n, err := strconv.ParseInt(value, 10, 64)
		lo, hi := d.Bounds(inst)
		if err != nil || n < lo || n > hi {
			return "", Invalid(d.Name, "%s must be an integer from %d to %d, got %q", d.Name, lo, hi, value)
		}
		return strconv.FormatInt(n, 10), nil
	case "bool":
		b, err := strconv.ParseBool(value)
		if err != nil {
			return "", Invalid(d.Name, "%s must be true or false, got %q", d.Name, value)
		}
		return strconv.FormatBool(b), nil
	default:
		if !slices.Contains(d.Values, value) {
			return "", Invalid(d.Name, "%s must be one of %s, got %q", d.Name, strings.Join(d.Values, ", "), value)
		}
		return value, nil
	}
}

// ValidateParams checks names and values of a change and returns them in
// canonical form, together with rules across parameters.
func ValidateParams(inst *Instance, values map[string]string) (map[string]string, error) {
	if len(values) == 0 {
		return nil, Invalid("values", "name at least one parameter to set")
	}
	out := map[string]string{}
	names := make([]string, 0, len(values))
	for name := range values {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		d, ok := LookupParam(name)
		if !ok {
			return nil, Invalid(name, "unknown parameter %q; the tunable ones are %s", name, strings.Join(paramNames(), ", "))
		}
		v, err := d.Check(inst, values[name])
		if err != nil {
			return nil, err
		}
		out[name] = v
	}
	desired := inst.DesiredParams()
	for k, v := range out {
		desired[k] = v
	}
	gmin, _ := strconv.Atoi(desired["group.min.session.timeout.ms"])
	gmax, _ := strconv.Atoi(desired["group.max.session.timeout.ms"])
	if gmin > gmax {
		return nil, Invalid("group.min.session.timeout.ms", "group.min.session.timeout.ms (%d) must not exceed group.max.session.timeout.ms (%d)", gmin, gmax)
	}
	return out, nil
}

func paramNames() []string {
	var names []string
	for _, d := range ParamDefs() {
		names = append(names, d.Name)
	}
	return names
}

// DesiredParams returns every parameter's desired value: what the user set,
// else the default.
func (inst *Instance) DesiredParams() map[string]string {
	out := map[string]string{}
	for _, d := range paramDefs {
		out[d.Name] = d.DefaultFor(inst)
		if v, ok := inst.Parameters[d.Name]; ok {
			out[d.Name] = v
		}
	}
	out[ParamAutoCreateTopics] = strconv.FormatBool(inst.AutoCreateTopics)
	return out
}

// StaticParams returns the desired values of the static parameters: what
// the brokers' configuration files must say.
func (inst *Instance) StaticParams() map[string]string {
	desired := inst.DesiredParams()
	out := map[string]string{}
	for _, d := range paramDefs {
		if !d.Dynamic {
			out[d.Name] = desired[d.Name]
		}
	}
	return out
}

// PendingParams lists the static parameters whose desired value the
// brokers do not run with yet.
func (inst *Instance) PendingParams() []string {
	var out []string
	for name, v := range inst.StaticParams() {
		if applied, ok := inst.AppliedParameters[name]; !ok || applied != v {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// BaselineParams are the dynamic parameters' DMS defaults, written into the
// brokers' configuration; a live change overrides them cluster-wide, and
// resetting it falls back to them.
func BaselineParams() map[string]string {
	out := map[string]string{}
	for _, d := range paramDefs {
		if d.Dynamic {
			out[d.Name] = d.Default
		}
	}
	return out
}
