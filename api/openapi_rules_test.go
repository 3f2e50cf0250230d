package api_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/iam"
	"github.com/streamplane/streamplane/kafkaruntime"
)

// The rules the document states are the ones the code applies: its enums
// are the code's lists, and its name patterns accept exactly the names the
// validators accept.
func TestOpenAPIRulesMatchCode(t *testing.T) {
	doc := loadDoc(t)
	schemas := doc.Components.Schemas
	prop := func(schema, name string) *openapi3.Schema { return schemas[schema].Value.Properties[name].Value }
	param := func(path, method, name string) *openapi3.Schema {
		item := doc.Paths.Value(path)
		for _, p := range append(item.GetOperation(method).Parameters, item.Parameters...) {
			if p.Value.Name == name {
				return p.Value.Schema.Value
			}
		}
		t.Fatalf("%s %s has no parameter %s", method, path, name)
		return nil
	}
	var flavors []string
	for _, f := range streamplane.Flavors() {
		flavors = append(flavors, f.Name)
	}
	enums := []struct {
		where  string
		schema *openapi3.Schema
		want   []string
	}{
		{"InstanceSpec.version", prop("InstanceSpec", "version"), kafkaruntime.Versions()},
		{"install's {version}", param("/api/v1/runtimes/{version}/install", "POST", "version"), kafkaruntime.Versions()},
		{"InstanceSpec.flavor", prop("InstanceSpec", "flavor"), flavors},
		{"InstanceSpec.disk_type", prop("InstanceSpec", "disk_type"), streamplane.DiskTypes},
		{"OffsetResetRequest.to", prop("OffsetResetRequest", "to"), streamplane.ResetTargets},
		{"TaskStatus", schemas["TaskStatus"].Value, strs(streamplane.TaskStatuses)},
		{"InstanceStatus", schemas["InstanceStatus"].Value, strs(streamplane.InstanceStatuses)},
		{"GroupState", schemas["GroupState"].Value, strs(streamplane.GroupStates)},
		{"AuditEntry.result", prop("AuditEntry", "result"), []string{streamplane.AuditSuccess, streamplane.AuditFailure, streamplane.AuditDenied}},
		{"the audit list's result", param("/api/v1/audit", "GET", "result"), []string{streamplane.AuditSuccess, streamplane.AuditFailure, streamplane.AuditDenied}},
		{"Statement.Effect", prop("Statement", "Effect"), []string{streamplane.EffectAllow, streamplane.EffectDeny}},
		{"PolicyDocument.Version", prop("PolicyDocument", "Version"), []string{iam.PolicyVersion}},
		{"MetricName", schemas["MetricName"].Value, metricNames()},
		{"the metric query's {metric}", param("/api/v1/instances/{instance}/metrics/{metric}", "GET", "metric"), metricNames()},
		{"AlarmRuleSpec.op", prop("AlarmRuleSpec", "op"), streamplane.Comparisons},
		{"AlarmRuleUpdate.op", prop("AlarmRuleUpdate", "op"), streamplane.Comparisons},
		{"AlarmRule.op", prop("AlarmRule", "op"), streamplane.Comparisons},
		{"AlarmRuleSpec.severity", prop("AlarmRuleSpec", "severity"), streamplane.Severities},
		{"AlarmRuleUpdate.severity", prop("AlarmRuleUpdate", "severity"), streamplane.Severities},
		{"AlarmRule.severity", prop("AlarmRule", "severity"), streamplane.Severities},
		{"Alarm.severity", prop("Alarm", "severity"), streamplane.Severities},
		{"Alarm.state", prop("Alarm", "state"), []string{streamplane.AlarmFiring, streamplane.AlarmResolved}},
		{"the alarm list's state", param("/api/v1/instances/{instance}/alarms", "GET", "state"), []string{streamplane.AlarmFiring, streamplane.AlarmResolved}},
		{"AlarmChannelSpec.kind", prop("AlarmChannelSpec", "kind"), streamplane.ChannelKinds},
		{"AlarmChannel.kind", prop("AlarmChannel", "kind"), streamplane.ChannelKinds},
		{"AlarmDelivery.status", prop("AlarmDelivery", "status"), strs([]streamplane.DeliveryStatus{streamplane.DeliveryPending, streamplane.DeliveryDelivered, streamplane.DeliveryFailed})},
		{"the delivery log's status", param("/api/v1/alarm-channels/{channel}/deliveries", "GET", "status"), strs([]streamplane.DeliveryStatus{streamplane.DeliveryPending, streamplane.DeliveryDelivered, streamplane.DeliveryFailed})},
		{"SourceRequest.security_protocol", prop("SourceRequest", "security_protocol"), streamplane.SourceProtocols},
		{"SourceRequest.sasl_mechanism", prop("SourceRequest", "sasl_mechanism"), streamplane.SourceMechanisms},
		{"MigrationSource.security_protocol", prop("MigrationSource", "security_protocol"), streamplane.SourceProtocols},
		{"MigrationSource.sasl_mechanism", prop("MigrationSource", "sasl_mechanism"), streamplane.SourceMechanisms},
		{"MigrationState", schemas["MigrationState"].Value, strs(streamplane.MigrationStates)},
		{"Recommendation.flavor", prop("Recommendation", "flavor"), slices.DeleteFunc(slices.Clone(flavors), func(f string) bool { return f == streamplane.DevFlavor })},
	}
	for _, e := range enums {
		var got []string
		for _, v := range e.schema.Enum {
			got = append(got, v.(string))
		}
		if !slices.Equal(sorted(got), sorted(e.want)) {
			t.Errorf("%s: the document lists %v, the code %v", e.where, got, e.want)
		}
	}

	names := []string{"", "a", "abc", "abcd", "a-b_c", "9lives", "x.y", "__consumer_offsets", "_ab", "_a_", "a__b", "ab\x01c", "ab\x7fc", "ab/c",
		"zä1x", "a.b", "a.", "Ab", "*", "ab*", strings.Repeat("a", 63), strings.Repeat("a", 64), strings.Repeat("a", 65), strings.Repeat("t", 200), strings.Repeat("t", 201), "streamplane-x", "move-orders", "mo", "a-target", "orders-target", strings.Repeat("m", 48), strings.Repeat("m", 49)}
	patterns := []struct {
		where    string
		schema   *openapi3.Schema
		validate func(string) error
	}{
		{"TopicSpec.name", prop("TopicSpec", "name"), func(n string) error { return streamplane.ValidateTopicName("name", n) }},
		{"InstanceSpec.name", prop("InstanceSpec", "name"), streamplane.ValidateInstanceName},
		{"group {group}", param("/api/v1/instances/{instance}/groups/{group}", "GET", "group"), func(n string) error { return streamplane.ValidateGroupName("group", n) }},
		{"AccountSpec.name", prop("AccountSpec", "name"), func(n string) error { return streamplane.ValidateAccountName("name", n) }},
		{"ProjectSpec.name", prop("ProjectSpec", "name"), func(n string) error { return streamplane.ValidateProjectName("name", n) }},
		{"AccountSpec.project", prop("AccountSpec", "project"), func(n string) error { return streamplane.ValidateProjectName("project", n) }},
		{"InstanceSpec.project", prop("InstanceSpec", "project"), func(n string) error { return streamplane.ValidateProjectName("project", n) }},
		{"PolicySpec.name", prop("PolicySpec", "name"), func(n string) error { return streamplane.ValidatePolicyName("name", n) }},
		{"AttachmentSpec.project", prop("AttachmentSpec", "project"), func(n string) error {
			if n == streamplane.AllProjects {
				return nil
			}
			return streamplane.ValidateProjectName("project", n)
		}},
		{"AlarmRuleSpec.name", prop("AlarmRuleSpec", "name"), func(n string) error {
			r := streamplane.AlarmRule{Name: n, Metric: "current_topics", Op: ">", Periods: 1, Severity: streamplane.SeverityInfo}
			return r.Validate()
		}},
		// Names in the form of an id (a UUID) match the pattern and are
		// refused by their form, as instance names are.
		{"AlarmChannelSpec.name", prop("AlarmChannelSpec", "name"), func(n string) error { return streamplane.ValidateChannelName("name", n) }},
		// Names ending in -target match the pattern and are refused by
		// their suffix, which the description states.
		{"MigrationCreateRequest.name", prop("MigrationCreateRequest", "name"), func(n string) error {
			if strings.HasSuffix(n, "-target") {
				return nil
			}
			return streamplane.ValidateMigrationName("name", n)
		}},
		// Reserved names match the pattern and are refused by name.
		{"InstanceSpec.kafka_user", prop("InstanceSpec", "kafka_user"), func(n string) error {
			if streamplane.IsReservedUser(n) {
				return nil
			}
			return streamplane.ValidateKafkaUserName("kafka_user", n)
		}},
	}
	for _, p := range patterns {
		re, err := regexp.Compile(p.schema.Pattern)
		if err != nil {
			t.Fatalf("%s: pattern %q: %v", p.where, p.schema.Pattern, err)
		}
		for _, n := range names {
			inDoc := re.MatchString(n) && len([]rune(n)) >= int(p.schema.MinLength) && (p.schema.MaxLength == nil || len([]rune(n)) <= int(*p.schema.MaxLength))
			if inCode := p.validate(n) == nil; inDoc != inCode {
				t.Errorf("%s %q: the document says valid=%v, the code %v", p.where, n, inDoc, inCode)
			}
		}
	}

	// A project's limits: the range the document states is the one
	// Project.Validate accepts.
	for _, schema := range []string{"Project", "ProjectSpec", "ProjectUpdate"} {
		for _, field := range []string{"max_instances", "max_brokers", "max_storage_gb"} {
			s := prop(schema, field)
			for _, v := range []int{-1, 0, 1, 1_000_000, 1_000_001} {
				p := streamplane.Project{Name: "ab"}
				*map[string]*int{"max_instances": &p.MaxInstances, "max_brokers": &p.MaxBrokers, "max_storage_gb": &p.MaxStorageGB}[field] = v
				inDoc := s.Min != nil && float64(v) >= *s.Min && s.Max != nil && float64(v) <= *s.Max
				if inCode := p.Validate() == nil; inDoc != inCode {
					t.Errorf("%s.%s = %d: the document says valid=%v, the code %v", schema, field, v, inDoc, inCode)
				}
			}
		}
	}
}

func metricNames() []string {
	var names []string
	for _, m := range streamplane.Metrics {
		names = append(names, m.Name)
	}
	return names
}

func sorted(s []string) []string { return slices.Sorted(slices.Values(s)) }

func strs[T ~string](list []T) []string {
	out := make([]string, len(list))
	for i, v := range list {
		out[i] = string(v)
	}
	return out
}
