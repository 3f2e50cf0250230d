package postgres_test

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/poll"
	"github.com/streamplane/streamplane/postgres"
)

// The test server trusts loopback connections, so a password in the URL
// is not checked; it must still never show in an error.
const password = "s3cret-Pw"

func withPassword(url string) string {
	return strings.Replace(url, "postgres://postgres@", "postgres://postgres:"+password+"@", 1)
}

func wantStoreDown(t *testing.T, err error, what string) {
	t.Helper()
	if streamplane.ErrorCode(err) != streamplane.ESTOREDOWN {
		t.Fatalf("%s: %v, want %s", what, err, streamplane.ESTOREDOWN)
	}
	if strings.Contains(err.Error(), password) {
		t.Fatalf("%s: the error shows the password: %v", what, err)
	}
}

// While PostgreSQL is down, reads and writes fail with ESTOREDOWN; once it
// is back, the same store works again without being reopened.
func TestServerDown(t *testing.T) {
	db, err := postgres.Open(ctx, withPassword(pg.CreateDatabase(t, t.Name())))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(ctx, func(tx streamplane.Tx) error { return tx.PutSecret("o", "before", []byte("1")) }); err != nil {
		t.Fatal(err)
	}

	if err := pg.Stop(); err != nil {
		t.Fatal(err)
	}
	restarted := false
	defer func() {
		if !restarted {
			pg.Start() // for the package's other tests
		}
	}()
	err = db.Update(ctx, func(tx streamplane.Tx) error { return tx.PutSecret("o", "during", []byte("2")) })
	wantStoreDown(t, err, "a write while the server is down")
	err = db.View(ctx, func(tx streamplane.Tx) error { _, err := tx.Secret("o", "before"); return err })
	wantStoreDown(t, err, "a read while the server is down")
	_, err = db.FindSeries(ctx, "i-1", "")
	wantStoreDown(t, err, "a metrics read while the server is down")
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := db.Update(cancelled, func(tx streamplane.Tx) error { return nil }); err == nil || streamplane.ErrorCode(err) == streamplane.ESTOREDOWN {
		t.Errorf("a request its caller gave up on: %v, want the context's error, not %s", err, streamplane.ESTOREDOWN)
	}

	if err := pg.Start(); err != nil {
		t.Fatal(err)
	}
	restarted = true
	err = poll.Until(ctx, 50*time.Millisecond, 30*time.Second, func(ctx context.Context) error {
		return db.Update(ctx, func(tx streamplane.Tx) error { return tx.PutSecret("o", "after", []byte("3")) })
	})
	if err != nil {
		t.Fatalf("writes after the server is back: %v", err)
	}
	db.View(ctx, func(tx streamplane.Tx) error {
		for name, want := range map[string]string{"before": "", "during": streamplane.ENOTFOUND, "after": ""} {
			if _, err := tx.Secret("o", name); streamplane.ErrorCode(err) != want {
				t.Errorf("secret %q after the outage: %v, want code %q", name, err, want)
			}
		}
		return nil
	})
}

// A connection lost in the middle of a write transaction, or at its
// commit, fails the write with ESTOREDOWN and keeps none of it.
func TestConnectionLostMidWrite(t *testing.T) {
	url := withPassword(pg.CreateDatabase(t, t.Name()))
	db, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	admin := raw(t, pg.URL("postgres"))
	dbName := url[strings.LastIndex(url, "/")+1 : strings.Index(url, "?")]
	// cut ends every connection to the store's database.
	cut := func() {
		if _, err := admin.Exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`, dbName); err != nil {
			t.Fatal(err)
		}
	}
	for _, at := range []string{"statement", "commit"} {
		err := db.Update(ctx, func(tx streamplane.Tx) error {
			if err := tx.PutSecret("o", at+"-1", []byte("1")); err != nil {
				return err
			}
			cut()
			if at == "commit" {
				return nil
			}
			return tx.PutSecret("o", at+"-2", []byte("2"))
		})
		wantStoreDown(t, err, "a write whose connection is lost at its "+at)
	}
	err = poll.Until(ctx, 50*time.Millisecond, 30*time.Second, func(ctx context.Context) error {
		return db.View(ctx, func(tx streamplane.Tx) error {
			for _, name := range []string{"statement-1", "statement-2", "commit-1"} {
				if _, err := tx.Secret("o", name); streamplane.ErrorCode(err) != streamplane.ENOTFOUND {
					return poll.Stop(fmt.Errorf("secret %s of a failed write: %v, want %s", name, err, streamplane.ENOTFOUND))
				}
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestOpenErrors(t *testing.T) {
	// A port nothing listens on.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	_, err = postgres.Open(ctx, fmt.Sprintf("postgres://u:%s@127.0.0.1:%d/db?connect_timeout=5", password, port))
	wantStoreDown(t, err, "open with no server")

	_, err = postgres.Open(ctx, fmt.Sprintf("postgres://u:%s@127.0.0.1:notaport/db", password))
	if streamplane.ErrorCode(err) != streamplane.EINVALID || strings.Contains(err.Error(), password) {
		t.Fatalf("open with a bad URL: %v, want %s without the password", err, streamplane.EINVALID)
	}

	_, err = postgres.Open(ctx, strings.Replace(pg.URL("no_such_database"), "postgres@", "postgres:"+password+"@", 1))
	if code := streamplane.ErrorCode(err); code == streamplane.ESTOREDOWN || code == "" || strings.Contains(err.Error(), password) {
		t.Fatalf("open of a database that does not exist: %v; want an error that is not %s, without the password", err, streamplane.ESTOREDOWN)
	}
}

// A server that stops sending while it holds the write lock (it froze, or
// lost its network) holds up the other servers' writes only until the
// database ends its idle transaction; its own write then fails, kept
// nowhere.
func TestFrozenWriterLosesTheLock(t *testing.T) {
	url := pg.CreateDatabase(t, t.Name()) + "&idle_in_transaction_session_timeout=200"
	servers := twoServers(t, url)
	holding, thaw := make(chan struct{}), make(chan struct{})
	frozen := make(chan error, 1)
	go func() {
		frozen <- servers[0].Update(ctx, func(tx streamplane.Tx) error {
			if err := tx.PutSecret("o", "frozen", []byte("1")); err != nil {
				return err
			}
			close(holding)
			<-thaw
			return tx.PutSecret("o", "frozen-2", []byte("2"))
		})
	}()
	<-holding
	waitCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := servers[1].Update(waitCtx, func(tx streamplane.Tx) error { return tx.PutSecret("o", "other", []byte("3")) }); err != nil {
		t.Fatalf("another server's write while one is frozen holding the lock: %v", err)
	}
	close(thaw)
	wantStoreDown(t, <-frozen, "the frozen server's write")
	servers[1].View(ctx, func(tx streamplane.Tx) error {
		if _, err := tx.Secret("o", "frozen"); streamplane.ErrorCode(err) != streamplane.ENOTFOUND {
			t.Errorf("the frozen server's write is kept: %v", err)
		}
		return nil
	})
}
