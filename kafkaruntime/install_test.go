package kafkaruntime

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// These tests run real Maven against Maven Central and real Java. They share
// one local Maven repository, so jars are downloaded once per machine:
// $STREAMPLANE_TEST_M2, else ~/.m2/repository. They test the release in
// $STREAMPLANE_TEST_KAFKA_VERSION, else the recommended one.

func testVersion() string {
	if v := os.Getenv("STREAMPLANE_TEST_KAFKA_VERSION"); v != "" {
		return v
	}
	return Recommended().Version
}

// testCache returns a cache in a fresh directory, or skips the test if this
// machine cannot install.
func testCache(t *testing.T) *Cache {
	t.Helper()
	if testing.Short() {
		t.Skip("installs with Maven; skipped in -short mode")
	}
	ctx := context.Background()
	if _, err := CheckJava(ctx, "java"); err != nil {
		t.Skip(err)
	}
	if err := CheckMaven(ctx, "mvn"); err != nil {
		t.Skip(err)
	}
	repo := os.Getenv("STREAMPLANE_TEST_M2")
	if repo == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			t.Fatal(err)
		}
		repo = filepath.Join(home, ".m2", "repository")
	}
	return &Cache{
		Dir:       t.TempDir(),
		MavenRepo: repo,
		Log:       slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})),
	}
}

// recorder collects progress messages; it is safe for concurrent use.
type recorder struct {
	mu   sync.Mutex
	msgs []string
}

func (r *recorder) progress(msg string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, msg)
}

func (r *recorder) count(prefix string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, m := range r.msgs {
		if strings.HasPrefix(m, prefix) {
			n++
		}
	}
	return n
}

func TestInstall(t *testing.T) {
	c := testCache(t)
	ctx := context.Background()
	version := testVersion()

	var rec recorder
	start := time.Now()
	rt, err := c.Install(ctx, version, rec.progress)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("first install of %s: %v, %d progress lines", version, time.Since(start).Round(time.Millisecond), len(rec.msgs))
	if rec.count("installing Kafka") != 1 || rec.count("installed Kafka") != 1 {
		t.Errorf("progress = %q", rec.msgs)
	}
	if rec.count("warning:") != 0 {
		t.Errorf("install warned: %q", rec.msgs)
	}

	if rt.Version != version || rt.Dir != filepath.Join(c.Dir, version) || rt.LibDir != filepath.Join(c.Dir, version, "lib") {
		t.Errorf("runtime = %+v", rt)
	}
	if rt.Classpath() != filepath.Join(rt.LibDir, "*") {
		t.Errorf("Classpath() = %s", rt.Classpath())
	}
	for _, a := range rt.Release.Artifacts() {
		if _, err := os.Stat(filepath.Join(rt.LibDir, a.Name+"-"+a.Version+".jar")); err != nil {
			t.Errorf("artifact %s: %v", a, err)
		}
	}
	m, err := readManifest(rt.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if m.Version != version || len(m.Jars) < 50 || time.Since(m.InstalledAt) > time.Hour {
		t.Errorf("manifest: version %s, %d jars, installed at %v", m.Version, len(m.Jars), m.InstalledAt)
	}
	if got, ok := c.Installed(version); !ok || !reflect.DeepEqual(got, rt) {
		t.Errorf("Installed = %+v, %v", got, ok)
	}
	leftovers, _ := filepath.Glob(filepath.Join(c.Dir, ".*-"+version+"-*"))
	if len(leftovers) > 0 {
		t.Errorf("leftovers: %v", leftovers)
	}

	t.Run("SecondInstallIsFast", func(t *testing.T) {
		start := time.Now()
		again, err := c.Install(ctx, version, nil)
		if err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("second install took %v", d)
		}
		if !reflect.DeepEqual(again, rt) {
			t.Errorf("second install = %+v, first %+v", again, rt)
		}
	})

	t.Run("Verify", func(t *testing.T) {
		if err := c.Verify(version); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("Runnable", func(t *testing.T) {
		checkRunnable(t, rt)
	})

	t.Run("CorruptJar", func(t *testing.T) {
		jar := filepath.Join(rt.LibDir, "kafka-clients-"+version+".jar")
		data, err := os.ReadFile(jar)
		if err != nil {
			t.Fatal(err)
		}
		data[len(data)/2] ^= 0xff
		if err := os.WriteFile(jar, data, 0o644); err != nil {
			t.Fatal(err)
		}
		err = c.Verify(version)
		if err == nil || !strings.Contains(err.Error(), "kafka-clients-"+version+".jar") {
			t.Fatalf("Verify after corrupting kafka-clients = %v", err)
		}
		t.Logf("Verify: %v", err)
	})

	t.Run("ExtraJarReinstalls", func(t *testing.T) {
		if err := os.WriteFile(filepath.Join(rt.LibDir, "extra-1.0.jar"), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, ok := c.Installed(version); ok {
			t.Fatal("Installed is true with a jar the manifest does not list")
		}
		again, err := c.Install(ctx, version, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(again, rt) {
			t.Errorf("reinstall = %+v", again)
		}
		if err := c.Verify(version); err != nil {
			t.Errorf("Verify after reinstall: %v", err)
		}
	})

	t.Run("Remove", func(t *testing.T) {
		if err := c.Remove(ctx, version); err != nil {
			t.Fatal(err)
		}
		if _, ok := c.Installed(version); ok {
			t.Error("Installed after Remove")
		}
		if _, err := os.Stat(rt.Dir); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("stat after Remove: %v", err)
		}
		if err := c.Remove(ctx, version); !errors.Is(err, ErrNotInstalled) {
			t.Errorf("second Remove = %v, want ErrNotInstalled", err)
		}
		if err := c.Verify(version); !errors.Is(err, ErrNotInstalled) {
			t.Errorf("Verify after Remove = %v, want ErrNotInstalled", err)
		}
	})
}

// uuidRE matches Kafka's base64url UUIDs (16 bytes, no padding).
var uuidRE = regexp.MustCompile(`^[A-Za-z0-9_-]{22}$`)

// checkRunnable runs StorageTool from the runtime's classpath with its log
// configuration, and checks that stdout carries only the new id.
func checkRunnable(t *testing.T, rt Runtime) {
	t.Helper()
	dir := t.TempDir()
	logDir, confDir := filepath.Join(dir, "logs"), filepath.Join(dir, "config")
	for _, d := range []string{logDir, confDir} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	name, contents, flag := rt.LogConfig(logDir, confDir)
	if err := os.WriteFile(filepath.Join(confDir, name), contents, 0o644); err != nil {
		t.Fatal(err)
	}

	var stdout, stderr bytes.Buffer
	cmd := exec.Command("java", flag, "-cp", rt.Classpath(), "kafka.tools.StorageTool", "random-uuid")
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("StorageTool: %v\nstdout: %s\nstderr: %s", err, stdout.String(), stderr.String())
	}
	t.Logf("StorageTool random-uuid: %v", time.Since(start).Round(time.Millisecond))
	if id := strings.TrimSpace(stdout.String()); !uuidRE.MatchString(id) {
		t.Errorf("StorageTool printed %q, want one 22-character id\nstderr: %s", stdout.String(), stderr.String())
	}
	if stderr.Len() > 0 {
		t.Errorf("StorageTool wrote to stderr: %s", stderr.String())
	}
	// The appender opens server.log when the configuration loads; its
	// presence proves the JVM found and used our configuration.
	if _, err := os.Stat(filepath.Join(logDir, "server.log")); err != nil {
		t.Errorf("log configuration not used: %v", err)
	}
}

// TestInstallConcurrent races installs of one version from goroutines of
// this process and from other processes, over the leftovers of a killed
// install. Exactly one of them must do the work.
func TestInstallConcurrent(t *testing.T) {
	c := testCache(t)
	version := testVersion()
	ctx := context.Background()

	// What a kill -9 in the middle of an install leaves behind.
	for _, d := range []string{
		filepath.Join(c.Dir, ".install-"+version+"-123", "lib"),
		filepath.Join(c.Dir, version, "lib"), // a directory with no manifest
	} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(c.Dir, version, "lib", "half.jar"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}

	const goroutines, processes = 2, 2
	var rec recorder
	var wg sync.WaitGroup
	results := make([]Runtime, goroutines)
	errs := make([]error, goroutines)
	for i := range goroutines {
		wg.Go(func() { results[i], errs[i] = c.Install(ctx, version, rec.progress) })
	}
	outs := make([][]byte, processes)
	perrs := make([]error, processes)
	for i := range processes {
		wg.Go(func() {
			cmd := exec.Command(os.Args[0], "-test.run=^TestHelperInstall$", "-test.v")
			cmd.Env = append(os.Environ(), "STREAMPLANE_TEST_HELPER_CACHE="+c.Dir, "STREAMPLANE_TEST_HELPER_REPO="+c.MavenRepo)
			outs[i], perrs[i] = cmd.CombinedOutput()
		})
	}
	wg.Wait()

	installs := rec.count("installing Kafka")
	for _, msg := range rec.msgs {
		t.Logf("this process: %s", msg)
	}
	for i := range processes {
		if perrs[i] != nil {
			t.Fatalf("helper process %d: %v\n%s", i, perrs[i], outs[i])
		}
		installs += bytes.Count(outs[i], []byte("HELPER installing Kafka"))
		for _, line := range strings.Split(string(outs[i]), "\n") {
			if msg, ok := strings.CutPrefix(line, "HELPER "); ok {
				t.Logf("process %d: %s", i, msg)
			}
		}
	}
	for i := range goroutines {
		if errs[i] != nil {
			t.Fatalf("goroutine %d: %v", i, errs[i])
		}
		if !reflect.DeepEqual(results[i], results[0]) {
			t.Errorf("goroutine %d got %+v, goroutine 0 %+v", i, results[i], results[0])
		}
	}
	if installs != 1 {
		t.Errorf("%d installs ran, want 1", installs)
	}
	if err := c.Verify(version); err != nil {
		t.Error(err)
	}
	leftovers, _ := filepath.Glob(filepath.Join(c.Dir, ".*-"+version+"-*"))
	if len(leftovers) > 0 {
		t.Errorf("leftovers: %v", leftovers)
	}
}

// TestHelperInstall is the other process of TestInstallConcurrent.
func TestHelperInstall(t *testing.T) {
	dir := os.Getenv("STREAMPLANE_TEST_HELPER_CACHE")
	if dir == "" {
		t.Skip("helper process of TestInstallConcurrent")
	}
	c := &Cache{Dir: dir, MavenRepo: os.Getenv("STREAMPLANE_TEST_HELPER_REPO")}
	_, err := c.Install(context.Background(), testVersion(), func(msg string) { fmt.Println("HELPER " + msg) })
	if err != nil {
		t.Fatal(err)
	}
}

func TestInstallCancel(t *testing.T) {
	c := testCache(t)
	version := testVersion()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	// Cancel half a second into Maven's run: the JVM alone takes longer.
	progress := func(msg string) {
		if strings.HasPrefix(msg, "resolving") {
			time.AfterFunc(500*time.Millisecond, cancel)
		}
	}
	start := time.Now()
	_, err := c.Install(ctx, version, progress)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Install = %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("cancelled install took %v", d)
	}
	entries, _ := os.ReadDir(c.Dir)
	for _, e := range entries {
		if e.Name() != version+".lock" {
			t.Errorf("cancelled install left %s", e.Name())
		}
	}
}

func TestInstallMavenMissing(t *testing.T) {
	c := testCache(t)
	c.Maven = "/nonexistent/bin/mvn"
	_, err := c.Install(context.Background(), testVersion(), nil)
	var re *RequirementError
	if !errors.As(err, &re) || !strings.Contains(err.Error(), "apt-get install maven") {
		t.Fatalf("Install = %v, want a *RequirementError saying to install maven", err)
	}
}

// TestInstallEveryVersion installs and runs each catalog release. It is slow
// on a cold Maven repository, so it runs only when asked.
func TestInstallEveryVersion(t *testing.T) {
	if os.Getenv("STREAMPLANE_TEST_ALL_VERSIONS") == "" {
		t.Skip("set STREAMPLANE_TEST_ALL_VERSIONS=1 to install every catalog release")
	}
	c := testCache(t)
	for _, v := range Versions() {
		t.Run(v, func(t *testing.T) {
			var rec recorder
			start := time.Now()
			rt, err := c.Install(context.Background(), v, rec.progress)
			if err != nil {
				t.Fatal(err)
			}
			m, _ := readManifest(rt.Dir)
			t.Logf("installed in %v, %d jars", time.Since(start).Round(time.Millisecond), len(m.Jars))
			if n := rec.count("warning:"); n > 0 {
				t.Errorf("install warned: %q", rec.msgs)
			}
			checkRunnable(t, rt)
			if jars, _ := jarNames(rt.LibDir); !slices.ContainsFunc(jars, func(j string) bool { return strings.HasPrefix(j, "log4j-core-") || strings.HasPrefix(j, "reload4j-") }) {
				t.Errorf("no logging backend among %v", jars)
			}
		})
	}
}
