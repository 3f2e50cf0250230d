package server

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// maxSlots bounds how many servers may share one data directory.
const maxSlots = 16

// slot is this server's place in the data directory: a stable id, kept in a
// file this process holds locked while it runs. Several servers may share a
// data directory (the local provisioner's brokers live there); each takes
// the first free slot, so a restarted server takes back its own id and
// reclaims its task leases at once.
type slot struct {
	ID   string
	N    int // 1 for the first server
	file *os.File
}

func takeSlot(dataDir string) (*slot, error) {
	for n := 1; n <= maxSlots; n++ {
		path := filepath.Join(dataDir, "server-id")
		if n > 1 {
			path += fmt.Sprintf(".%d", n)
		}
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			return nil, err
		}
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
			f.Close()
			if errors.Is(err, syscall.EWOULDBLOCK) {
				continue // another server of this data directory has it
			}
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		id, err := readOrWriteID(f)
		if err != nil {
			f.Close()
			return nil, err
		}
		return &slot{ID: id, N: n, file: f}, nil
	}
	return nil, fmt.Errorf("%d servers already run on data directory %s", maxSlots, dataDir)
}

func readOrWriteID(f *os.File) (string, error) {
	raw, err := os.ReadFile(f.Name())
	if err != nil {
		return "", err
	}
	if id := strings.TrimSpace(string(raw)); id != "" {
		return id, nil
	}
	buf := make([]byte, 8)
	rand.Read(buf)
	id := "server-" + hex.EncodeToString(buf)
	if _, err := f.WriteAt([]byte(id+"\n"), 0); err != nil {
		return "", err
	}
	return id, f.Sync()
}

// addrFile is where this server writes the address it listens on, for
// scripts and tests that listen on port 0: server.addr for the first
// server of a data directory, server.addr.N for the others.
func (s *slot) addrFile(dataDir string) string {
	if s.N == 1 {
		return filepath.Join(dataDir, "server.addr")
	}
	return filepath.Join(dataDir, fmt.Sprintf("server.addr.%d", s.N))
}

// release unlocks the slot for the next server.
func (s *slot) release() { s.file.Close() }
