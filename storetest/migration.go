package storetest

import (
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
)

// MigrationTests are the cases for migration tasks.
var MigrationTests = []struct {
	Name string
	Fn   func(t *testing.T, s streamplane.Store)
}{
	{"MigrationRoundTrip", testMigrationRoundTrip},
	{"MigrationNameUniqueWhileLive", testMigrationNameUnique},
	{"MigrationStaleVersion", testMigrationStaleVersion},
	{"MigrationObservedKeepsVersion", testMigrationObserved},
	{"MigrationsGoWithTheirInstance", testMigrationPurge},
}

// RunMigrations runs MigrationTests, each on a new store.
func RunMigrations(t *testing.T, open func(t *testing.T) streamplane.Store) {
	for _, tt := range MigrationTests {
		t.Run(tt.Name, func(t *testing.T) { tt.Fn(t, open(t)) })
	}
}

func newMigration(id, instanceID, name string) *streamplane.Migration {
	return &streamplane.Migration{ID: id, InstanceID: instanceID, Name: name,
		Source: streamplane.MigrationSource{BootstrapServers: []string{"old-1:9092", "old-2:9092"}, SecurityProtocol: streamplane.SourceSASLSSL,
			SASLMechanism: streamplane.SourceSCRAMSHA512, Username: "mm2", Password: "not-stored", CA: "-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n"},
		Topics: "orders,payments.*", Groups: "billing", SyncTopicConfigs: true, State: streamplane.MigrationCreating, TaskID: "task-1"}
}

func getMigration(t *testing.T, s streamplane.Store, instanceID, idOrName string) (*streamplane.Migration, error) {
	t.Helper()
	var m *streamplane.Migration
	err := s.View(ctx, func(tx streamplane.Tx) (err error) {
		m, err = tx.Migration(instanceID, idOrName)
		return err
	})
	return m, err
}

func mustCreateMigration(t *testing.T, s streamplane.Store, m *streamplane.Migration) {
	t.Helper()
	if err := s.Update(ctx, func(tx streamplane.Tx) error { return tx.CreateMigration(m) }); err != nil {
		t.Fatalf("create migration %s: %v", m.Name, err)
	}
}

func testMigrationRoundTrip(t *testing.T, s streamplane.Store) {
	mustCreate(t, s, newInstance("i1", "demo"))
	m := newMigration("m1", "i1", "move-orders")
	mustCreateMigration(t, s, m)
	for _, key := range []string{"m1", "move-orders"} {
		got, err := getMigration(t, s, "i1", key)
		if err != nil {
			t.Fatalf("get %s: %v", key, err)
		}
		if got.Name != "move-orders" || got.Topics != "orders,payments.*" || got.Groups != "billing" || !got.SyncTopicConfigs || got.SyncACLs ||
			got.State != streamplane.MigrationCreating || got.TaskID != "task-1" || got.ResourceVersion != 1 {
			t.Fatalf("got %+v", got)
		}
		src := got.Source
		if len(src.BootstrapServers) != 2 || src.SecurityProtocol != streamplane.SourceSASLSSL || src.Username != "mm2" || src.CA == "" {
			t.Fatalf("source = %+v", src)
		}
		if src.Password != "" {
			t.Fatal("the store kept the source's password in the clear; it belongs sealed in secrets")
		}
	}
	if _, err := getMigration(t, s, "other-instance", "move-orders"); streamplane.ErrorCode(err) != streamplane.ENOTFOUND {
		t.Fatalf("another instance's lookup: %v, want NOT_FOUND", err)
	}
	m.Topics, m.State = "orders", streamplane.MigrationRunning
	if err := s.Update(ctx, func(tx streamplane.Tx) error { return tx.UpdateMigration(m) }); err != nil {
		t.Fatal(err)
	}
	got, _ := getMigration(t, s, "i1", "m1")
	if got.Topics != "orders" || got.State != streamplane.MigrationRunning || got.ResourceVersion != 2 {
		t.Fatalf("after update: %+v", got)
	}
}

func testMigrationNameUnique(t *testing.T, s streamplane.Store) {
	mustCreate(t, s, newInstance("i1", "demo"))
	m := newMigration("m1", "i1", "move")
	mustCreateMigration(t, s, m)
	err := s.Update(ctx, func(tx streamplane.Tx) error { return tx.CreateMigration(newMigration("m2", "i1", "move")) })
	wantCode(t, err, streamplane.ECONFLICT)
	// Deleted, the name is free again; the old record is still found by id.
	now := time.Now()
	m.State, m.DeletedAt = streamplane.MigrationDeleted, &now
	if err := s.Update(ctx, func(tx streamplane.Tx) error { return tx.UpdateMigration(m) }); err != nil {
		t.Fatal(err)
	}
	if got, err := getMigration(t, s, "i1", "move"); err != nil || got.ID != "m1" || got.State != streamplane.MigrationDeleted {
		t.Fatalf("by name once deleted: %v %v, want m1 DELETED", got, err)
	}
	mustCreateMigration(t, s, newMigration("m2", "i1", "move"))
	if got, err := getMigration(t, s, "i1", "move"); err != nil || got.ID != "m2" {
		t.Fatalf("by name after re-create: %v %v, want m2", got, err)
	}
	if got, err := getMigration(t, s, "i1", "m1"); err != nil || got.State != streamplane.MigrationDeleted {
		t.Fatalf("deleted one by id: %v %v", got, err)
	}
	var live, all []*streamplane.Migration
	s.View(ctx, func(tx streamplane.Tx) error {
		live, _ = tx.Migrations(streamplane.MigrationFilter{InstanceID: "i1"})
		all, _ = tx.Migrations(streamplane.MigrationFilter{InstanceID: "i1", IncludeDeleted: true})
		return nil
	})
	if len(live) != 1 || len(all) != 2 {
		t.Fatalf("live %d, all %d; want 1 and 2", len(live), len(all))
	}
}

func testMigrationStaleVersion(t *testing.T, s streamplane.Store) {
	mustCreate(t, s, newInstance("i1", "demo"))
	mustCreateMigration(t, s, newMigration("m1", "i1", "move"))
	a, _ := getMigration(t, s, "i1", "m1")
	b, _ := getMigration(t, s, "i1", "m1")
	a.State = streamplane.MigrationPaused
	if err := s.Update(ctx, func(tx streamplane.Tx) error { return tx.UpdateMigration(a) }); err != nil {
		t.Fatal(err)
	}
	b.State = streamplane.MigrationDeleting
	wantCode(t, s.Update(ctx, func(tx streamplane.Tx) error { return tx.UpdateMigration(b) }), streamplane.ESTALE)
}

func testMigrationObserved(t *testing.T, s streamplane.Store) {
	mustCreate(t, s, newInstance("i1", "demo"))
	m := newMigration("m1", "i1", "move")
	mustCreateMigration(t, s, m)
	started := time.Now().Truncate(time.Millisecond).UTC()
	m.State, m.StateReason, m.PID, m.StartedAt, m.Restarts = streamplane.MigrationServiceException, "source refused", 4242, &started, 2
	m.Topics = "not-saved-by-observe"
	if err := s.Update(ctx, func(tx streamplane.Tx) error { return tx.SaveMigrationObserved(m) }); err != nil {
		t.Fatal(err)
	}
	got, _ := getMigration(t, s, "i1", "m1")
	if got.ResourceVersion != 1 || got.State != streamplane.MigrationServiceException || got.StateReason != "source refused" ||
		got.PID != 4242 || got.Restarts != 2 || got.StartedAt == nil || !got.StartedAt.Equal(started) || got.Topics != "orders,payments.*" {
		t.Fatalf("got %+v", got)
	}
}

func testMigrationPurge(t *testing.T, s streamplane.Store) {
	mustCreate(t, s, newInstance("i1", "demo"))
	mustCreateMigration(t, s, newMigration("m1", "i1", "move"))
	if err := s.Update(ctx, func(tx streamplane.Tx) error { return tx.PutSecret("m1", "source-password", []byte("sealed")) }); err != nil {
		t.Fatal(err)
	}
	if err := s.Update(ctx, func(tx streamplane.Tx) error { return tx.PurgeInstance("i1") }); err != nil {
		t.Fatal(err)
	}
	if _, err := getMigration(t, s, "i1", "m1"); streamplane.ErrorCode(err) != streamplane.ENOTFOUND {
		t.Fatalf("migration after purge: %v", err)
	}
	err := s.View(ctx, func(tx streamplane.Tx) error { _, err := tx.Secret("m1", "source-password"); return err })
	wantCode(t, err, streamplane.ENOTFOUND)
}
