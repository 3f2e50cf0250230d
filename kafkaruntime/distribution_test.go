package kafkaruntime

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeDistribution lays out empty files the way kafka_2.13-<v>.tgz does.
func fakeDistribution(t *testing.T, dirs []string, jars ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, d := range dirs {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, j := range jars {
		if err := os.WriteFile(filepath.Join(dir, "libs", j), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestFromDistribution(t *testing.T) {
	both := []string{"bin", "libs"}
	for _, tt := range []struct {
		name    string
		dirs    []string
		jars    []string
		version string
		logging Logging
		known   bool   // in the catalog
		err     string // in the error; "" for none
	}{
		{name: "Kafka4", dirs: both, jars: []string{"kafka_2.13-4.1.1.jar", "kafka_2.13-4.1.1-sources.jar", "kafka-clients-4.1.1.jar", "slf4j-api-1.7.36.jar", "log4j-slf4j-impl-2.24.3.jar", "log4j-core-2.24.3.jar"},
			version: "4.1.1", logging: log4j2("1.7.36", "2.24.3"), known: true},
		{name: "Kafka39", dirs: both, jars: []string{"kafka_2.13-3.9.1.jar", "slf4j-api-1.7.36.jar", "slf4j-reload4j-1.7.36.jar", "reload4j-1.2.25.jar"},
			version: "3.9.1", logging: reload4j("1.7.36", "1.2.25"), known: true},
		{name: "NotInCatalog", dirs: both, jars: []string{"kafka_2.13-4.0.0.jar", "slf4j-api-1.7.36.jar", "log4j-core-2.24.3.jar"},
			version: "4.0.0", logging: log4j2("1.7.36", "2.24.3")},
		{name: "NoLibs", dirs: []string{"bin"}, err: "not a Kafka distribution"},
		{name: "NoKafkaJar", dirs: both, jars: []string{"kafka-clients-4.1.1.jar"}, err: "no kafka_2.13-<version>.jar"},
		{name: "TwoVersions", dirs: both, jars: []string{"kafka_2.13-4.1.1.jar", "kafka_2.13-4.1.2.jar"}, err: "several Kafka versions (4.1.1, 4.1.2)"},
		{name: "NoBackend", dirs: both, jars: []string{"kafka_2.13-4.1.1.jar"}, err: "needs log4j2"},
		{name: "NoBin", dirs: []string{"libs"}, jars: []string{"kafka_2.13-4.1.1.jar", "log4j-core-2.24.3.jar"}, err: "no bin directory"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := fakeDistribution(t, tt.dirs, tt.jars...)
			rt, err := FromDistribution(dir)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("FromDistribution error = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if rt.Version != tt.version || rt.Release.Version != tt.version {
				t.Errorf("version = %s/%s, want %s", rt.Version, rt.Release.Version, tt.version)
			}
			if rt.Dir != dir || rt.LibDir != filepath.Join(dir, "libs") {
				t.Errorf("Dir, LibDir = %s, %s", rt.Dir, rt.LibDir)
			}
			if rt.Classpath() != filepath.Join(dir, "libs", "*") {
				t.Errorf("Classpath() = %s", rt.Classpath())
			}
			if rt.Release.Logging != tt.logging {
				t.Errorf("Logging = %+v, want %+v", rt.Release.Logging, tt.logging)
			}
			if known := len(rt.Release.Checksums) > 0; known != tt.known {
				t.Errorf("catalog entry found = %v, want %v", known, tt.known)
			}
		})
	}
}
