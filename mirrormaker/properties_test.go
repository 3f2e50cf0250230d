package mirrormaker

import (
	"bytes"
	"strings"
	"testing"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/kafkaconfig"
)

const (
	sourcePassword = "src-Secret-8f2b"
	targetPassword = "tgt-Secret-c41e"
	testCA         = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
)

func testInput() Input {
	m := &streamplane.Migration{
		ID: "9a1c0f7e-1111-4222-8333-444455556666", InstanceID: "3f0e8a4c-1111-4222-8333-444455556666", Name: "legacy",
		Source: streamplane.MigrationSource{
			BootstrapServers: []string{"kafka-1.old:9093", "kafka-2.old:9093"},
			SecurityProtocol: streamplane.SourceSASLSSL, SASLMechanism: streamplane.SourceSCRAMSHA256,
			Username: "migrator", Password: sourcePassword, CA: testCA,
		},
		Topics: `orders\..*, payments`, Groups: "billing,audit-.*", SyncTopicConfigs: true,
	}
	return Input{
		Migration: m, SourceCAFile: "/data/mirrors/x/source-ca.pem",
		Target: Target{
			BootstrapServers: []string{"127.0.0.1:9101", "127.0.0.1:9111"}, SASL: true,
			Username: m.Principal(), Password: targetPassword, CAFile: "/data/mirrors/x/target-ca.pem",
		},
		ReplicationFactor: 3, KafkaVersion: "4.1.2",
	}
}

// render renders in and reads the file back as MirrorMaker would.
func render(t *testing.T, in Input) (map[string]string, []byte) {
	t.Helper()
	raw, err := Properties(in)
	if err != nil {
		t.Fatal(err)
	}
	props, err := kafkaconfig.Decode(string(raw))
	if err != nil {
		t.Fatalf("the file does not parse: %v\n%s", err, raw)
	}
	return props, raw
}

func checkKeys(t *testing.T, props map[string]string, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got, ok := props[k]; !ok {
			t.Errorf("%s missing; want %q", k, v)
		} else if got != v {
			t.Errorf("%s = %q; want %q", k, got, v)
		}
	}
}

// The keys a migration's behaviour depends on: one direction, names kept,
// the user's selection, offsets synced soon, nothing written to the source.
func TestPropertiesOfAMigration(t *testing.T) {
	props, _ := render(t, testInput())
	checkKeys(t, props, map[string]string{
		"clusters":                               "legacy, legacy-target",
		"replication.policy.class":               "org.apache.kafka.connect.mirror.IdentityReplicationPolicy",
		"legacy->legacy-target.enabled":          "true",
		"legacy-target->legacy.enabled":          "false",
		"legacy->legacy-target.topics":           `orders\..*,payments`,
		"legacy->legacy-target.groups":           "billing,audit-.*",
		"offset-syncs.topic.location":            "target",
		"tasks.max":                              "2",
		"legacy-target.offset.flush.interval.ms": "5000",
		"plugin.discovery":                       "service_load",
		"legacy-target.plugin.discovery":         "service_load",
		"legacy.bootstrap.servers":               "kafka-1.old:9093,kafka-2.old:9093",
		"legacy-target.bootstrap.servers":        "127.0.0.1:9101,127.0.0.1:9111",
		"replication.factor":                     "3",
		"offset.storage.replication.factor":      "3",
		"config.storage.replication.factor":      "3",
		"status.storage.replication.factor":      "3",
		"checkpoints.topic.replication.factor":   "3",
		"heartbeats.topic.replication.factor":    "3",
		"offset-syncs.topic.replication.factor":  "3",

		"legacy->legacy-target.sync.group.offsets.enabled":          "true",
		"legacy->legacy-target.emit.checkpoints.enabled":            "true",
		"legacy->legacy-target.sync.group.offsets.interval.seconds": "5",
		"legacy->legacy-target.emit.checkpoints.interval.seconds":   "5",
		"legacy->legacy-target.refresh.topics.interval.seconds":     "10",
		"legacy->legacy-target.refresh.groups.interval.seconds":     "10",
		"legacy->legacy-target.sync.topic.configs.enabled":          "true",
		"legacy->legacy-target.sync.topic.acls.enabled":             "false",
		"legacy->legacy-target.emit.heartbeats.enabled":             "true",
		"legacy->legacy-target.offset.lag.max":                      "100",
		"legacy->legacy-target.topics.exclude":                      `mm2.*\.internal,.*\.checkpoints\.internal,.*\.replica,__.*`,
		"legacy-target.producer.compression.type":                   "none",
	})
	// At the top level dedicated mode would ignore it: Connect's 60 s.
	if v, ok := props["offset.flush.interval.ms"]; ok {
		t.Errorf("offset.flush.interval.ms = %q at the top level; want it under the target's prefix, where the worker reads it", v)
	}
}

func TestPropertiesWithoutGroupsSyncNoOffsets(t *testing.T) {
	in := testInput()
	in.Migration.Groups = " , "
	in.TasksMax = 5
	props, _ := render(t, in)
	if g, ok := props["legacy->legacy-target.groups"]; ok {
		t.Errorf("groups = %q; want the default with everything excluded", g)
	}
	checkKeys(t, props, map[string]string{
		"legacy->legacy-target.groups.exclude":             ".*",
		"legacy->legacy-target.sync.group.offsets.enabled": "false",
		"legacy->legacy-target.emit.checkpoints.enabled":   "false",
		"tasks.max": "5",
	})
}

func TestPropertiesSourceSecurity(t *testing.T) {
	t.Run("SASL_SSL", func(t *testing.T) {
		props, _ := render(t, testInput())
		checkKeys(t, props, map[string]string{
			"legacy.security.protocol":       "SASL_SSL",
			"legacy.sasl.mechanism":          "SCRAM-SHA-256",
			"legacy.sasl.jaas.config":        `org.apache.kafka.common.security.scram.ScramLoginModule required username="migrator" password="` + sourcePassword + `";`,
			"legacy.ssl.truststore.type":     "PEM",
			"legacy.ssl.truststore.location": "/data/mirrors/x/source-ca.pem",
		})
	})
	t.Run("SASL_PLAINTEXT_PLAIN", func(t *testing.T) {
		in := testInput()
		in.Migration.Source.SecurityProtocol, in.Migration.Source.SASLMechanism, in.Migration.Source.CA = streamplane.SourceSASLPlaintext, streamplane.SourcePlain, ""
		props, _ := render(t, in)
		checkKeys(t, props, map[string]string{
			"legacy.security.protocol": "SASL_PLAINTEXT",
			"legacy.sasl.jaas.config":  `org.apache.kafka.common.security.plain.PlainLoginModule required username="migrator" password="` + sourcePassword + `";`,
		})
		if _, ok := props["legacy.ssl.truststore.location"]; ok {
			t.Error("a truststore without TLS")
		}
	})
	t.Run("PLAINTEXT", func(t *testing.T) {
		in := testInput()
		in.Migration.Source = streamplane.MigrationSource{BootstrapServers: []string{"old:9092"}, SecurityProtocol: streamplane.SourcePlaintext}
		in.Target = Target{BootstrapServers: []string{"127.0.0.1:9101"}}
		props, _ := render(t, in)
		checkKeys(t, props, map[string]string{"legacy.security.protocol": "PLAINTEXT", "legacy-target.security.protocol": "PLAINTEXT"})
		for k := range props {
			if strings.Contains(k, "sasl") || strings.Contains(k, "ssl.") {
				t.Errorf("%s set for PLAINTEXT clusters", k)
			}
		}
	})
}

func TestPropertiesTargetSecurity(t *testing.T) {
	props, _ := render(t, testInput())
	checkKeys(t, props, map[string]string{
		"legacy-target.security.protocol":       "SASL_SSL",
		"legacy-target.sasl.mechanism":          "SCRAM-SHA-512",
		"legacy-target.sasl.jaas.config":        `org.apache.kafka.common.security.scram.ScramLoginModule required username="streamplane-mm2-legacy" password="` + targetPassword + `";`,
		"legacy-target.ssl.truststore.type":     "PEM",
		"legacy-target.ssl.truststore.location": "/data/mirrors/x/target-ca.pem",
	})
}

// The passwords are in the jaas lines and nowhere else, and the CA's text
// is not inlined (the file is named).
func TestPropertiesSecretsOnlyInJAAS(t *testing.T) {
	_, raw := render(t, testInput())
	for _, line := range bytes.Split(raw, []byte("\n")) {
		hasSecret := bytes.Contains(line, []byte(sourcePassword)) || bytes.Contains(line, []byte(targetPassword))
		if hasSecret && !bytes.Contains(line, []byte(".sasl.jaas.config=")) {
			t.Errorf("a secret outside sasl.jaas.config: %s", line)
		}
	}
	for _, pw := range []string{sourcePassword, targetPassword} {
		if n := bytes.Count(raw, []byte(pw)); n != 1 {
			t.Errorf("password appears %d times; want once", n)
		}
	}
	if bytes.Contains(raw, []byte("MIIB")) {
		t.Error("the CA bundle is inlined")
	}
}

// Patterns reach MirrorMaker as written: backslashes and a leading '#'
// survive java.util.Properties' unescaping.
func TestPropertiesEscaping(t *testing.T) {
	in := testInput()
	in.Migration.Topics = `#weird\.topic, !x, a:b=c`
	in.SourceCAFile = `/data/with space/ca.pem`
	props, raw := render(t, in)
	checkKeys(t, props, map[string]string{
		"legacy->legacy-target.topics":   `#weird\.topic,!x,a:b=c`,
		"legacy.ssl.truststore.location": `/data/with space/ca.pem`,
	})
	if !bytes.Contains(raw, []byte(`legacy->legacy-target.topics=\#weird\\.topic`)) {
		t.Errorf("topics line not escaped for java.util.Properties:\n%s", raw)
	}
}

func TestPropertiesRefusesQuotesInJAAS(t *testing.T) {
	for name, mutate := range map[string]func(*Input){
		"SourceQuote":     func(in *Input) { in.Migration.Source.Password = `pa"ss` },
		"SourceBackslash": func(in *Input) { in.Migration.Source.Password = `pa\ss` },
		"SourceNewline":   func(in *Input) { in.Migration.Source.Username = "mi\ngrator" },
		"TargetQuote":     func(in *Input) { in.Target.Password = `x"; evil=1` },
		"NoPassword":      func(in *Input) { in.Migration.Source.Password = "" },
	} {
		t.Run(name, func(t *testing.T) {
			in := testInput()
			mutate(&in)
			_, err := Properties(in)
			if err == nil {
				t.Fatal("rendered")
			}
			for _, secret := range []string{in.Migration.Source.Password, in.Target.Password} {
				if secret != "" && strings.Contains(err.Error(), secret) {
					t.Errorf("the error shows a password: %v", err)
				}
			}
		})
	}
}

func TestPropertiesRefusesIncompleteInput(t *testing.T) {
	for name, mutate := range map[string]func(*Input){
		"NoTopics":        func(in *Input) { in.Migration.Topics = " " },
		"NoTargetServers": func(in *Input) { in.Target.BootstrapServers = nil },
		"NoSourceCAFile":  func(in *Input) { in.SourceCAFile = "" },
		"NoTargetCAFile":  func(in *Input) { in.Target.CAFile = "" },
		"ZeroRF":          func(in *Input) { in.ReplicationFactor = 0 },
		"NoVersion":       func(in *Input) { in.KafkaVersion = "" },
	} {
		t.Run(name, func(t *testing.T) {
			in := testInput()
			mutate(&in)
			if _, err := Properties(in); err == nil {
				t.Fatal("rendered")
			}
		})
	}
}

func TestPropertiesAreDeterministic(t *testing.T) {
	// The keys come from a map: two renderings would differ if its order
	// leaked into the file.
	_, rawA := render(t, testInput())
	_, rawB := render(t, testInput())
	if !bytes.Equal(rawA, rawB) {
		t.Error("two renderings of one input differ")
	}
}
