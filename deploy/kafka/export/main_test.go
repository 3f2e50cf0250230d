package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/streamplane/streamplane/kafkaplugin"
	"github.com/streamplane/streamplane/kafkaruntime"
)

// TestExport exports the recommended version as the broker image's build
// does, from the runtime cache the other tests share (~/.cache/streamplane:
// the runtime in kafka/, the plugin in plugins/), so nothing is downloaded
// twice. A cold cache needs Maven Central, a JDK and Maven.
func TestExport(t *testing.T) {
	if testing.Short() {
		t.Skip("may download a Kafka runtime from Maven Central; skipped in -short mode")
	}
	cacheDir := defaultCache()
	version := kafkaruntime.Recommended().Version
	_, haveRuntime := (&kafkaruntime.Cache{Dir: cacheDir}).Installed(version)
	_, havePlugin := (&kafkaplugin.Builder{Dir: filepath.Join(filepath.Dir(cacheDir), "plugins")}).Installed()
	if !haveRuntime || !havePlugin {
		for _, tool := range []string{"java", "mvn"} {
			if _, err := exec.LookPath(tool); err != nil {
				if os.Getenv("CI") == "true" {
					t.Fatalf("%s is not installed (CI=true): scripts/install-deps.sh installs a JDK and Maven", tool)
				}
				t.Skipf("the cache lacks Kafka %s or the plugin, and %s is not installed to make them", version, tool)
			}
		}
	}

	out := filepath.Join(t.TempDir(), "export")
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Minute)
	defer cancel()
	var log bytes.Buffer
	if err := run(ctx, []string{"-version", version, "-out", out}, &log); err != nil {
		t.Fatalf("export: %v\n%s", err, log.String())
	}

	rt, ok := (&kafkaruntime.Cache{Dir: cacheDir}).Installed(version)
	if !ok {
		t.Fatalf("Kafka %s is not in the cache after the export", version)
	}
	want, err := filepath.Glob(filepath.Join(rt.LibDir, "*.jar"))
	if err != nil {
		t.Fatal(err)
	}
	libs := names(t, filepath.Join(out, "libs"))
	if len(libs) != len(want) {
		t.Errorf("libs/ holds %d files, the runtime %d jars", len(libs), len(want))
	}
	// What pods run: the broker and storage tool, and the metrics agent by
	// the name the pod's -javaagent flag gives.
	for _, jar := range []string{"kafka_2.13-" + version + ".jar", filepath.Base(rt.MetricsAgentJar())} {
		if !libs[jar] {
			t.Errorf("libs/ lacks %s", jar)
		}
	}
	// The jars in the image are the ones the catalog names, byte for byte.
	for name, sum := range rt.Release.Checksums {
		if got := sha256File(t, filepath.Join(out, "libs", name)); got != sum {
			t.Errorf("libs/%s has sha256 %s, the catalog says %s", name, got, sum)
		}
	}
	if plugin := names(t, filepath.Join(out, "plugin")); len(plugin) != 1 || !plugin[kafkaplugin.JarName()] {
		t.Errorf("plugin/ holds %v, want only %s", plugin, kafkaplugin.JarName())
	}

	// A second export into the same directory would mix two sets of jars.
	err = run(ctx, []string{"-version", version, "-out", out}, &log)
	if err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("export into an existing directory: %v, want refused", err)
	}
}

func TestExportUsage(t *testing.T) {
	var log bytes.Buffer
	if err := run(t.Context(), nil, &log); err == nil || !strings.Contains(err.Error(), "usage") {
		t.Errorf("export without -out: %v, want the usage", err)
	}
	err := run(t.Context(), []string{"-version", "0.0.1", "-out", filepath.Join(t.TempDir(), "x"), "-cache", t.TempDir()}, &log)
	if err == nil || !strings.Contains(err.Error(), "unknown Kafka version") {
		t.Errorf("export of a version not in the catalog: %v, want refused", err)
	}
}

func names(t *testing.T, dir string) map[string]bool {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, e := range entries {
		out[e.Name()] = true
	}
	return out
}

func sha256File(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}
