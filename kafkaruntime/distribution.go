package kafkaruntime

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// kafkaJarRE matches the broker jar of a distribution, kafka_2.13-<version>.jar,
// and not its -sources, -javadoc or -test siblings.
var kafkaJarRE = regexp.MustCompile(`^kafka_2\.13-([0-9]+(?:\.[0-9]+)+)\.jar$`)

// FromDistribution returns the runtime of an unpacked Apache Kafka
// distribution (the kafka_2.13-<version>.tgz layout: bin/, config/, libs/).
// The version comes from libs/kafka_2.13-<version>.jar and may be one the
// catalog does not know; the logging backend is read from the jars in libs.
//
// The jars are the operator's and are not checked against the catalog: a
// distribution may be a patched build on purpose.
func FromDistribution(dir string) (Runtime, error) {
	dir = absPath(dir)
	libDir := filepath.Join(dir, "libs")
	jars, err := jarNames(libDir)
	if err != nil {
		return Runtime{}, fmt.Errorf("kafkaruntime: %s is not a Kafka distribution: %w", dir, err)
	}
	var versions []string
	for _, j := range jars {
		if m := kafkaJarRE.FindStringSubmatch(j); m != nil {
			versions = append(versions, m[1])
		}
	}
	switch len(versions) {
	case 0:
		return Runtime{}, fmt.Errorf("kafkaruntime: %s is not a Kafka distribution: no kafka_2.13-<version>.jar in libs", dir)
	case 1:
	default:
		return Runtime{}, fmt.Errorf("kafkaruntime: %s holds several Kafka versions (%s)", dir, strings.Join(versions, ", "))
	}
	version := versions[0]

	r, ok := Lookup(version)
	if !ok {
		r = Release{Version: version}
	}
	logging, err := detectLogging(jars, version)
	if err != nil {
		return Runtime{}, fmt.Errorf("kafkaruntime: %s: %w", dir, err)
	}
	r.Logging = logging
	if fi, err := os.Stat(filepath.Join(dir, "bin")); err != nil || !fi.IsDir() {
		return Runtime{}, fmt.Errorf("kafkaruntime: %s is not a Kafka distribution: no bin directory", dir)
	}
	return Runtime{Version: version, Dir: dir, LibDir: libDir, Release: r}, nil
}

// detectLogging tells the backend from the jars a distribution ships.
func detectLogging(jars []string, version string) (Logging, error) {
	find := func(prefix string) string {
		for _, j := range jars {
			if v, ok := strings.CutPrefix(j, prefix); ok && v != "" && v[0] >= '0' && v[0] <= '9' {
				return strings.TrimSuffix(v, ".jar")
			}
		}
		return ""
	}
	slf4j := find("slf4j-api-")
	if v := find("log4j-core-"); v != "" {
		return log4j2(slf4j, v), nil
	}
	if v := find("reload4j-"); v != "" {
		return reload4j(slf4j, v), nil
	}
	// No backend jar: Kafka would start and log nothing at all.
	major, _ := strconv.Atoi(strings.SplitN(version, ".", 2)[0])
	if major >= 4 {
		return Logging{}, fmt.Errorf("no log4j-core jar in libs; Kafka %s needs log4j2", version)
	}
	return Logging{}, fmt.Errorf("no reload4j jar in libs; Kafka %s needs reload4j", version)
}
