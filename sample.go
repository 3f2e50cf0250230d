package streamplane

import (
	"bytes"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/template"
)

// ClientAccess is how a client reaches an instance through one of its
// client listeners.
type ClientAccess struct {
	Listener         string `json:"listener"`
	BootstrapServers string `json:"bootstrap_servers"`
	SecurityProtocol string `json:"security_protocol"`
	SASLMechanism    string `json:"sasl_mechanism,omitempty"`
}

// listenerPreference orders the listeners a sample connects through when
// the caller names none: private before public, secured before not.
var listenerPreference = []string{ListenerPrivateSASLSSL, ListenerPrivatePlaintext, ListenerPublicSASLSSL, ListenerPublicPlaintext}

// ClientAccess returns how clients reach the instance through a listener,
// or through the preferred one when listener is "". The security settings
// follow from the listener: *_sasl_ssl listeners take SCRAM-SHA-512 over
// TLS (SPEC §5), *_plaintext ones nothing.
func (inst *Instance) ClientAccess(listener string) (ClientAccess, error) {
	names := make([]string, 0, len(inst.BootstrapServers))
	for name := range inst.BootstrapServers {
		names = append(names, name)
	}
	sort.Strings(names)
	if len(names) == 0 {
		return ClientAccess{}, Errorf(ESTATE, "instance %s has no client listener yet", inst.Name)
	}
	if listener == "" {
		listener = names[0]
		for _, pref := range slices.Backward(listenerPreference) {
			if slices.Contains(names, pref) {
				listener = pref
			}
		}
	}
	servers, ok := inst.BootstrapServers[listener]
	if !ok {
		return ClientAccess{}, Invalid("listener", "instance %s has no listener %q; it has %s", inst.Name, listener, strings.Join(names, ", "))
	}
	a := ClientAccess{Listener: listener, BootstrapServers: servers}
	switch {
	case strings.HasSuffix(listener, "_sasl_ssl"):
		a.SecurityProtocol, a.SASLMechanism = ProtocolSASLSSL, MechanismSCRAM
	case strings.HasSuffix(listener, "_plaintext"):
		a.SecurityProtocol = ProtocolPlaintext
	default:
		return ClientAccess{}, Errorf(EINTERNAL, "listener %q has no known security protocol", listener)
	}
	return a, nil
}

// SampleLanguages are the languages sample code comes in (DMS 8.7).
var SampleLanguages = []string{"java", "go", "python"}

// SampleCode is a runnable program that produces a message to a topic and
// consumes it back, filled in with an instance's addresses and security
// settings.
type SampleCode struct {
	Language string `json:"language"`
	Filename string `json:"filename"`
	Instance string `json:"instance"`
	Topic    string `json:"topic"`
	ClientAccess
	Dependencies string `json:"dependencies"` // what the program needs
	Run          string `json:"run"`          // how to build and run it
	Code         string `json:"code"`
}

// ValidateSampleLanguage checks that sample code comes in a language.
func ValidateSampleLanguage(lang string) error {
	if !slices.Contains(SampleLanguages, lang) {
		return Invalid("lang", "lang must be one of %s, got %q", strings.Join(SampleLanguages, ", "), lang)
	}
	return nil
}

// RenderSampleCode writes the sample program in a language.
func RenderSampleCode(lang string, inst *Instance, access ClientAccess, topic string) (*SampleCode, error) {
	if err := ValidateSampleLanguage(lang); err != nil {
		return nil, err
	}
	sc := &SampleCode{Language: lang, Instance: inst.Name, Topic: topic, ClientAccess: access}
	servers := strings.Split(access.BootstrapServers, ",")
	switch lang {
	case "java":
		sc.Filename = "StreamplaneSample.java"
		jar := "kafka-clients-" + inst.Version + ".jar"
		sc.Dependencies = "org.apache.kafka:kafka-clients:" + inst.Version + " (and its dependency org.slf4j:slf4j-api)"
		sc.Run = fmt.Sprintf("javac -cp '%[1]s:slf4j-api.jar' StreamplaneSample.java && java -cp '.:%[1]s:slf4j-api.jar' StreamplaneSample", jar)
	case "go":
		sc.Filename = "main.go"
		sc.Dependencies = "github.com/twmb/franz-go"
		sc.Run = "go mod init sample && go get github.com/twmb/franz-go@latest && go run ."
	case "python":
		sc.Filename = "streamplane_sample.py"
		sc.Dependencies = "kafka-python (pip install kafka-python)"
		sc.Run = "python3 streamplane_sample.py"
	}
	var buf bytes.Buffer
	err := sampleTemplates.ExecuteTemplate(&buf, lang, map[string]any{
		"Instance": inst.Name, "Topic": topic, "Servers": servers, "Access": access,
		"SASL": access.SecurityProtocol == ProtocolSASLSSL, "Run": sc.Run,
	})
	if err != nil {
		return nil, err
	}
	sc.Code = buf.String()
	return sc, nil
}

// The templates quote every value they fill in. Topic names and host:port
// addresses are ASCII, for which Go's quoting is also valid Java and Python.
var sampleTemplates = template.Must(template.New("").Funcs(template.FuncMap{
	"quote": strconv.Quote,
	"list": func(ss []string) string {
		q := make([]string, len(ss))
		for i, s := range ss {
			q[i] = strconv.Quote(s)
		}
		return strings.Join(q, ", ")
	},
}).Parse(sampleGo + sampleJava + samplePython))

const sampleGo = `{{define "go" -}}
// Command sample produces a message to topic {{.Topic}} on the Streamplane
// instance {{.Instance}} and consumes it back, with franz-go. It connects
// through the {{.Access.Listener}} listener ({{.Access.SecurityProtocol}}).
//
//	{{.Run}}
package main

import (
	"context"
{{- if .SASL}}
	"crypto/tls"
	"crypto/x509"
{{- end}}
	"fmt"
	"log"
{{- if .SASL}}
	"os"
{{- end}}
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
{{- if .SASL}}
	"github.com/twmb/franz-go/pkg/sasl/scram"
{{- end}}
)

const topic = {{quote .Topic}}

// seeds are the instance's bootstrap servers.
var seeds = []string{ {{- list .Servers -}} }

// connection returns what both clients need to reach the instance.
func connection() []kgo.Opt {
	opts := []kgo.Opt{kgo.SeedBrokers(seeds...)}
{{- if .SASL}}
	// {{.Access.SASLMechanism}} over TLS: ca.pem is the instance's CA certificate;
	// KAFKA_USERNAME and KAFKA_PASSWORD are one of its users.
	pem, err := os.ReadFile("ca.pem")
	if err != nil {
		log.Fatal(err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		log.Fatal("ca.pem holds no certificate")
	}
	opts = append(opts,
		kgo.DialTLSConfig(&tls.Config{RootCAs: roots}),
		kgo.SASL(scram.Auth{User: os.Getenv("KAFKA_USERNAME"), Pass: os.Getenv("KAFKA_PASSWORD")}.AsSha512Mechanism()),
	)
{{- end}}
	return opts
}

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	value := fmt.Sprintf("hello from Streamplane at %s", time.Now().Format(time.RFC3339Nano))

	// Produce one message; acks=all waits for every in-sync replica.
	producer, err := kgo.NewClient(append(connection(), kgo.RequiredAcks(kgo.AllISRAcks()))...)
	if err != nil {
		log.Fatal(err)
	}
	r, err := producer.ProduceSync(ctx, &kgo.Record{Topic: topic, Key: []byte("sample"), Value: []byte(value)}).First()
	producer.Close()
	if err != nil {
		log.Fatalf("produce: %v", err)
	}
	fmt.Printf("produced: partition %d offset %d: %s\n", r.Partition, r.Offset, value)

	// Consume as a member of a consumer group until the message comes back.
	consumer, err := kgo.NewClient(append(connection(),
		kgo.ConsumeTopics(topic),
		kgo.ConsumerGroup("streamplane-sample"),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
	)...)
	if err != nil {
		log.Fatal(err)
	}
	defer consumer.Close()
	for {
		fetches := consumer.PollFetches(ctx)
		if ctx.Err() != nil {
			log.Fatal("the message did not come back within a minute")
		}
		fetches.EachError(func(t string, p int32, err error) { log.Printf("fetch %s[%d]: %v", t, p, err) })
		found := false
		fetches.EachRecord(func(r *kgo.Record) {
			fmt.Printf("consumed: partition %d offset %d: %s\n", r.Partition, r.Offset, r.Value)
			found = found || string(r.Value) == value
		})
		if found {
			return
		}
	}
}
{{end}}`

const sampleJava = `{{define "java" -}}
// Produces a message to topic {{.Topic}} on the Streamplane instance {{.Instance}}
// and consumes it back, with the Apache Kafka Java client. It connects
// through the {{.Access.Listener}} listener ({{.Access.SecurityProtocol}}).
//
//   {{.Run}}

import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

public class StreamplaneSample {
    static final String BOOTSTRAP_SERVERS = {{quote .Access.BootstrapServers}};
    static final String TOPIC = {{quote .Topic}};

    // What both clients need to reach the instance.
    static Properties connection() {
        Properties props = new Properties();
        props.put("bootstrap.servers", BOOTSTRAP_SERVERS);
{{- if .SASL}}
        // {{.Access.SASLMechanism}} over TLS: ca.pem is the instance's CA certificate;
        // KAFKA_USERNAME and KAFKA_PASSWORD are one of its users.
        props.put("security.protocol", {{quote .Access.SecurityProtocol}});
        props.put("sasl.mechanism", {{quote .Access.SASLMechanism}});
        props.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required"
                + " username=\"" + System.getenv("KAFKA_USERNAME") + "\""
                + " password=\"" + System.getenv("KAFKA_PASSWORD") + "\";");
        props.put("ssl.truststore.type", "PEM");
        props.put("ssl.truststore.location", "ca.pem");
{{- end}}
        return props;
    }

    public static void main(String[] args) throws Exception {
        String value = "hello from Streamplane " + UUID.randomUUID();

        // Produce one message; acks=all waits for every in-sync replica.
        Properties p = connection();
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
            RecordMetadata md = producer.send(new ProducerRecord<>(TOPIC, "sample", value)).get();
            System.out.printf("produced: partition %d offset %d: %s%n", md.partition(), md.offset(), value);
        }

        // Consume as a member of a consumer group until the message comes back.
        Properties c = connection();
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "streamplane-sample");
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c)) {
            consumer.subscribe(List.of(TOPIC));
            long deadline = System.currentTimeMillis() + 60_000;
            while (System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofSeconds(1))) {
                    System.out.printf("consumed: partition %d offset %d: %s%n", r.partition(), r.offset(), r.value());
                    if (value.equals(r.value())) {
                        return;
                    }
                }
            }
        }
        System.err.println("the message did not come back within a minute");
        System.exit(1);
    }
}
{{end}}`

const samplePython = `{{define "python" -}}
"""Produces a message to topic {{.Topic}} on the Streamplane instance {{.Instance}}
and consumes it back, with kafka-python. It connects through the
{{.Access.Listener}} listener ({{.Access.SecurityProtocol}}).

    pip install kafka-python
    {{.Run}}
"""
{{- if .SASL}}
import os
{{- end}}
import sys
import time
import uuid

from kafka import KafkaConsumer, KafkaProducer

BOOTSTRAP_SERVERS = [{{list .Servers}}]
TOPIC = {{quote .Topic}}

# What both clients need to reach the instance.
CONNECTION = {
    "bootstrap_servers": BOOTSTRAP_SERVERS,
{{- if .SASL}}
    # {{.Access.SASLMechanism}} over TLS: ca.pem is the instance's CA certificate;
    # KAFKA_USERNAME and KAFKA_PASSWORD are one of its users.
    "security_protocol": {{quote .Access.SecurityProtocol}},
    "sasl_mechanism": {{quote .Access.SASLMechanism}},
    "sasl_plain_username": os.environ.get("KAFKA_USERNAME", ""),
    "sasl_plain_password": os.environ.get("KAFKA_PASSWORD", ""),
    "ssl_cafile": "ca.pem",
{{- end}}
}


def main():
    value = "hello from Streamplane %s" % uuid.uuid4()

    # Produce one message; acks=all waits for every in-sync replica.
    producer = KafkaProducer(acks="all", **CONNECTION)
    md = producer.send(TOPIC, key=b"sample", value=value.encode()).get(timeout=30)
    producer.close()
    print("produced: partition %d offset %d: %s" % (md.partition, md.offset, value))

    # Consume as a member of a consumer group until the message comes back.
    consumer = KafkaConsumer(TOPIC, group_id="streamplane-sample", auto_offset_reset="earliest", **CONNECTION)
    deadline = time.time() + 60
    try:
        while time.time() < deadline:
            for records in consumer.poll(timeout_ms=1000).values():
                for r in records:
                    print("consumed: partition %d offset %d: %s" % (r.partition, r.offset, r.value.decode()))
                    if r.value.decode() == value:
                        return 0
    finally:
        consumer.close()
    print("the message did not come back within a minute", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
{{end}}`
