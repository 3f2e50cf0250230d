package sqlite

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	streamplane "github.com/streamplane/streamplane"
)

// Backup writes a consistent copy of the database to a new file at path
// (VACUUM INTO) while the store stays in use: it reads one snapshot, so
// writes carry on and the copy has every transaction committed before it
// began and none after. It refuses a path that exists rather than
// overwrite it. The copy holds the store's secrets and password hashes:
// only its owner may read it.
func (db *DB) Backup(ctx context.Context, path string) error {
	// Creating the file, exclusively and private, claims the path: nothing
	// can appear there between the check and the copy, and VACUUM INTO
	// writes into an empty file, keeping its mode.
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return &streamplane.Error{Code: streamplane.ECONFLICT, Field: "path",
			Message: fmt.Sprintf("%s exists already; back up to a new file", path)}
	} else if err != nil {
		return fmt.Errorf("sqlite: backup: %w", err)
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return fmt.Errorf("sqlite: backup: %w", err)
	}
	if _, err := db.reader.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		// The file is ours and unfinished: it must not pass for a backup.
		os.Remove(path)
		return fmt.Errorf("sqlite: backup to %s: %w", path, err)
	}
	return nil
}
