package kafkaruntime

import (
	"context"
	"encoding/xml"
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestPomXML(t *testing.T) {
	r, _ := Lookup("4.1.1")
	var pom struct {
		Packaging string `xml:"packaging"`
		Deps      []struct {
			Group    string `xml:"groupId"`
			Artifact string `xml:"artifactId"`
			Version  string `xml:"version"`
		} `xml:"dependencies>dependency"`
	}
	if err := xml.Unmarshal(pomXML(r), &pom); err != nil {
		t.Fatal(err)
	}
	if pom.Packaging != "pom" {
		t.Errorf("packaging = %q, want pom", pom.Packaging)
	}
	var got []string
	for _, d := range pom.Deps {
		got = append(got, d.Group+":"+d.Artifact+":"+d.Version)
	}
	want := []string{
		"org.apache.kafka:kafka_2.13:4.1.1",
		"org.apache.kafka:kafka-tools:4.1.1",
		"org.apache.kafka:connect-mirror:4.1.1",
		"io.prometheus.jmx:jmx_prometheus_javaagent:1.0.1",
		"org.apache.logging.log4j:log4j-slf4j-impl:2.24.3",
		"org.apache.logging.log4j:log4j-api:2.24.3",
		"org.apache.logging.log4j:log4j-core:2.24.3",
	}
	if !slices.Equal(got, want) {
		t.Errorf("dependencies = %v, want %v", got, want)
	}
}

func TestCopyDependenciesArgs(t *testing.T) {
	args := strings.Join(copyDependenciesArgs("/t/pom.xml", "/m2", "/t/lib"), " ")
	for _, want := range []string{
		"-B", "--strict-checksums", "-Dmaven.repo.local=/m2",
		"org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies",
		"-DoutputDirectory=/t/lib",
	} {
		if !strings.Contains(args, want) {
			t.Errorf("maven args %q lack %q", args, want)
		}
	}
}

func TestParseMavenVersion(t *testing.T) {
	for _, tt := range []struct{ out, want string }{
		{"\x1b[1mApache Maven 3.8.7\x1b[m\nMaven home: /usr/share/maven", "3.8.7"},
		{"Apache Maven 3.9.11 (3e54c93a704957b63ee3494413a2b544fd3d825b)", "3.9.11"},
		{"mvn: command not found", ""},
	} {
		if got, _ := parseMavenVersion(tt.out); got != tt.want {
			t.Errorf("parseMavenVersion(%q) = %q, want %q", tt.out, got, tt.want)
		}
	}
}

func TestCheckMaven(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		name    string
		mvn     string
		problem string
	}{
		{"Missing", "/nonexistent/bin/mvn", "does not exist"},
		{"TooOld", fakeProgram(t, "mvn", `echo 'Apache Maven 3.3.9'`), "is Maven 3.3.9"},
		{"OK", fakeProgram(t, "mvn", `echo 'Apache Maven 3.9.11 (abc)'`), ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckMaven(ctx, tt.mvn)
			if tt.problem == "" {
				if err != nil {
					t.Fatalf("CheckMaven = %v", err)
				}
				return
			}
			var re *RequirementError
			if !errors.As(err, &re) {
				t.Fatalf("CheckMaven error = %v, want a *RequirementError", err)
			}
			for _, want := range []string{"Maven 3.6.3 or newer is required", tt.problem, "apt-get install maven"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
		})
	}
}

func TestClasspathWarnings(t *testing.T) {
	for _, tt := range []struct {
		name string
		jars []string
		want []string // substrings, one per warning
	}{
		{"Clean", []string{"kafka_2.13-4.1.1.jar", "log4j-slf4j-impl-2.24.3.jar", "log4j-core-2.24.3.jar", "slf4j-api-1.7.36.jar"}, nil},
		{"NoBinding", []string{"kafka_2.13-4.1.1.jar", "slf4j-api-1.7.36.jar"}, []string{"no SLF4J binding"}},
		{"TwoBindings", []string{"log4j-slf4j-impl-2.24.3.jar", "slf4j-reload4j-1.7.36.jar"}, []string{"2 SLF4J bindings"}},
		{"TwoLog4j1", []string{"slf4j-reload4j-1.7.36.jar", "reload4j-1.2.25.jar", "log4j-1.2.17.jar"}, []string{"log4j 1 classes come from 2 jars"}},
		{"TwoVersions", []string{"log4j-slf4j-impl-2.24.3.jar", "log4j-core-2.24.3.jar", "log4j-core-2.25.3.jar"}, []string{"log4j-core is on the classpath in 2 versions"}},
		{"UnrelatedSameName", []string{"slf4j-reload4j-1.7.36.jar", "reload4j-1.2.25.jar", "metrics-core-2.2.0.jar", "metrics-core-4.1.12.1.jar"}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := classpathWarnings(tt.jars)
			if len(got) != len(tt.want) {
				t.Fatalf("warnings = %q, want %d", got, len(tt.want))
			}
			for i := range got {
				if !strings.Contains(got[i], tt.want[i]) {
					t.Errorf("warning %q lacks %q", got[i], tt.want[i])
				}
			}
		})
	}
}
