package kafkaruntime

import (
	"context"
	"errors"
	"fmt"
	"github.com/streamplane/streamplane/maven"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// ErrUnknownVersion is returned (wrapped) for a version not in the catalog.
var ErrUnknownVersion = errors.New("unknown Kafka version")

// ErrNotInstalled is returned (wrapped) by Verify and Remove for a version
// with no finished install in the cache.
var ErrNotInstalled = errors.New("version not installed")

// Cache is a directory of installed Kafka runtimes, one sub-directory per
// version. Any number of goroutines and processes may use one cache at once:
// installs and removals of a version take an flock on <Dir>/<version>.lock.
type Cache struct {
	Dir   string       // e.g. ~/.cache/streamplane/kafka
	Java  string       // java executable; default "java"
	Maven string       // mvn executable; default "mvn"
	Log   *slog.Logger // may be nil

	// MavenRepo is Maven's local repository; default <Dir>/m2. Caches may
	// share one (tests do, to download each jar once).
	MavenRepo string
}

// Runtime is an installed Kafka: where its jars are and what it is.
type Runtime struct {
	Version string
	Dir     string // <cache>/<version>, or a distribution's root
	LibDir  string // the directory holding every jar
	Release Release
}

// Classpath returns the JVM classpath of the runtime. The JVM expands the
// trailing "*" to every jar in LibDir.
func (r Runtime) Classpath() string {
	return filepath.Join(r.LibDir, "*")
}

func (c *Cache) dir() string { return absPath(c.Dir) }

func (c *Cache) versionDir(version string) string { return filepath.Join(c.dir(), version) }

func (c *Cache) mavenRepo() string {
	if c.MavenRepo != "" {
		return absPath(c.MavenRepo)
	}
	return filepath.Join(c.dir(), "m2")
}

func (c *Cache) java() string {
	if c.Java == "" {
		return "java"
	}
	return c.Java
}

func (c *Cache) maven() string {
	if c.Maven == "" {
		return "mvn"
	}
	return c.Maven
}

func (c *Cache) logger() *slog.Logger {
	if c.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return c.Log
}

func (c *Cache) runtime(r Release) Runtime {
	dir := c.versionDir(r.Version)
	return Runtime{Version: r.Version, Dir: dir, LibDir: filepath.Join(dir, "lib"), Release: r}
}

// lockVersion takes the flock on <Dir>/<version>.lock that installs and
// removals of version hold (maven.LockFile).
func (c *Cache) lockVersion(ctx context.Context, version string, onWait func()) (unlock func(), err error) {
	unlock, err = maven.LockFile(ctx, filepath.Join(c.dir(), version+".lock"), onWait)
	if err != nil {
		return nil, fmt.Errorf("kafkaruntime: %w", err)
	}
	return unlock, nil
}

func lookup(version string) (Release, error) {
	r, ok := Lookup(version)
	if !ok {
		return Release{}, fmt.Errorf("kafkaruntime: %w %q; the catalog has %s", ErrUnknownVersion, version, strings.Join(Versions(), ", "))
	}
	return r, nil
}

// Installed returns the runtime of version if the cache holds a finished
// install of it: a manifest that matches the catalog, and exactly the jars
// it lists at the sizes it records. It does not hash the jars; Verify does.
func (c *Cache) Installed(version string) (Runtime, bool) {
	r, ok := Lookup(version)
	if !ok || c.Dir == "" {
		return Runtime{}, false
	}
	rt := c.runtime(r)
	m, err := readManifest(rt.Dir)
	if err != nil {
		return Runtime{}, false
	}
	if m.checkRelease(r) != nil || m.checkFiles(rt.LibDir) != nil {
		return Runtime{}, false
	}
	return rt, true
}

// Verify recomputes the sha256 of every jar of an installed version and
// compares it with the manifest, and the key jars with the catalog.
func (c *Cache) Verify(version string) error {
	r, err := lookup(version)
	if err != nil {
		return err
	}
	rt := c.runtime(r)
	m, err := readManifest(rt.Dir)
	if err != nil {
		return fmt.Errorf("kafkaruntime: Kafka %s: %w (%v)", version, ErrNotInstalled, err)
	}
	if err := m.checkRelease(r); err != nil {
		return fmt.Errorf("kafkaruntime: Kafka %s: %w", version, err)
	}
	if err := m.verify(rt.LibDir); err != nil {
		return fmt.Errorf("kafkaruntime: Kafka %s: %w", version, err)
	}
	return nil
}

// Install makes sure version is installed in the cache and returns it. If
// it already is, Install returns at once. Otherwise it checks for Java and
// Maven, has Maven resolve the release's artifacts into a fresh directory,
// checks the key jars against the catalog, writes the manifest and renames
// the directory into place, so that no one ever sees half an install.
//
// progress, if not nil, receives one line per step and every line Maven
// prints. Cancelling ctx stops Maven and leaves the cache as it was.
func (c *Cache) Install(ctx context.Context, version string, progress func(msg string)) (Runtime, error) {
	r, err := lookup(version)
	if err != nil {
		return Runtime{}, err
	}
	if c.Dir == "" {
		return Runtime{}, errors.New("kafkaruntime: the cache has no directory")
	}
	if rt, ok := c.Installed(version); ok {
		return rt, nil
	}
	log := c.logger().With("kafka_version", version)
	say := func(msg string) {
		log.Info(msg)
		if progress != nil {
			progress(msg)
		}
	}

	purpose := "to run Kafka " + version
	if _, err := checkJava(ctx, c.java(), purpose); err != nil {
		return Runtime{}, err
	}
	env := mavenEnv(c.Java)
	if err := checkMaven(ctx, c.maven(), env); err != nil {
		return Runtime{}, err
	}

	if err := os.MkdirAll(c.dir(), 0o755); err != nil {
		return Runtime{}, fmt.Errorf("kafkaruntime: creating cache: %w", err)
	}
	unlock, err := c.lockVersion(ctx, version, func() {
		say(fmt.Sprintf("waiting for another install of Kafka %s", version))
	})
	if err != nil {
		return Runtime{}, err
	}
	defer unlock()
	// Whoever held the lock may have just finished the job.
	if rt, ok := c.Installed(version); ok {
		return rt, nil
	}
	c.removeLeftovers(version, log)

	tmp, err := os.MkdirTemp(c.dir(), ".install-"+version+"-")
	if err != nil {
		return Runtime{}, fmt.Errorf("kafkaruntime: %w", err)
	}
	defer os.RemoveAll(tmp) // nothing left to remove once renamed into place

	say(fmt.Sprintf("installing Kafka %s into %s", version, c.versionDir(version)))
	if err := c.resolve(ctx, r, tmp, env, say); err != nil {
		return Runtime{}, err
	}
	libDir := filepath.Join(tmp, "lib")
	say("checking the key jars against the catalog")
	if err := checkKeyJars(r, libDir); err != nil {
		return Runtime{}, err
	}
	m, err := buildManifest(r, libDir, time.Now())
	if err != nil {
		return Runtime{}, fmt.Errorf("kafkaruntime: writing manifest: %w", err)
	}
	jars := make([]string, len(m.Jars))
	for i, j := range m.Jars {
		jars[i] = j.Name
	}
	for _, w := range classpathWarnings(jars) {
		log.Warn(w)
		if progress != nil {
			progress("warning: " + w)
		}
	}
	if err := writeManifest(tmp, m); err != nil {
		return Runtime{}, fmt.Errorf("kafkaruntime: %w", err)
	}
	if err := c.replace(version, tmp); err != nil {
		return Runtime{}, err
	}
	say(fmt.Sprintf("installed Kafka %s (%d jars)", version, len(m.Jars)))
	return c.runtime(r), nil
}

// resolve has Maven copy the release's jars into <tmp>/lib. Maven runs under
// a lock on the local repository: Maven 3.8 does not lock it itself, and two
// installs of different versions share most artifacts.
func (c *Cache) resolve(ctx context.Context, r Release, tmp string, env []string, say func(string)) error {
	pom := filepath.Join(tmp, "pom.xml")
	if err := os.WriteFile(pom, pomXML(r), 0o644); err != nil {
		return fmt.Errorf("kafkaruntime: writing pom: %w", err)
	}
	repo := c.mavenRepo()
	unlock, err := maven.LockRepo(ctx, repo, func() {
		say("waiting for another Maven run on " + repo)
	})
	if err != nil {
		return fmt.Errorf("kafkaruntime: %w", err)
	}
	defer unlock()

	say(fmt.Sprintf("resolving %d artifacts with Maven (repository %s)", len(r.Artifacts()), repo))
	libDir := filepath.Join(tmp, "lib")
	args := copyDependenciesArgs(pom, repo, libDir)
	if err := runMaven(ctx, c.maven(), env, tmp, args, func(line string) { say("maven: " + line) }); err != nil {
		return err
	}
	if names, _ := jarNames(libDir); len(names) == 0 {
		return fmt.Errorf("kafkaruntime: maven copied no jars into %s", libDir)
	}
	return nil
}

// checkKeyJars compares the key jars' sha256 with the catalog.
func checkKeyJars(r Release, libDir string) error {
	for name, want := range r.Checksums {
		got, _, err := hashFile(filepath.Join(libDir, name))
		if err != nil {
			return fmt.Errorf("kafkaruntime: checking key jars: %w", err)
		}
		if got != want {
			return fmt.Errorf("kafkaruntime: %s has sha256 %s, the catalog says %s: the Maven repository or mirror serves a different jar than Maven Central published", name, got, want)
		}
	}
	return nil
}

// replace renames tmp to the version's directory, first moving aside
// whatever broken install is there. The caller holds the version's lock.
func (c *Cache) replace(version, tmp string) error {
	final := c.versionDir(version)
	if err := c.moveAside(version); err != nil {
		return err
	}
	if err := os.Rename(tmp, final); err != nil {
		return fmt.Errorf("kafkaruntime: %w", err)
	}
	return nil
}

// moveAside renames the version's directory to a leftover name and deletes
// it. Renaming first makes the directory vanish in one step, even if the
// deletion is interrupted; removeLeftovers finishes the job next time.
func (c *Cache) moveAside(version string) error {
	final := c.versionDir(version)
	if _, err := os.Lstat(final); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	old := filepath.Join(c.dir(), fmt.Sprintf(".remove-%s-%d", version, time.Now().UnixNano()))
	if err := os.Rename(final, old); err != nil {
		return fmt.Errorf("kafkaruntime: %w", err)
	}
	if err := os.RemoveAll(old); err != nil {
		return fmt.Errorf("kafkaruntime: %w", err)
	}
	return nil
}

// removeLeftovers deletes what killed installs and removals of version left
// behind. The caller holds the version's lock, so none of it is in use.
func (c *Cache) removeLeftovers(version string, log *slog.Logger) {
	for _, prefix := range []string{".install-", ".remove-"} {
		matches, _ := filepath.Glob(filepath.Join(c.dir(), prefix+version+"-*"))
		for _, m := range matches {
			log.Info("removing leftover of an interrupted install", "path", m)
			if err := os.RemoveAll(m); err != nil {
				log.Warn("cannot remove leftover", "path", m, "err", err)
			}
		}
	}
}

// Remove deletes an installed version from the cache. Brokers still running
// from it keep their open jars but cannot start again.
func (c *Cache) Remove(ctx context.Context, version string) error {
	if _, err := lookup(version); err != nil {
		return err
	}
	if c.Dir == "" {
		return errors.New("kafkaruntime: the cache has no directory")
	}
	unlock, err := c.lockVersion(ctx, version, nil)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("kafkaruntime: Kafka %s: %w", version, ErrNotInstalled)
		}
		return err
	}
	defer unlock()
	if _, err := os.Lstat(c.versionDir(version)); errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("kafkaruntime: Kafka %s: %w", version, ErrNotInstalled)
	}
	c.removeLeftovers(version, c.logger())
	return c.moveAside(version)
}
