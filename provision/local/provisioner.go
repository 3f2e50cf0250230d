// Package local is the default provisioner: every broker is a JVM process on
// this machine, detached in its own session so that it outlives the server,
// with its configuration, data and logs under the data directory.
package local

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/kafkaconfig"
	"github.com/streamplane/streamplane/kafkaruntime"
)

// Config is the local provisioner's configuration.
type Config struct {
	Root        string   // where instances live: <data>/instances
	Host        string   // address the private client listeners bind to and advertise
	PublicHost  string   // address of the public listeners, when public access is on
	ControlHost string   // address of the internal and controller listeners
	PortLo      int      // first port of the range brokers get ports from
	PortHi      int      // last port of the range
	Zones       []string // zone names offered to users; each becomes a broker.rack
	Java        string   // java executable
	// Plugin is Streamplane's broker plugin, on every broker's classpath.
	Plugin BrokerPlugin
}

// BrokerPlugin is Streamplane's broker plugin (package kafkaplugin): the
// jar to put on the brokers' classpath, with the authorizer and topic
// policy every broker uses, and the listener settings of its PLAIN
// authentication with a credentials file.
type BrokerPlugin interface {
	Jar(ctx context.Context) (string, error)
	ListenerConfig(listener, credentialsFile string) map[string]string
}

// Runtimes finds installed Kafka runtimes.
type Runtimes interface {
	Installed(version string) (kafkaruntime.Runtime, bool)
}

// Provisioner implements streamplane.Provisioner with local processes.
type Provisioner struct {
	cfg      Config
	layout   layout
	store    streamplane.Store
	runtimes Runtimes
	log      *slog.Logger

	mu       sync.Mutex
	starting map[string]bool // brokers being started, so two callers never start one twice

	templateMu   sync.Mutex
	templates    map[string][]byte // bootstrap.checkpoint by runtime directory
	templateErrs map[string]error  // why a runtime's template could not be captured

	javaMu  sync.Mutex
	javaKey string // names the JDK build, for class archives (cds.go)
}

// New returns a local provisioner.
func New(cfg Config, store streamplane.Store, runtimes Runtimes, log *slog.Logger) *Provisioner {
	if cfg.Host == "" {
		cfg.Host = "127.0.0.1"
	}
	if cfg.ControlHost == "" {
		cfg.ControlHost = "127.0.0.1"
	}
	if cfg.Java == "" {
		cfg.Java = "java"
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Provisioner{cfg: cfg, layout: layout{root: cfg.Root}, store: store, runtimes: runtimes, log: log, starting: map[string]bool{},
		templates: map[string][]byte{}, templateErrs: map[string]error{}}
}

// ControlEndpoints returns the internal listeners' addresses.
func (p *Provisioner) ControlEndpoints(inst *streamplane.Instance) []string {
	var out []string
	for _, b := range inst.Brokers {
		if port := b.Ports[streamplane.PortInternal]; port != 0 && b.State != streamplane.BrokerDeleted {
			out = append(out, net.JoinHostPort(p.cfg.ControlHost, strconv.Itoa(port)))
		}
	}
	return out
}

// Zones returns the configured zones.
func (p *Provisioner) Zones() []string { return p.cfg.Zones }

// Place reserves a block of ports for every broker, one per purpose, and
// derives each broker's addresses from them.
func (p *Provisioner) Place(ctx context.Context, inst *streamplane.Instance) error {
	per := len(streamplane.PortPurposes)
	maxID := 0
	for _, b := range inst.Brokers {
		maxID = max(maxID, b.ID)
	}
	var ports []int
	err := p.store.Update(ctx, func(tx streamplane.Tx) (err error) {
		ports, err = tx.ReservePorts(inst.ID, per*(maxID+1), p.cfg.PortLo, p.cfg.PortHi, p.bindable)
		return err
	})
	if err != nil {
		return err
	}
	for i := range inst.Brokers {
		b := &inst.Brokers[i]
		block := ports[b.ID*per : (b.ID+1)*per]
		b.Host = p.cfg.Host
		b.Ports = map[string]int{}
		for j, purpose := range streamplane.PortPurposes {
			b.Ports[purpose] = block[j]
		}
		b.Port = b.Ports[streamplane.PortPrivate]
		b.Endpoints = p.Endpoints(inst, b)
	}
	return nil
}

// Endpoints returns the broker's client addresses: the private listener's,
// and the public one's while public access is on.
func (p *Provisioner) Endpoints(inst *streamplane.Instance, b *streamplane.Broker) map[string]string {
	out := map[string]string{}
	if port := b.Ports[streamplane.PortPrivate]; port != 0 {
		out[inst.PrivateListener()] = cmp.Or(b.Advertised[streamplane.AdvertisePrivate], net.JoinHostPort(p.cfg.Host, strconv.Itoa(port)))
	}
	if port := b.Ports[streamplane.PortPublic]; port != 0 && inst.PublicAccess {
		out[inst.PublicListener()] = cmp.Or(b.Advertised[streamplane.AdvertisePublic], net.JoinHostPort(p.cfg.PublicHost, strconv.Itoa(port)))
	}
	return out
}

// ClientHosts are the private and public hosts, plus localhost.
func (p *Provisioner) ClientHosts(*streamplane.Instance) []string {
	hosts := []string{p.cfg.Host}
	if p.cfg.PublicHost != "" && p.cfg.PublicHost != p.cfg.Host {
		hosts = append(hosts, p.cfg.PublicHost)
	}
	return append(hosts, "localhost")
}

// bindable reports whether nothing listens on port on any host a broker
// may bind it on.
func (p *Provisioner) bindable(port int) bool {
	for _, host := range []string{p.cfg.Host, p.cfg.ControlHost, p.cfg.PublicHost} {
		if host == "" {
			continue
		}
		l, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
		if err != nil {
			return false
		}
		l.Close()
	}
	return true
}

// Configure writes server.properties, the logging configuration and the
// secret files of every broker. Files are private to the server's user:
// they hold credentials and keys.
func (p *Provisioner) Configure(ctx context.Context, inst *streamplane.Instance, creds streamplane.Credentials, files streamplane.BrokerFiles) error {
	if err := p.WriteFiles(ctx, inst, files); err != nil {
		return err
	}
	for i := range inst.Brokers {
		b := &inst.Brokers[i]
		if b.State == streamplane.BrokerDeleted {
			continue
		}
		// Each broker's files are for its own runtime (reload4j before 4.0,
		// log4j2 after): brokers run mixed versions while an upgrade rolls.
		rt, err := p.runtime(inst.BrokerVersion(b))
		if err != nil {
			return err
		}
		dir := p.layout.brokerDir(inst.ID, b.ID)
		in := kafkaconfig.BrokerInput{
			Instance: inst, Broker: b, Credentials: creds, ControlHost: p.cfg.ControlHost, PublicHost: p.cfg.PublicHost,
			DataDir: p.layout.dataDir(inst.ID, b.ID),
		}
		if inst.SASL() {
			in.KeystoreFile, in.TruststoreFile = p.layout.keystoreFile(inst.ID, b.ID), p.layout.truststoreFile(inst.ID, b.ID)
		}
		if inst.HasMechanism(streamplane.MechanismPlain) && p.cfg.Plugin != nil {
			users := p.layout.plainUsersFile(inst.ID, b.ID)
			in.PlainConfig = func(listener string) map[string]string { return p.cfg.Plugin.ListenerConfig(listener, users) }
		}
		props, err := kafkaconfig.Broker(in)
		if err != nil {
			return err
		}
		if err := writeFileAtomic(p.layout.configFile(inst.ID, b.ID), props.Encode()); err != nil {
			return err
		}
		name, body, _ := rt.LogConfig(p.layout.logDir(inst.ID, b.ID), dir)
		if err := writeFileAtomic(filepath.Join(dir, name), body); err != nil {
			return err
		}
		if err := writeFileAtomic(p.layout.metricsConfigFile(inst.ID, b.ID), []byte(kafkaconfig.MetricsExporterConfig)); err != nil {
			return err
		}
	}
	return nil
}

// WriteFiles writes every broker's secret files: its TLS keystore, the
// clients' CA and the PLAIN users. Each file is replaced atomically, so a
// broker reloading it never reads half of one.
func (p *Provisioner) WriteFiles(ctx context.Context, inst *streamplane.Instance, files streamplane.BrokerFiles) error {
	for i := range inst.Brokers {
		b := &inst.Brokers[i]
		if b.State == streamplane.BrokerDeleted {
			continue
		}
		for _, d := range []string{p.layout.brokerDir(inst.ID, b.ID), p.layout.dataDir(inst.ID, b.ID), p.layout.logDir(inst.ID, b.ID), p.layout.tlsDir(inst.ID, b.ID)} {
			if err := os.MkdirAll(d, 0o700); err != nil {
				return fmt.Errorf("local: create %s: %w", d, err)
			}
		}
		if inst.SASL() {
			ks, ok := files.Keystores[b.ID]
			if !ok || len(files.ClientsCA) == 0 {
				return fmt.Errorf("local: no TLS material for broker %d of %s", b.ID, inst.Name)
			}
			if err := writeFileAtomic(p.layout.keystoreFile(inst.ID, b.ID), ks); err != nil {
				return err
			}
			if err := writeFileAtomic(p.layout.truststoreFile(inst.ID, b.ID), files.ClientsCA); err != nil {
				return err
			}
		}
		if inst.HasMechanism(streamplane.MechanismPlain) {
			if err := writeFileAtomic(p.layout.plainUsersFile(inst.ID, b.ID), files.PlainUsers); err != nil {
				return err
			}
		}
	}
	return nil
}

// Format formats a broker's storage with the instance's cluster id, unless
// it was formatted already (then the ids must agree). It writes the files
// itself from the runtime's bootstrap template (storage.go): a JVM per
// broker took seconds each.
func (p *Provisioner) Format(ctx context.Context, inst *streamplane.Instance, b *streamplane.Broker, _ streamplane.Credentials) error {
	if inst.ClusterID == "" {
		return errors.New("local: instance has no cluster id to format with")
	}
	dataDir := p.layout.dataDir(inst.ID, b.ID)
	if id, ok := formattedClusterID(dataDir); ok {
		if id != inst.ClusterID {
			return fmt.Errorf("local: broker %d storage belongs to cluster %s, not %s", b.ID, id, inst.ClusterID)
		}
		return nil
	}
	rt, err := p.runtime(inst.BrokerVersion(b))
	if err != nil {
		return err
	}
	bootstrap, err := p.bootstrapTemplate(ctx, rt)
	if err != nil {
		p.log.Warn("formatting with StorageTool: no bootstrap template", "kafka_version", rt.Version, "err", err)
		return p.formatWithStorageTool(ctx, rt, inst.ID, b.ID, inst.ClusterID)
	}
	return writeStorage(dataDir, inst.ClusterID, b.ID, bootstrap)
}

// Destroy stops every process of the instance and removes its directory and
// port reservations.
func (p *Provisioner) Destroy(ctx context.Context, inst *streamplane.Instance) error {
	for i := range inst.Brokers {
		if err := p.Stop(ctx, inst, &inst.Brokers[i], 0); err != nil {
			return err
		}
	}
	// Anything else still running from the instance's directory (a broker
	// started by a server that died before recording it) goes too.
	if err := killUnder(ctx, p.layout.instanceDir(inst.ID)); err != nil {
		return err
	}
	if err := os.RemoveAll(p.layout.instanceDir(inst.ID)); err != nil {
		return fmt.Errorf("local: remove instance data: %w", err)
	}
	return p.store.Update(ctx, func(tx streamplane.Tx) error { return tx.ReleasePorts(inst.ID) })
}

// Forget removes a broker's directory, after making sure its process is
// gone: a removed broker must not come back with its old data.
func (p *Provisioner) Forget(ctx context.Context, inst *streamplane.Instance, b *streamplane.Broker) error {
	if err := p.Stop(ctx, inst, b, 0); err != nil {
		return err
	}
	if err := os.RemoveAll(p.layout.brokerDir(inst.ID, b.ID)); err != nil {
		return fmt.Errorf("local: remove broker %d of %s: %w", b.ID, inst.Name, err)
	}
	return nil
}

// MetricsEndpoints returns where each broker serves its metrics (the JMX
// exporter's HTTP endpoint, on the control host only).
func (p *Provisioner) MetricsEndpoints(inst *streamplane.Instance) map[int]string {
	out := map[int]string{}
	for _, b := range inst.Brokers {
		if port := b.Ports[streamplane.PortMetrics]; port != 0 && b.State != streamplane.BrokerDeleted {
			out[b.ID] = "http://" + net.JoinHostPort(p.cfg.ControlHost, strconv.Itoa(port)) + "/metrics"
		}
	}
	return out
}

// classpath is the runtime's classpath and the broker plugin's jar: every
// broker configuration names the plugin's authorizer and topic policy.
func (p *Provisioner) classpath(ctx context.Context, rt kafkaruntime.Runtime) (string, error) {
	if p.cfg.Plugin == nil {
		return "", errors.New("local: this server has no broker plugin to run brokers with")
	}
	jar, err := p.cfg.Plugin.Jar(ctx)
	if err != nil {
		return "", err
	}
	return rt.Classpath() + string(os.PathListSeparator) + jar, nil
}

func (p *Provisioner) runtime(version string) (kafkaruntime.Runtime, error) {
	rt, ok := p.runtimes.Installed(version)
	if !ok {
		return rt, streamplane.Errorf(streamplane.EPRECONDITION, "Kafka runtime %s is not installed; run: streamplane runtime install %s", version, version)
	}
	return rt, nil
}

// formattedClusterID reads cluster.id from a formatted data directory.
func formattedClusterID(dataDir string) (string, bool) {
	raw, err := os.ReadFile(filepath.Join(dataDir, "meta.properties"))
	if err != nil {
		return "", false
	}
	props, err := kafkaconfig.Decode(string(raw))
	if err != nil || props["cluster.id"] == "" {
		return "", false
	}
	return props["cluster.id"], true
}

func writeFileAtomic(path string, body []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, body, 0o600); err != nil {
		return fmt.Errorf("local: write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("local: write %s: %w", path, err)
	}
	return nil
}

var _ streamplane.Provisioner = (*Provisioner)(nil)
