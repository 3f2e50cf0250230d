package sqlstore

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	streamplane "github.com/streamplane/streamplane"
)

const alarmRuleColumns = `id, instance_id, name, description, metric, broker, topic, grp, op, threshold, periods,
	severity, enabled, channels, resource_version, created_at, updated_at`

func (t *tx) AlarmRules(instanceID string) ([]*streamplane.AlarmRule, error) {
	q, args := `SELECT `+alarmRuleColumns+` FROM alarm_rules`, []any{}
	if instanceID != "" {
		q += ` WHERE instance_id = ?`
		args = append(args, instanceID)
	}
	rows, err := t.query(q+` ORDER BY instance_id, name`, args...)
	if err != nil {
		return nil, err
	}
	return scanAlarmRules(rows)
}

func (t *tx) AlarmRule(instanceID, idOrName string) (*streamplane.AlarmRule, error) {
	rows, err := t.query(`SELECT `+alarmRuleColumns+` FROM alarm_rules WHERE instance_id = ? AND (id = ? OR name = ?)
		ORDER BY id = ? DESC LIMIT 1`, instanceID, idOrName, idOrName, idOrName)
	if err != nil {
		return nil, err
	}
	list, err := scanAlarmRules(rows)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, &streamplane.Error{Code: streamplane.ENOTFOUND, Field: "rule", Message: fmt.Sprintf("alarm rule %q not found", idOrName)}
	}
	return list[0], nil
}

func (t *tx) CreateAlarmRule(r *streamplane.AlarmRule) error {
	r.Version = 1
	r.CreatedAt, r.UpdatedAt = t.now, t.now
	_, err := t.tryExec(`INSERT INTO alarm_rules (`+alarmRuleColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		r.ID, r.InstanceID, r.Name, r.Description, r.Metric, r.Broker, r.Topic, r.Group, r.Op, r.Threshold, r.Periods,
		r.Severity, r.Enabled, mustJSON(orEmptyList(r.Channels)), r.Version, nanos(r.CreatedAt), nanos(r.UpdatedAt))
	if t.d.IsUniqueViolation(err) {
		return &streamplane.Error{Code: streamplane.ECONFLICT, Field: "name", Message: fmt.Sprintf("the instance has an alarm rule named %q already", r.Name)}
	} else if err != nil {
		return fmt.Errorf("store: insert alarm rule: %w", err)
	}
	return nil
}

func (t *tx) UpdateAlarmRule(r *streamplane.AlarmRule) error {
	res, err := t.tryExec(`UPDATE alarm_rules SET name = ?, description = ?, metric = ?, broker = ?, topic = ?, grp = ?, op = ?,
		threshold = ?, periods = ?, severity = ?, enabled = ?, channels = ?, resource_version = resource_version + 1, updated_at = ?
		WHERE id = ? AND resource_version = ?`,
		r.Name, r.Description, r.Metric, r.Broker, r.Topic, r.Group, r.Op, r.Threshold, r.Periods, r.Severity, r.Enabled,
		mustJSON(orEmptyList(r.Channels)), nanos(t.now), r.ID, r.Version)
	if t.d.IsUniqueViolation(err) {
		return &streamplane.Error{Code: streamplane.ECONFLICT, Field: "name", Message: fmt.Sprintf("the instance has an alarm rule named %q already", r.Name)}
	} else if err != nil {
		return fmt.Errorf("store: update alarm rule: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		var current int64
		err := t.queryRow(`SELECT resource_version FROM alarm_rules WHERE id = ?`, r.ID).Scan(&current)
		if errors.Is(err, sql.ErrNoRows) {
			return &streamplane.Error{Code: streamplane.ENOTFOUND, Field: "rule", Message: fmt.Sprintf("alarm rule %q not found", r.Name)}
		} else if err != nil {
			return err
		}
		return stale("alarm rule", r.Name, current, int64(r.Version))
	}
	r.Version++
	r.UpdatedAt = t.now
	return nil
}

func (t *tx) DeleteAlarmRule(id string) error {
	res, err := t.exec(`DELETE FROM alarm_rules WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("store: delete alarm rule: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return &streamplane.Error{Code: streamplane.ENOTFOUND, Field: "rule", Message: fmt.Sprintf("alarm rule %q not found", id)}
	}
	if _, err := t.exec(`UPDATE alarms SET state = ?, resolved_at = ? WHERE rule_id = ? AND state = ?`,
		streamplane.AlarmResolved, nanos(t.now), id, streamplane.AlarmFiring); err != nil {
		return fmt.Errorf("store: resolve a deleted rule's alarms: %w", err)
	}
	_, err = t.exec(`DELETE FROM alarm_states WHERE rule_id = ?`, id)
	return err
}

func scanAlarmRules(rows *sql.Rows) ([]*streamplane.AlarmRule, error) {
	defer rows.Close()
	var out []*streamplane.AlarmRule
	for rows.Next() {
		var (
			r                streamplane.AlarmRule
			broker           sql.NullInt64
			topic, group     sql.NullString
			channels         string
			created, updated int64
		)
		if err := rows.Scan(&r.ID, &r.InstanceID, &r.Name, &r.Description, &r.Metric, &broker, &topic, &group, &r.Op,
			&r.Threshold, &r.Periods, &r.Severity, &r.Enabled, &channels, &r.Version, &created, &updated); err != nil {
			return nil, err
		}
		if broker.Valid {
			b := int(broker.Int64)
			r.Broker = &b
		}
		if topic.Valid {
			r.Topic = &topic.String
		}
		if group.Valid {
			r.Group = &group.String
		}
		if err := json.Unmarshal([]byte(channels), &r.Channels); err != nil {
			return nil, fmt.Errorf("store: alarm rule %s channels: %w", r.ID, err)
		}
		r.CreatedAt, r.UpdatedAt = fromNanos(created), fromNanos(updated)
		out = append(out, &r)
	}
	return out, rows.Err()
}

func orEmptyList(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (t *tx) AlarmStates(ruleID string) ([]streamplane.AlarmState, error) {
	rows, err := t.query(`SELECT s.broker, s.topic, s.part, s.grp, s.breaches, s.alarm_id, s.at, r.instance_id, r.metric
		FROM alarm_states s JOIN alarm_rules r ON r.id = s.rule_id WHERE s.rule_id = ?`, ruleID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []streamplane.AlarmState
	for rows.Next() {
		s := streamplane.AlarmState{RuleID: ruleID}
		var at int64
		if err := rows.Scan(&s.Series.Broker, &s.Series.Topic, &s.Series.Partition, &s.Series.Group, &s.Breaches, &s.AlarmID, &at,
			&s.Series.InstanceID, &s.Series.Metric); err != nil {
			return nil, err
		}
		s.At = fromNanos(at)
		out = append(out, s)
	}
	return out, rows.Err()
}

func (t *tx) PutAlarmState(s streamplane.AlarmState) error {
	_, err := t.exec(`INSERT INTO alarm_states (rule_id, broker, topic, part, grp, breaches, alarm_id, at) VALUES (?,?,?,?,?,?,?,?)
		ON CONFLICT (rule_id, broker, topic, part, grp) DO UPDATE SET breaches = excluded.breaches, alarm_id = excluded.alarm_id, at = excluded.at`,
		s.RuleID, s.Series.Broker, s.Series.Topic, s.Series.Partition, s.Series.Group, s.Breaches, s.AlarmID, nanos(s.At))
	if err != nil {
		return fmt.Errorf("store: save alarm state: %w", err)
	}
	return nil
}

func (t *tx) DeleteAlarmState(ruleID string, k streamplane.SeriesKey) error {
	_, err := t.exec(`DELETE FROM alarm_states WHERE rule_id = ? AND broker = ? AND topic = ? AND part = ? AND grp = ?`,
		ruleID, k.Broker, k.Topic, k.Partition, k.Group)
	return err
}

const alarmColumns = `id, rule_id, rule_name, instance_id, metric, labels, op, threshold, periods, severity, state, value,
	fired_at, resolved_value, resolved_at`

func (t *tx) CreateAlarm(a *streamplane.Alarm) error {
	_, err := t.exec(`INSERT INTO alarms (`+alarmColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		a.ID, a.RuleID, a.RuleName, a.InstanceID, a.Metric, mustJSON(a.Labels), a.Op, a.Threshold, a.Periods, a.Severity,
		a.State, a.Value, nanos(a.FiredAt), a.ResolvedValue, nullNanos(a.ResolvedAt))
	if err != nil {
		return fmt.Errorf("store: insert alarm: %w", err)
	}
	return nil
}

func (t *tx) UpdateAlarm(a *streamplane.Alarm) error {
	res, err := t.exec(`UPDATE alarms SET state = ?, resolved_value = ?, resolved_at = ? WHERE id = ?`,
		a.State, a.ResolvedValue, nullNanos(a.ResolvedAt), a.ID)
	if err != nil {
		return fmt.Errorf("store: update alarm: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return alarmNotFound(a.ID)
	}
	return nil
}

func (t *tx) Alarm(id string) (*streamplane.Alarm, error) {
	rows, err := t.query(`SELECT `+alarmColumns+` FROM alarms WHERE id = ?`, id)
	if err != nil {
		return nil, err
	}
	list, err := scanAlarms(rows)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, alarmNotFound(id)
	}
	return list[0], nil
}

func (t *tx) Alarms(f streamplane.AlarmFilter) ([]*streamplane.Alarm, error) {
	var where []string
	var args []any
	if f.InstanceID != "" {
		where, args = append(where, `instance_id = ?`), append(args, f.InstanceID)
	}
	if f.RuleID != "" {
		where, args = append(where, `rule_id = ?`), append(args, f.RuleID)
	}
	if f.State != "" {
		where, args = append(where, `state = ?`), append(args, f.State)
	}
	if !f.From.IsZero() {
		where, args = append(where, `(fired_at >= ? OR resolved_at >= ?)`), append(args, nanos(f.From), nanos(f.From))
	}
	if !f.To.IsZero() {
		where, args = append(where, `fired_at <= ?`), append(args, nanos(f.To))
	}
	q := `SELECT ` + alarmColumns + ` FROM alarms`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	q += ` ORDER BY fired_at DESC, id DESC`
	if f.Limit > 0 {
		q += fmt.Sprintf(` LIMIT %d`, f.Limit)
	}
	rows, err := t.query(q, args...)
	if err != nil {
		return nil, err
	}
	return scanAlarms(rows)
}

func scanAlarms(rows *sql.Rows) ([]*streamplane.Alarm, error) {
	defer rows.Close()
	var out []*streamplane.Alarm
	for rows.Next() {
		var (
			a             streamplane.Alarm
			labels        string
			fired         int64
			resolvedValue sql.NullFloat64
			resolvedAt    sql.NullInt64
		)
		if err := rows.Scan(&a.ID, &a.RuleID, &a.RuleName, &a.InstanceID, &a.Metric, &labels, &a.Op, &a.Threshold, &a.Periods,
			&a.Severity, &a.State, &a.Value, &fired, &resolvedValue, &resolvedAt); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(labels), &a.Labels); err != nil {
			return nil, fmt.Errorf("store: alarm %s labels: %w", a.ID, err)
		}
		a.FiredAt = fromNanos(fired)
		if resolvedValue.Valid {
			a.ResolvedValue = &resolvedValue.Float64
		}
		if resolvedAt.Valid {
			at := fromNanos(resolvedAt.Int64)
			a.ResolvedAt = &at
		}
		out = append(out, &a)
	}
	return out, rows.Err()
}

func alarmNotFound(id string) error {
	return &streamplane.Error{Code: streamplane.ENOTFOUND, Field: "alarm", Message: fmt.Sprintf("alarm %q not found", id)}
}
