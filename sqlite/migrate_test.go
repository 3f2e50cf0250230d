package sqlite_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/sqlite"
)

// A database made before projects existed keeps its instances, now in the
// default project, which the migration creates.
func TestMigrateInstancesIntoDefaultProject(t *testing.T) {
	path := filepath.Join(t.TempDir(), "streamplane.db")
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	for v, name := range []string{"0001_init.sql", "0002_parameters.sql", "0003_security.sql"} {
		body, err := os.ReadFile(filepath.Join("migrations", name))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := raw.Exec(string(body)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, err := raw.Exec(`INSERT INTO schema_migrations VALUES (?, ?, 0)`, v+1, "migrations/"+name); err != nil {
			t.Fatal(err)
		}
	}
	_, err = raw.Exec(`INSERT INTO instances (id, name, kafka_version, flavor, broker_count, storage_gb_per_broker, disk_type,
		zones, auto_create_topics, tags, status, resource_version, created_at, updated_at)
		VALUES ('i-1', 'old', '4.1.1', 'dev', 1, 10, 'ultrahigh', '[]', 0, '{}', 'RUNNING', 1, 1, 1)`)
	if err != nil {
		t.Fatal(err)
	}
	raw.Close()

	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.View(context.Background(), func(tx streamplane.Tx) error {
		inst, err := tx.Instance("i-1")
		if err != nil {
			return err
		}
		if inst.Project != streamplane.DefaultProject {
			t.Errorf("migrated instance project = %q", inst.Project)
		}
		list, _, err := tx.Instances(streamplane.InstanceFilter{Projects: []string{streamplane.DefaultProject}})
		if err != nil || len(list) != 1 {
			t.Errorf("default project lists %d instances (%v)", len(list), err)
		}
		_, err = tx.Project(streamplane.DefaultProject)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
