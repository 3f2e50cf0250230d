package kafkaruntime

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"

	"github.com/streamplane/streamplane/maven"
)

// dependencyPlugin is pinned so that an install resolves the same way
// whatever plugin version a Maven installation or its settings default to.
const dependencyPlugin = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1"

// minMaven is the oldest Maven that runs dependencyPlugin.
const minMaven = "3.6.3"

func mavenError(problem string, err error) *RequirementError {
	return &RequirementError{
		Need:    "Maven " + minMaven + " or newer",
		Purpose: "to install Kafka runtimes from Maven Central",
		Problem: problem,
		Install: "install Maven (Debian: apt-get install maven) or set STREAMPLANE_MAVEN",
		Err:     err,
	}
}

// CheckMaven runs `mvn -v` and returns a *RequirementError if Maven cannot
// be run or is too old. An empty mvn means "mvn" on the PATH.
func CheckMaven(ctx context.Context, mvn string) error {
	return checkMaven(ctx, mvn, nil)
}

func checkMaven(ctx context.Context, mvn string, env []string) error {
	if mvn == "" {
		mvn = "mvn"
	}
	cmd := exec.CommandContext(ctx, mvn, "-B", "-v")
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		return fmt.Errorf("kafkaruntime: checking maven: %w", ctx.Err())
	}
	if err != nil {
		return mavenError(runProblem(mvn, out, err), err)
	}
	version, ok := parseMavenVersion(string(out))
	if !ok {
		return mavenError(fmt.Sprintf("cannot read the version %q prints: %q", mvn+" -v", firstLine(out)), nil)
	}
	if compareVersions(version, minMaven) < 0 {
		return mavenError(fmt.Sprintf("%s is Maven %s", mvn, version), nil)
	}
	return nil
}

var mavenVersionRE = regexp.MustCompile(`Apache Maven ([0-9]+(?:\.[0-9]+)*)`)

// parseMavenVersion reads "3.8.7" from `mvn -v` output, which may carry
// ANSI colour codes around it.
func parseMavenVersion(out string) (string, bool) {
	m := mavenVersionRE.FindStringSubmatch(out)
	if m == nil {
		return "", false
	}
	return m[1], true
}

// mavenEnv returns the environment for Maven. When the cache names a Java
// explicitly, Maven runs on that Java too, not on whatever JAVA_HOME or the
// PATH would pick (which may be too old for the pinned plugin).
func mavenEnv(java string) []string {
	env := os.Environ()
	if java == "" || java == "java" {
		return env
	}
	home, err := maven.JavaHome(java)
	if err != nil {
		return env
	}
	return append(env, "JAVA_HOME="+home)
}

// pomXML returns a pom (packaging pom, no code) whose dependencies are the
// release's artifacts; copy-dependencies on it yields the runtime classpath.
func pomXML(r Release) []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	fmt.Fprintf(&b, "<!-- Written by Streamplane: the jars of Apache Kafka %s. -->\n", xmlText(r.Version))
	b.WriteString(`<project xmlns="http://maven.apache.org/POM/4.0.0">` + "\n")
	b.WriteString("  <modelVersion>4.0.0</modelVersion>\n")
	b.WriteString("  <groupId>io.streamplane.runtime</groupId>\n")
	b.WriteString("  <artifactId>kafka-runtime</artifactId>\n")
	fmt.Fprintf(&b, "  <version>%s</version>\n", xmlText(r.Version))
	b.WriteString("  <packaging>pom</packaging>\n")
	b.WriteString("  <dependencies>\n")
	for _, a := range r.Artifacts() {
		fmt.Fprintf(&b, "    <dependency><groupId>%s</groupId><artifactId>%s</artifactId><version>%s</version></dependency>\n",
			xmlText(a.Group), xmlText(a.Name), xmlText(a.Version))
	}
	b.WriteString("  </dependencies>\n</project>\n")
	return []byte(b.String())
}

func xmlText(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s)) // a strings.Builder never fails
	return b.String()
}

// copyDependenciesArgs returns Maven's arguments to copy every runtime jar
// of pom into outDir, using repo as the local repository.
func copyDependenciesArgs(pom, repo, outDir string) []string {
	return append(maven.Args(pom, repo, dependencyPlugin+":copy-dependencies"),
		"-DoutputDirectory="+outDir, "-DincludeScope=runtime")
}

// runMaven runs Maven (maven.Run), turning a Maven that cannot start into
// advice on what to install.
func runMaven(ctx context.Context, mvn string, env []string, dir string, args []string, line func(string)) error {
	err := maven.Run(ctx, mvn, env, dir, args, line)
	var start *maven.StartError
	if errors.As(err, &start) {
		return mavenError(runProblem(mvn, nil, start.Err), start.Err)
	}
	if err != nil {
		return fmt.Errorf("kafkaruntime: %w", err)
	}
	return nil
}
