package sqlstore

import (
	"database/sql"
	"errors"
	"fmt"

	streamplane "github.com/streamplane/streamplane"
)

const policyColumns = `name, description, document, resource_version, created_at, updated_at`

func (t *tx) Policy(name string) (*streamplane.Policy, error) {
	rows, err := t.query(`SELECT `+policyColumns+` FROM policies WHERE name = ?`, name)
	if err != nil {
		return nil, err
	}
	list, err := scanPolicies(rows)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, policyNotFound(name)
	}
	return list[0], nil
}

func (t *tx) Policies() ([]*streamplane.Policy, error) {
	rows, err := t.query(`SELECT ` + policyColumns + ` FROM policies ORDER BY name`)
	if err != nil {
		return nil, err
	}
	return scanPolicies(rows)
}

func (t *tx) CreatePolicy(p *streamplane.Policy) error {
	p.ResourceVersion = 1
	p.CreatedAt, p.UpdatedAt = t.now, t.now
	_, err := t.tryExec(`INSERT INTO policies (`+policyColumns+`) VALUES (?,?,?,?,?,?)`,
		p.Name, p.Description, mustJSON(p.Document), p.ResourceVersion, nanos(p.CreatedAt), nanos(p.UpdatedAt))
	if t.d.IsUniqueViolation(err) {
		return &streamplane.Error{Code: streamplane.ECONFLICT, Field: "name", Message: fmt.Sprintf("a policy named %q already exists", p.Name)}
	} else if err != nil {
		return fmt.Errorf("store: insert policy: %w", err)
	}
	return nil
}

// UpdatePolicy saves the description and document.
func (t *tx) UpdatePolicy(p *streamplane.Policy) error {
	res, err := t.exec(`UPDATE policies SET description = ?, document = ?, resource_version = resource_version + 1,
		updated_at = ? WHERE name = ? AND resource_version = ?`,
		p.Description, mustJSON(p.Document), nanos(t.now), p.Name, p.ResourceVersion)
	if err != nil {
		return fmt.Errorf("store: update policy: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		var current int64
		err := t.queryRow(`SELECT resource_version FROM policies WHERE name = ?`, p.Name).Scan(&current)
		if errors.Is(err, sql.ErrNoRows) {
			return policyNotFound(p.Name)
		} else if err != nil {
			return err
		}
		return stale("policy", p.Name, current, p.ResourceVersion)
	}
	p.ResourceVersion++
	p.UpdatedAt = t.now
	return nil
}

func (t *tx) DeletePolicy(name string) error {
	if _, err := t.Policy(name); err != nil {
		return err
	}
	var users int
	if err := t.queryRow(`SELECT COUNT(DISTINCT account_id) FROM attachments WHERE policy = ?`, name).Scan(&users); err != nil {
		return err
	}
	if users > 0 {
		return streamplane.Errorf(streamplane.ESTATE, "policy %s is attached to %d user(s); detach it first", name, users)
	}
	_, err := t.exec(`DELETE FROM policies WHERE name = ?`, name)
	return err
}

func scanPolicies(rows *sql.Rows) ([]*streamplane.Policy, error) {
	defer rows.Close()
	var list []*streamplane.Policy
	for rows.Next() {
		var (
			p                streamplane.Policy
			doc              string
			created, updated int64
		)
		if err := rows.Scan(&p.Name, &p.Description, &doc, &p.ResourceVersion, &created, &updated); err != nil {
			return nil, fmt.Errorf("store: scan policy: %w", err)
		}
		p.CreatedAt, p.UpdatedAt = fromNanos(created), fromNanos(updated)
		if err := unmarshalAll(doc, &p.Document); err != nil {
			return nil, err
		}
		list = append(list, &p)
	}
	return list, rows.Err()
}

func policyNotFound(name string) error {
	return &streamplane.Error{Code: streamplane.ENOTFOUND, Field: "policy", Message: fmt.Sprintf("policy %q not found", name)}
}
