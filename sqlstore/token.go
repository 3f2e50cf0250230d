package sqlstore

import (
	"database/sql"
	"fmt"
	"time"

	streamplane "github.com/streamplane/streamplane"
)

// Tokens are read with their account's name.
const tokenSelect = `SELECT t.id, t.account_id, a.name, t.description, t.hash, t.login, t.created_at, t.expires_at,
	t.revoked_at, t.last_used_at FROM tokens t JOIN accounts a ON a.id = t.account_id`

func (t *tx) CreateToken(tok *streamplane.Token) error {
	tok.CreatedAt = t.now
	_, err := t.tryExec(`INSERT INTO tokens (id, account_id, description, hash, login, created_at, expires_at, revoked_at,
		last_used_at) VALUES (?,?,?,?,?,?,?,?,?)`,
		tok.ID, tok.AccountID, tok.Description, tok.Hash, tok.Login, nanos(tok.CreatedAt), nullNanos(tok.ExpiresAt),
		nullNanos(tok.RevokedAt), nullNanos(tok.LastUsedAt))
	if t.d.IsForeignKeyViolation(err) {
		return accountNotFound(tok.AccountID)
	} else if t.d.IsUniqueViolation(err) {
		return &streamplane.Error{Code: streamplane.ECONFLICT, Field: "token", Message: "a token with this id or secret already exists"}
	} else if err != nil {
		return fmt.Errorf("store: insert token: %w", err)
	}
	return t.queryRow(`SELECT name FROM accounts WHERE id = ?`, tok.AccountID).Scan(&tok.Account)
}

func (t *tx) TokenByHash(hash string) (*streamplane.Token, error) {
	return t.oneToken(tokenSelect+` WHERE t.hash = ?`, hash, tokenNotFound(""))
}

func (t *tx) Token(id string) (*streamplane.Token, error) {
	return t.oneToken(tokenSelect+` WHERE t.id = ?`, id, tokenNotFound(id))
}

func (t *tx) Tokens(accountID string) ([]*streamplane.Token, error) {
	q, args := tokenSelect, []any{}
	if accountID != "" {
		q, args = q+` WHERE t.account_id = ?`, append(args, accountID)
	}
	rows, err := t.query(q+` ORDER BY t.created_at DESC, t.id DESC`, args...)
	if err != nil {
		return nil, err
	}
	return scanTokens(rows)
}

func (t *tx) UpdateToken(tok *streamplane.Token) error {
	res, err := t.exec(`UPDATE tokens SET revoked_at = ?, last_used_at = ? WHERE id = ?`,
		nullNanos(tok.RevokedAt), nullNanos(tok.LastUsedAt), tok.ID)
	if err != nil {
		return fmt.Errorf("store: update token: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return tokenNotFound(tok.ID)
	}
	return nil
}

func (t *tx) PruneTokens(before time.Time) (int, error) {
	res, err := t.exec(`DELETE FROM tokens WHERE expires_at < ? OR revoked_at < ?`, nanos(before), nanos(before))
	if err != nil {
		return 0, fmt.Errorf("store: prune tokens: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

func (t *tx) oneToken(q, arg string, notFound error) (*streamplane.Token, error) {
	rows, err := t.query(q, arg)
	if err != nil {
		return nil, err
	}
	list, err := scanTokens(rows)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, notFound
	}
	return list[0], nil
}

func scanTokens(rows *sql.Rows) ([]*streamplane.Token, error) {
	defer rows.Close()
	var list []*streamplane.Token
	for rows.Next() {
		var (
			tok                    streamplane.Token
			created                int64
			expires, revoked, used sql.NullInt64
		)
		if err := rows.Scan(&tok.ID, &tok.AccountID, &tok.Account, &tok.Description, &tok.Hash, &tok.Login, &created,
			&expires, &revoked, &used); err != nil {
			return nil, fmt.Errorf("store: scan token: %w", err)
		}
		tok.CreatedAt = fromNanos(created)
		tok.ExpiresAt, tok.RevokedAt, tok.LastUsedAt = fromNullNanos(expires), fromNullNanos(revoked), fromNullNanos(used)
		list = append(list, &tok)
	}
	return list, rows.Err()
}

// tokenNotFound names the token by id, or not at all when it was looked up
// by the hash of its secret.
func tokenNotFound(id string) error {
	msg := "token not found"
	if id != "" {
		msg = fmt.Sprintf("token %q not found", id)
	}
	return &streamplane.Error{Code: streamplane.ENOTFOUND, Field: "token", Message: msg}
}
