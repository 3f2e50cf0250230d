package identity

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/iam"
)

// AdminTokenFile is where the first start writes the admin's token.
const AdminTokenFile = "admin.token"

// adminTokenTTL is the first token's lifetime: long, so a fresh install
// keeps working, but not forever; the admin sets a password or makes new
// tokens before it ends.
const adminTokenTTL = 366 * 24 * time.Hour

// Bootstrap creates the admin account with FullAccess in every project and
// writes a token for it to dataDir/admin.token (0600) on the first start.
// It returns the file's path when it wrote one, "" when the admin existed.
func (s *Service) Bootstrap(ctx context.Context, dataDir string) (string, error) {
	var exists bool
	err := s.Store.View(ctx, func(tx streamplane.Tx) error {
		_, err := tx.Account(streamplane.AdminAccount)
		exists = err == nil
		if streamplane.IsCode(err, streamplane.ENOTFOUND) {
			return nil
		}
		return err
	})
	if err != nil || exists {
		return "", err
	}
	acct := &streamplane.Account{ID: newID(), Name: streamplane.AdminAccount, Project: streamplane.DefaultProject}
	err = s.Store.Update(ctx, func(tx streamplane.Tx) error {
		acct.CreatedAt, acct.UpdatedAt = tx.Now(), tx.Now()
		if err := tx.CreateAccount(acct); err != nil {
			return err
		}
		return tx.Attach(streamplane.Attachment{AccountID: acct.ID, Policy: iam.FullAccess, Project: streamplane.AllProjects})
	})
	if err != nil {
		return "", fmt.Errorf("create the admin account: %w", err)
	}
	tok, err := s.issue(ctx, acct, s.now().Add(adminTokenTTL), "first start", false, 0)
	if err != nil {
		return "", err
	}
	path := filepath.Join(dataDir, AdminTokenFile)
	if err := writeSecretFile(path, []byte(tok.Secret+"\n")); err != nil {
		return "", err
	}
	return path, nil
}

// writeSecretFile writes data readable by the owner only, replacing any
// file there atomically.
func writeSecretFile(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	if err := os.Chmod(tmp, 0o600); err != nil { // WriteFile keeps an existing file's mode
		return errors.Join(err, os.Remove(tmp))
	}
	return os.Rename(tmp, path)
}
