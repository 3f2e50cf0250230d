package collector

import (
	"os"
	"path/filepath"
	"testing"
)

func TestReadProc(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "42")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// A command name with a space and a parenthesis, as java's may be.
	stat := "42 (java (x) y) S 1 42 42 0 -1 4194560 100 0 0 0 250 150 0 0 20 0 30 0 1000 123456 2000 18446744073709551615\n"
	if err := os.WriteFile(filepath.Join(dir, "stat"), []byte(stat), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := readProc(root, 42)
	if err != nil {
		t.Fatal(err)
	}
	if p.cpuSeconds != 4 {
		t.Errorf("cpu %v s, want 4 (250+150 ticks)", p.cpuSeconds)
	}
	if want := int64(2000 * os.Getpagesize()); p.rssBytes != want {
		t.Errorf("rss %d, want %d", p.rssBytes, want)
	}
	if _, err := readProc(root, 43); err == nil {
		t.Error("a missing process read without error")
	}
}

func TestReadOwnProcess(t *testing.T) {
	p, err := readProc("/proc", os.Getpid())
	if err != nil {
		t.Skipf("no /proc here: %v", err)
	}
	if p.rssBytes <= 0 {
		t.Errorf("this test's own RSS is %d", p.rssBytes)
	}
}
