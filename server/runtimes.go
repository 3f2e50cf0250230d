package server

import (
	"context"
	"fmt"
	"strings"

	"github.com/streamplane/streamplane/kafkaruntime"
)

// runtimeSource is where the server's Kafka runtimes come from.
type runtimeSource interface {
	Installed(version string) (kafkaruntime.Runtime, bool)
	Install(ctx context.Context, version string, progress func(string)) (kafkaruntime.Runtime, error)
}

// runtimes serves Kafka runtimes from the Maven-backed cache, except for a
// version the operator supplied as an unpacked distribution (--kafka-home).
type runtimes struct {
	cache *kafkaruntime.Cache
	dist  *kafkaruntime.Runtime
}

func (r *runtimes) Installed(version string) (kafkaruntime.Runtime, bool) {
	if r.dist != nil && r.dist.Version == version {
		return *r.dist, true
	}
	return r.cache.Installed(version)
}

func (r *runtimes) Install(ctx context.Context, version string, progress func(string)) (kafkaruntime.Runtime, error) {
	if r.dist != nil && r.dist.Version == version {
		progress("using the Kafka distribution in " + r.dist.Dir)
		return *r.dist, nil
	}
	return r.cache.Install(ctx, version, progress)
}

// imageRuntimes are the Kafka runtimes of the Kubernetes provisioner: each
// is in the broker image of its version, so every catalog version is
// available and nothing is installed on this server.
type imageRuntimes struct{ image string }

func (r imageRuntimes) Installed(version string) (kafkaruntime.Runtime, bool) {
	rel, ok := kafkaruntime.Lookup(version)
	return kafkaruntime.Runtime{Version: version, Release: rel}, ok
}

func (r imageRuntimes) Install(_ context.Context, version string, progress func(string)) (kafkaruntime.Runtime, error) {
	rt, ok := r.Installed(version)
	if !ok {
		return rt, fmt.Errorf("kafka %s is not in the catalog", version)
	}
	progress("brokers run Kafka " + version + " from the image " + strings.ReplaceAll(r.image, "{version}", version))
	return rt, nil
}
