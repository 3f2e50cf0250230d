package postgres_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/poll"
	"github.com/streamplane/streamplane/postgres"
)

// raw opens a plain connection pool on url, for what the store does not
// offer (terminating connections, reading the schema).
func raw(t *testing.T, url string) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func newInstance(id string) *streamplane.Instance {
	return &streamplane.Instance{ID: id, Name: id, Version: "4.1.1", Flavor: streamplane.DevFlavor, BrokerCount: 1,
		StorageGBPerBroker: 10, DiskType: "ultrahigh", Zones: []string{"az1"}, Status: streamplane.InstanceRunning}
}

// twoServers opens the database at url twice, as two servers sharing it
// do; both close when the test ends.
func twoServers(t *testing.T, url string) [2]*postgres.DB {
	t.Helper()
	var servers [2]*postgres.DB
	for i := range servers {
		db, err := postgres.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		servers[i] = db
	}
	return servers
}

// Two servers sharing the store check a limit (at most 20 users on an
// instance) by reading, then writing, in one transaction: under 200
// concurrent requests the limit holds, as it does on SQLite's single
// writer.
func TestWritesAreSerialized(t *testing.T) {
	url := pg.CreateDatabase(t, t.Name())
	servers := twoServers(t, url)
	if err := servers[0].Update(ctx, func(tx streamplane.Tx) error { return tx.CreateInstance(newInstance("i-1")) }); err != nil {
		t.Fatal(err)
	}
	const limit, requests = 20, 200
	errs := make([]error, requests)
	var wg sync.WaitGroup
	for i := range requests {
		wg.Go(func() {
			errs[i] = servers[i%2].Update(ctx, func(tx streamplane.Tx) error {
				users, err := tx.KafkaUsers("i-1")
				if err != nil {
					return err
				}
				if len(users) >= limit {
					return streamplane.Errorf(streamplane.ELIMIT, "the instance has %d users", len(users))
				}
				return tx.PutKafkaUser(&streamplane.KafkaUser{InstanceID: "i-1", Name: fmt.Sprintf("u%03d", i)})
			})
		})
	}
	wg.Wait()
	refused := 0
	for _, err := range errs {
		switch streamplane.ErrorCode(err) {
		case "":
		case streamplane.ELIMIT:
			refused++
		default:
			t.Fatalf("a request failed: %v", err)
		}
	}
	var users []streamplane.KafkaUser
	servers[1].View(ctx, func(tx streamplane.Tx) (err error) { users, err = tx.KafkaUsers("i-1"); return })
	if len(users) != limit || refused != requests-limit {
		t.Fatalf("%d users, %d requests refused; want %d and %d", len(users), refused, limit, requests-limit)
	}
}

// A read transaction sees the database as it was when it began, even
// when a write commits in the middle of it.
func TestViewSeesOneSnapshot(t *testing.T) {
	db := open(t)
	put := func(name string) {
		if err := db.Update(ctx, func(tx streamplane.Tx) error { return tx.PutSecret("o", name, []byte("v")) }); err != nil {
			t.Fatal(err)
		}
	}
	put("before")
	err := db.View(ctx, func(tx streamplane.Tx) error {
		if _, err := tx.Secret("o", "before"); err != nil {
			return err
		}
		put("during")
		if _, err := tx.Secret("o", "during"); streamplane.ErrorCode(err) != streamplane.ENOTFOUND {
			t.Errorf("a read transaction sees a write committed after it began: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A transaction's time is the database's clock, which has whole
// microseconds, read when the transaction begins.
func TestTxTimeIsTheDatabases(t *testing.T) {
	db := open(t)
	before := time.Now()
	var at time.Time
	db.Update(ctx, func(tx streamplane.Tx) error { at = tx.Now(); return nil })
	after := time.Now()
	if at.Before(before.Truncate(time.Microsecond)) || at.After(after) || !at.Equal(at.Truncate(time.Microsecond)) || at.Location() != time.UTC {
		t.Fatalf("transaction time %v, want whole microseconds in UTC between %v and %v", at, before, after)
	}
	fixed := time.Date(2030, 1, 2, 3, 4, 5, 6, time.UTC)
	db.Now = func() time.Time { return fixed }
	db.View(ctx, func(tx streamplane.Tx) error { at = tx.Now(); return nil })
	if !at.Equal(fixed) {
		t.Fatalf("with Now set, transaction time %v, want %v", at, fixed)
	}
}

// Servers starting at once on an empty database migrate it once.
func TestConcurrentOpensMigrateOnce(t *testing.T) {
	url := pg.CreateDatabase(t, t.Name())
	errs := make(chan error, 4)
	var wg sync.WaitGroup
	for range cap(errs) {
		wg.Go(func() {
			db, err := postgres.Open(ctx, url)
			if err == nil {
				db.Close()
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	var applied int
	if err := raw(t, url).QueryRow(`SELECT COUNT(*) FROM schema_migrations`).Scan(&applied); err != nil {
		t.Fatal(err)
	}
	if applied != 1 {
		t.Fatalf("%d migrations recorded, want 1", applied)
	}
}

func TestRefusesNewerSchema(t *testing.T) {
	url := pg.CreateDatabase(t, t.Name())
	db, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := raw(t, url).Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'future', 0)`); err != nil {
		t.Fatal(err)
	}
	_, err = postgres.Open(ctx, url)
	if streamplane.ErrorCode(err) != streamplane.EPRECONDITION {
		t.Fatalf("open with a newer schema: %v, want %s", err, streamplane.EPRECONDITION)
	}
}

func TestReopenKeepsData(t *testing.T) {
	url := pg.CreateDatabase(t, t.Name())
	db, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	db.Update(ctx, func(tx streamplane.Tx) error { return tx.PutSecret("o", "n", []byte{0, 1, 0xff}) })
	db.Close()
	if db, err = postgres.Open(ctx, url); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var got []byte
	db.View(ctx, func(tx streamplane.Tx) (err error) { got, err = tx.Secret("o", "n"); return })
	if string(got) != "\x00\x01\xff" {
		t.Fatalf("after reopen: %q", got)
	}
}

// Text sorts bytewise, as on SQLite, whatever the database's locale (the
// test server's sorts as English does).
func TestNamesSortBytewise(t *testing.T) {
	db := open(t)
	names := []string{"b", "B", "_a", "a", "é", "Z"}
	err := db.Update(ctx, func(tx streamplane.Tx) error {
		for _, n := range names {
			if err := tx.CreateProject(&streamplane.Project{Name: n}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var list []*streamplane.Project
	db.View(ctx, func(tx streamplane.Tx) (err error) { list, err = tx.Projects(); return })
	var got []string
	for _, p := range list {
		got = append(got, p.Name)
	}
	if want := "B Z _a a b default é"; strings.Join(got, " ") != want {
		t.Fatalf("projects in order %q, want %q", strings.Join(got, " "), want)
	}
}

// A read inside a write's function does not wait for the write, even
// while other writes queue for the write lock (on SQLite too, reads have
// connections of their own).
func TestReadInsideWrite(t *testing.T) {
	db := open(t)
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	errs := make(chan error, 20)
	var wg sync.WaitGroup
	for i := range cap(errs) {
		wg.Go(func() {
			errs <- db.Update(ctx, func(tx streamplane.Tx) error {
				if err := tx.PutSecret("o", fmt.Sprint(i), []byte("v")); err != nil {
					return err
				}
				return db.View(ctx, func(tx streamplane.Tx) error {
					_, err := tx.Secret("o", fmt.Sprint(i)) // not committed yet
					if streamplane.ErrorCode(err) != streamplane.ENOTFOUND {
						return fmt.Errorf("a read sees a write not yet committed: %v", err)
					}
					return nil
				})
			})
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

// Pruning metric history is a write like any other: on a second server it
// waits for the write lock a first server holds, rather than deleting
// chunks beside that server's writes (a prune and another server's
// PutChunks could deadlock over the same rows).
func TestPruneChunksTakesTheWriteLock(t *testing.T) {
	url := pg.CreateDatabase(t, t.Name())
	servers := twoServers(t, url)
	watch := raw(t, url)
	pruned := make(chan error, 1)
	err := servers[0].Update(ctx, func(tx streamplane.Tx) error {
		go func() {
			_, err := servers[1].PruneChunks(ctx, time.Minute, time.Now())
			pruned <- err
		}()
		return poll.Until(ctx, 20*time.Millisecond, 30*time.Second, func(ctx context.Context) error {
			var waiting int
			if err := watch.QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`).Scan(&waiting); err != nil {
				return poll.Stop(err)
			}
			select {
			case err := <-pruned:
				return poll.Stop(fmt.Errorf("the prune ended (%v) while another server held the write lock", err))
			default:
			}
			if waiting == 0 {
				return fmt.Errorf("no write waits for the lock")
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := <-pruned; err != nil {
		t.Errorf("prune once the lock is free: %v", err)
	}
}
