// Package server wires the Streamplane server together: store, secrets,
// Kafka runtimes, provisioner, task engine, supervisor and the REST API.
package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/streamplane/streamplane/server/listen"
)

// Config is the server's configuration, validated once at start and passed
// down explicitly.
type Config struct {
	DataDir string
	// Store is where the control plane's state lives: "" (the SQLite file
	// in DataDir), sqlite://PATH or a postgres:// URL.
	Store string
	// SecretKeyFile holds the key that seals secrets in the store (default
	// DataDir/secret.key); STREAMPLANE_SECRET_KEY, if set, gives the key
	// itself instead. Servers sharing a store must share the key.
	SecretKeyFile   string
	Listen          string
	TLS             string // listen.TLSOff, TLSAuto or TLSFiles, resolved by Load
	TLSCert, TLSKey string
	InsecureListen  bool
	RuntimeCache    string
	MavenRepo       string
	KafkaHome       string // an unpacked Apache Kafka distribution to use instead of Maven
	// Provisioner runs the brokers: "local" processes under DataDir, or
	// "kubernetes" pods (Kube holds its settings).
	Provisioner        string
	Kube               KubeConfig
	BrokerHost         string
	PublicHost         string
	ControlHost        string
	PortLo, PortHi     int
	Zones              []string
	Java, Maven        string
	InstallRecommended bool
	SupervisorInterval time.Duration
	// UsageInterval is how often brokers' disk use is measured (and the
	// capacity policy checked); StorageUnitBytes the size of one unit of
	// storage_gb_per_broker, smaller only for tests and demos.
	UsageInterval     time.Duration
	StorageUnitBytes  int64
	MaxBrokerRestarts int
	ReadyTimeout      time.Duration
	AuditRetention    time.Duration
	MaxInstances      int
	MaxBrokers        int
	MaxStorageGB      int
	LogLevel          string
	LogFormat         string
	// Metrics: the collection interval, how long each resolution is kept,
	// and the mail relay alarm e-mails go through (none: no e-mail).
	MetricsInterval     time.Duration
	MetricsRetentionRaw time.Duration
	MetricsRetention5m  time.Duration
	MetricsRetention1h  time.Duration
	SMTPAddr            string
	SMTPFrom            string
	SMTPUsername        string
	SMTPPasswordFile    string
	SMTPStartTLS        string
	// FaultExitAfterStep is a test hook: "kind:N" exits after step N.
	FaultExitAfterStep string
}

// KubeConfig is the Kubernetes provisioner's part of the configuration.
type KubeConfig struct {
	Kubeconfig        string // empty: the server runs in the cluster
	NamespacePrefix   string
	BrokerImage       string
	StorageClass      string
	PublicServiceType string
	ClusterDomain     string
	ControlNamespace  string
	ControlCIDRs      []string
}

// Setting is one configuration entry: a flag --Name, an environment
// variable STREAMPLANE_<NAME> and a key Name in the JSON config file.
type Setting struct {
	Name    string
	Default string
	Help    string
	set     func(c *Config, v string) error
}

// Env is the setting's environment variable.
func (s Setting) Env() string {
	return "STREAMPLANE_" + strings.ToUpper(strings.ReplaceAll(s.Name, "-", "_"))
}

func defaultDataDir() string {
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "streamplane")
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".local", "share", "streamplane")
}

func defaultCacheDir() string {
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "streamplane", "kafka")
	}
	return filepath.Join(os.TempDir(), "streamplane-kafka")
}

// Settings lists every setting, in the order help shows them.
func Settings() []Setting {
	str := func(dst func(*Config) *string) func(*Config, string) error {
		return func(c *Config, v string) error { *dst(c) = v; return nil }
	}
	num := func(name string, dst func(*Config) *int) func(*Config, string) error {
		return func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return fmt.Errorf("%s must be a non-negative integer, got %q", name, v)
			}
			*dst(c) = n
			return nil
		}
	}
	dur := func(name string, dst func(*Config) *time.Duration) func(*Config, string) error {
		return func(c *Config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return fmt.Errorf("%s must be a positive duration such as 2s, got %q", name, v)
			}
			*dst(c) = d
			return nil
		}
	}
	return []Setting{
		{"data", defaultDataDir(), "directory for the store, the secret key and instance data", str(func(c *Config) *string { return &c.DataDir })},
		{"store", "", "where the control plane's state lives: sqlite://PATH or postgres://user@host:5432/db?sslmode=verify-full (default: the SQLite file streamplane.db in --data); servers sharing a PostgreSQL store share the work", str(func(c *Config) *string { return &c.Store })},
		{"secret-key-file", "", "file holding the base64 key that seals secrets in the store, made on first start (default: secret.key in --data); or give the key itself in STREAMPLANE_SECRET_KEY. Every server sharing a store needs the same key", str(func(c *Config) *string { return &c.SecretKeyFile })},
		{"listen", "127.0.0.1:8080", "address the REST API listens on", str(func(c *Config) *string { return &c.Listen })},
		{"tls", "", "TLS for the REST API: off, auto (a self-signed certificate made once in <data>/tls) or files (--tls-cert and --tls-key); default: files when --tls-cert is given, else off", str(func(c *Config) *string { return &c.TLS })},
		{"tls-cert", "", "the API's TLS certificate (PEM; intermediates after it)", str(func(c *Config) *string { return &c.TLSCert })},
		{"tls-key", "", "the private key (PEM) of --tls-cert", str(func(c *Config) *string { return &c.TLSKey })},
		{"insecure-listen", "false", "serve plain HTTP on an address other machines can reach (without it, only loopback listens without TLS)", func(c *Config, v string) error {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return fmt.Errorf("insecure-listen must be true or false, got %q", v)
			}
			c.InsecureListen = b
			return nil
		}},
		{"runtime-cache", defaultCacheDir(), "directory Kafka runtimes are installed into", str(func(c *Config) *string { return &c.RuntimeCache })},
		{"maven-repo", "", "Maven local repository for runtime installs (default: <runtime-cache>/m2)", str(func(c *Config) *string { return &c.MavenRepo })},
		{"kafka-home", "", "an unpacked Apache Kafka distribution to use for its version instead of Maven Central", str(func(c *Config) *string { return &c.KafkaHome })},
		{"provisioner", "local", "where brokers run: local (processes under --data) or kubernetes (pods; the kube-* settings)", func(c *Config, v string) error {
			if v != "local" && v != "kubernetes" {
				return fmt.Errorf("provisioner must be local or kubernetes, got %q", v)
			}
			c.Provisioner = v
			return nil
		}},
		{"kubeconfig", "", "kubeconfig file of the cluster brokers run in (kubernetes provisioner; empty: this server runs in that cluster)", str(func(c *Config) *string { return &c.Kube.Kubeconfig })},
		{"namespace-prefix", "sp-", "start of every instance's namespace name (kubernetes provisioner)", func(c *Config, v string) error {
			if len(v) > 20 || strings.Trim(v, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" || strings.HasPrefix(v, "-") {
				return fmt.Errorf("namespace-prefix must be at most 20 lower-case letters, digits and '-', not starting with '-', got %q", v)
			}
			c.Kube.NamespacePrefix = v
			return nil
		}},
		{"broker-image", "streamplane/kafka:{version}", "broker image (kubernetes provisioner); {version} stands for the broker's Kafka version (deploy/kafka builds it)", str(func(c *Config) *string { return &c.Kube.BrokerImage })},
		{"storage-class", "", "storage class of the brokers' volumes (kubernetes provisioner; empty: the cluster's default)", str(func(c *Config) *string { return &c.Kube.StorageClass })},
		{"public-service-type", "NodePort", "how public listeners are exposed (kubernetes provisioner): NodePort, at --public-host, or LoadBalancer", func(c *Config, v string) error {
			if v != "NodePort" && v != "LoadBalancer" {
				return fmt.Errorf("public-service-type must be NodePort or LoadBalancer, got %q", v)
			}
			c.Kube.PublicServiceType = v
			return nil
		}},
		{"cluster-domain", "cluster.local", "the cluster's DNS domain (kubernetes provisioner)", str(func(c *Config) *string { return &c.Kube.ClusterDomain })},
		{"control-namespace", "", "namespace this server runs in, when in the cluster: only it reaches brokers' internal listeners (kubernetes provisioner)", str(func(c *Config) *string { return &c.Kube.ControlNamespace })},
		{"control-cidrs", "", "comma-separated addresses this server connects to brokers from, when outside the cluster (kubernetes provisioner's network policy)", func(c *Config, v string) error {
			c.Kube.ControlCIDRs = nil
			for _, cidr := range strings.Split(v, ",") {
				if cidr = strings.TrimSpace(cidr); cidr == "" {
					continue
				}
				if _, _, err := net.ParseCIDR(cidr); err != nil {
					return fmt.Errorf("control-cidrs: %q is not a CIDR such as 10.0.0.0/8", cidr)
				}
				c.Kube.ControlCIDRs = append(c.Kube.ControlCIDRs, cidr)
			}
			return nil
		}},
		{"broker-host", "127.0.0.1", "address brokers' client listeners bind to and advertise", str(func(c *Config) *string { return &c.BrokerHost })},
		{"public-host", "127.0.0.2", "address brokers' public listeners bind to and advertise, when an instance turns public access on", str(func(c *Config) *string { return &c.PublicHost })},
		{"control-host", "127.0.0.1", "address of the brokers' internal and controller listeners", str(func(c *Config) *string { return &c.ControlHost })},
		{"port-range", "20000-29999", "ports brokers are given, as LOW-HIGH", func(c *Config, v string) error {
			lo, hi, ok := strings.Cut(v, "-")
			l, err1 := strconv.Atoi(lo)
			h, err2 := strconv.Atoi(hi)
			if !ok || err1 != nil || err2 != nil || l < 1024 || h > 65535 || l >= h {
				return fmt.Errorf("port-range must be LOW-HIGH within 1024-65535, got %q", v)
			}
			c.PortLo, c.PortHi = l, h
			return nil
		}},
		{"zones", "az1,az2,az3", "comma-separated zones offered to instances (each is a broker.rack)", func(c *Config, v string) error {
			c.Zones = nil
			for _, z := range strings.Split(v, ",") {
				if z = strings.TrimSpace(z); z != "" {
					c.Zones = append(c.Zones, z)
				}
			}
			if len(c.Zones) == 0 {
				return fmt.Errorf("zones must name at least one zone")
			}
			return nil
		}},
		{"java", "java", "java executable (17 or newer)", str(func(c *Config) *string { return &c.Java })},
		{"maven", "mvn", "mvn executable", str(func(c *Config) *string { return &c.Maven })},
		{"install-recommended", "true", "install the recommended Kafka runtime at start if it is missing", func(c *Config, v string) error {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return fmt.Errorf("install-recommended must be true or false, got %q", v)
			}
			c.InstallRecommended = b
			return nil
		}},
		{"supervisor-interval", "2s", "how often running instances are checked", dur("supervisor-interval", func(c *Config) *time.Duration { return &c.SupervisorInterval })},
		{"usage-interval", "30s", "how often brokers' disk use is measured and the capacity threshold policy checked", dur("usage-interval", func(c *Config) *time.Duration { return &c.UsageInterval })},
		{"storage-unit-bytes", "1000000000", "FOR TESTS AND DEMOS: bytes in one GB of storage_gb_per_broker, so that a small limit can be filled (capacity policy); 10^9 otherwise", func(c *Config, v string) error {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 1024 {
				return fmt.Errorf("storage-unit-bytes must be an integer of at least 1024, got %q", v)
			}
			c.StorageUnitBytes = n
			return nil
		}},
		{"max-broker-restarts", "3", "restarts of a crashed broker within 10 minutes before it is left in ERROR", num("max-broker-restarts", func(c *Config) *int { return &c.MaxBrokerRestarts })},
		{"audit-retention", "8760h", "how long audit entries are kept", dur("audit-retention", func(c *Config) *time.Duration { return &c.AuditRetention })},
		{"ready-timeout", "5m", "how long a starting cluster or broker may take to join", dur("ready-timeout", func(c *Config) *time.Duration { return &c.ReadyTimeout })},
		{"max-instances", "100", "service quota: instances in all (0: no limit)", num("max-instances", func(c *Config) *int { return &c.MaxInstances })},
		{"max-brokers", "300", "service quota: brokers in all (0: no limit)", num("max-brokers", func(c *Config) *int { return &c.MaxBrokers })},
		{"max-storage-gb", "1500000", "service quota: GB of broker storage in all (0: no limit)", num("max-storage-gb", func(c *Config) *int { return &c.MaxStorageGB })},
		{"log-level", "info", "debug, info, warn or error", func(c *Config, v string) error {
			switch v {
			case "debug", "info", "warn", "error":
				c.LogLevel = v
				return nil
			}
			return fmt.Errorf("log-level must be debug, info, warn or error, got %q", v)
		}},
		{"log-format", "text", "text or json", func(c *Config, v string) error {
			if v != "text" && v != "json" {
				return fmt.Errorf("log-format must be text or json, got %q", v)
			}
			c.LogFormat = v
			return nil
		}},
		{"metrics-interval", "1m", "how often every instance's metrics are collected and alarm rules evaluated (10s or more)", func(c *Config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d < 10*time.Second || d > time.Hour {
				return fmt.Errorf("metrics-interval must be a duration from 10s to 1h, got %q", v)
			}
			c.MetricsInterval = d
			return nil
		}},
		{"metrics-retention-raw", "168h", "how long collected metric points are kept", dur("metrics-retention-raw", func(c *Config) *time.Duration { return &c.MetricsRetentionRaw })},
		{"metrics-retention-5m", "720h", "how long 5-minute metric rollups are kept", dur("metrics-retention-5m", func(c *Config) *time.Duration { return &c.MetricsRetention5m })},
		{"metrics-retention-1h", "8760h", "how long 1-hour metric rollups are kept", dur("metrics-retention-1h", func(c *Config) *time.Duration { return &c.MetricsRetention1h })},
		{"smtp-addr", "", "host:port of the mail relay alarm e-mails go through (empty: no e-mail)", str(func(c *Config) *string { return &c.SMTPAddr })},
		{"smtp-from", "", "the sender address of alarm e-mails", str(func(c *Config) *string { return &c.SMTPFrom })},
		{"smtp-username", "", "the mail relay's user name (empty: no authentication)", str(func(c *Config) *string { return &c.SMTPUsername })},
		{"smtp-password-file", "", "a file holding the mail relay's password", str(func(c *Config) *string { return &c.SMTPPasswordFile })},
		{"smtp-starttls", "auto", "STARTTLS with the mail relay: auto (when offered), always or never", str(func(c *Config) *string { return &c.SMTPStartTLS })},
		{"fault-exit-after-step", "", "TEST ONLY: kind:N makes the server exit after step N of a task of that kind", str(func(c *Config) *string { return &c.FaultExitAfterStep })},
	}
}

// Load builds the configuration: defaults, then the JSON config file (if
// any), then environment variables, then the flags given (by name).
func Load(configFile string, getenv func(string) string, flags map[string]string) (Config, error) {
	var c Config
	settings := Settings()
	byName := map[string]Setting{}
	for _, s := range settings {
		byName[s.Name] = s
		if err := s.set(&c, s.Default); err != nil {
			return c, fmt.Errorf("default of %s: %w", s.Name, err)
		}
	}
	if configFile != "" {
		raw, err := os.ReadFile(configFile)
		if err != nil {
			return c, fmt.Errorf("config file: %w", err)
		}
		// Numbers stay as written (json.Number): as float64, 1500000 would
		// print as 1.5e+06, which no integer setting accepts.
		var file map[string]any
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&file); err != nil {
			return c, fmt.Errorf("config file %s is not a JSON object: %w", configFile, err)
		}
		keys := make([]string, 0, len(file))
		for k := range file {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			s, ok := byName[k]
			if !ok {
				return c, fmt.Errorf("config file %s: unknown setting %q", configFile, k)
			}
			if err := s.set(&c, fmt.Sprint(file[k])); err != nil {
				return c, fmt.Errorf("config file %s: %w", configFile, err)
			}
		}
	}
	for _, s := range settings {
		if v := getenv(s.Env()); v != "" {
			if err := s.set(&c, v); err != nil {
				return c, fmt.Errorf("%s: %w", s.Env(), err)
			}
		}
	}
	for _, s := range settings {
		if v, ok := flags[s.Name]; ok {
			if err := s.set(&c, v); err != nil {
				return c, fmt.Errorf("--%s: %w", s.Name, err)
			}
		}
	}
	if c.MavenRepo == "" {
		c.MavenRepo = filepath.Join(c.RuntimeCache, "m2")
	}
	mode, err := listen.ResolveMode(c.TLS, c.TLSCert, c.TLSKey)
	if err != nil {
		return c, err
	}
	c.TLS = mode
	return c, nil
}
