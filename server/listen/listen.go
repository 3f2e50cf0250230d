// Package listen opens the REST API's listener: plain HTTP on a loopback
// address, or TLS with the operator's certificate or a self-signed one the
// server makes for itself. A listener other machines can reach without TLS
// is refused unless the operator says so, because tokens and passwords
// cross it.
package listen

import (
	"crypto/tls"
	"fmt"
	"net"
	"time"
)

// TLS modes.
const (
	TLSOff   = "off"
	TLSAuto  = "auto"  // a self-signed certificate kept in <data>/tls
	TLSFiles = "files" // the operator's certificate and key files
)

// Config is the listener's part of the server configuration.
type Config struct {
	Address        string // host:port
	TLS            string // TLSOff, TLSAuto or TLSFiles, as ResolveMode leaves it
	CertFile       string
	KeyFile        string
	InsecureListen bool   // plain HTTP on a non-loopback address is wanted
	DataDir        string // TLSAuto keeps its certificate under DataDir/tls
}

// ResolveMode checks the TLS settings against each other and returns the
// mode: an empty mode means "files" when a certificate or key is given,
// else "off".
func ResolveMode(mode, cert, key string) (string, error) {
	files := cert != "" || key != ""
	switch mode {
	case "":
		if !files {
			return TLSOff, nil
		}
		mode = TLSFiles
	case TLSOff, TLSAuto:
		if files {
			return "", fmt.Errorf("--tls %s does not use --tls-cert or --tls-key; drop them or use --tls files", mode)
		}
		return mode, nil
	case TLSFiles:
	default:
		return "", fmt.Errorf("tls must be off, auto or files, got %q", mode)
	}
	switch {
	case cert == "" && key == "":
		return "", fmt.Errorf("--tls files needs --tls-cert and --tls-key: the server's certificate and its private key (PEM)")
	case cert == "":
		return "", fmt.Errorf("--tls-key needs --tls-cert, the certificate it is the key of (PEM, intermediates after it)")
	case key == "":
		return "", fmt.Errorf("--tls-cert needs --tls-key, the certificate's private key (PEM)")
	}
	return mode, nil
}

// Endpoint is a checked listener configuration with its certificate loaded.
type Endpoint struct {
	cfg Config
	tls *tls.Config
	// CertFile is the certificate served, "" without TLS; Generated says
	// this start made it (TLSAuto). Expires is when it runs out.
	CertFile  string
	Generated bool
	Expires   time.Time
}

// Prepare checks cfg before the server opens anything else: the loopback
// rule, then the certificate (loaded, or made for TLSAuto).
func Prepare(cfg Config, now time.Time) (*Endpoint, error) {
	e := &Endpoint{cfg: cfg}
	host, _, err := net.SplitHostPort(cfg.Address)
	if err != nil {
		return nil, fmt.Errorf("listen address %q: %w", cfg.Address, err)
	}
	if cfg.TLS == TLSOff && !cfg.InsecureListen && !Loopback(host, net.LookupIP) {
		return nil, fmt.Errorf("listen address %q can be reached from other machines, and without TLS tokens and passwords would cross the network in clear: "+
			"serve TLS (--tls auto for a self-signed certificate, or --tls-cert and --tls-key), listen on 127.0.0.1, "+
			"or accept plain HTTP with --insecure-listen", cfg.Address)
	}
	var cert tls.Certificate
	switch cfg.TLS {
	case TLSOff:
		return e, nil
	case TLSAuto:
		cert, e.CertFile, e.Generated, err = autoCertificate(cfg.DataDir, autoHosts(host), now)
	case TLSFiles:
		cert, err = loadCertificate(cfg.CertFile, cfg.KeyFile, now)
		e.CertFile = cfg.CertFile
	default:
		return nil, fmt.Errorf("tls must be off, auto or files, got %q", cfg.TLS)
	}
	if err != nil {
		return nil, err
	}
	e.Expires = cert.Leaf.NotAfter
	e.tls = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
	return e, nil
}

// TLSConfig is the configuration to serve with (http.Server.TLSConfig and
// ServeTLS), or nil for plain HTTP.
func (e *Endpoint) TLSConfig() *tls.Config { return e.tls }

// Listen opens the TCP listener and returns it with the URL clients use.
func (e *Endpoint) Listen() (net.Listener, string, error) {
	l, err := net.Listen("tcp", e.cfg.Address)
	if err != nil {
		return nil, "", fmt.Errorf("listen on %s: %w", e.cfg.Address, err)
	}
	scheme := "http://"
	if e.tls != nil {
		scheme = "https://"
	}
	return l, scheme + l.Addr().String(), nil
}
