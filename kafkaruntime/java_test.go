package kafkaruntime

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseJavaVersion(t *testing.T) {
	for _, tt := range []struct {
		out  string
		want int
		ok   bool
	}{
		{`openjdk version "17.0.15" 2025-04-15` + "\nOpenJDK Runtime Environment", 17, true},
		{`java version "1.8.0_392"`, 8, true},
		{`openjdk version "21" 2023-09-19`, 21, true},
		{`openjdk version "26-ea" 2026-03-17`, 26, true},
		{`Picked up JAVA_TOOL_OPTIONS: -Xmx1g` + "\n" + `openjdk version "11.0.2" 2019-01-15`, 11, true},
		{"bash: java: command not found", 0, false},
	} {
		got, ok := parseJavaVersion(tt.out)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseJavaVersion(%q) = %d, %v; want %d, %v", tt.out, got, ok, tt.want, tt.ok)
		}
	}
}

// fakeProgram writes an executable shell script into a temporary directory.
func fakeProgram(t *testing.T, name, script string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+script+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestCheckJava(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		name    string
		java    string
		problem string // in the error; "" for no error
	}{
		{"Missing", "/nonexistent/bin/java", `"/nonexistent/bin/java" does not exist`},
		{"NotOnPath", "streamplane-no-such-java", `is not on the PATH`},
		{"TooOld", fakeProgram(t, "java", `echo 'openjdk version "11.0.2" 2019-01-15' >&2`), "is Java 11"},
		{"Garbage", fakeProgram(t, "java", `echo 'hello'`), "cannot read the version"},
		{"Fails", fakeProgram(t, "java", `echo 'Error: broken JVM' >&2; exit 1`), "Error: broken JVM"},
		{"OK", fakeProgram(t, "java", `echo 'openjdk version "21.0.2" 2024-01-16' >&2`), ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			major, err := CheckJava(ctx, tt.java)
			if tt.problem == "" {
				if err != nil || major != 21 {
					t.Fatalf("CheckJava = %d, %v; want 21, nil", major, err)
				}
				return
			}
			var re *RequirementError
			if !errors.As(err, &re) {
				t.Fatalf("CheckJava error = %v, want a *RequirementError", err)
			}
			msg := err.Error()
			for _, want := range []string{"Java 17 or newer is required", tt.problem, "apt-get install openjdk-17-jre-headless", "STREAMPLANE_JAVA"} {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q lacks %q", msg, want)
				}
			}
		})
	}
}

func TestInstallWithoutJava(t *testing.T) {
	c := &Cache{Dir: t.TempDir(), Java: "/nonexistent/bin/java", Maven: "/nonexistent/bin/mvn"}
	_, err := c.Install(context.Background(), "4.1.1", nil)
	var re *RequirementError
	if !errors.As(err, &re) {
		t.Fatalf("Install error = %v, want a *RequirementError", err)
	}
	want := "kafkaruntime: Java 17 or newer is required to run Kafka 4.1.1 " +
		`("/nonexistent/bin/java" does not exist); ` +
		"install a JDK (Debian: apt-get install openjdk-17-jre-headless) or set STREAMPLANE_JAVA"
	if err.Error() != want {
		t.Errorf("Install error:\n got %s\nwant %s", err, want)
	}
	if entries, _ := os.ReadDir(c.Dir); len(entries) != 0 {
		t.Errorf("a failed precondition left %d entries in the cache", len(entries))
	}
}

func TestInstallUnknownVersion(t *testing.T) {
	c := &Cache{Dir: t.TempDir()}
	_, err := c.Install(context.Background(), "9.9.9", nil)
	if !errors.Is(err, ErrUnknownVersion) {
		t.Fatalf("Install error = %v, want ErrUnknownVersion", err)
	}
	if !strings.Contains(err.Error(), Recommended().Version) {
		t.Errorf("error %q does not list the catalog", err)
	}
}
