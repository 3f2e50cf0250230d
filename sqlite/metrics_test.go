package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/streamplane/streamplane/sqlite"
	"github.com/streamplane/streamplane/storetest"
)

func TestMetricStore(t *testing.T) {
	storetest.RunMetrics(t, func(t *testing.T) storetest.MetricStores {
		db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "streamplane.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	})
}
