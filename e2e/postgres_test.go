package e2e

import (
	"fmt"
	"sync"
	"testing"

	"github.com/streamplane/streamplane/pgtest"
)

// One PostgreSQL server for the tests that need one, started by the first;
// each test has a database of its own.
var postgres struct {
	once sync.Once
	srv  *pgtest.Server
	err  error
}

// postgresDB returns the URL of a new, empty database on the tests'
// PostgreSQL server.
func postgresDB(t *testing.T, name string) (*pgtest.Server, string) {
	t.Helper()
	postgres.once.Do(func() { postgres.srv, postgres.err = pgtest.New() })
	if postgres.err != nil {
		t.Fatal(postgres.err)
	}
	return postgres.srv, postgres.srv.CreateDatabase(t, name)
}

// stopPostgres stops the tests' PostgreSQL server, if one started.
func stopPostgres() {
	if postgres.srv != nil {
		if err := postgres.srv.Close(); err != nil {
			fmt.Println("e2e:", err)
		}
	}
}
