// Command export puts what a broker pod runs into one directory, the way
// the Streamplane server installs it for local brokers: the jars of a Kafka
// version from the catalog (kafkaruntime.Cache.Install: Maven Central, the
// key jars checked against the catalog's sha256) in DIR/libs, and
// Streamplane's broker plugin (kafkaplugin.Builder.Jar) in DIR/plugin.
// deploy/kafka/Dockerfile copies DIR into the broker image, where the
// Kubernetes provisioner's pods expect /opt/kafka/libs and
// /opt/streamplane/plugin.
//
//	export -version 4.1.2 -out /export [-cache DIR] [-maven-repo DIR]
//
// It needs a JDK (17 or newer) and Maven, unless the cache already holds
// the runtime and the plugin.
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/streamplane/streamplane/kafkaplugin"
	"github.com/streamplane/streamplane/kafkaruntime"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "export:", err)
		os.Exit(1)
	}
}

// run exports as args say, logging progress to logOut.
func run(ctx context.Context, args []string, logOut io.Writer) error {
	fl := flag.NewFlagSet("export", flag.ContinueOnError)
	fl.SetOutput(logOut)
	version := fl.String("version", kafkaruntime.Recommended().Version, "Kafka version from the catalog")
	out := fl.String("out", "", "directory to create, holding libs/ and plugin/ (must not exist yet)")
	cacheDir := fl.String("cache", defaultCache(), "the runtime cache (as the server's --runtime-cache); the plugin is built beside it, in ../plugins")
	repo := fl.String("maven-repo", "", "Maven's local repository (default: <cache>/m2, as the server's)")
	if err := fl.Parse(args); err != nil {
		return err
	}
	if *out == "" || fl.NArg() > 0 {
		return errors.New("usage: export -version VERSION -out DIR [-cache DIR] [-maven-repo DIR]")
	}
	// A new directory only: jars of two Kafka versions on one classpath
	// would start a broker of neither.
	if _, err := os.Stat(*out); !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("%s exists; export into a new directory", *out)
	}
	log := slog.New(slog.NewTextHandler(logOut, nil))
	mavenRepo := cmp.Or(*repo, filepath.Join(*cacheDir, "m2"))

	cache := &kafkaruntime.Cache{Dir: *cacheDir, MavenRepo: mavenRepo, Log: log}
	rt, err := cache.Install(ctx, *version, nil)
	if err != nil {
		return err
	}
	plugins := &kafkaplugin.Builder{Dir: filepath.Join(filepath.Dir(*cacheDir), "plugins"), MavenRepo: mavenRepo, Log: log}
	jar, err := plugins.Jar(ctx)
	if err != nil {
		return err
	}

	libs, plugin := filepath.Join(*out, "libs"), filepath.Join(*out, "plugin")
	jars, err := filepath.Glob(filepath.Join(rt.LibDir, "*.jar"))
	if err != nil {
		return err
	}
	for _, src := range jars {
		if err := copyFile(src, filepath.Join(libs, filepath.Base(src))); err != nil {
			return err
		}
	}
	// Pods start the metrics agent by this name (kafkaruntime.MetricsAgent).
	if _, err := os.Stat(filepath.Join(libs, filepath.Base(rt.MetricsAgentJar()))); err != nil {
		return fmt.Errorf("the runtime of Kafka %s has no metrics agent: %w", rt.Version, err)
	}
	if err := copyFile(jar, filepath.Join(plugin, filepath.Base(jar))); err != nil {
		return err
	}
	log.Info("exported", "kafka_version", rt.Version, "jars", len(jars), "plugin", filepath.Base(jar), "out", *out)
	return nil
}

// defaultCache is the server's default --runtime-cache.
func defaultCache() string {
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "streamplane", "kafka")
	}
	return filepath.Join(os.TempDir(), "streamplane-kafka")
}

// copyFile copies src to dst, readable by all (the image's user is not
// the one that built it), making dst's directory.
func copyFile(src, dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("copy %s: %w", src, err)
	}
	return out.Close()
}
