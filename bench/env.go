package main

import (
	"context"
	"fmt"
	"os"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/kafkaruntime"
)

// benchEnv is what measurements share: a running server and, on first use,
// a large instance (kafka.8u16g.cluster × 3: 3,000 partitions allowed).
type benchEnv struct {
	opts   options
	dir    string
	server *server
	large  *streamplane.Instance
}

// Server starts the shared server on first use.
func (e *benchEnv) Server(ctx context.Context) (*server, error) {
	if e.server != nil {
		return e.server, nil
	}
	dir, err := os.MkdirTemp("", "streamplane-bench-")
	if err != nil {
		return nil, err
	}
	e.dir = dir
	if e.server, err = startServer(e.opts.binary, dir); err != nil {
		return nil, err
	}
	if err := installRuntime(ctx, e.server.client, kafkaruntime.Recommended().Version); err != nil {
		return nil, err
	}
	return e.server, nil
}

// LargeInstance creates the shared large instance on first use.
func (e *benchEnv) LargeInstance(ctx context.Context) (*streamplane.Instance, error) {
	if e.large != nil {
		return e.large, nil
	}
	srv, err := e.Server(ctx)
	if err != nil {
		return nil, err
	}
	spec := streamplane.InstanceSpec{Name: "bench-large", Version: kafkaruntime.Recommended().Version, Flavor: "kafka.8u16g.cluster",
		BrokerCount: 3, StorageGBPerBroker: 100, Zones: []string{"az1", "az2", "az3"}}
	_, inst, err := timeCreate(ctx, srv.client, spec)
	if err != nil {
		return nil, fmt.Errorf("create the large instance: %w", err)
	}
	e.large, err = srv.client.Instance(ctx, inst.ID)
	return e.large, err
}

func (e *benchEnv) close() {
	if e.server == nil {
		return
	}
	ctx := context.Background()
	if e.large != nil {
		deleteInstance(ctx, e.server.client, e.large.ID)
		e.large = nil
	}
	e.server.stop()
	e.server = nil
	os.RemoveAll(e.dir)
}
