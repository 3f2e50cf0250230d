package sqlstore

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	streamplane "github.com/streamplane/streamplane"
)

var _ streamplane.AlarmChannelStore = (*tx)(nil)

const channelColumns = `id, name, kind, url, recipients, has_secret, resource_version, created_at, updated_at`

func (t *tx) AlarmChannel(idOrName string) (*streamplane.AlarmChannel, error) {
	rows, err := t.query(`SELECT `+channelColumns+` FROM alarm_channels WHERE id = ? OR name = ? ORDER BY id = ? DESC LIMIT 1`,
		idOrName, idOrName, idOrName)
	if err != nil {
		return nil, err
	}
	list, err := scanChannels(rows)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, channelNotFound(idOrName)
	}
	return list[0], nil
}

func (t *tx) AlarmChannels() ([]*streamplane.AlarmChannel, error) {
	rows, err := t.query(`SELECT ` + channelColumns + ` FROM alarm_channels ORDER BY name`)
	if err != nil {
		return nil, err
	}
	return scanChannels(rows)
}

func (t *tx) CreateAlarmChannel(c *streamplane.AlarmChannel) error {
	c.ResourceVersion = 1
	c.CreatedAt, c.UpdatedAt = t.now, t.now
	_, err := t.tryExec(`INSERT INTO alarm_channels (`+channelColumns+`) VALUES (?,?,?,?,?,?,?,?,?)`,
		c.ID, c.Name, c.Kind, c.URL, recipients(c.To), c.HasSecret, c.ResourceVersion, nanos(c.CreatedAt), nanos(c.UpdatedAt))
	if t.d.IsUniqueViolation(err) {
		return channelConflict(c)
	} else if err != nil {
		return fmt.Errorf("store: insert alarm channel: %w", err)
	}
	return nil
}

func (t *tx) UpdateAlarmChannel(c *streamplane.AlarmChannel) error {
	res, err := t.tryExec(`UPDATE alarm_channels SET name = ?, url = ?, recipients = ?, has_secret = ?,
		resource_version = resource_version + 1, updated_at = ? WHERE id = ? AND resource_version = ?`,
		c.Name, c.URL, recipients(c.To), c.HasSecret, nanos(t.now), c.ID, c.ResourceVersion)
	if t.d.IsUniqueViolation(err) {
		return channelConflict(c)
	} else if err != nil {
		return fmt.Errorf("store: update alarm channel: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		var current int64
		err := t.queryRow(`SELECT resource_version FROM alarm_channels WHERE id = ?`, c.ID).Scan(&current)
		if errors.Is(err, sql.ErrNoRows) {
			return channelNotFound(c.ID)
		} else if err != nil {
			return err
		}
		return stale("channel", c.Name, current, c.ResourceVersion)
	}
	c.ResourceVersion++
	c.UpdatedAt = t.now
	return nil
}

func (t *tx) DeleteAlarmChannel(id string) error {
	res, err := t.exec(`DELETE FROM alarm_channels WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("store: delete alarm channel: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return channelNotFound(id)
	}
	if _, err := t.exec(`DELETE FROM alarm_deliveries WHERE channel_id = ? AND status = ?`, id, streamplane.DeliveryPending); err != nil {
		return fmt.Errorf("store: drop pending deliveries: %w", err)
	}
	return t.DeleteSecrets(id)
}

const deliveryColumns = `id, channel_id, alarm_id, payload, status, attempts, next_attempt_at, last_error, delivered_at, created_at, updated_at`

func (t *tx) EnqueueDelivery(d *streamplane.AlarmDelivery) error {
	if d.ID == "" {
		return errors.New("store: enqueue delivery: no id")
	}
	if !json.Valid(d.Payload) {
		return streamplane.Invalid("payload", "a delivery's payload must be JSON")
	}
	var one int
	if err := t.queryRow(`SELECT 1 FROM alarm_channels WHERE id = ?`, d.ChannelID).Scan(&one); errors.Is(err, sql.ErrNoRows) {
		return channelNotFound(d.ChannelID)
	} else if err != nil {
		return err
	}
	d.Status, d.Attempts, d.LastError, d.DeliveredAt = streamplane.DeliveryPending, 0, "", nil
	d.CreatedAt, d.UpdatedAt = t.now, t.now
	if d.NextAttemptAt.IsZero() {
		d.NextAttemptAt = t.now
	}
	_, err := t.tryExec(`INSERT INTO alarm_deliveries (`+deliveryColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?,?)`,
		d.ID, d.ChannelID, d.AlarmID, string(d.Payload), d.Status, d.Attempts, nanos(d.NextAttemptAt), d.LastError,
		nil, nanos(d.CreatedAt), nanos(d.UpdatedAt))
	if t.d.IsUniqueViolation(err) {
		return &streamplane.Error{Code: streamplane.ECONFLICT, Field: "id", Message: fmt.Sprintf("delivery %s exists already", d.ID)}
	} else if err != nil {
		return fmt.Errorf("store: insert delivery: %w", err)
	}
	return nil
}

func (t *tx) Delivery(id string) (*streamplane.AlarmDelivery, error) {
	rows, err := t.query(`SELECT `+deliveryColumns+` FROM alarm_deliveries WHERE id = ?`, id)
	if err != nil {
		return nil, err
	}
	list, err := scanDeliveries(rows)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, &streamplane.Error{Code: streamplane.ENOTFOUND, Field: "delivery", Message: fmt.Sprintf("delivery %q not found", id)}
	}
	return list[0], nil
}

func (t *tx) DueDeliveries(now time.Time, limit int) ([]*streamplane.AlarmDelivery, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := t.query(`SELECT `+deliveryColumns+` FROM alarm_deliveries WHERE status = ? AND next_attempt_at <= ?
		ORDER BY next_attempt_at, seq LIMIT ?`, streamplane.DeliveryPending, nanos(now), limit)
	if err != nil {
		return nil, err
	}
	return scanDeliveries(rows)
}

func (t *tx) UpdateDelivery(d *streamplane.AlarmDelivery) error {
	res, err := t.exec(`UPDATE alarm_deliveries SET status = ?, attempts = ?, next_attempt_at = ?, last_error = ?,
		delivered_at = ?, updated_at = ? WHERE id = ?`,
		d.Status, d.Attempts, nanos(d.NextAttemptAt), d.LastError, nullNanos(d.DeliveredAt), nanos(t.now), d.ID)
	if err != nil {
		return fmt.Errorf("store: update delivery: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return &streamplane.Error{Code: streamplane.ENOTFOUND, Field: "delivery", Message: fmt.Sprintf("delivery %q not found", d.ID)}
	}
	d.UpdatedAt = t.now
	return nil
}

func (t *tx) Deliveries(f streamplane.AlarmDeliveryFilter) ([]*streamplane.AlarmDelivery, error) {
	var where []string
	var args []any
	for _, c := range []struct{ column, value string }{
		{"channel_id", f.ChannelID}, {"alarm_id", f.AlarmID}, {"status", string(f.Status)},
	} {
		if c.value != "" {
			where = append(where, c.column+" = ?")
			args = append(args, c.value)
		}
	}
	q := `SELECT ` + deliveryColumns + ` FROM alarm_deliveries`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	rows, err := t.query(q+` ORDER BY seq DESC LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, err
	}
	return scanDeliveries(rows)
}

func (t *tx) PruneDeliveries(before time.Time) (int, error) {
	res, err := t.exec(`DELETE FROM alarm_deliveries WHERE status != ? AND created_at < ?`, streamplane.DeliveryPending, nanos(before))
	if err != nil {
		return 0, fmt.Errorf("store: prune deliveries: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

func scanChannels(rows *sql.Rows) ([]*streamplane.AlarmChannel, error) {
	defer rows.Close()
	var list []*streamplane.AlarmChannel
	for rows.Next() {
		var (
			c                streamplane.AlarmChannel
			to               string
			created, updated int64
		)
		if err := rows.Scan(&c.ID, &c.Name, &c.Kind, &c.URL, &to, &c.HasSecret, &c.ResourceVersion, &created, &updated); err != nil {
			return nil, fmt.Errorf("store: scan alarm channel: %w", err)
		}
		c.CreatedAt, c.UpdatedAt = fromNanos(created), fromNanos(updated)
		if err := unmarshalAll(to, &c.To); err != nil {
			return nil, err
		}
		list = append(list, &c)
	}
	return list, rows.Err()
}

func scanDeliveries(rows *sql.Rows) ([]*streamplane.AlarmDelivery, error) {
	defer rows.Close()
	var list []*streamplane.AlarmDelivery
	for rows.Next() {
		var (
			d                      streamplane.AlarmDelivery
			payload                string
			next, created, updated int64
			delivered              sql.NullInt64
		)
		if err := rows.Scan(&d.ID, &d.ChannelID, &d.AlarmID, &payload, &d.Status, &d.Attempts, &next, &d.LastError,
			&delivered, &created, &updated); err != nil {
			return nil, fmt.Errorf("store: scan delivery: %w", err)
		}
		d.Payload = json.RawMessage(payload)
		d.NextAttemptAt, d.CreatedAt, d.UpdatedAt = fromNanos(next), fromNanos(created), fromNanos(updated)
		d.DeliveredAt = fromNullNanos(delivered)
		list = append(list, &d)
	}
	return list, rows.Err()
}

// recipients is the JSON column of an e-mail channel's addresses.
func recipients(to []string) string {
	if to == nil {
		to = []string{}
	}
	return mustJSON(to)
}

func channelNotFound(idOrName string) error {
	return &streamplane.Error{Code: streamplane.ENOTFOUND, Field: "channel", Message: fmt.Sprintf("alarm channel %q not found", idOrName)}
}

func channelConflict(c *streamplane.AlarmChannel) error {
	return &streamplane.Error{Code: streamplane.ECONFLICT, Field: "name", Message: fmt.Sprintf("an alarm channel named %q already exists", c.Name)}
}
