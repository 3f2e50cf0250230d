package kafkaplugin

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/streamplane/streamplane/maven"
)

// sources is the plugin's Maven project. Only these paths, so that a
// target/ left by a manual build never ends up in the binary.
//
//go:embed java/pom.xml java/src
var sources embed.FS

// ErrMissingTool is returned (wrapped) by Jar when Maven or a JDK is not
// installed; the message says what to install.
var ErrMissingTool = errors.New("missing build tool")

// Builder builds the plugin jar from the embedded sources, once per
// version of them, into a cache directory. Any number of goroutines and
// processes may share one Dir.
type Builder struct {
	Dir   string // cache directory, e.g. ~/.cache/streamplane/plugins
	Maven string // mvn executable; default "mvn"
	// Java is the java executable of the JDK to build with; default
	// $JAVA_HOME/bin/java, else java on the PATH. It needs javac beside it.
	Java string
	// MavenRepo is Maven's local repository; default <Dir>/m2. It may be
	// shared with kafkaruntime.Cache: both serialise their Maven runs on
	// <MavenRepo>/.streamplane.lock, since Maven 3.8 does not lock it.
	MavenRepo string
	Log       *slog.Logger // may be nil
}

// sourceHash is a sha256 over the embedded files' paths and contents.
var sourceHash = sync.OnceValue(func() string {
	h := sha256.New()
	err := fs.WalkDir(sources, "java", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := sources.ReadFile(p)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", p, len(data))
		h.Write(data)
		return nil
	})
	if err != nil {
		panic("kafkaplugin: reading embedded sources: " + err.Error()) // cannot happen with embed.FS
	}
	return hex.EncodeToString(h.Sum(nil))
})

// JarName is the file name of the jar for the embedded sources: a source
// change gives a new name, and so a new build.
func JarName() string {
	return "streamplane-kafka-plugin-" + sourceHash()[:12] + ".jar"
}

func (b *Builder) dir() string { return absPath(b.Dir) }

func (b *Builder) jarPath() string { return filepath.Join(b.dir(), JarName()) }

func (b *Builder) mavenRepo() string {
	if b.MavenRepo != "" {
		return absPath(b.MavenRepo)
	}
	return filepath.Join(b.dir(), "m2")
}

func (b *Builder) maven() string {
	if b.Maven == "" {
		return "mvn"
	}
	return b.Maven
}

func (b *Builder) logger() *slog.Logger {
	if b.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return b.Log
}

// Installed returns the path of the jar if it has been built. A jar is
// only ever renamed into place whole, so its presence is enough.
func (b *Builder) Installed() (string, bool) {
	if b.Dir == "" {
		return "", false
	}
	p := b.jarPath()
	if fi, err := os.Stat(p); err != nil || !fi.Mode().IsRegular() || fi.Size() == 0 {
		return "", false
	}
	return p, true
}

// Jar returns the path of the plugin jar, building it first if need be:
// Maven packages a copy of the embedded sources in a temporary directory
// under Dir, and the jar is renamed into place. Concurrent calls, in this
// process or others, build once; the rest wait for it. Cancelling ctx
// kills Maven and leaves the cache as it was.
func (b *Builder) Jar(ctx context.Context) (string, error) {
	if b.Dir == "" {
		return "", errors.New("kafkaplugin: the builder has no directory")
	}
	if p, ok := b.Installed(); ok {
		return p, nil
	}
	mvn, err := exec.LookPath(b.maven())
	if err != nil {
		return "", fmt.Errorf("kafkaplugin: %w: Maven is required to build the broker plugin (%v); install it (Debian: apt-get install maven) or set STREAMPLANE_MAVEN", ErrMissingTool, err)
	}
	javaHome, err := b.jdk()
	if err != nil {
		return "", err
	}

	log := b.logger().With("jar", JarName())
	if err := os.MkdirAll(b.dir(), 0o755); err != nil {
		return "", fmt.Errorf("kafkaplugin: creating cache: %w", err)
	}
	unlock, err := maven.LockFile(ctx, filepath.Join(b.dir(), strings.TrimSuffix(JarName(), ".jar")+".lock"), func() {
		log.Info("waiting for another build of the broker plugin")
	})
	if err != nil {
		return "", err
	}
	defer unlock()
	// Whoever held the lock may have just built it.
	if p, ok := b.Installed(); ok {
		return p, nil
	}
	b.removeLeftovers(log)

	tmp, err := os.MkdirTemp(b.dir(), b.tmpPrefix())
	if err != nil {
		return "", fmt.Errorf("kafkaplugin: %w", err)
	}
	defer os.RemoveAll(tmp)
	if err := writeSources(tmp); err != nil {
		return "", err
	}

	repo := b.mavenRepo()
	unlockRepo, err := maven.LockRepo(ctx, repo, func() {
		log.Info("waiting for another Maven run", "repository", repo)
	})
	if err != nil {
		return "", fmt.Errorf("kafkaplugin: %w", err)
	}
	defer unlockRepo()

	start := time.Now()
	log.Info("building broker plugin", "dir", b.dir(), "repository", repo)
	args := maven.Args(filepath.Join(tmp, "pom.xml"), repo, "package")
	env := append(os.Environ(), "JAVA_HOME="+javaHome)
	if err := maven.Run(ctx, mvn, env, tmp, args, func(line string) { log.Debug("maven: " + line) }); err != nil {
		return "", err
	}
	built := filepath.Join(tmp, "target", "streamplane-kafka-plugin.jar")
	if err := syncFile(built); err != nil {
		return "", fmt.Errorf("kafkaplugin: maven built no jar: %w", err)
	}
	final := b.jarPath()
	if err := os.Rename(built, final); err != nil {
		return "", fmt.Errorf("kafkaplugin: %w", err)
	}
	log.Info("built broker plugin", "path", final, "took", time.Since(start).Round(time.Millisecond))
	return final, nil
}

func (b *Builder) tmpPrefix() string {
	return ".build-" + strings.TrimSuffix(JarName(), ".jar") + "-"
}

// removeLeftovers deletes what killed builds left behind. The caller holds
// the build lock, so none of it is in use.
func (b *Builder) removeLeftovers(log *slog.Logger) {
	matches, _ := filepath.Glob(filepath.Join(b.dir(), b.tmpPrefix()+"*"))
	for _, m := range matches {
		log.Info("removing leftover of an interrupted build", "path", m)
		if err := os.RemoveAll(m); err != nil {
			log.Warn("cannot remove leftover", "path", m, "err", err)
		}
	}
}

// jdk finds the JDK that Maven will build with and checks that it is a
// JDK: maven-compiler-plugin needs the compiler, which a JRE lacks.
func (b *Builder) jdk() (home string, err error) {
	java := b.Java
	if java == "" {
		if h := os.Getenv("JAVA_HOME"); h != "" {
			java = filepath.Join(h, "bin", "java")
		} else {
			java = "java"
		}
	}
	missing := func(problem string) error {
		return fmt.Errorf("kafkaplugin: %w: a JDK is required to build the broker plugin (%s); install one (Debian: apt-get install openjdk-17-jdk-headless) or set STREAMPLANE_JAVA to a JDK's java", ErrMissingTool, problem)
	}
	home, err = maven.JavaHome(java)
	if err != nil {
		return "", missing(err.Error())
	}
	if _, err := os.Stat(filepath.Join(home, "bin", "javac")); err != nil {
		return "", missing(fmt.Sprintf("%s has no javac beside it; it is a JRE", filepath.Join(home, "bin", "java")))
	}
	return home, nil
}

// writeSources copies the embedded Maven project into dir.
func writeSources(dir string) error {
	err := fs.WalkDir(sources, "java", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel := strings.TrimPrefix(strings.TrimPrefix(p, "java"), "/")
		dst := filepath.Join(dir, filepath.FromSlash(rel))
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		data, err := sources.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, data, 0o644)
	})
	if err != nil {
		return fmt.Errorf("kafkaplugin: writing sources: %w", err)
	}
	return nil
}

// syncFile flushes a file to disk, so that a crash after the rename cannot
// leave an empty jar under the final name.
func syncFile(p string) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

func absPath(p string) string {
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
}
