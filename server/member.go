package server

import (
	"cmp"
	"context"
	"log/slog"
	"os"
	"path/filepath"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/membership"
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
	// Local brokers live on this host; pods, wherever the cluster runs them.
	m := &membership.Member{Store: store, Log: log, SameHost: cfg.Provisioner != "kubernetes", Self: streamplane.ServerInfo{
		ID: id, Host: host, DataDir: dataDir, Listen: cfg.Listen, Provisioner: cmp.Or(cfg.Provisioner, "local")}}
	if err := m.Join(ctx); err != nil {
		return nil, err
	}
	return m, nil
}
