package server

import (
	"os"
	"path/filepath"
	"strings"
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

// TLS settings come from every source like the others and are checked
// against each other once all are read.
func TestLoadTLS(t *testing.T) {
	none := func(string) string { return "" }
	c, err := Load("", none, nil)
	if err != nil || c.TLS != "off" || c.InsecureListen {
		t.Fatalf("defaults: TLS %q, insecure %v, %v", c.TLS, c.InsecureListen, err)
	}
	env := map[string]string{"STREAMPLANE_TLS_CERT": "/etc/sp/api.crt", "STREAMPLANE_TLS_KEY": "/etc/sp/api.key"}
	c, err = Load("", func(k string) string { return env[k] }, map[string]string{"insecure-listen": "true"})
	if err != nil || c.TLS != "files" || c.TLSCert != "/etc/sp/api.crt" || c.TLSKey != "/etc/sp/api.key" || !c.InsecureListen {
		t.Fatalf("from the environment: %+v, %v", c, err)
	}
	for flags, want := range map[[2]string]string{
		{"tls-cert", "/etc/sp/api.crt"}: "--tls-cert needs --tls-key",
		{"tls", "auto+"}:                `tls must be off, auto or files, got "auto+"`,
		{"insecure-listen", "yes"}:      "insecure-listen must be true or false",
	} {
		_, err := Load("", none, map[string]string{flags[0]: flags[1]})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("--%s %s: %v, want %q", flags[0], flags[1], err, want)
		}
	}
}
