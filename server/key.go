package server

import (
	"encoding/base64"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/streamplane/streamplane/secrets"
)

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
