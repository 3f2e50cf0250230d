package listen

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/streamplane/streamplane/pki"
)

// renewBefore is how long before its end an auto certificate is replaced
// at start, so that a server restarted now and then never serves an
// expired one.
const renewBefore = 30 * 24 * time.Hour

// loadCertificate reads the operator's certificate and key and checks
// that they belong together and that the certificate is valid now.
func loadCertificate(certFile, keyFile string, now time.Time) (tls.Certificate, error) {
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("--tls-cert: %w", err)
	}
	keyPEM, err := os.ReadFile(keyFile)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("--tls-key: %w", err)
	}
	if _, err := pki.ParseCertificates(certPEM); err != nil {
		return tls.Certificate{}, fmt.Errorf("--tls-cert %s: %w", certFile, err)
	}
	if _, err := pki.ParsePrivateKey(keyPEM); err != nil {
		return tls.Certificate{}, fmt.Errorf("--tls-key %s: %w", keyFile, err)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("--tls-key %s does not go with --tls-cert %s: %w", keyFile, certFile, err)
	}
	leaf := cert.Leaf
	if now.Before(leaf.NotBefore) || now.After(leaf.NotAfter) {
		return tls.Certificate{}, fmt.Errorf("--tls-cert %s is valid from %s to %s, not now", certFile,
			leaf.NotBefore.Format(time.RFC3339), leaf.NotAfter.Format(time.RFC3339))
	}
	if len(leaf.ExtKeyUsage) > 0 && !slices.Contains(leaf.ExtKeyUsage, x509.ExtKeyUsageServerAuth) && !slices.Contains(leaf.ExtKeyUsage, x509.ExtKeyUsageAny) {
		return tls.Certificate{}, fmt.Errorf("--tls-cert %s is not for TLS servers (its extended key usage lacks serverAuth)", certFile)
	}
	return cert, nil
}

// autoHosts are the names a self-signed certificate is made for: the
// listen host and this machine's loopback names; for a listener on every
// interface, the machine's host name instead of the listen host.
func autoHosts(listenHost string) []string {
	hosts := []string{"localhost", "127.0.0.1", "::1"}
	if ip := net.ParseIP(listenHost); listenHost == "" || (ip != nil && ip.IsUnspecified()) {
		if name, err := os.Hostname(); err == nil {
			listenHost = name
		} else {
			listenHost = ""
		}
	}
	if listenHost != "" && !slices.Contains(hosts, listenHost) {
		hosts = append(hosts, listenHost)
	}
	return hosts
}

// autoCertificate returns the self-signed certificate kept in
// dataDir/tls: the one there if it still names every host and has a while
// to run, else a new one written in its place. It reports the certificate
// file and whether it made a new one.
func autoCertificate(dataDir string, hosts []string, now time.Time) (tls.Certificate, string, bool, error) {
	dir := filepath.Join(dataDir, "tls")
	certFile, keyFile := filepath.Join(dir, "server.crt"), filepath.Join(dir, "server.key")
	if cert, err := loadCertificate(certFile, keyFile, now); err == nil && names(cert.Leaf, hosts) && cert.Leaf.NotAfter.Sub(now) > renewBefore {
		return cert, certFile, false, nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return tls.Certificate{}, "", false, fmt.Errorf("tls directory: %w", err)
	}
	leaf, err := pki.SelfSignedServer("Streamplane server", hosts, now)
	if err != nil {
		return tls.Certificate{}, "", false, err
	}
	keyPEM, err := pki.EncodePrivateKey(leaf.Key)
	if err != nil {
		return tls.Certificate{}, "", false, err
	}
	certPEM := pki.EncodeCertificates(leaf.Cert)
	// The key first: a crash between the two leaves a pair that does not
	// match, which the next start replaces.
	if err := writeFile(keyFile, keyPEM, 0o600); err != nil {
		return tls.Certificate{}, "", false, err
	}
	if err := writeFile(certFile, certPEM, 0o644); err != nil {
		return tls.Certificate{}, "", false, err
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	return cert, certFile, true, err
}

// names reports whether c is valid for every host.
func names(c *x509.Certificate, hosts []string) bool {
	for _, h := range hosts {
		if c.VerifyHostname(h) != nil {
			return false
		}
	}
	return true
}

// writeFile replaces path with data through a rename, so a reader never
// sees half a file, and gives it perm whatever the umask.
func writeFile(path string, data []byte, perm os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path))
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(data)
	err = errors.Join(err, tmp.Chmod(perm), tmp.Close())
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return os.Rename(tmp.Name(), path)
}
