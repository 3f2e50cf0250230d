package sqlstore

import (
	"database/sql"
	"errors"

	streamplane "github.com/streamplane/streamplane"
)

func (t *tx) PutSecret(owner, name string, sealed []byte) error {
	_, err := t.exec(`INSERT INTO secrets (owner, name, sealed) VALUES (?, ?, ?)
		ON CONFLICT (owner, name) DO UPDATE SET sealed = excluded.sealed`, owner, name, sealed)
	return err
}

func (t *tx) Secret(owner, name string) ([]byte, error) {
	var sealed []byte
	err := t.queryRow(`SELECT sealed FROM secrets WHERE owner = ? AND name = ?`, owner, name).Scan(&sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, streamplane.Errorf(streamplane.ENOTFOUND, "secret %s of %s not found", name, owner)
	}
	return sealed, err
}

func (t *tx) DeleteSecrets(owner string) error {
	_, err := t.exec(`DELETE FROM secrets WHERE owner = ?`, owner)
	return err
}

func (t *tx) DeleteSecret(owner, name string) error {
	_, err := t.exec(`DELETE FROM secrets WHERE owner = ? AND name = ?`, owner, name)
	return err
}
