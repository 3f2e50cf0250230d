package sqlstore

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	streamplane "github.com/streamplane/streamplane"
)

var _ streamplane.MigrationStore = (*tx)(nil)

const migrationColumns = `id, instance_id, name, spec, state, state_reason, task_id, pid, started_at, restarts,
	resource_version, created_at, updated_at, deleted_at`

// migrationSpec is the spec column: what the user chose. The source's
// password is not part of it (MigrationSource marshals without it).
type migrationSpec struct {
	Source           streamplane.MigrationSource `json:"source"`
	Topics           string                      `json:"topics"`
	Groups           string                      `json:"groups"`
	SyncTopicConfigs bool                        `json:"sync_topic_configs"`
	SyncACLs         bool                        `json:"sync_acls"`
}

func specOf(m *streamplane.Migration) string {
	return mustJSON(migrationSpec{Source: m.Source, Topics: m.Topics, Groups: m.Groups, SyncTopicConfigs: m.SyncTopicConfigs, SyncACLs: m.SyncACLs})
}

func (t *tx) Migration(instanceID, idOrName string) (*streamplane.Migration, error) {
	// By id; else the live one of that name; else the one of that name
	// deleted last, so that its end stays visible by name.
	rows, err := t.query(`SELECT `+migrationColumns+` FROM migrations WHERE instance_id = ? AND (id = ? OR name = ?)
		ORDER BY id = ? DESC, deleted_at IS NULL DESC, created_at DESC LIMIT 1`, instanceID, idOrName, idOrName, idOrName)
	if err != nil {
		return nil, err
	}
	list, err := scanMigrations(rows)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, &streamplane.Error{Code: streamplane.ENOTFOUND, Field: "migration", Message: fmt.Sprintf("migration %q not found", idOrName)}
	}
	return list[0], nil
}

func (t *tx) Migrations(f streamplane.MigrationFilter) ([]*streamplane.Migration, error) {
	q, args := `SELECT `+migrationColumns+` FROM migrations WHERE 1 = 1`, []any{}
	if f.InstanceID != "" {
		q, args = q+` AND instance_id = ?`, append(args, f.InstanceID)
	}
	if !f.IncludeDeleted {
		q += ` AND deleted_at IS NULL`
	}
	rows, err := t.query(q+` ORDER BY created_at, id`, args...)
	if err != nil {
		return nil, err
	}
	return scanMigrations(rows)
}

func (t *tx) CreateMigration(m *streamplane.Migration) error {
	m.ResourceVersion = 1
	m.CreatedAt, m.UpdatedAt = t.now, t.now
	_, err := t.tryExec(`INSERT INTO migrations (`+migrationColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		m.ID, m.InstanceID, m.Name, specOf(m), string(m.State), m.StateReason, m.TaskID, m.PID, nullNanos(m.StartedAt), m.Restarts,
		m.ResourceVersion, nanos(m.CreatedAt), nanos(m.UpdatedAt), nullNanos(m.DeletedAt))
	if t.d.IsUniqueViolation(err) {
		return &streamplane.Error{Code: streamplane.ECONFLICT, Field: "name", Message: fmt.Sprintf("the instance has a migration named %q already", m.Name)}
	} else if err != nil {
		return fmt.Errorf("store: insert migration: %w", err)
	}
	return nil
}

func (t *tx) UpdateMigration(m *streamplane.Migration) error {
	res, err := t.exec(`UPDATE migrations SET spec = ?, state = ?, state_reason = ?, task_id = ?, pid = ?, started_at = ?, restarts = ?,
		deleted_at = ?, resource_version = resource_version + 1, updated_at = ? WHERE id = ? AND resource_version = ?`,
		specOf(m), string(m.State), m.StateReason, m.TaskID, m.PID, nullNanos(m.StartedAt), m.Restarts, nullNanos(m.DeletedAt),
		nanos(t.now), m.ID, m.ResourceVersion)
	if err != nil {
		return fmt.Errorf("store: update migration: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		var current int64
		err := t.queryRow(`SELECT resource_version FROM migrations WHERE id = ?`, m.ID).Scan(&current)
		if errors.Is(err, sql.ErrNoRows) {
			return &streamplane.Error{Code: streamplane.ENOTFOUND, Field: "migration", Message: fmt.Sprintf("migration %q not found", m.Name)}
		} else if err != nil {
			return err
		}
		return stale("migration", m.Name, current, m.ResourceVersion)
	}
	m.ResourceVersion++
	m.UpdatedAt = t.now
	return nil
}

func (t *tx) SaveMigrationObserved(m *streamplane.Migration) error {
	res, err := t.exec(`UPDATE migrations SET state = ?, state_reason = ?, pid = ?, started_at = ?, restarts = ?, updated_at = ? WHERE id = ?`,
		string(m.State), m.StateReason, m.PID, nullNanos(m.StartedAt), m.Restarts, nanos(t.now), m.ID)
	if err != nil {
		return fmt.Errorf("store: save migration: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return &streamplane.Error{Code: streamplane.ENOTFOUND, Field: "migration", Message: fmt.Sprintf("migration %q not found", m.Name)}
	}
	m.UpdatedAt = t.now
	return nil
}

func scanMigrations(rows *sql.Rows) ([]*streamplane.Migration, error) {
	defer rows.Close()
	var out []*streamplane.Migration
	for rows.Next() {
		var m streamplane.Migration
		var spec, state string
		var started, deleted sql.NullInt64
		var created, updated int64
		if err := rows.Scan(&m.ID, &m.InstanceID, &m.Name, &spec, &state, &m.StateReason, &m.TaskID, &m.PID, &started, &m.Restarts,
			&m.ResourceVersion, &created, &updated, &deleted); err != nil {
			return nil, err
		}
		var s migrationSpec
		if err := json.Unmarshal([]byte(spec), &s); err != nil {
			return nil, fmt.Errorf("store: migration %s: spec: %w", m.ID, err)
		}
		m.Source, m.Topics, m.Groups, m.SyncTopicConfigs, m.SyncACLs = s.Source, s.Topics, s.Groups, s.SyncTopicConfigs, s.SyncACLs
		m.State = streamplane.MigrationState(state)
		m.StartedAt, m.DeletedAt = fromNullNanos(started), fromNullNanos(deleted)
		m.CreatedAt, m.UpdatedAt = fromNanos(created), fromNanos(updated)
		out = append(out, &m)
	}
	return out, rows.Err()
}
