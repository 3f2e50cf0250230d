package server

import (
	"context"

	"github.com/streamplane/streamplane/kafkaruntime"
)

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
