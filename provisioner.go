package streamplane

import (
	"context"
	"time"
)

// Credentials are an instance's control-plane identities: the controller
// principal (KRaft traffic) and the admin principal (the internal listener
// Streamplane's own admin client uses). Both are the instance's only super
// users; no user of the instance ever sees them.
type Credentials struct {
	ControllerUser     string
	ControllerPassword string
	AdminUser          string
	AdminPassword      string
}

// Process is what a provisioner knows of a running broker.
type Process struct {
	PID       int
	StartedAt time.Time
}

// Provisioner runs an instance's brokers somewhere: as local processes, or
// (later) as Kubernetes pods. Every method is idempotent, because a task
// step may run it again after the server was killed.
type Provisioner interface {
	// Place gives every broker of inst a host, ports and endpoints, and
	// reserves them. A second call returns the same placement.
	Place(ctx context.Context, inst *Instance) error
	// Configure writes every broker's configuration for inst's desired state.
	Configure(ctx context.Context, inst *Instance, creds Credentials) error
	// Format prepares a broker's storage for the cluster id; a no-op if done.
	Format(ctx context.Context, inst *Instance, broker *Broker, creds Credentials) error
	// Start starts a broker, or adopts it if it already runs.
	Start(ctx context.Context, inst *Instance, broker *Broker) (Process, error)
	// Stop stops a broker, gracefully within the timeout, then by force.
	Stop(ctx context.Context, inst *Instance, broker *Broker, graceful time.Duration) error
	// Inspect reports whether a broker's process runs.
	Inspect(inst *Instance, broker *Broker) (Process, bool)
	// Destroy stops every broker and removes the instance's data.
	Destroy(ctx context.Context, inst *Instance) error
	// ControlEndpoints returns the addresses of the brokers' internal
	// listeners, where Streamplane's admin client connects.
	ControlEndpoints(inst *Instance) []string
	// Logs returns the last lines of a broker's log.
	Logs(ctx context.Context, inst *Instance, broker *Broker, lines int) (string, error)
	// Zones are the zones brokers can be placed in.
	Zones() []string
}
