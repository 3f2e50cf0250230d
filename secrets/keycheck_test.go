package secrets

import (
	"context"
	"crypto/rand"
	"path/filepath"
	"testing"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/sqlite"
)

func newKey(t *testing.T) *Box {
	t.Helper()
	key := make([]byte, 32)
	rand.Read(key)
	box, err := New(key)
	if err != nil {
		t.Fatal(err)
	}
	return box
}

// The first server's key is the store's; a server with another key is
// refused, even on a store whose secrets were sealed before the check
// existed.
func TestCheckKey(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	first := &Vault{Store: db, Box: newKey(t)}
	// A store from before the check: an instance's secrets, no check value.
	inst := &streamplane.Instance{ID: "i-1", Name: "demo", Version: "4.1.2", Flavor: streamplane.DevFlavor, BrokerCount: 1,
		StorageGBPerBroker: 10, Status: streamplane.InstanceRunning}
	if err := db.Update(ctx, func(tx streamplane.Tx) error { return tx.CreateInstance(inst) }); err != nil {
		t.Fatal(err)
	}
	if _, err := first.EnsureCredentials(ctx, inst.ID); err != nil {
		t.Fatal(err)
	}
	other := &Vault{Store: db, Box: newKey(t)}
	if err := other.CheckKey(ctx); !streamplane.IsCode(err, streamplane.EPRECONDITION) {
		t.Fatalf("another key on a store with secrets and no check: %v, want refused", err)
	}
	if err := first.CheckKey(ctx); err != nil {
		t.Fatalf("the key that sealed the secrets: %v", err)
	}
	if err := first.CheckKey(ctx); err != nil {
		t.Fatalf("the same key again: %v", err)
	}
	if err := other.CheckKey(ctx); !streamplane.IsCode(err, streamplane.EPRECONDITION) {
		t.Errorf("another key after the check was written: %v, want refused", err)
	}
}
