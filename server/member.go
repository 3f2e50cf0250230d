package server

import (
	"context"
	"encoding/base64"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/membership"
	"github.com/streamplane/streamplane/secrets"
)

// join records this server among those sharing the store, refusing to
// start where it could not work with them.
func join(ctx context.Context, cfg Config, store streamplane.Store, id string, log *slog.Logger) (*membership.Member, error) {
	host, err := os.Hostname()
	if err != nil {
		return nil, err
	}
	dataDir, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	m := &membership.Member{Store: store, Log: log, SameHost: true, Self: streamplane.ServerInfo{
		ID: id, Host: host, DataDir: dataDir, Listen: cfg.Listen, Provisioner: "local"}}
	if err := m.Join(ctx); err != nil {
		return nil, err
	}
	return m, nil
}

// loadKey returns the key that seals the store's secrets: the base64 key in
// STREAMPLANE_SECRET_KEY if set, else the key file (made on first start).
// It never lives in the store.
func loadKey(cfg Config, getenv func(string) string) ([]byte, error) {
	if v := strings.TrimSpace(getenv("STREAMPLANE_SECRET_KEY")); v != "" {
		key, err := base64.StdEncoding.DecodeString(v)
		if err != nil || len(key) != 32 {
			return nil, fmt.Errorf("STREAMPLANE_SECRET_KEY must be a base64 32-byte key (e.g. from: head -c 32 /dev/urandom | base64)")
		}
		return key, nil
	}
	path := cfg.SecretKeyFile
	if path == "" {
		path = filepath.Join(cfg.DataDir, "secret.key")
	}
	return secrets.LoadOrCreateKey(path)
}
