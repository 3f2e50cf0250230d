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

// CheckKey verifies the vault's key against the store's check value. A
// store without one (a new store, or one from before the check) gets it,
// but only once the key has opened a secret the store already holds, if
// it holds any: an instance's control-plane password.
func (v *Vault) CheckKey(ctx context.Context) error {
	return v.Store.Update(ctx, func(tx streamplane.Tx) error {
		sealed, err := tx.Secret(keyCheckOwner, keyCheckName)
		switch {
		case streamplane.IsCode(err, streamplane.ENOTFOUND):
			if err := v.opensExisting(tx); err != nil {
				return err
			}
			return v.Put(tx, keyCheckOwner, keyCheckName, keyCheckValue)
		case err != nil:
			return err
		}
		if plain, err := v.Box.Open(keyCheckOwner+"/"+keyCheckName, sealed); err != nil || string(plain) != keyCheckValue {
			return wrongKey()
		}
		return nil
	})
}

// opensExisting opens the control-plane password of the newest instance
// that has one, if any instance does.
func (v *Vault) opensExisting(tx streamplane.Tx) error {
	list, _, err := tx.Instances(streamplane.InstanceFilter{Limit: 20})
	if err != nil {
		return err
	}
	for _, inst := range list {
		sealed, err := tx.Secret(inst.ID, controllerPassword)
		if streamplane.IsCode(err, streamplane.ENOTFOUND) {
			continue
		} else if err != nil {
			return err
		}
		if _, err := v.Box.Open(inst.ID+"/"+controllerPassword, sealed); err != nil {
			return wrongKey()
		}
		return nil
	}
	return nil
}

func wrongKey() error {
	return streamplane.Errorf(streamplane.EPRECONDITION,
		"this server's secret key is not the one the store's secrets are sealed with; every server sharing a store must be given the same key (--secret-key-file, or STREAMPLANE_SECRET_KEY)")
}
