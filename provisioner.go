package streamplane

import (
	"context"
	"net"
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

// BrokerFiles are the secret files brokers read besides their configuration.
type BrokerFiles struct {
	Keystores  map[int][]byte // broker id -> PEM private key and certificate chain (SASL_SSL)
	ClientsCA  []byte         // PEM: the CA clients' certificates must chain to (mutual TLS)
	PlainUsers []byte         // the PLAIN credentials file, when the instance offers PLAIN
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
	// Configure writes every broker's configuration and files for inst's
	// desired state.
	Configure(ctx context.Context, inst *Instance, creds Credentials, files BrokerFiles) error
	// WriteFiles replaces the brokers' secret files only, for changes
	// brokers pick up live (users, certificates).
	WriteFiles(ctx context.Context, inst *Instance, files BrokerFiles) error
	// Endpoints returns a broker's client addresses by listener name, as
	// inst's desired state has them.
	Endpoints(inst *Instance, broker *Broker) map[string]string
	// MetricsEndpoints returns, by broker id, the URL of each broker's
	// Prometheus metrics.
	MetricsEndpoints(inst *Instance) map[int]string
	// ClientHosts are the addresses clients may reach brokers at: broker
	// certificates must name them all.
	ClientHosts(inst *Instance) []string
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
	// Forget removes a stopped broker's configuration, data and logs, for
	// a broker scaled in. Its ports stay with the instance.
	Forget(ctx context.Context, inst *Instance, broker *Broker) error
	// ControlEndpoints returns the addresses of the brokers' internal
	// listeners, where Streamplane's admin client connects.
	ControlEndpoints(inst *Instance) []string
	// Logs returns the last lines of a broker's log.
	Logs(ctx context.Context, inst *Instance, broker *Broker, lines int) (string, error)
	// Zones are the zones brokers can be placed in.
	Zones() []string
}

// BrokerDialer is a provisioner whose brokers this server reaches by its own
// means rather than the system's resolver: Kubernetes pods, at the address
// each pod has now, which a server outside the cluster could not resolve.
type BrokerDialer interface {
	DialBroker(ctx context.Context, network, address string) (net.Conn, error)
}

// DialFunc is how this server connects to prov's brokers: prov's own
// dialer, if it has one, else the system's.
func DialFunc(prov Provisioner) func(ctx context.Context, network, address string) (net.Conn, error) {
	if d, ok := prov.(BrokerDialer); ok {
		return d.DialBroker
	}
	var d net.Dialer
	return d.DialContext
}

// StorageExpander is a provisioner whose brokers' storage is a volume that
// must grow (a Kubernetes volume claim), not only a limit Streamplane keeps.
type StorageExpander interface {
	// CheckStorageExpansion reports, before an expansion is accepted,
	// whether every broker's volume can grow.
	CheckStorageExpansion(ctx context.Context, inst *Instance) error
	// ExpandStorage grows every broker's volume to inst's storage per
	// broker; idempotent.
	ExpandStorage(ctx context.Context, inst *Instance) error
}

// MirrorFiles are what a migration's MirrorMaker 2 process runs with.
type MirrorFiles struct {
	// Properties is mm2.properties. It may name the other files by their
	// path under MirrorDir.
	Properties []byte
	// Files are more files beside it (CA bundles), by base name.
	Files map[string][]byte
}

// MirrorRunner runs migrations' MirrorMaker 2 processes (DESIGN §12):
// detached, supervised processes of the instance's runtime, like brokers,
// adopted after a server restart. Every method is idempotent.
type MirrorRunner interface {
	// MirrorDir is where the migration's files live.
	MirrorDir(m *Migration) string
	// ConfigureMirror writes the migration's files (secrets inside: 0600).
	ConfigureMirror(ctx context.Context, m *Migration, files MirrorFiles) error
	// StartMirror starts MirrorMaker with the instance's runtime, or
	// adopts the process already running.
	StartMirror(ctx context.Context, inst *Instance, m *Migration) (Process, error)
	// StopMirror stops it, gracefully within the timeout, then by force.
	StopMirror(ctx context.Context, m *Migration, graceful time.Duration) error
	// InspectMirror reports whether its process runs.
	InspectMirror(m *Migration) (Process, bool)
	// MirrorLogs returns the last lines of its log.
	MirrorLogs(ctx context.Context, m *Migration, lines int) (string, error)
	// ForgetMirror stops it and removes its files and logs.
	ForgetMirror(ctx context.Context, m *Migration) error
}
