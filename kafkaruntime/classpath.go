package kafkaruntime

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// jarVersionRE splits "name-1.2.3.jar" at the last "-<digit>".
var jarVersionRE = regexp.MustCompile(`^(.+)-([0-9][^-]*(?:-[^-]+)?)\.jar$`)

// classpathWarnings looks at the jar names of an install for what Maven's
// resolution cannot rule out: several SLF4J bindings, none, two copies of
// log4j 1, or a logging jar in two versions.
func classpathWarnings(jars []string) []string {
	// Jar name prefixes of SLF4J bindings (1.x) and providers (2.x). With
	// two on the classpath SLF4J picks one arbitrarily.
	slf4jBindings := []string{
		"slf4j-reload4j-", "slf4j-log4j12-", "log4j-slf4j-impl-", "log4j-slf4j2-impl-",
		"logback-classic-", "slf4j-simple-", "slf4j-jdk14-", "slf4j-nop-", "slf4j-jcl-",
	}
	// Jar name prefixes that each carry the org.apache.log4j classes.
	log4j1Jars := []string{"log4j-1.", "reload4j-", "log4j-1.2-api-"}

	var warnings, bindings, log4j1 []string
	for _, j := range jars {
		if slices.ContainsFunc(slf4jBindings, func(p string) bool { return strings.HasPrefix(j, p) }) {
			bindings = append(bindings, j)
		}
		if slices.ContainsFunc(log4j1Jars, func(p string) bool { return strings.HasPrefix(j, p) }) {
			log4j1 = append(log4j1, j)
		}
	}
	switch {
	case len(bindings) == 0:
		warnings = append(warnings, "no SLF4J binding on the classpath: Kafka will log nothing")
	case len(bindings) > 1:
		warnings = append(warnings, fmt.Sprintf("%d SLF4J bindings on the classpath (%s): SLF4J picks one arbitrarily", len(bindings), strings.Join(bindings, ", ")))
	}
	if len(log4j1) > 1 {
		warnings = append(warnings, fmt.Sprintf("log4j 1 classes come from %d jars (%s)", len(log4j1), strings.Join(log4j1, ", ")))
	}

	// Maven keeps one version per groupId:artifactId, so two jars of one
	// name come from two groups. That is fine for unrelated libraries (3.9
	// ships com.yammer and io.dropwizard metrics-core side by side), not for
	// a relocated or forked copy of the logging stack.
	logging := []string{
		"slf4j-api", "log4j-api", "log4j-core", "log4j-1.2-api", "reload4j",
		"slf4j-reload4j", "log4j-slf4j-impl", "log4j-slf4j2-impl",
	}
	versions := map[string][]string{}
	for _, j := range jars {
		if m := jarVersionRE.FindStringSubmatch(j); m != nil && slices.Contains(logging, m[1]) {
			versions[m[1]] = append(versions[m[1]], m[2])
		}
	}
	for _, name := range slices.Sorted(maps.Keys(versions)) {
		if vs := versions[name]; len(vs) > 1 {
			warnings = append(warnings, fmt.Sprintf("%s is on the classpath in %d versions (%s)", name, len(vs), strings.Join(vs, ", ")))
		}
	}
	return warnings
}
