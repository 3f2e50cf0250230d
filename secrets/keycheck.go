package secrets

import (
	"context"

	streamplane "github.com/streamplane/streamplane"
)

// The store keeps a value sealed with the key its first server used, so
// that a server given another key (servers sharing a store must share the
// key) refuses to start rather than fail on every secret later.
const (
	keyCheckOwner = "server"
	keyCheckName  = "key-check"
	keyCheckValue = "streamplane secret key check"
)

// CheckKey verifies the vault's key against the store's check value,
// writing it on first use.
func (v *Vault) CheckKey(ctx context.Context) error {
	return v.Store.Update(ctx, func(tx streamplane.Tx) error {
		got, err := v.Get(tx, keyCheckOwner, keyCheckName)
		if streamplane.IsCode(err, streamplane.ENOTFOUND) {
			return v.Put(tx, keyCheckOwner, keyCheckName, keyCheckValue)
		}
		if err != nil || got != keyCheckValue {
			return streamplane.Errorf(streamplane.EPRECONDITION,
				"this server's secret key is not the one the store's secrets are sealed with; every server sharing a store must be given the same key (--secret-key-file or STREAMPLANE_SECRET_KEY)")
		}
		return nil
	})
}
