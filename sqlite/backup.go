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
// overwrite it.
func (db *DB) Backup(ctx context.Context, path string) error {
	if _, err := os.Lstat(path); err == nil {
		return &streamplane.Error{Code: streamplane.ECONFLICT, Field: "path",
			Message: fmt.Sprintf("%s exists already; back up to a new file", path)}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("sqlite: backup: %w", err)
	}
	if _, err := db.reader.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		return fmt.Errorf("sqlite: backup to %s: %w", path, err)
	}
	return nil
}
