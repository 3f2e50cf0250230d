package server

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Each source overrides the one before: defaults, the config file, the
// environment, the flags.
func TestLoad(t *testing.T) {
	file := filepath.Join(t.TempDir(), "config.json")
	err := os.WriteFile(file, []byte(`{"max-storage-gb": 1500000, "max-brokers": 12, "listen": "127.0.0.1:9000", "install-recommended": false, "ready-timeout": "1m"}`), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"STREAMPLANE_MAX_BROKERS": "20", "STREAMPLANE_LISTEN": "127.0.0.1:9001"}
	c, err := Load(file, func(k string) string { return env[k] }, map[string]string{"listen": "127.0.0.1:9002"})
	if err != nil {
		t.Fatal(err)
	}
	if c.MaxStorageGB != 1500000 || c.MaxBrokers != 20 || c.Listen != "127.0.0.1:9002" || c.InstallRecommended ||
		c.ReadyTimeout != time.Minute || c.MaxInstances != 100 || c.MavenRepo != filepath.Join(c.RuntimeCache, "m2") {
		t.Fatalf("config = %+v", c)
	}

	if err := os.WriteFile(file, []byte(`{"max-brokers": 1.5}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(file, func(string) string { return "" }, nil); err == nil {
		t.Fatal("a fractional max-brokers was accepted")
	}
}
