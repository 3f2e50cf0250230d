package storetest

import (
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
)

// A deleted rule's firing alarm stays in the history, resolved; its
// resolved alarms keep their resolve.
func testDeleteAlarmRule(t *testing.T, s streamplane.Store) {
	fired := time.Unix(1_700_000_000, 0).UTC()
	resolved := fired.Add(time.Minute)
	one := 1.0
	err := s.Update(ctx, func(tx streamplane.Tx) error {
		if err := tx.CreateAlarmRule(&streamplane.AlarmRule{ID: "r1", InstanceID: "i1", Name: "down", Metric: "broker_alive",
			Op: "==", Periods: 1, Severity: streamplane.SeverityCritical, Enabled: true}); err != nil {
			return err
		}
		for _, a := range []*streamplane.Alarm{
			{ID: "a1", RuleID: "r1", InstanceID: "i1", State: streamplane.AlarmFiring, FiredAt: fired},
			{ID: "a0", RuleID: "r1", InstanceID: "i1", State: streamplane.AlarmResolved, FiredAt: fired, ResolvedAt: &resolved, ResolvedValue: &one},
		} {
			if err := tx.CreateAlarm(a); err != nil {
				return err
			}
		}
		return tx.DeleteAlarmRule("r1")
	})
	if err != nil {
		t.Fatal(err)
	}
	s.View(ctx, func(tx streamplane.Tx) error {
		a1, err := tx.Alarm("a1")
		if err != nil || a1.State != streamplane.AlarmResolved || a1.ResolvedAt == nil || a1.ResolvedValue != nil {
			t.Errorf("the firing alarm after its rule's delete: %+v, %v; want resolved, no value", a1, err)
		}
		a0, err := tx.Alarm("a0")
		if err != nil || !a0.ResolvedAt.Equal(resolved) || *a0.ResolvedValue != 1 {
			t.Errorf("the resolved alarm after its rule's delete: %+v, %v; want it unchanged", a0, err)
		}
		if _, err := tx.AlarmRule("i1", "down"); streamplane.ErrorCode(err) != streamplane.ENOTFOUND {
			t.Errorf("the rule after delete: %v", err)
		}
		return nil
	})
}
