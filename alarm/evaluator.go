package alarm

import (
	"context"
	"log/slog"
	"time"

	streamplane "github.com/streamplane/streamplane"
)

// Notifier queues the notifications of an alarm that fired or resolved,
// inside the transaction that records it.
type Notifier interface {
	Enqueue(tx streamplane.Tx, inst *streamplane.Instance, rule *streamplane.AlarmRule, a *streamplane.Alarm) error
	// Wake tells the delivery worker there is something to send.
	Wake()
}

// Evaluator runs every rule on each collection's samples.
type Evaluator struct {
	Store    streamplane.Store
	Notifier Notifier // nil: alarms are recorded without notifications
	Log      *slog.Logger
	NewID    func() string
}

// Observe evaluates the rules of the collected instances on their samples,
// in one transaction.
func (e *Evaluator) Observe(ctx context.Context, at time.Time, instances []*streamplane.Instance, samples []streamplane.Sample) {
	byID := map[string]*streamplane.Instance{}
	for _, inst := range instances {
		byID[inst.ID] = inst
	}
	values := map[string][]streamplane.Sample{} // by metric
	for _, s := range samples {
		values[s.Key.Metric] = append(values[s.Key.Metric], s)
	}
	queued := false
	err := e.Store.Update(ctx, func(tx streamplane.Tx) error {
		queued = false
		rules, err := tx.AlarmRules("")
		if err != nil {
			return err
		}
		for _, rule := range rules {
			inst := byID[rule.InstanceID]
			if inst == nil {
				continue // not collected this round: nothing is known
			}
			n, err := e.evaluate(tx, at, inst, rule, values[rule.Metric])
			if err != nil {
				return err
			}
			queued = queued || n > 0
		}
		return nil
	})
	if err != nil {
		e.Log.Error("alarm evaluation", "err", err)
		return
	}
	if queued && e.Notifier != nil {
		e.Notifier.Wake()
	}
}

// evaluate runs one rule on the samples of its metric and returns how many
// alarms fired or resolved. A series without a sample this round keeps its
// state: no data is not a breach, nor the end of one. A disabled rule
// resolves what it has firing and forgets its states.
func (e *Evaluator) evaluate(tx streamplane.Tx, at time.Time, inst *streamplane.Instance, rule *streamplane.AlarmRule, samples []streamplane.Sample) (int, error) {
	states, err := tx.AlarmStates(rule.ID)
	if err != nil {
		return 0, err
	}
	prev := map[streamplane.SeriesKey]streamplane.AlarmState{}
	for _, s := range states {
		prev[s.Series] = s
	}
	changed := 0
	if !rule.Enabled {
		for _, s := range states {
			if s.AlarmID != "" {
				if err := e.resolve(tx, at, inst, rule, s.AlarmID, nil); err != nil {
					return 0, err
				}
				changed++
			}
			if err := tx.DeleteAlarmState(rule.ID, s.Series); err != nil {
				return 0, err
			}
		}
		return changed, nil
	}
	for _, sample := range samples {
		if !rule.Watches(sample.Key) {
			continue
		}
		before, known := prev[sample.Key]
		if !known {
			before = streamplane.AlarmState{RuleID: rule.ID, Series: sample.Key}
		}
		after, tr := Step(rule, before, sample.Value)
		after.At = at
		switch tr {
		case Fire:
			a := &streamplane.Alarm{ID: e.NewID(), RuleID: rule.ID, RuleName: rule.Name, InstanceID: inst.ID, Metric: rule.Metric,
				Labels: sample.Key.Labels(), Op: rule.Op, Threshold: rule.Threshold, Periods: rule.Periods, Severity: rule.Severity,
				State: streamplane.AlarmFiring, Value: sample.Value, FiredAt: at}
			if err := tx.CreateAlarm(a); err != nil {
				return 0, err
			}
			if err := e.notify(tx, inst, rule, a); err != nil {
				return 0, err
			}
			after.AlarmID = a.ID
			changed++
		case Resolve:
			v := sample.Value
			if err := e.resolve(tx, at, inst, rule, before.AlarmID, &v); err != nil {
				return 0, err
			}
			changed++
		}
		switch {
		case empty(after) && known:
			err = tx.DeleteAlarmState(rule.ID, sample.Key)
		case !empty(after) && after != before:
			err = tx.PutAlarmState(after)
		}
		if err != nil {
			return 0, err
		}
	}
	return changed, nil
}

func (e *Evaluator) resolve(tx streamplane.Tx, at time.Time, inst *streamplane.Instance, rule *streamplane.AlarmRule, alarmID string, value *float64) error {
	a, err := tx.Alarm(alarmID)
	if err != nil {
		return err
	}
	a.Resolve(at, value)
	if err := tx.UpdateAlarm(a); err != nil {
		return err
	}
	return e.notify(tx, inst, rule, a)
}

func (e *Evaluator) notify(tx streamplane.Tx, inst *streamplane.Instance, rule *streamplane.AlarmRule, a *streamplane.Alarm) error {
	if e.Notifier == nil || len(rule.Channels) == 0 {
		return nil
	}
	return e.Notifier.Enqueue(tx, inst, rule, a)
}
