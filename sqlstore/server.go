package sqlstore

import (
	"fmt"
	"time"

	streamplane "github.com/streamplane/streamplane"
)

func (t *tx) PutServer(s *streamplane.ServerInfo) error {
	_, err := t.exec(`INSERT INTO servers (id, host, data_dir, listen, provisioner, started_at, seen_at) VALUES (?,?,?,?,?,?,?)
		ON CONFLICT (id) DO UPDATE SET host = excluded.host, data_dir = excluded.data_dir, listen = excluded.listen,
		provisioner = excluded.provisioner, started_at = excluded.started_at, seen_at = excluded.seen_at`,
		s.ID, s.Host, s.DataDir, s.Listen, s.Provisioner, nanos(s.StartedAt), nanos(s.SeenAt))
	if err != nil {
		return fmt.Errorf("store: put server: %w", err)
	}
	return nil
}

func (t *tx) Servers(since time.Time) ([]streamplane.ServerInfo, error) {
	rows, err := t.query(`SELECT id, host, data_dir, listen, provisioner, started_at, seen_at FROM servers WHERE seen_at >= ? ORDER BY id`, nanos(since))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []streamplane.ServerInfo
	for rows.Next() {
		var s streamplane.ServerInfo
		var started, seen int64
		if err := rows.Scan(&s.ID, &s.Host, &s.DataDir, &s.Listen, &s.Provisioner, &started, &seen); err != nil {
			return nil, err
		}
		s.StartedAt, s.SeenAt = fromNanos(started), fromNanos(seen)
		out = append(out, s)
	}
	return out, rows.Err()
}

func (t *tx) DeleteServer(id string) error {
	if _, err := t.exec(`DELETE FROM servers WHERE id = ?`, id); err != nil {
		return err
	}
	if _, err := t.exec(`UPDATE leases SET owner = '', until = ? WHERE owner = ?`, nanos(t.now), id); err != nil {
		return err
	}
	_, err := t.exec(`UPDATE tasks SET lease_owner = '', lease_until = NULL WHERE lease_owner = ? AND active = 1`, id)
	return err
}
