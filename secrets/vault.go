package secrets

import (
	"context"
	"crypto/rand"
	"errors"

	streamplane "github.com/streamplane/streamplane"
)

// Secret names under an instance.
const (
	controllerPassword = "controller-password"
	adminPassword      = "admin-password"
)

// Control-plane principals of every instance. Users may not take these names.
const (
	ControllerUser = "streamplane-controller"
	AdminUser      = "streamplane-admin"
)

// Vault keeps sealed secrets in the store.
type Vault struct {
	Store streamplane.Store
	Box   *Box
}

// Put seals value and stores it under owner/name.
func (v *Vault) Put(tx streamplane.Tx, owner, name, value string) error {
	sealed, err := v.Box.Seal(owner+"/"+name, []byte(value))
	if err != nil {
		return err
	}
	return tx.PutSecret(owner, name, sealed)
}

// Get opens the secret stored under owner/name.
func (v *Vault) Get(tx streamplane.Tx, owner, name string) (string, error) {
	sealed, err := tx.Secret(owner, name)
	if err != nil {
		return "", err
	}
	plain, err := v.Box.Open(owner+"/"+name, sealed)
	return string(plain), err
}

// EnsureCredentials returns the instance's control-plane credentials,
// generating them the first time. Calling it again returns the same ones.
func (v *Vault) EnsureCredentials(ctx context.Context, instanceID string) (streamplane.Credentials, error) {
	var creds streamplane.Credentials
	err := v.Store.Update(ctx, func(tx streamplane.Tx) error {
		for _, name := range []string{controllerPassword, adminPassword} {
			if _, err := tx.Secret(instanceID, name); streamplane.IsCode(err, streamplane.ENOTFOUND) {
				if err := v.Put(tx, instanceID, name, Password(32)); err != nil {
					return err
				}
			} else if err != nil {
				return err
			}
		}
		var err error
		creds, err = v.credentials(tx, instanceID)
		return err
	})
	return creds, err
}

// Credentials returns the instance's control-plane credentials.
func (v *Vault) Credentials(ctx context.Context, instanceID string) (streamplane.Credentials, error) {
	var creds streamplane.Credentials
	err := v.Store.View(ctx, func(tx streamplane.Tx) (err error) {
		creds, err = v.credentials(tx, instanceID)
		return err
	})
	return creds, err
}

func (v *Vault) credentials(tx streamplane.Tx, instanceID string) (streamplane.Credentials, error) {
	ctl, err := v.Get(tx, instanceID, controllerPassword)
	if err != nil {
		return streamplane.Credentials{}, err
	}
	adm, err := v.Get(tx, instanceID, adminPassword)
	if err != nil {
		return streamplane.Credentials{}, err
	}
	return streamplane.Credentials{ControllerUser: ControllerUser, ControllerPassword: ctl, AdminUser: AdminUser, AdminPassword: adm}, nil
}

const passwordAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"

// Password returns a random password of n characters from an alphabet that
// needs no quoting in properties files, JAAS entries or shells. Bytes that
// would bias the choice are rejected.
func Password(n int) string {
	limit := byte(256 - 256%len(passwordAlphabet))
	out := make([]byte, 0, n)
	buf := make([]byte, 64)
	for len(out) < n {
		if _, err := rand.Read(buf); err != nil {
			panic(errors.New("secrets: no randomness: " + err.Error()))
		}
		for _, b := range buf {
			if b < limit && len(out) < n {
				out = append(out, passwordAlphabet[int(b)%len(passwordAlphabet)])
			}
		}
	}
	return string(out)
}

// initialPassword names the initial SASL user's password, kept sealed only
// between the creation request and the moment Kafka has the credential.
const initialPassword = "initial-password"

// PutInitialPassword keeps the initial user's password until creation uses it.
func (v *Vault) PutInitialPassword(tx streamplane.Tx, instanceID, password string) error {
	return v.Put(tx, instanceID, initialPassword, password)
}

// InitialPassword returns the initial user's password; ENOTFOUND once used.
func (v *Vault) InitialPassword(ctx context.Context, instanceID string) (string, error) {
	var pw string
	err := v.Store.View(ctx, func(tx streamplane.Tx) (err error) {
		pw, err = v.Get(tx, instanceID, initialPassword)
		return err
	})
	return pw, err
}

// ForgetInitialPassword drops the initial user's password.
func (v *Vault) ForgetInitialPassword(ctx context.Context, instanceID string) error {
	return v.Store.Update(ctx, func(tx streamplane.Tx) error { return tx.DeleteSecret(instanceID, initialPassword) })
}

// plainHashContext binds a sealed PLAIN hash to its instance and user.
func plainHashContext(instanceID, user string) string { return instanceID + "/plain-user/" + user }

// SealPlainHash seals a PLAIN user's password hash for the store.
func (v *Vault) SealPlainHash(instanceID, user string, hash []byte) ([]byte, error) {
	return v.Box.Seal(plainHashContext(instanceID, user), hash)
}

// OpenPlainHash opens what SealPlainHash sealed.
func (v *Vault) OpenPlainHash(instanceID, user string, sealed []byte) ([]byte, error) {
	return v.Box.Open(plainHashContext(instanceID, user), sealed)
}
