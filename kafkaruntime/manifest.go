package kafkaruntime

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// manifestName is the manifest's file name in a version's directory. An
// install writes it last, before the directory is renamed into place, so a
// directory with a readable manifest is a finished install.
const manifestName = "runtime.json"

// manifestFormat is bumped when the manifest changes incompatibly; an older
// or newer format reads as "not installed".
const manifestFormat = 1

// manifest records what an install put on disk.
type manifest struct {
	Format      int       `json:"format"`
	Version     string    `json:"version"`
	Logging     Backend   `json:"logging"`
	InstalledAt time.Time `json:"installed_at"`
	Jars        []jarFile `json:"jars"` // sorted by name
}

type jarFile struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// buildManifest hashes every jar in libDir.
func buildManifest(r Release, libDir string, now time.Time) (manifest, error) {
	names, err := jarNames(libDir)
	if err != nil {
		return manifest{}, err
	}
	m := manifest{Format: manifestFormat, Version: r.Version, Logging: r.Logging.Backend, InstalledAt: now.UTC()}
	for _, name := range names {
		sum, size, err := hashFile(filepath.Join(libDir, name))
		if err != nil {
			return manifest{}, err
		}
		m.Jars = append(m.Jars, jarFile{Name: name, Size: size, SHA256: sum})
	}
	return m, nil
}

func writeManifest(dir string, m manifest) error {
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding manifest: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, manifestName), append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("writing manifest: %w", err)
	}
	return nil
}

func readManifest(dir string) (manifest, error) {
	data, err := os.ReadFile(filepath.Join(dir, manifestName))
	if err != nil {
		return manifest{}, err
	}
	var m manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return manifest{}, fmt.Errorf("reading manifest %s: %w", filepath.Join(dir, manifestName), err)
	}
	if m.Format != manifestFormat {
		return manifest{}, fmt.Errorf("manifest %s has format %d, want %d", filepath.Join(dir, manifestName), m.Format, manifestFormat)
	}
	return m, nil
}

// checkRelease checks that the manifest belongs to r and records the
// catalog's checksums for r's key jars.
func (m manifest) checkRelease(r Release) error {
	if m.Version != r.Version {
		return fmt.Errorf("manifest is for Kafka %s, not %s", m.Version, r.Version)
	}
	for name, want := range r.Checksums {
		i := slices.IndexFunc(m.Jars, func(j jarFile) bool { return j.Name == name })
		if i < 0 {
			return fmt.Errorf("manifest lacks %s", name)
		}
		if m.Jars[i].SHA256 != want {
			return fmt.Errorf("manifest records sha256 %s for %s, the catalog %s", m.Jars[i].SHA256, name, want)
		}
	}
	return nil
}

// checkFiles is the cheap check: libDir holds exactly the manifest's jars,
// at the recorded sizes. An extra jar matters as much as a missing one: the
// classpath is "libDir/*", so anything dropped there runs inside the broker.
func (m manifest) checkFiles(libDir string) error {
	names, err := jarNames(libDir)
	if err != nil {
		return err
	}
	if err := m.checkNames(names); err != nil {
		return err
	}
	for _, j := range m.Jars {
		fi, err := os.Stat(filepath.Join(libDir, j.Name))
		if err != nil {
			return err
		}
		if fi.Size() != j.Size {
			return fmt.Errorf("%s is %d bytes, the manifest says %d", j.Name, fi.Size(), j.Size)
		}
	}
	return nil
}

// verify is the deep check: checkFiles, then every jar's sha256.
func (m manifest) verify(libDir string) error {
	if err := m.checkFiles(libDir); err != nil {
		return err
	}
	var bad []string
	for _, j := range m.Jars {
		sum, _, err := hashFile(filepath.Join(libDir, j.Name))
		if err != nil {
			return err
		}
		if sum != j.SHA256 {
			bad = append(bad, fmt.Sprintf("%s (sha256 %s, manifest %s)", j.Name, sum, j.SHA256))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("%d jar(s) changed since install: %s", len(bad), strings.Join(bad, "; "))
	}
	return nil
}

func (m manifest) checkNames(names []string) error {
	want := make([]string, len(m.Jars))
	for i, j := range m.Jars {
		want[i] = j.Name
	}
	var missing, extra []string
	for _, n := range want {
		if !slices.Contains(names, n) {
			missing = append(missing, n)
		}
	}
	for _, n := range names {
		if !slices.Contains(want, n) {
			extra = append(extra, n)
		}
	}
	switch {
	case len(missing) > 0:
		return fmt.Errorf("jars missing from the install: %s", strings.Join(missing, ", "))
	case len(extra) > 0:
		return fmt.Errorf("jars not in the manifest: %s", strings.Join(extra, ", "))
	}
	return nil
}

// jarNames lists the *.jar files in dir, sorted.
func jarNames(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		// The JVM's "dir/*" takes .jar and .JAR alike.
		if !e.IsDir() && strings.EqualFold(filepath.Ext(e.Name()), ".jar") {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	return names, nil
}

func hashFile(path string) (sum string, size int64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	size, err = io.Copy(h, f)
	if err != nil {
		return "", 0, fmt.Errorf("hashing %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), size, nil
}
