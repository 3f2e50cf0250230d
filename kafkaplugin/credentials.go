package kafkaplugin

import (
	"bytes"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// DefaultIterations is the PBKDF2 iteration count HashPassword uses. Each
// PLAIN login costs the broker one derivation, on the network thread that
// serves the connection: 40,000 iterations take 31-35 ms in a warmed-up
// Java 17 on a 2-core test box (about 0.84 µs each; 100,000 took 84 ms),
// under the 50 ms budget for a login. Before the JIT has compiled PBKDF2,
// the broker's first login or two take 0.15-0.6 s.
const DefaultIterations = 40_000

// Bounds on a Credential, the same as the plugin's. The plugin refuses a
// whole file with one credential outside them, so WriteFile checks first.
const (
	MinIterations = 1_000
	MaxIterations = 10_000_000 // so a bad credential cannot make a login cost seconds
	minSalt       = 8
	maxSalt       = 1024
	minHash       = 16
	maxHash       = sha512.Size // one HMAC block; more would double the cost for nothing
	saltSize      = 16
)

// Credential is a salted PBKDF2-HMAC-SHA512 hash of a password: what
// Streamplane stores for a PLAIN user, never the password itself.
type Credential struct {
	Iterations int    `json:"iterations"`
	Salt       []byte `json:"salt"`
	Hash       []byte `json:"hash"`
}

// HashPassword hashes password with a fresh random salt and
// DefaultIterations. Kafka refuses empty PLAIN passwords, so this does too.
func HashPassword(password string) (Credential, error) {
	if password == "" {
		return Credential{}, errors.New("kafkaplugin: empty password")
	}
	salt := make([]byte, saltSize)
	if _, err := rand.Read(salt); err != nil {
		return Credential{}, fmt.Errorf("kafkaplugin: salt: %w", err)
	}
	hash, err := derive(password, salt, DefaultIterations, maxHash)
	if err != nil {
		return Credential{}, fmt.Errorf("kafkaplugin: hashing password: %w", err)
	}
	return Credential{Iterations: DefaultIterations, Salt: salt, Hash: hash}, nil
}

// Verify reports whether password matches c, exactly as the plugin decides
// it. A credential outside the plugin's bounds matches nothing.
func Verify(c Credential, password string) bool {
	if c.check() != nil {
		return false
	}
	got, err := derive(password, c.Salt, c.Iterations, len(c.Hash))
	return err == nil && subtle.ConstantTimeCompare(got, c.Hash) == 1
}

// derive is PBKDF2-HMAC-SHA512 over the password's UTF-8 bytes, which is
// what Java's PBKDF2WithHmacSHA512 hashes for the same string.
func derive(password string, salt []byte, iterations, size int) ([]byte, error) {
	return pbkdf2.Key(sha512.New, password, salt, iterations, size)
}

func (c Credential) check() error {
	switch {
	case c.Iterations < MinIterations || c.Iterations > MaxIterations:
		return fmt.Errorf("iterations %d outside [%d, %d]", c.Iterations, MinIterations, MaxIterations)
	case len(c.Salt) < minSalt || len(c.Salt) > maxSalt:
		return fmt.Errorf("salt of %d bytes outside [%d, %d]", len(c.Salt), minSalt, maxSalt)
	case len(c.Hash) < minHash || len(c.Hash) > maxHash:
		return fmt.Errorf("hash of %d bytes outside [%d, %d]", len(c.Hash), minHash, maxHash)
	}
	return nil
}

// checkName rejects names the file format cannot hold. Kafka itself takes
// any UTF-8 name without NUL (the PLAIN separator).
func checkName(name string) error {
	switch {
	case name == "":
		return errors.New("empty user name")
	case !utf8.ValidString(name):
		return fmt.Errorf("user name %q is not UTF-8", name)
	case strings.ContainsAny(name, ":\n\r\x00"):
		return fmt.Errorf("user name %q contains ':', a line break or NUL", name)
	case strings.HasPrefix(name, "#"):
		return fmt.Errorf("user name %q starts with '#'", name)
	}
	return nil
}

// fileHeader opens every file WriteFile writes.
const fileHeader = "# Streamplane SASL/PLAIN users, read live by dev.streamplane.kafka.PlainCredentialsCallbackHandler.\n" +
	"# name:iterations:base64(salt):base64(PBKDF2-HMAC-SHA512 hash). Written by Streamplane; edits are overwritten.\n"

// EncodeFile renders users in the file format, sorted by name, for a
// provisioner that writes the file itself (atomically, as WriteFile does).
func EncodeFile(users map[string]Credential) ([]byte, error) {
	names := make([]string, 0, len(users))
	for name, c := range users {
		if err := checkName(name); err != nil {
			return nil, fmt.Errorf("kafkaplugin: %w", err)
		}
		if err := c.check(); err != nil {
			return nil, fmt.Errorf("kafkaplugin: user %q: %w", name, err)
		}
		names = append(names, name)
	}
	slices.Sort(names)
	var b bytes.Buffer
	b.WriteString(fileHeader)
	for _, name := range names {
		c := users[name]
		fmt.Fprintf(&b, "%s:%d:%s:%s\n", name, c.Iterations,
			base64.StdEncoding.EncodeToString(c.Salt), base64.StdEncoding.EncodeToString(c.Hash))
	}
	return b.Bytes(), nil
}

// parseFile reads the file format, with the plugin's rules.
func parseFile(data []byte) (map[string]Credential, error) {
	if !utf8.Valid(data) {
		return nil, errors.New("not UTF-8")
	}
	users := map[string]Credential{}
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSuffix(line, "\r")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		// Errors name the line, not its content: it holds a hash.
		f := strings.Split(line, ":")
		if len(f) != 4 {
			return nil, fmt.Errorf("line %d: want name:iterations:salt:hash, got %d fields", i+1, len(f))
		}
		name := f[0]
		if err := checkName(name); err != nil {
			return nil, fmt.Errorf("line %d: %w", i+1, err)
		}
		iterations, err := strconv.Atoi(f[1])
		if err != nil {
			return nil, fmt.Errorf("line %d: iterations: %w", i+1, err)
		}
		salt, err := base64.StdEncoding.DecodeString(f[2])
		if err != nil {
			return nil, fmt.Errorf("line %d: salt: %w", i+1, err)
		}
		hash, err := base64.StdEncoding.DecodeString(f[3])
		if err != nil {
			return nil, fmt.Errorf("line %d: hash: %w", i+1, err)
		}
		c := Credential{Iterations: iterations, Salt: salt, Hash: hash}
		if err := c.check(); err != nil {
			return nil, fmt.Errorf("line %d: %w", i+1, err)
		}
		if _, dup := users[name]; dup {
			return nil, fmt.Errorf("line %d: user %q appears twice", i+1, name)
		}
		users[name] = c
	}
	return users, nil
}

// ReadFile reads a credentials file.
func ReadFile(path string) (map[string]Credential, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("kafkaplugin: %w", err)
	}
	users, err := parseFile(data)
	if err != nil {
		return nil, fmt.Errorf("kafkaplugin: %s: %w", path, err)
	}
	return users, nil
}

// WriteFile replaces the credentials file at path with users, atomically:
// it writes a temporary file in the same directory (mode 0600), syncs it
// and renames it over path. The plugin sees either the old file or the new
// one, and the rename gives the file a new inode, which is how it notices.
func WriteFile(path string, users map[string]Credential) (err error) {
	data, err := EncodeFile(users)
	if err != nil {
		return err
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*") // mode 0600
	if err != nil {
		return fmt.Errorf("kafkaplugin: writing credentials: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("kafkaplugin: writing credentials: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("kafkaplugin: writing credentials: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("kafkaplugin: writing credentials: %w", err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("kafkaplugin: writing credentials: %w", err)
	}
	// Make the rename itself durable; a failure here loses nothing now.
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
