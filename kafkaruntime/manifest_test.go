package kafkaruntime

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestManifest checks the cheap and the deep check on a hand-made lib
// directory, without Maven.
func TestManifest(t *testing.T) {
	dir := t.TempDir()
	lib := filepath.Join(dir, "lib")
	if err := os.Mkdir(lib, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name, data string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(lib, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a-1.0.jar", "aaaa")
	write("b-2.0.jar", "bbbb")
	write("README", "not a jar")

	r := Release{Version: "1.0.0", Logging: log4j2("1.7.36", "2.25.3")}
	m, err := buildManifest(r, lib, time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if err := writeManifest(dir, m); err != nil {
		t.Fatal(err)
	}
	m, err = readManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Jars) != 2 || m.Jars[0].Name != "a-1.0.jar" || m.Jars[0].Size != 4 {
		t.Fatalf("manifest jars = %+v", m.Jars)
	}
	if err := m.verify(lib); err != nil {
		t.Fatalf("verify on a clean install: %v", err)
	}

	t.Run("SameSizeChange", func(t *testing.T) {
		write("b-2.0.jar", "bbbX")
		defer write("b-2.0.jar", "bbbb")
		if err := m.checkFiles(lib); err != nil {
			t.Errorf("the cheap check looks at sizes only, got %v", err)
		}
		if err := m.verify(lib); err == nil || !strings.Contains(err.Error(), "b-2.0.jar") {
			t.Errorf("verify = %v, want b-2.0.jar named", err)
		}
	})
	t.Run("Truncated", func(t *testing.T) {
		write("a-1.0.jar", "aa")
		defer write("a-1.0.jar", "aaaa")
		if err := m.checkFiles(lib); err == nil || !strings.Contains(err.Error(), "a-1.0.jar is 2 bytes") {
			t.Errorf("checkFiles = %v", err)
		}
	})
	t.Run("ExtraJar", func(t *testing.T) {
		write("evil-1.0.JAR", "x")
		defer os.Remove(filepath.Join(lib, "evil-1.0.JAR"))
		if err := m.checkFiles(lib); err == nil || !strings.Contains(err.Error(), "evil-1.0.JAR") {
			t.Errorf("checkFiles = %v, want the extra jar named", err)
		}
	})
	t.Run("MissingJar", func(t *testing.T) {
		os.Remove(filepath.Join(lib, "a-1.0.jar"))
		defer write("a-1.0.jar", "aaaa")
		if err := m.checkFiles(lib); err == nil || !strings.Contains(err.Error(), "missing") {
			t.Errorf("checkFiles = %v", err)
		}
	})
	t.Run("Release", func(t *testing.T) {
		if err := m.checkRelease(Release{Version: "2.0.0"}); err == nil {
			t.Error("checkRelease accepted another version")
		}
		want := Release{Version: "1.0.0", Checksums: map[string]string{"a-1.0.jar": m.Jars[0].SHA256}}
		if err := m.checkRelease(want); err != nil {
			t.Errorf("checkRelease = %v", err)
		}
		want.Checksums["a-1.0.jar"] = strings.Repeat("0", 64)
		if err := m.checkRelease(want); err == nil {
			t.Error("checkRelease accepted a checksum that differs from the catalog")
		}
	})
	t.Run("OtherFormat", func(t *testing.T) {
		other := filepath.Join(t.TempDir())
		if err := os.WriteFile(filepath.Join(other, manifestName), []byte(`{"format": 99}`), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := readManifest(other); err == nil {
			t.Error("readManifest accepted format 99")
		}
	})
}
