package sqlstore

import (
	"database/sql"
	"errors"
	"fmt"

	streamplane "github.com/streamplane/streamplane"
)

const projectColumns = `name, description, max_instances, max_brokers, max_storage_gb, resource_version, created_at, updated_at`

func (t *tx) Project(name string) (*streamplane.Project, error) {
	rows, err := t.query(`SELECT `+projectColumns+` FROM projects WHERE name = ?`, name)
	if err != nil {
		return nil, err
	}
	list, err := scanProjects(rows)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, projectNotFound(name)
	}
	return list[0], nil
}

func (t *tx) Projects() ([]*streamplane.Project, error) {
	rows, err := t.query(`SELECT ` + projectColumns + ` FROM projects ORDER BY name`)
	if err != nil {
		return nil, err
	}
	return scanProjects(rows)
}

func (t *tx) CreateProject(p *streamplane.Project) error {
	p.ResourceVersion = 1
	p.CreatedAt, p.UpdatedAt = t.now, t.now
	_, err := t.tryExec(`INSERT INTO projects (`+projectColumns+`) VALUES (?,?,?,?,?,?,?,?)`,
		p.Name, p.Description, p.MaxInstances, p.MaxBrokers, p.MaxStorageGB, p.ResourceVersion, nanos(p.CreatedAt), nanos(p.UpdatedAt))
	if t.d.IsUniqueViolation(err) {
		return &streamplane.Error{Code: streamplane.ECONFLICT, Field: "name", Message: fmt.Sprintf("a project named %q already exists", p.Name)}
	} else if err != nil {
		return fmt.Errorf("store: insert project: %w", err)
	}
	return nil
}

// UpdateProject saves the description and quotas.
func (t *tx) UpdateProject(p *streamplane.Project) error {
	res, err := t.exec(`UPDATE projects SET description = ?, max_instances = ?, max_brokers = ?, max_storage_gb = ?,
		resource_version = resource_version + 1, updated_at = ? WHERE name = ? AND resource_version = ?`,
		p.Description, p.MaxInstances, p.MaxBrokers, p.MaxStorageGB, nanos(t.now), p.Name, p.ResourceVersion)
	if err != nil {
		return fmt.Errorf("store: update project: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		var current int64
		err := t.queryRow(`SELECT resource_version FROM projects WHERE name = ?`, p.Name).Scan(&current)
		if errors.Is(err, sql.ErrNoRows) {
			return projectNotFound(p.Name)
		} else if err != nil {
			return err
		}
		return stale("project", p.Name, current, p.ResourceVersion)
	}
	p.ResourceVersion++
	p.UpdatedAt = t.now
	return nil
}

func (t *tx) DeleteProject(name string) error {
	if name == streamplane.DefaultProject {
		return streamplane.Errorf(streamplane.ESTATE, "the %s project cannot be deleted", name)
	}
	if _, err := t.Project(name); err != nil {
		return err
	}
	var instances, attachments int
	if err := t.queryRow(`SELECT COUNT(*) FROM instances WHERE project = ? AND status <> 'DELETED'`, name).Scan(&instances); err != nil {
		return err
	}
	if instances > 0 {
		return streamplane.Errorf(streamplane.ESTATE, "project %s has %d instance(s); delete or move them first", name, instances)
	}
	if err := t.queryRow(`SELECT COUNT(*) FROM attachments WHERE project = ?`, name).Scan(&attachments); err != nil {
		return err
	}
	if attachments > 0 {
		return streamplane.Errorf(streamplane.ESTATE, "project %s has %d policy attachment(s); detach them first", name, attachments)
	}
	_, err := t.exec(`DELETE FROM projects WHERE name = ?`, name)
	return err
}

func scanProjects(rows *sql.Rows) ([]*streamplane.Project, error) {
	defer rows.Close()
	var list []*streamplane.Project
	for rows.Next() {
		var (
			p                streamplane.Project
			created, updated int64
		)
		if err := rows.Scan(&p.Name, &p.Description, &p.MaxInstances, &p.MaxBrokers, &p.MaxStorageGB, &p.ResourceVersion,
			&created, &updated); err != nil {
			return nil, fmt.Errorf("store: scan project: %w", err)
		}
		p.CreatedAt, p.UpdatedAt = fromNanos(created), fromNanos(updated)
		list = append(list, &p)
	}
	return list, rows.Err()
}

func projectNotFound(name string) error {
	return &streamplane.Error{Code: streamplane.ENOTFOUND, Field: "project", Message: fmt.Sprintf("project %q not found", name)}
}
