package sqlstore

import (
	"database/sql"
	"errors"
	"fmt"

	streamplane "github.com/streamplane/streamplane"
)

const accountColumns = `id, name, password_hash, project, resource_version, created_at, updated_at`

func (t *tx) Account(idOrName string) (*streamplane.Account, error) {
	rows, err := t.query(`SELECT `+accountColumns+` FROM accounts WHERE id = ? OR name = ? ORDER BY id = ? DESC LIMIT 1`,
		idOrName, idOrName, idOrName)
	if err != nil {
		return nil, err
	}
	list, err := t.scanAccounts(rows)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, accountNotFound(idOrName)
	}
	return list[0], nil
}

func (t *tx) Accounts() ([]*streamplane.Account, error) {
	rows, err := t.query(`SELECT ` + accountColumns + ` FROM accounts ORDER BY name`)
	if err != nil {
		return nil, err
	}
	return t.scanAccounts(rows)
}

// CreateAccount inserts the account and any attachments it carries.
func (t *tx) CreateAccount(a *streamplane.Account) error {
	a.ResourceVersion = 1
	a.CreatedAt, a.UpdatedAt = t.now, t.now
	a.Project = project(a.Project)
	a.HasPassword = a.PasswordHash != ""
	_, err := t.tryExec(`INSERT INTO accounts (`+accountColumns+`) VALUES (?,?,?,?,?,?,?)`,
		a.ID, a.Name, a.PasswordHash, a.Project, a.ResourceVersion, nanos(a.CreatedAt), nanos(a.UpdatedAt))
	if t.d.IsUniqueViolation(err) {
		return &streamplane.Error{Code: streamplane.ECONFLICT, Field: "name", Message: fmt.Sprintf("a user named %q already exists", a.Name)}
	} else if err != nil {
		return fmt.Errorf("store: insert account: %w", err)
	}
	for i := range a.Attachments {
		a.Attachments[i].AccountID = a.ID
		if err := t.Attach(a.Attachments[i]); err != nil {
			return err
		}
	}
	return nil
}

func (t *tx) UpdateAccount(a *streamplane.Account) error {
	a.Project = project(a.Project)
	res, err := t.tryExec(`UPDATE accounts SET name = ?, password_hash = ?, project = ?, resource_version = resource_version + 1,
		updated_at = ? WHERE id = ? AND resource_version = ?`,
		a.Name, a.PasswordHash, a.Project, nanos(t.now), a.ID, a.ResourceVersion)
	if t.d.IsUniqueViolation(err) {
		return &streamplane.Error{Code: streamplane.ECONFLICT, Field: "name", Message: fmt.Sprintf("a user named %q already exists", a.Name)}
	} else if err != nil {
		return fmt.Errorf("store: update account: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		var current int64
		err := t.queryRow(`SELECT resource_version FROM accounts WHERE id = ?`, a.ID).Scan(&current)
		if errors.Is(err, sql.ErrNoRows) {
			return accountNotFound(a.ID)
		} else if err != nil {
			return err
		}
		return stale("user", a.Name, current, a.ResourceVersion)
	}
	a.ResourceVersion++
	a.UpdatedAt = t.now
	a.HasPassword = a.PasswordHash != ""
	return nil
}

// DeleteAccount removes the account; its attachments and tokens go with it
// (ON DELETE CASCADE).
func (t *tx) DeleteAccount(id string) error {
	res, err := t.exec(`DELETE FROM accounts WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("store: delete account: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return accountNotFound(id)
	}
	return nil
}

func (t *tx) Attach(a streamplane.Attachment) error {
	_, err := t.tryExec(`INSERT INTO attachments (account_id, policy, project) VALUES (?, ?, ?)
		ON CONFLICT (account_id, policy, project) DO NOTHING`, a.AccountID, a.Policy, a.Project)
	if t.d.IsForeignKeyViolation(err) {
		return accountNotFound(a.AccountID)
	} else if err != nil {
		return fmt.Errorf("store: attach policy: %w", err)
	}
	return nil
}

func (t *tx) Detach(a streamplane.Attachment) error {
	res, err := t.exec(`DELETE FROM attachments WHERE account_id = ? AND policy = ? AND project = ?`, a.AccountID, a.Policy, a.Project)
	if err != nil {
		return fmt.Errorf("store: detach policy: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return &streamplane.Error{Code: streamplane.ENOTFOUND, Field: "policy",
			Message: fmt.Sprintf("policy %s is not attached in project %s", a.Policy, a.Project)}
	}
	return nil
}

func (t *tx) scanAccounts(rows *sql.Rows) ([]*streamplane.Account, error) {
	defer rows.Close()
	var list []*streamplane.Account
	for rows.Next() {
		var (
			a                streamplane.Account
			created, updated int64
		)
		if err := rows.Scan(&a.ID, &a.Name, &a.PasswordHash, &a.Project, &a.ResourceVersion, &created, &updated); err != nil {
			return nil, fmt.Errorf("store: scan account: %w", err)
		}
		a.CreatedAt, a.UpdatedAt = fromNanos(created), fromNanos(updated)
		a.HasPassword = a.PasswordHash != ""
		list = append(list, &a)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return list, t.loadAttachments(list)
}

// loadAttachments fills the listed accounts' attachments in one query,
// ordered by project, then policy.
func (t *tx) loadAttachments(list []*streamplane.Account) error {
	if len(list) == 0 {
		return nil
	}
	byID := make(map[string]*streamplane.Account, len(list))
	ids := make([]string, 0, len(list))
	for _, a := range list {
		byID[a.ID], a.Attachments = a, []streamplane.Attachment{}
		ids = append(ids, a.ID)
	}
	cond, args := inList("account_id", ids)
	rows, err := t.query(`SELECT account_id, policy, project FROM attachments WHERE `+cond+` ORDER BY project, policy`, args...)
	if err != nil {
		return fmt.Errorf("store: load attachments: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var at streamplane.Attachment
		if err := rows.Scan(&at.AccountID, &at.Policy, &at.Project); err != nil {
			return fmt.Errorf("store: scan attachment: %w", err)
		}
		if a := byID[at.AccountID]; a != nil {
			a.Attachments = append(a.Attachments, at)
		}
	}
	return rows.Err()
}

func accountNotFound(idOrName string) error {
	return &streamplane.Error{Code: streamplane.ENOTFOUND, Field: "user", Message: fmt.Sprintf("user %q not found", idOrName)}
}

// stale is the ESTALE error for a write based on an old resource version.
func stale(kind, name string, current, given int64) error {
	return &streamplane.Error{Code: streamplane.ESTALE, Field: "resource_version",
		Message: fmt.Sprintf("%s %s is at resource version %d, not %d; read it again and retry", kind, name, current, given)}
}
