package streamplane

import (
	"math"
	"slices"
	"testing"
)

// Whatever a client sends, a rule's validation answers without panicking,
// names a field when it refuses, and what it accepts is a rule the
// evaluator can run: a catalog metric, a known comparison, a finite
// threshold, periods in range.
func FuzzAlarmRuleValidate(f *testing.F) {
	f.Add("disk", "broker_disk_usage", ">", 80.0, 1, "critical", -1, "", "")
	f.Add("lag", "messages_remained", ">=", 1e6, 3, "major", -1, "orders", "billing")
	f.Add("x", "current_topics", "==", math.NaN(), 0, "urgent", 2, "t", "")
	f.Fuzz(func(t *testing.T, name, metric, op string, threshold float64, periods int, severity string, broker int, topic, group string) {
		r := AlarmRule{Name: name, Metric: metric, Op: op, Threshold: threshold, Periods: periods, Severity: severity}
		if broker != -1 { // -1: no broker filter
			r.Broker = &broker
		}
		if topic != "" {
			r.Topic = &topic
		}
		if group != "" {
			r.Group = &group
		}
		err := r.Validate()
		if err != nil {
			if e, ok := err.(*Error); !ok || e.Code != EINVALID || e.Field == "" {
				t.Fatalf("refusal %v names no field", err)
			}
			return
		}
		m, ok := MetricByName(r.Metric)
		switch {
		case !ok:
			t.Fatalf("accepted metric %q is not in the catalog", r.Metric)
		case !slices.Contains(Comparisons, r.Op):
			t.Fatalf("accepted op %q", r.Op)
		case math.IsNaN(r.Threshold) || math.IsInf(r.Threshold, 0):
			t.Fatalf("accepted threshold %v", r.Threshold)
		case r.Periods < 1 || r.Periods > MaxAlarmPeriods:
			t.Fatalf("accepted periods %d", r.Periods)
		case r.Topic != nil && !m.HasDimension(DimTopic):
			t.Fatalf("accepted a topic on %s", r.Metric)
		}
		r.Breached(threshold) // any value compares
	})
}
