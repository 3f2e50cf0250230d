package sqlstore

import (
	"fmt"

	streamplane "github.com/streamplane/streamplane"
)

func (t *tx) KafkaUsers(instanceID string) ([]streamplane.KafkaUser, error) {
	rows, err := t.query(`SELECT name, initial, plain_hash, created_at, updated_at FROM kafka_users WHERE instance_id = ? ORDER BY name`, instanceID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []streamplane.KafkaUser
	for rows.Next() {
		u := streamplane.KafkaUser{InstanceID: instanceID}
		var created, updated int64
		if err := rows.Scan(&u.Name, &u.Initial, &u.PlainHash, &created, &updated); err != nil {
			return nil, fmt.Errorf("store: scan kafka user: %w", err)
		}
		u.CreatedAt, u.UpdatedAt = fromNanos(created), fromNanos(updated)
		out = append(out, u)
	}
	return out, rows.Err()
}

func (t *tx) KafkaUser(instanceID, name string) (*streamplane.KafkaUser, error) {
	users, err := t.KafkaUsers(instanceID)
	if err != nil {
		return nil, err
	}
	for i := range users {
		if users[i].Name == name {
			return &users[i], nil
		}
	}
	return nil, &streamplane.Error{Code: streamplane.ENOTFOUND, Field: "user", Message: fmt.Sprintf("instance has no user %q", name)}
}

func (t *tx) PutKafkaUser(u *streamplane.KafkaUser) error {
	if u.CreatedAt.IsZero() {
		u.CreatedAt = t.now
	}
	u.UpdatedAt = t.now
	_, err := t.exec(`INSERT INTO kafka_users (instance_id, name, initial, plain_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (instance_id, name) DO UPDATE SET initial = excluded.initial, plain_hash = excluded.plain_hash, updated_at = excluded.updated_at`,
		u.InstanceID, u.Name, u.Initial, u.PlainHash, nanos(u.CreatedAt), nanos(u.UpdatedAt))
	if err != nil {
		return fmt.Errorf("store: save kafka user: %w", err)
	}
	return nil
}

func (t *tx) DeleteKafkaUser(instanceID, name string) error {
	res, err := t.exec(`DELETE FROM kafka_users WHERE instance_id = ? AND name = ?`, instanceID, name)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return &streamplane.Error{Code: streamplane.ENOTFOUND, Field: "user", Message: fmt.Sprintf("instance has no user %q", name)}
	}
	return nil
}
