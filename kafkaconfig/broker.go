package kafkaconfig

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	streamplane "github.com/streamplane/streamplane"
)

// Listener names inside Kafka. INTERNAL carries inter-broker traffic and the
// control plane's admin client; CONTROLLER carries KRaft traffic. Both
// authenticate with SASL/PLAIN as principals that are the only super users.
// PRIVATE is the client listener; its principal (User:ANONYMOUS when it is
// plaintext) is never a super user.
// PUBLIC is the optional public client listener; it speaks the same
// protocol as PRIVATE.
const (
	ListenerInternal   = "INTERNAL"
	ListenerController = "CONTROLLER"
	ListenerPrivate    = "PRIVATE"
	ListenerPublic     = "PUBLIC"
)

// Streamplane's broker plugin (package kafkaplugin, which builds it and
// checks these names against its sources) replaces Kafka's authorizer and
// adds a topic creation policy; it is on every broker's classpath.
const (
	// AuthorizerClass is Kafka's StandardAuthorizer, except that only super
	// users administer the cluster resource, whatever its ACLs.
	AuthorizerClass = "dev.streamplane.kafka.ClusterGuardAuthorizer"
	// TopicPolicyClass refuses topics the API would refuse: bad names, too
	// many partitions for the topic or the instance.
	TopicPolicyClass = "dev.streamplane.kafka.TopicPolicy"
	// The topic policy's settings: the instance's name (for messages), its
	// partition limit, a topic's most partitions, and the admin client it
	// counts partitions with (settings under the prefix).
	PolicyInstance           = "streamplane.topic.policy.instance"
	PolicyMaxPartitions      = "streamplane.topic.policy.max.partitions"
	PolicyMaxTopicPartitions = "streamplane.topic.policy.max.topic.partitions"
	PolicyAdmin              = "streamplane.topic.policy.admin."
)

// BrokerInput is everything a broker's configuration depends on.
type BrokerInput struct {
	Instance    *streamplane.Instance
	Broker      *streamplane.Broker
	Credentials streamplane.Credentials
	// ControlHost is the address the internal and controller listeners bind
	// to; only the control plane and the brokers reach it.
	ControlHost string
	DataDir     string // log.dirs and the KRaft metadata log
	// PublicHost is the address of the public listener, when public
	// access is on.
	PublicHost string
	// NodeHost is where the other nodes and the control plane reach a
	// node's internal and controller listeners. Nil: at ControlHost, the
	// one host local brokers share.
	NodeHost func(b *streamplane.Broker) string
	// ListenHost, when set, is the address every listener binds to instead
	// of ControlHost, the broker's host and PublicHost: a pod binds its own.
	ListenHost string
	// PublicAddress is the public listener's advertised host:port when the
	// user set none and it differs from where the broker listens (a
	// Kubernetes node port or load balancer).
	PublicAddress string
	// TLS files of a SASL_SSL instance's client listeners.
	KeystoreFile   string // PEM: the broker's private key and certificate chain
	TruststoreFile string // PEM: the CA that clients' certificates must chain to
	// PlainConfig configures PLAIN on a client listener (by its lower-case
	// name): the settings of Streamplane's PLAIN plugin. Nil without PLAIN.
	PlainConfig func(listener string) map[string]string
	// Overrides are operator- or user-set broker settings applied last.
	Overrides map[string]string
}

// Broker renders server.properties for one node of an instance.
func Broker(in BrokerInput) (*Properties, error) {
	inst, b := in.Instance, in.Broker
	flavor, ok := streamplane.LookupFlavor(inst.Flavor)
	if !ok {
		return nil, fmt.Errorf("kafkaconfig: unknown flavor %q", inst.Flavor)
	}
	for _, purpose := range []string{streamplane.PortInternal, streamplane.PortPrivate} {
		if b.Ports[purpose] == 0 {
			return nil, fmt.Errorf("kafkaconfig: broker %d has no %s port", b.ID, purpose)
		}
	}
	p := &Properties{}
	replication := min(3, inst.BrokerCount)

	// Roles and the controller quorum.
	roles := []string{streamplane.RoleBroker}
	if b.IsController() {
		roles = append(roles, streamplane.RoleController)
	}
	p.Set("process.roles", strings.Join(roles, ","))
	p.Set("node.id", strconv.Itoa(b.ID))
	voters, err := quorumVoters(inst, in.nodeHost)
	if err != nil {
		return nil, err
	}
	p.Set("controller.quorum.voters", voters)

	// Listeners: the client-facing ones speak the instance's protocol.
	protocol := inst.SecurityProtocol
	if protocol == "" {
		protocol = streamplane.ProtocolPlaintext
	}
	internal := fmt.Sprintf("%s://%s:%d", ListenerInternal, in.bind(in.ControlHost), b.Ports[streamplane.PortInternal])
	internalAdvertised := fmt.Sprintf("%s://%s:%d", ListenerInternal, in.nodeHost(b), b.Ports[streamplane.PortInternal])
	private := fmt.Sprintf("%s://%s:%d", ListenerPrivate, in.bind(b.Host), b.Ports[streamplane.PortPrivate])
	privateAdvertised := advertisedAs(ListenerPrivate, fmt.Sprintf("%s://%s:%d", ListenerPrivate, b.Host, b.Ports[streamplane.PortPrivate]), b.Advertised[streamplane.AdvertisePrivate])
	listeners, advertised := []string{internal, private}, []string{internalAdvertised, privateAdvertised}
	clientListeners := []string{ListenerPrivate}
	if inst.PublicAccess {
		if (in.PublicHost == "" && in.PublicAddress == "") || b.Ports[streamplane.PortPublic] == 0 {
			return nil, fmt.Errorf("kafkaconfig: broker %d has no public address", b.ID)
		}
		public := fmt.Sprintf("%s://%s:%d", ListenerPublic, in.bind(in.PublicHost), b.Ports[streamplane.PortPublic])
		publicAdvertised := fmt.Sprintf("%s://%s:%d", ListenerPublic, in.PublicHost, b.Ports[streamplane.PortPublic])
		if in.PublicAddress != "" {
			publicAdvertised = ListenerPublic + "://" + in.PublicAddress
		}
		listeners, advertised = append(listeners, public), append(advertised, advertisedAs(ListenerPublic, publicAdvertised, b.Advertised[streamplane.AdvertisePublic]))
		clientListeners = append(clientListeners, ListenerPublic)
	}
	if b.IsController() {
		listeners = append(listeners, fmt.Sprintf("%s://%s:%d", ListenerController, in.bind(in.ControlHost), b.Ports[streamplane.PortController]))
	}
	p.Set("listeners", strings.Join(listeners, ","))
	p.Set("advertised.listeners", strings.Join(advertised, ","))
	protocols := []string{ListenerInternal + ":SASL_PLAINTEXT", ListenerController + ":SASL_PLAINTEXT"}
	for _, l := range clientListeners {
		protocols = append(protocols, l+":"+protocol)
	}
	p.Set("listener.security.protocol.map", strings.Join(protocols, ","))
	p.Set("inter.broker.listener.name", ListenerInternal)
	p.Set("controller.listener.names", ListenerController)

	// Control-plane authentication: PLAIN with credentials from this file,
	// so nothing secret is ever passed on a command line.
	c := in.Credentials
	p.Set("sasl.enabled.mechanisms", "PLAIN")
	p.Set("sasl.mechanism.inter.broker.protocol", "PLAIN")
	p.Set("sasl.mechanism.controller.protocol", "PLAIN")
	p.Set("listener.name.internal.sasl.enabled.mechanisms", "PLAIN")
	p.Set("listener.name.internal.plain.sasl.jaas.config", plainJAAS(c.AdminUser, c.AdminPassword, map[string]string{c.AdminUser: c.AdminPassword}))
	p.Set("listener.name.controller.sasl.enabled.mechanisms", "PLAIN")
	p.Set("listener.name.controller.plain.sasl.jaas.config", plainJAAS(c.ControllerUser, c.ControllerPassword, map[string]string{c.ControllerUser: c.ControllerPassword}))
	if protocol == streamplane.ProtocolSASLSSL {
		for _, l := range clientListeners {
			if err := saslSSL(p, in, strings.ToLower(l)); err != nil {
				return nil, err
			}
		}
	}

	// Authorization: the control-plane principals are the only super users;
	// a resource without ACLs is open to every client (DMS 8.9), except the
	// cluster resource: the plugin's authorizer never lets a client
	// administer it, from the first request on, ACLs or not.
	p.Set("authorizer.class.name", AuthorizerClass)
	p.Set("super.users", "User:"+c.ControllerUser+";User:"+c.AdminUser)
	p.Set("allow.everyone.if.no.acl.found", "true")

	// Topic creation by anyone (clients included) follows the API's rules;
	// the policy counts partitions through the internal listener.
	var internals []string
	for i := range inst.Brokers {
		if port := inst.Brokers[i].Ports[streamplane.PortInternal]; port != 0 && inst.Brokers[i].State != streamplane.BrokerDeleted {
			internals = append(internals, fmt.Sprintf("%s:%d", in.nodeHost(&inst.Brokers[i]), port))
		}
	}
	p.Set("create.topic.policy.class.name", TopicPolicyClass)
	p.Set(PolicyInstance, inst.Name)
	p.Set(PolicyMaxPartitions, strconv.Itoa(inst.PartitionLimit()))
	p.Set(PolicyMaxTopicPartitions, strconv.Itoa(streamplane.MaxTopicPartitions))
	p.Set(PolicyAdmin+"bootstrap.servers", strings.Join(internals, ","))
	p.Set(PolicyAdmin+"security.protocol", "SASL_PLAINTEXT")
	p.Set(PolicyAdmin+"sasl.mechanism", "PLAIN")
	p.Set(PolicyAdmin+"sasl.jaas.config", plainJAAS(c.AdminUser, c.AdminPassword, nil))

	// Placement and storage.
	p.Set("broker.rack", b.Rack)
	p.Set("log.dirs", in.DataDir)

	// Resources from the flavor.
	p.Set("num.network.threads", strconv.Itoa(flavor.NetworkThreads))
	p.Set("num.io.threads", strconv.Itoa(flavor.IOThreads))
	p.Set("num.replica.fetchers", "1")
	p.Set("background.threads", strconv.Itoa(max(2, flavor.NetworkThreads)))
	p.Set("max.connections", strconv.Itoa(flavor.MaxConnectionsPerBroker))
	// The log cleaner's dedupe buffer defaults to 128 MB, and a live change
	// of message.max.bytes rebuilds the cleaner, briefly holding two: on
	// the small heaps of local flavors that is an OutOfMemoryError. An
	// eighth of the heap keeps both well inside it.
	p.Set("log.cleaner.dedupe.buffer.size", strconv.FormatInt(int64(flavor.HeapMB)<<20/8, 10))
	// The capacity policy auto_delete moves log starts (DeleteRecords);
	// Kafka removes the segments below them at its next retention check,
	// every 5 minutes by default, while the broker stays full. Every 30
	// seconds costs a scan of the segment lists and gives the space back
	// within the capacity event that freed it.
	p.Set("log.retention.check.interval.ms", "30000")

	// Parameters (SPEC §6): the dynamic ones at their DMS defaults, which
	// live changes override cluster-wide (and a reset falls back to); the
	// static ones as the user set them, taking effect at the next restart.
	p.setAll(streamplane.BaselineParams())
	p.setAll(inst.StaticParams())
	p.Set("replica.fetch.max.bytes", "10485760") // a follower must fetch the largest message

	// Internal topics replicate as far as the broker count allows.
	p.Set("offsets.topic.replication.factor", strconv.Itoa(replication))
	p.Set("transaction.state.log.replication.factor", strconv.Itoa(replication))
	p.Set("transaction.state.log.min.isr", strconv.Itoa(min(2, replication)))
	if major, _ := versionMajor(inst.BrokerVersion(in.Broker)); major >= 4 { // this node's version, mid-upgrade too
		p.Set("share.coordinator.state.topic.replication.factor", strconv.Itoa(replication))
		p.Set("share.coordinator.state.topic.min.isr", strconv.Itoa(min(2, replication)))
	}

	// Shut down cleanly and quickly: the roller relies on controlled
	// shutdown moving leadership away before a broker stops.
	p.Set("controlled.shutdown.enable", "true")
	p.Set("auto.leader.rebalance.enable", "true")
	// A restarted broker cannot register again while its old incarnation's
	// heartbeat session lives (DUPLICATE_BROKER_REGISTRATION), and is
	// unfenced only at a heartbeat after catching up: Kafka's 9 s session
	// and 2 s heartbeat cost up to ~10 s per broker restart. The brokers
	// talk over loopback, where a 3 s session (6 heartbeats) is ample.
	p.Set("broker.session.timeout.ms", "3000")
	p.Set("broker.heartbeat.interval.ms", "500")
	// A starting controller waits one to two election timeouts before it
	// asks for votes: the first election of every create. Followers still
	// call an election only after controller.quorum.fetch.timeout.ms (2 s,
	// the roller's FetchTimeoutMs) without hearing from the leader.
	p.Set("controller.quorum.election.timeout.ms", "500")

	p.setAll(in.Overrides)
	return p, nil
}

// saslSSL configures a client listener for SASL over TLS: SCRAM-SHA-512
// always, PLAIN if the instance offers it; the broker's certificate from a
// PEM keystore; and, under mutual TLS, a client certificate required.
func saslSSL(p *Properties, in BrokerInput, listener string) error {
	inst := in.Instance
	if in.KeystoreFile == "" || in.TruststoreFile == "" {
		return fmt.Errorf("kafkaconfig: a SASL_SSL listener needs keystore and truststore files")
	}
	prefix := "listener.name." + listener + "."
	mechanisms := []string{streamplane.MechanismSCRAM}
	p.Set(prefix+"scram-sha-512.sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required;")
	if inst.HasMechanism(streamplane.MechanismPlain) {
		if in.PlainConfig == nil {
			return fmt.Errorf("kafkaconfig: instance %s offers PLAIN but no PLAIN plugin is configured", inst.Name)
		}
		mechanisms = append(mechanisms, streamplane.MechanismPlain)
		p.setAll(in.PlainConfig(listener))
	}
	p.Set(prefix+"sasl.enabled.mechanisms", strings.Join(mechanisms, ","))
	p.Set(prefix+"ssl.keystore.type", "PEM")
	p.Set(prefix+"ssl.keystore.location", in.KeystoreFile)
	p.Set(prefix+"ssl.truststore.type", "PEM")
	p.Set(prefix+"ssl.truststore.location", in.TruststoreFile)
	// A replacement certificate (DMS 6.6) is loaded live, and may name
	// another subject: Kafka refuses such a reload unless told to allow it.
	p.Set(prefix+"ssl.allow.dn.changes", "true")
	p.Set(prefix+"ssl.allow.san.changes", "true")
	clientAuth := "none"
	if inst.MutualTLS {
		clientAuth = "required"
	}
	p.Set(prefix+"ssl.client.auth", clientAuth)
	return nil
}

// nodeHost is where other nodes reach b's internal and controller listeners.
func (in BrokerInput) nodeHost(b *streamplane.Broker) string {
	if in.NodeHost != nil {
		return in.NodeHost(b)
	}
	return in.ControlHost
}

// bind is the address a listener binds to: ListenHost, when set, else def.
func (in BrokerInput) bind(def string) string {
	if in.ListenHost != "" {
		return in.ListenHost
	}
	return def
}

// quorumVoters lists the controllers as id@host:port (a static quorum: it
// works on every catalog version; the controllers never change).
func quorumVoters(inst *streamplane.Instance, host func(*streamplane.Broker) string) (string, error) {
	var voters []string
	for i := range inst.Brokers {
		b := &inst.Brokers[i]
		if !b.IsController() {
			continue
		}
		port := b.Ports[streamplane.PortController]
		if port == 0 {
			return "", fmt.Errorf("kafkaconfig: controller %d has no controller port", b.ID)
		}
		voters = append(voters, fmt.Sprintf("%d@%s:%d", b.ID, host(b), port))
	}
	if len(voters) == 0 {
		return "", fmt.Errorf("kafkaconfig: instance %s has no controllers", inst.Name)
	}
	return strings.Join(voters, ","), nil
}

// plainJAAS is a PlainLoginModule entry: the login identity for outgoing
// connections and the accepted user_<name> entries for incoming ones.
func plainJAAS(user, password string, accepted map[string]string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `org.apache.kafka.common.security.plain.PlainLoginModule required username=%s password=%s`, JAASQuote(user), JAASQuote(password))
	for _, name := range slices.Sorted(maps.Keys(accepted)) {
		fmt.Fprintf(&b, ` user_%s=%s`, name, JAASQuote(accepted[name]))
	}
	b.WriteString(";")
	return b.String()
}

// JAASQuote double-quotes s for a JAAS option value. Kafka parses the value
// with java.io.StreamTokenizer, which takes C-style escapes inside quotes
// and ends a quoted string at a line break.
func JAASQuote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`).Replace(s) + `"`
}

func versionMajor(v string) (int, error) {
	major, _, _ := strings.Cut(v, ".")
	return strconv.Atoi(major)
}

// advertisedAs is the listener as clients are told of it: at the address
// the user set for the broker (NAT, DNS), else where it listens.
func advertisedAs(name, listener, address string) string {
	if address == "" {
		return listener
	}
	return name + "://" + address
}
