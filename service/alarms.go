package service

import (
	"context"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/alarm"
)

// Alarm rules are the server's watch over an instance, not a change to it:
// they are written at once, audited like every change, with no task.

// AlarmRules lists an instance's rules.
func (s *Service) AlarmRules(ctx context.Context, idOrName string) ([]*streamplane.AlarmRule, error) {
	var rules []*streamplane.AlarmRule
	err := s.Store.View(ctx, func(tx streamplane.Tx) error {
		inst, err := tx.Instance(idOrName)
		if err != nil {
			return err
		}
		rules, err = tx.AlarmRules(inst.ID)
		return err
	})
	return orEmptyRules(rules), err
}

// AlarmRule returns one rule by id or name.
func (s *Service) AlarmRule(ctx context.Context, idOrName, rule string) (*streamplane.AlarmRule, error) {
	var r *streamplane.AlarmRule
	err := s.Store.View(ctx, func(tx streamplane.Tx) error {
		inst, err := tx.Instance(idOrName)
		if err != nil {
			return err
		}
		r, err = tx.AlarmRule(inst.ID, rule)
		return err
	})
	return r, err
}

// CreateAlarmRule adds a rule to an instance.
func (s *Service) CreateAlarmRule(ctx context.Context, idOrName string, r streamplane.AlarmRule) (*streamplane.AlarmRule, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	err := s.Store.Update(ctx, func(tx streamplane.Tx) error {
		inst, err := ruleInstance(tx, idOrName, r.Channels)
		if err != nil {
			return err
		}
		r.ID, r.InstanceID = newID(), inst.ID
		r.Channels = orEmptyNames(r.Channels)
		return tx.CreateAlarmRule(&r)
	})
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// CreateDefaultAlarmRules adds DMS table 15-5's rules, skipping those whose
// name the instance already uses, and returns the ones added.
func (s *Service) CreateDefaultAlarmRules(ctx context.Context, idOrName string, req streamplane.DefaultAlarmRules) ([]*streamplane.AlarmRule, error) {
	limits := alarm.DefaultLimits
	if req.GroupMessagesLimit != 0 {
		limits.GroupMessages = req.GroupMessagesLimit
	}
	if req.TopicMessagesLimit != 0 {
		limits.TopicMessages = req.TopicMessagesLimit
	}
	var added []*streamplane.AlarmRule
	err := s.Store.Update(ctx, func(tx streamplane.Tx) error {
		inst, err := ruleInstance(tx, idOrName, req.Channels)
		if err != nil {
			return err
		}
		rules, err := alarm.DefaultRules(inst, limits, orEmptyNames(req.Channels))
		if err != nil {
			return err
		}
		for _, r := range rules {
			if _, err := tx.AlarmRule(inst.ID, r.Name); err == nil {
				continue
			}
			r.ID = newID()
			if err := tx.CreateAlarmRule(r); err != nil {
				return err
			}
			added = append(added, r)
		}
		return nil
	})
	return orEmptyRules(added), err
}

// UpdateAlarmRule changes a rule; version, if set, must be the rule's.
func (s *Service) UpdateAlarmRule(ctx context.Context, idOrName, rule string, u streamplane.AlarmRuleUpdate, version *int64) (*streamplane.AlarmRule, error) {
	var r *streamplane.AlarmRule
	err := s.Store.Update(ctx, func(tx streamplane.Tx) error {
		inst, err := tx.Instance(idOrName)
		if err != nil {
			return err
		}
		if r, err = tx.AlarmRule(inst.ID, rule); err != nil {
			return err
		}
		if version != nil && *version != int64(r.Version) {
			return streamplane.Errorf(streamplane.ESTALE, "alarm rule %s is at version %d, not %d", r.Name, r.Version, *version)
		}
		metric := r.Metric
		u.Apply(r)
		r.Metric = metric // a rule watches one metric for life: its states are that metric's
		if err := r.Validate(); err != nil {
			return err
		}
		if u.Channels != nil {
			if err := checkChannels(tx, r.Channels); err != nil {
				return err
			}
		}
		r.Channels = orEmptyNames(r.Channels)
		return tx.UpdateAlarmRule(r)
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// DeleteAlarmRule removes a rule; the alarms it raised stay in the history,
// and one still firing is resolved.
func (s *Service) DeleteAlarmRule(ctx context.Context, idOrName, rule string) error {
	return s.Store.Update(ctx, func(tx streamplane.Tx) error {
		inst, err := tx.Instance(idOrName)
		if err != nil {
			return err
		}
		r, err := tx.AlarmRule(inst.ID, rule)
		if err != nil {
			return err
		}
		return tx.DeleteAlarmRule(r.ID)
	})
}

// Alarms lists an instance's alarms, newest first.
func (s *Service) Alarms(ctx context.Context, idOrName string, f streamplane.AlarmFilter) ([]*streamplane.Alarm, error) {
	switch f.State {
	case "", streamplane.AlarmFiring, streamplane.AlarmResolved:
	default:
		return nil, streamplane.Invalid("state", "state %q must be firing or resolved", f.State)
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 1000
	}
	var alarms []*streamplane.Alarm
	err := s.Store.View(ctx, func(tx streamplane.Tx) error {
		inst, err := tx.Instance(idOrName)
		if err != nil {
			return err
		}
		f.InstanceID = inst.ID
		if f.RuleID != "" {
			// By name too; a deleted rule's alarms are found by its id.
			if r, err := tx.AlarmRule(inst.ID, f.RuleID); err == nil {
				f.RuleID = r.ID
			}
		}
		alarms, err = tx.Alarms(f)
		return err
	})
	if alarms == nil {
		alarms = []*streamplane.Alarm{}
	}
	return alarms, err
}

// ruleInstance is the instance new rules go on: not being deleted, and
// the channels they notify exist.
func ruleInstance(tx streamplane.Tx, idOrName string, channels []string) (*streamplane.Instance, error) {
	inst, err := tx.Instance(idOrName)
	if err != nil {
		return nil, err
	}
	if inst.Status == streamplane.InstanceDeleting || inst.Status == streamplane.InstanceDeleted {
		return nil, streamplane.Errorf(streamplane.ESTATE, "instance %s is %s", inst.Name, inst.Status)
	}
	return inst, checkChannels(tx, channels)
}

func orEmptyRules(r []*streamplane.AlarmRule) []*streamplane.AlarmRule {
	if r == nil {
		return []*streamplane.AlarmRule{}
	}
	return r
}

func orEmptyNames(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
