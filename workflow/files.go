package workflow

import (
	"context"
	"encoding/json"
	"fmt"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/kafkaplugin"
)

// brokerFiles gathers the secret files the instance's brokers need: TLS
// keystores and the clients' CA for SASL_SSL, the PLAIN users file when the
// instance offers PLAIN.
func (env *Env) brokerFiles(ctx context.Context, inst *streamplane.Instance) (streamplane.BrokerFiles, error) {
	var f streamplane.BrokerFiles
	if inst.SASL() {
		m, err := env.Certs.BrokerMaterial(ctx, inst, env.Provisioner.ClientHosts(inst))
		if err != nil {
			return f, err
		}
		f.Keystores, f.ClientsCA = m.Keystores, m.ClientsCA
	}
	if inst.HasMechanism(streamplane.MechanismPlain) {
		var err error
		if f.PlainUsers, err = env.plainUsers(ctx, inst); err != nil {
			return f, err
		}
	}
	return f, nil
}

// plainUsers renders the PLAIN users file: each user's salted hash, opened
// from the store for the moment of writing it.
func (env *Env) plainUsers(ctx context.Context, inst *streamplane.Instance) ([]byte, error) {
	var users []streamplane.KafkaUser
	err := env.Store.View(ctx, func(tx streamplane.Tx) (err error) {
		users, err = tx.KafkaUsers(inst.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	creds := map[string]kafkaplugin.Credential{}
	for _, u := range users {
		if len(u.PlainHash) == 0 {
			continue
		}
		raw, err := env.Vault.OpenPlainHash(inst.ID, u.Name, u.PlainHash)
		if err != nil {
			return nil, err
		}
		var c kafkaplugin.Credential
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, fmt.Errorf("workflow: PLAIN credential of %s: %w", u.Name, err)
		}
		creds[u.Name] = c
	}
	return kafkaplugin.EncodeFile(creds)
}

// WriteBrokerFiles rewrites the brokers' secret files from the current
// state, for changes the brokers pick up live (PLAIN users).
func (env *Env) WriteBrokerFiles(ctx context.Context, inst *streamplane.Instance) error {
	files, err := env.brokerFiles(ctx, inst)
	if err != nil {
		return err
	}
	return env.Provisioner.WriteFiles(ctx, inst, files)
}
