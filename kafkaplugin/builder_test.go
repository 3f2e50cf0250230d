package kafkaplugin

import (
	"archive/zip"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// countingHandler counts the log records with one message.
type countingHandler struct {
	slog.Handler
	msg string
	n   *atomic.Int32
}

func (h countingHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == h.msg {
		h.n.Add(1)
	}
	return h.Handler.Handle(ctx, r)
}

func (h countingHandler) WithAttrs(as []slog.Attr) slog.Handler {
	h.Handler = h.Handler.WithAttrs(as)
	return h
}

func (h countingHandler) WithGroup(name string) slog.Handler {
	h.Handler = h.Handler.WithGroup(name)
	return h
}

func TestBuilderJar(t *testing.T) {
	needJava(t)
	var builds atomic.Int32
	log := slog.New(countingHandler{
		Handler: slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelInfo}),
		msg:     "building broker plugin",
		n:       &builds,
	})
	dir := t.TempDir()
	// Two builders on one directory: they share nothing but the files,
	// like two processes.
	newBuilder := func() *Builder { return &Builder{Dir: dir, MavenRepo: testMavenRepo(t), Log: log} }
	if _, ok := newBuilder().Installed(); ok {
		t.Fatal("Installed before any build")
	}

	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	start := time.Now()
	var wg sync.WaitGroup
	paths := make([]string, 2)
	errs := make([]error, 2)
	for i := range 2 {
		wg.Go(func() { paths[i], errs[i] = newBuilder().Jar(ctx) })
	}
	wg.Wait()
	t.Logf("two concurrent Jar calls: %v", time.Since(start).Round(time.Millisecond))
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if paths[0] != paths[1] || filepath.Base(paths[0]) != JarName() {
		t.Errorf("Jar returned %q and %q, want both %s", paths[0], paths[1], JarName())
	}
	if n := builds.Load(); n != 1 {
		t.Errorf("built %d times, want once", n)
	}

	start = time.Now()
	again, err := newBuilder().Jar(ctx)
	took := time.Since(start)
	t.Logf("third Jar call: %v", took)
	if err != nil || again != paths[0] {
		t.Errorf("third Jar call = %q, %v", again, err)
	}
	if took > time.Second || builds.Load() != 1 {
		t.Errorf("third Jar call took %v and built again: it should find the jar", took)
	}
	if p, ok := newBuilder().Installed(); !ok || p != paths[0] {
		t.Errorf("Installed = %q, %v", p, ok)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".build-") {
			t.Errorf("build directory %s left behind", e.Name())
		}
	}
	checkJar(t, paths[0])
}

// checkJar checks that the jar holds the handler, compiled for Java 11 so
// that it loads into every broker.
func checkJar(t *testing.T, path string) {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	f, err := zr.Open("dev/streamplane/kafka/PlainCredentialsCallbackHandler.class")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var head [8]byte // magic, minor, major
	if _, err := io.ReadFull(f, head[:]); err != nil {
		t.Fatal(err)
	}
	if major := binary.BigEndian.Uint16(head[6:]); major != 55 {
		t.Errorf("class file version %d, want 55 (Java 11)", major)
	}
}

func TestBuilderCancel(t *testing.T) {
	needJava(t)
	dir := t.TempDir()
	b := &Builder{Dir: dir, MavenRepo: testMavenRepo(t), Log: testLogger(t)}
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond) // Maven's JVM is still starting
	defer cancel()
	start := time.Now()
	_, err := b.Jar(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Jar = %v, want a deadline error", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("Jar took %v to stop", took)
	}
	if _, ok := b.Installed(); ok {
		t.Error("a cancelled build left a jar")
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".build-") {
			t.Errorf("build directory %s left behind", e.Name())
		}
	}
}

func TestBuilderMissingTool(t *testing.T) {
	// A JRE: java without javac beside it.
	jre := t.TempDir()
	if err := os.Mkdir(filepath.Join(jre, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	java := filepath.Join(jre, "bin", "java")
	if err := os.WriteFile(java, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		b    Builder
		want string
	}{
		{"NoMaven", Builder{Maven: filepath.Join(jre, "no-mvn")}, "apt-get install maven"},
		{"NoJDK", Builder{Maven: "/bin/true", Java: java}, "apt-get install openjdk-17-jdk-headless"},
		{"NoJava", Builder{Maven: "/bin/true", Java: filepath.Join(jre, "no-java")}, "apt-get install openjdk-17-jdk-headless"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.b.Dir = t.TempDir()
			_, err := tt.b.Jar(t.Context())
			if !errors.Is(err, ErrMissingTool) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Jar = %v, want ErrMissingTool saying %q", err, tt.want)
			}
		})
	}
}
