// Package mirrormaker renders the mm2.properties a migration's MirrorMaker 2
// runs with (DESIGN §12): dedicated mode, one flow from the outside source
// cluster into the instance, with the instance's own Kafka runtime. It is
// pure: the provisioner writes the file and runs the process.
package mirrormaker

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/kafkaconfig"
)

// DefaultTasksMax is how many tasks copy records when Input leaves it unset:
// one per core of a small machine. Partitions are spread over the tasks, so
// more tasks only add threads and connections, not throughput, once the CPUs
// are busy.
const DefaultTasksMax = 2

// Input is what a migration's MirrorMaker runs with.
type Input struct {
	// Migration names the clusters (its aliases) and selects what is
	// copied. Its Source.Password must be filled in.
	Migration *streamplane.Migration
	// SourceCAFile is the path of the source's PEM CA bundle, written from
	// Migration.Source.CA; required when that is set.
	SourceCAFile string
	Target       Target
	// ReplicationFactor of the copied topics MirrorMaker creates and of its
	// internal topics: min(3, brokers) of the instance.
	ReplicationFactor int
	// KafkaVersion is the runtime's version. Every key written here means
	// the same to 3.9 and 4.x; the version only goes in the file's header.
	KafkaVersion string
	// TasksMax bounds the tasks of each connector; 0 means DefaultTasksMax.
	TasksMax int
}

// Target is how MirrorMaker reaches the instance.
type Target struct {
	BootstrapServers []string
	// SASL: SASL_SSL with SCRAM-SHA-512 as Username, trusting the PEM
	// bundle at CAFile. Otherwise PLAINTEXT.
	SASL     bool
	Username string
	Password string
	CAFile   string
}

// Properties renders mm2.properties, keys sorted so that the same input
// always gives the same file. The only secrets in it are the two
// sasl.jaas.config values.
func Properties(in Input) ([]byte, error) {
	m := in.Migration
	if m == nil {
		return nil, fmt.Errorf("mirrormaker: no migration")
	}
	if len(m.Source.BootstrapServers) == 0 || len(in.Target.BootstrapServers) == 0 {
		return nil, fmt.Errorf("mirrormaker: migration %s: both clusters need bootstrap servers", m.Name)
	}
	if len(streamplane.Selection(m.Topics)) == 0 {
		return nil, fmt.Errorf("mirrormaker: migration %s selects no topics", m.Name)
	}
	if in.KafkaVersion == "" || strings.ContainsAny(in.KafkaVersion, "\n\r") {
		return nil, fmt.Errorf("mirrormaker: Kafka version %q", in.KafkaVersion)
	}
	if in.ReplicationFactor < 1 {
		return nil, fmt.Errorf("mirrormaker: replication factor %d; want at least 1", in.ReplicationFactor)
	}
	tasks := in.TasksMax
	if tasks <= 0 {
		tasks = DefaultTasksMax
	}
	src, tgt := m.SourceAlias(), m.TargetAlias()
	flow := src + "->" + tgt + "."
	rf := strconv.Itoa(in.ReplicationFactor)

	kv := map[string]string{
		"clusters": src + ", " + tgt,
		// Topic names stay as they are: consumers switch clusters without
		// renaming anything. The policy cannot tell a copy from an original,
		// hence only the one direction.
		"replication.policy.class":    "org.apache.kafka.connect.mirror.IdentityReplicationPolicy",
		src + "->" + tgt + ".enabled": "true",
		tgt + "->" + src + ".enabled": "false",

		flow + "topics": strings.Join(streamplane.Selection(m.Topics), ","),
		// Set for both 3.9 and 4.x alike: 3.9's default (.*[\-\.]internal)
		// would drop a user's "orders-internal" that 4.x copies. These are
		// Kafka's own topics and MirrorMaker's, wherever they came from.
		flow + "topics.exclude":                  `mm2.*\.internal,.*\.checkpoints\.internal,.*\.replica,__.*`,
		flow + "refresh.topics.interval.seconds": "10",
		flow + "sync.topic.configs.enabled":      strconv.FormatBool(m.SyncTopicConfigs),
		// Never MirrorMaker's own ACL sync: it would need to alter the
		// instance's ACLs, a right no client-facing principal has. The
		// migration's task copies the source's topic ACLs itself, with
		// the control plane's admin client (sync_acls).
		flow + "sync.topic.acls.enabled":             "false",
		flow + "emit.heartbeats.enabled":             "true",
		flow + "refresh.groups.interval.seconds":     "10",
		flow + "emit.checkpoints.interval.seconds":   "5",
		flow + "sync.group.offsets.interval.seconds": "5",
		// An offset sync every 100 records per partition at most (Kafka's
		// default): the most a switched consumer reads twice. Lower means
		// more sync records and more checkpoint work for fewer duplicates.
		flow + "offset.lag.max": "100",
		// Offset syncs live in the instance: MirrorMaker writes nothing to
		// the source cluster, which may be read-only to it.
		"offset-syncs.topic.location": "target",
		"tasks.max":                   strconv.Itoa(tasks),

		// Connect commits its source offsets every 5 s, so that a restart
		// copies little twice and progress shows soon (the status's records
		// behind and the cutover check read them). A worker setting:
		// dedicated mode takes those from the target cluster's prefix and
		// ignores them at the top level (where Connect's 60 s would apply).
		tgt + ".offset.flush.interval.ms": "5000",
		// Find Connect's plugins from their jars' service manifests
		// (Kafka ships them since 3.6) instead of scanning every class of
		// the classpath: the scan costs about 2 s of CPU each time, once
		// for MirrorMaker and once for its worker (the target's prefix).
		"plugin.discovery":        "service_load",
		tgt + ".plugin.discovery": "service_load",

		"replication.factor":                    rf,
		"checkpoints.topic.replication.factor":  rf,
		"heartbeats.topic.replication.factor":   rf,
		"offset-syncs.topic.replication.factor": rf,
		"offset.storage.replication.factor":     rf,
		"status.storage.replication.factor":     rf,
		"config.storage.replication.factor":     rf,

		// Copying is a bulk transfer: fuller batches, no compression (CPU is
		// the scarce thing here, the records cross loopback).
		tgt + ".producer.linger.ms":        "20",
		tgt + ".producer.batch.size":       "262144",
		tgt + ".producer.compression.type": "none",
		// A topic new to MirrorMaker is copied from its start.
		src + ".consumer.auto.offset.reset": "earliest",
		src + ".consumer.max.poll.records":  "2000",

		src + ".bootstrap.servers": strings.Join(m.Source.BootstrapServers, ","),
		tgt + ".bootstrap.servers": strings.Join(in.Target.BootstrapServers, ","),
	}
	if groups := streamplane.Selection(m.Groups); len(groups) > 0 {
		kv[flow+"groups"] = strings.Join(groups, ",")
		// Kafka's default also excludes connect-.*, but those are the groups
		// of Connect sink connectors, which users do move.
		kv[flow+"groups.exclude"] = "console-consumer-.*,__.*"
		kv[flow+"emit.checkpoints.enabled"] = "true"
		kv[flow+"sync.group.offsets.enabled"] = "true"
	} else {
		// No group selected: no group is listed, so the checkpoint connector
		// runs no task and never reads the source's groups (which may need
		// ACLs the user did not grant); the switches say the same plainly.
		kv[flow+"groups.exclude"] = ".*"
		kv[flow+"emit.checkpoints.enabled"] = "false"
		kv[flow+"sync.group.offsets.enabled"] = "false"
	}
	if err := sourceSecurity(kv, src, m.Source, in.SourceCAFile); err != nil {
		return nil, err
	}
	if err := targetSecurity(kv, tgt, in.Target); err != nil {
		return nil, err
	}

	var p kafkaconfig.Properties
	for _, k := range slices.Sorted(maps.Keys(kv)) {
		p.Set(k, kv[k])
	}
	header := fmt.Sprintf("# MirrorMaker 2 of migration %s (%s), Kafka %s.\n", m.Name, m.ID, in.KafkaVersion)
	return append([]byte(header), p.Encode()...), nil
}

func sourceSecurity(kv map[string]string, alias string, s streamplane.MigrationSource, caFile string) error {
	kv[alias+".security.protocol"] = s.SecurityProtocol
	if s.SASL() {
		jaas, err := jaasConfig(s.SASLMechanism, s.Username, s.Password)
		if err != nil {
			return fmt.Errorf("mirrormaker: source: %w", err)
		}
		kv[alias+".sasl.mechanism"] = s.SASLMechanism
		kv[alias+".sasl.jaas.config"] = jaas
	}
	if s.CA != "" {
		if caFile == "" {
			return fmt.Errorf("mirrormaker: the source has a CA bundle but no file for it")
		}
		kv[alias+".ssl.truststore.type"] = "PEM"
		kv[alias+".ssl.truststore.location"] = caFile
	}
	return nil
}

func targetSecurity(kv map[string]string, alias string, t Target) error {
	if !t.SASL {
		kv[alias+".security.protocol"] = streamplane.SourcePlaintext
		return nil
	}
	if t.CAFile == "" {
		return fmt.Errorf("mirrormaker: a SASL_SSL target needs its CA file")
	}
	jaas, err := jaasConfig(streamplane.SourceSCRAMSHA512, t.Username, t.Password)
	if err != nil {
		return fmt.Errorf("mirrormaker: target: %w", err)
	}
	kv[alias+".security.protocol"] = streamplane.SourceSASLSSL
	kv[alias+".sasl.mechanism"] = streamplane.SourceSCRAMSHA512
	kv[alias+".sasl.jaas.config"] = jaas
	kv[alias+".ssl.truststore.type"] = "PEM"
	kv[alias+".ssl.truststore.location"] = t.CAFile
	return nil
}

// jaasConfig is a sasl.jaas.config value. JAAS quoted strings end at a
// quote and treat a backslash as an escape, so a name or password holding
// either (or a line break) is refused rather than escaped: the API refuses
// them already, and an error names neither.
func jaasConfig(mechanism, user, password string) (string, error) {
	module := "org.apache.kafka.common.security.scram.ScramLoginModule"
	switch mechanism {
	case streamplane.SourcePlain:
		module = "org.apache.kafka.common.security.plain.PlainLoginModule"
	case streamplane.SourceSCRAMSHA256, streamplane.SourceSCRAMSHA512:
	default:
		return "", fmt.Errorf("unknown SASL mechanism %q", mechanism)
	}
	if user == "" || password == "" {
		return "", fmt.Errorf("SASL needs a user name and a password")
	}
	const bad = "\"\\\n\r"
	if strings.ContainsAny(user, bad) {
		return "", fmt.Errorf("the user name holds a quote, backslash or line break")
	}
	if strings.ContainsAny(password, bad) {
		return "", fmt.Errorf("the password holds a quote, backslash or line break")
	}
	return fmt.Sprintf(`%s required username="%s" password="%s";`, module, user, password), nil
}
