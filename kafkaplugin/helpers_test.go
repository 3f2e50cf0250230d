package kafkaplugin

import (
	"context"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/streamplane/streamplane/kafkaruntime"
)

// The Java tests share caches with the rest of the project, so that jars
// are downloaded and the plugin built once per machine: the Kafka runtime
// from ~/.cache/streamplane/kafka (installed there if missing), the plugin
// in ~/.cache/streamplane/plugins, and Maven's repository in
// $STREAMPLANE_TEST_M2, else ~/.m2/repository. The Kafka version is
// $STREAMPLANE_TEST_KAFKA_VERSION, else the recommended one.

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// needJava skips the test in -short mode or if this machine cannot build
// the plugin.
func needJava(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs Maven and Java; skipped in -short mode")
	}
	if _, err := (&Builder{}).jdk(); err != nil {
		t.Skip(err)
	}
	if _, err := exec.LookPath("mvn"); err != nil {
		t.Skip(err)
	}
}

func testMavenRepo(t *testing.T) string {
	if r := os.Getenv("STREAMPLANE_TEST_M2"); r != "" {
		return r
	}
	home, err := os.UserHomeDir()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(home, ".m2", "repository")
}

func userCache(t *testing.T, name string) string {
	d, err := os.UserCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(d, "streamplane", name)
}

// testJar builds the plugin into the shared cache, or finds it there.
func testJar(t *testing.T) string {
	t.Helper()
	needJava(t)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	b := &Builder{Dir: userCache(t, "plugins"), MavenRepo: testMavenRepo(t), Log: testLogger(t)}
	jar, err := b.Jar(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return jar
}

// testRuntime installs (or finds) the Kafka runtime under test.
func testRuntime(t *testing.T) kafkaruntime.Runtime {
	t.Helper()
	needJava(t)
	version := os.Getenv("STREAMPLANE_TEST_KAFKA_VERSION")
	if version == "" {
		version = kafkaruntime.Recommended().Version
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Minute)
	defer cancel()
	cache := &kafkaruntime.Cache{Dir: userCache(t, "kafka"), Log: testLogger(t)}
	rt, err := cache.Install(ctx, version, nil)
	if err != nil {
		t.Fatal(err)
	}
	return rt
}
