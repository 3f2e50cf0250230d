package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/kafkaruntime"
	"github.com/twmb/franz-go/pkg/kgo"
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

// LargeInstance creates the shared large instance (and the server) on
// first use.
func (e *benchEnv) LargeInstance(ctx context.Context) (*server, *streamplane.Instance, error) {
	srv, err := e.Server(ctx)
	if err != nil {
		return nil, nil, err
	}
	if e.large != nil {
		return srv, e.large, nil
	}
	spec := streamplane.InstanceSpec{Name: "bench-large", Version: kafkaruntime.Recommended().Version, Flavor: "kafka.8u16g.cluster",
		BrokerCount: 3, StorageGBPerBroker: 100, Zones: []string{"az1", "az2", "az3"}}
	_, inst, err := timeCreate(ctx, srv.client, spec)
	if err != nil {
		return nil, nil, fmt.Errorf("create the large instance: %w", err)
	}
	if e.large, err = srv.client.Instance(ctx, inst.ID); err != nil {
		return nil, nil, err
	}
	return srv, e.large, nil
}

// kafkaClient is a franz-go client of the instance's private plaintext
// listener.
func kafkaClient(inst *streamplane.Instance, opts ...kgo.Opt) (*kgo.Client, error) {
	seeds := strings.Split(inst.BootstrapServers[streamplane.ListenerPrivatePlaintext], ",")
	return kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(seeds...)}, opts...)...)
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
