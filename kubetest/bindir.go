package kubetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// BinDir returns a directory holding the control plane's binaries, for
// Options.BinDir: $STREAMPLANE_KUBE_BIN if set, else the one
// scripts/kube-bins.sh prints, building them first if its cache lacks
// them. A cold build takes about 20 minutes on 2 cores, longer than go
// test's default timeout: run scripts/kube-bins.sh before the tests (make
// does), or give go test a -timeout to match.
func BinDir(ctx context.Context) (string, error) {
	if dir := os.Getenv("STREAMPLANE_KUBE_BIN"); dir != "" {
		for _, name := range binaries {
			if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
				return "", fmt.Errorf("kubetest: STREAMPLANE_KUBE_BIN: %w", err)
			}
		}
		return dir, nil
	}
	script, err := findScript()
	if err != nil {
		return "", err
	}
	var stdout bytes.Buffer
	cmd := exec.CommandContext(ctx, "bash", script)
	// The build's progress goes where the test's output goes.
	cmd.Stdout, cmd.Stderr = &stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("kubetest: %s: %w", script, err)
	}
	dir := strings.TrimSpace(stdout.String())
	if dir == "" {
		return "", fmt.Errorf("kubetest: %s printed no directory", script)
	}
	return dir, nil
}

// findScript looks for scripts/kube-bins.sh from the working directory up:
// go test runs a package's tests in its directory, inside the module.
func findScript() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("kubetest: %w", err)
	}
	for {
		script := filepath.Join(dir, "scripts", "kube-bins.sh")
		if _, err := os.Stat(script); err == nil {
			return script, nil
		}
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			// The module's root, and no script in it.
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	return "", errors.New("kubetest: no scripts/kube-bins.sh in this module to build the control plane with; set STREAMPLANE_KUBE_BIN to a directory of prebuilt binaries")
}
