package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Environment variables of the client's sign-in.
const (
	tokenEnv = "STREAMPLANE_TOKEN"
	caEnv    = "STREAMPLANE_CA"
)

// Hints after errors that the user's setup causes.
const (
	signInHint = "hint: sign in with 'streamplane login --user NAME' or set " + tokenEnv
	trustHint  = "hint: trust the server's certificate with --ca FILE or " + caEnv + " (a server with --tls auto keeps it in <data>/tls/server.crt)"
)

// Where the token in use came from, for whoami.
const (
	fromFlag   = "--token"
	fromEnv    = tokenEnv
	fromStored = "streamplane login"
)

// logins is the credentials file: what `streamplane login` kept for each
// server, by URL. It holds tokens, so it is readable by its owner only.
type logins struct {
	Servers map[string]storedLogin `json:"servers"`
}

type storedLogin struct {
	User      string     `json:"user"`
	Token     string     `json:"token"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	// CA is the --ca the login was made with, used again for the server.
	CA string `json:"ca,omitempty"`
}

// serverKey is how a server URL is filed: without a trailing slash.
func serverKey(server string) string { return strings.TrimRight(server, "/") }

// credentialsPath is <user config dir>/streamplane/credentials.json.
func (o *options) credentialsPath() (string, error) {
	dir, err := o.configDir()
	if err != nil {
		return "", fmt.Errorf("no directory for the credentials file: %w", err)
	}
	return filepath.Join(dir, "streamplane", "credentials.json"), nil
}

// loadLogins reads the credentials file; a missing one holds nothing.
func loadLogins(path string) (*logins, error) {
	l := &logins{Servers: map[string]storedLogin{}}
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return l, nil
	} else if err != nil {
		return nil, fmt.Errorf("credentials file: %w", err)
	}
	if err := json.Unmarshal(raw, l); err != nil {
		return nil, fmt.Errorf("credentials file %s is not valid JSON (%v); remove it and sign in again", path, err)
	}
	if l.Servers == nil {
		l.Servers = map[string]storedLogin{}
	}
	return l, nil
}

// save writes the file through a rename, in a directory only its owner
// may enter, with mode 0600 whatever the umask.
func (l *logins) save(path string) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("credentials directory: %w", err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return fmt.Errorf("credentials directory: %w", err)
	}
	raw, err := json.MarshalIndent(l, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".credentials-*.json")
	if err != nil {
		return fmt.Errorf("credentials file: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(append(raw, '\n'))
	if err = errors.Join(err, tmp.Chmod(0o600), tmp.Close()); err != nil {
		return fmt.Errorf("credentials file: %w", err)
	}
	return os.Rename(tmp.Name(), path)
}

// resolveAuth picks the token and the CA file for --server: --token, else
// STREAMPLANE_TOKEN, else the stored login's; --ca (or STREAMPLANE_CA),
// else the one the login was made with. The credentials file is read only
// when something is still missing, and its faults only matter when the
// token would come from it.
func (o *options) resolveAuth() (string, error) {
	token, source := o.token, fromFlag
	if token == "" {
		token, source = o.env(tokenEnv), fromEnv
	}
	o.caFile = o.ca
	if token != "" && o.caFile != "" {
		o.tokenSource = source
		return token, nil
	}
	stored, err := o.storedLogin()
	if err != nil && token == "" {
		return "", err
	}
	if token == "" && stored.Token != "" {
		token, source = stored.Token, fromStored
	}
	if o.caFile == "" {
		o.caFile = stored.CA
	}
	if token != "" {
		o.tokenSource = source
	}
	return token, nil
}

// storedLogin is what the credentials file keeps for --server, if anything.
// Without a user config directory there is nothing stored.
func (o *options) storedLogin() (storedLogin, error) {
	path, err := o.credentialsPath()
	if err != nil {
		return storedLogin{}, nil
	}
	l, err := loadLogins(path)
	if err != nil {
		return storedLogin{}, err
	}
	return l.Servers[serverKey(o.server)], nil
}
