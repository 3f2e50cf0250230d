package alarm

import (
	"testing"

	streamplane "github.com/streamplane/streamplane"
)

// A rule fires once when the condition has held for its periods, stays
// quiet while it keeps holding, and resolves once when it stops.
func TestStepFiresOnceAndResolvesOnce(t *testing.T) {
	rule := &streamplane.AlarmRule{ID: "r", Op: ">", Threshold: 80, Periods: 3}
	var s streamplane.AlarmState
	var got []Transition
	for i, v := range []float64{90, 95, 70, 85, 85, 85, 99, 99, 50, 40} {
		var tr Transition
		s, tr = Step(rule, s, v)
		if tr == Fire {
			s.AlarmID = "a" + string(rune('0'+i))
		}
		got = append(got, tr)
	}
	want := []Transition{Hold, Hold, Hold, Hold, Hold, Fire, Hold, Hold, Resolve, Hold}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("transitions %v, want %v", got, want)
		}
	}
	if !empty(s) {
		t.Errorf("state after resolving: %+v, want empty", s)
	}
}

func TestDefaultRulesAreValid(t *testing.T) {
	inst := &streamplane.Instance{ID: "i", Name: "demo", Flavor: "kafka.2u4g.cluster", BrokerCount: 3}
	rules, err := DefaultRules(inst, DefaultLimits, []string{"ops"})
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, r := range rules {
		if err := r.Validate(); err != nil {
			t.Errorf("%s: %v", r.Name, err)
		}
		names[r.Name] = true
	}
	if len(names) != len(rules) {
		t.Error("two default rules share a name")
	}
	if r := rules[3]; r.Metric != "current_partitions" || r.Threshold != 675 {
		t.Errorf("partition rule %s > %v, want current_partitions > 675 (90%% of 3 × 250)", r.Metric, r.Threshold)
	}
	if _, err := DefaultRules(inst, Limits{GroupMessages: 0, TopicMessages: 1}, nil); streamplane.ErrorCode(err) != streamplane.EINVALID {
		t.Errorf("a zero limit: %v, want INVALID_ARGUMENT", err)
	}
}
