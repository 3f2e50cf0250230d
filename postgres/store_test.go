package postgres_test

import (
	"context"
	"testing"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/pgtest"
	"github.com/streamplane/streamplane/postgres"
	"github.com/streamplane/streamplane/storetest"
)

// pg is the server every test of the package uses, a database each.
var pg *pgtest.Server

func TestMain(m *testing.M) { pgtest.Main(m, &pg) }

var ctx = context.Background()

// open opens a store on a new database, closed when the test ends.
func open(t *testing.T) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(ctx, pg.CreateDatabase(t, t.Name()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) streamplane.Store { return open(t) })
}

func TestAlarmChannels(t *testing.T) {
	storetest.RunAlarmChannels(t, func(t *testing.T) streamplane.Store { return open(t) })
}

func TestMigrations(t *testing.T) {
	storetest.RunMigrations(t, func(t *testing.T) streamplane.Store { return open(t) })
}

func TestMetricStore(t *testing.T) {
	storetest.RunMetrics(t, func(t *testing.T) storetest.MetricStores { return open(t) })
}
