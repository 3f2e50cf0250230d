package pki

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"time"
)

// ParseCertificates reads every CERTIFICATE block of a PEM text, in order.
func ParseCertificates(data []byte) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("pki: certificate %d: %w", len(out)+1, err)
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, errors.New("pki: no PEM certificate found")
	}
	return out, nil
}

// ParsePrivateKey reads the first private key of a PEM text: PKCS#8,
// PKCS#1 (RSA) or SEC 1 (EC). Encrypted keys are refused.
func ParsePrivateKey(data []byte) (crypto.Signer, error) {
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			return nil, errors.New("pki: no PEM private key found")
		}
		var key any
		var err error
		switch block.Type {
		case "PRIVATE KEY":
			key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
		case "RSA PRIVATE KEY":
			key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
		case "EC PRIVATE KEY":
			key, err = x509.ParseECPrivateKey(block.Bytes)
		case "ENCRYPTED PRIVATE KEY":
			return nil, errors.New("pki: the private key is encrypted; give it unencrypted")
		default:
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("pki: private key: %w", err)
		}
		signer, ok := key.(crypto.Signer)
		if !ok {
			return nil, fmt.Errorf("pki: unsupported private key type %T", key)
		}
		return signer, nil
	}
}

// publicKeysEqual compares keys with the Equal method every public key
// type of the standard library has.
func publicKeysEqual(a, b crypto.PublicKey) bool {
	k, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && k.Equal(b)
}

// CheckServer checks a certificate chain and key that a user supplies for
// the brokers: the key matches the leaf, the leaf is valid now and for a
// while, it is meant for TLS servers, the chain links up, and the leaf
// names every host clients reach the brokers by. It returns the chain's
// root (the CA clients must trust), if the chain includes one.
func CheckServer(chain []*x509.Certificate, key crypto.Signer, hosts []string, now time.Time) (*x509.Certificate, error) {
	leaf := chain[0]
	if !publicKeysEqual(leaf.PublicKey, key.Public()) {
		return nil, errors.New("the private key does not match the certificate")
	}
	if now.Before(leaf.NotBefore) || now.After(leaf.NotAfter) {
		return nil, fmt.Errorf("the certificate is valid from %s to %s, not now", leaf.NotBefore.Format(time.RFC3339), leaf.NotAfter.Format(time.RFC3339))
	}
	if leaf.NotAfter.Sub(now) < 7*24*time.Hour {
		return nil, fmt.Errorf("the certificate expires on %s, in less than a week", leaf.NotAfter.Format(time.RFC3339))
	}
	if len(leaf.ExtKeyUsage) > 0 && !hasUsage(leaf, x509.ExtKeyUsageServerAuth) {
		return nil, errors.New("the certificate is not for TLS servers (its extended key usage lacks serverAuth)")
	}
	for i := 1; i < len(chain); i++ {
		if err := chain[i-1].CheckSignatureFrom(chain[i]); err != nil {
			return nil, fmt.Errorf("certificate %d is not signed by certificate %d of the chain: %w", i, i+1, err)
		}
	}
	var missing []string
	for _, h := range hosts {
		if h == "" {
			continue
		}
		if ip := net.ParseIP(h); ip != nil {
			found := false
			for _, a := range leaf.IPAddresses {
				found = found || a.Equal(ip)
			}
			if !found {
				missing = append(missing, "IP:"+h)
			}
		} else if leaf.VerifyHostname(h) != nil {
			missing = append(missing, "DNS:"+h)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("the certificate does not name every broker address clients use; add subject alternative names %v", missing)
	}
	root := chain[len(chain)-1]
	if !bytes.Equal(root.RawIssuer, root.RawSubject) || root.CheckSignatureFrom(root) != nil {
		return nil, nil // the chain stops below its root: the caller must be told the CA
	}
	return root, nil
}

func hasUsage(c *x509.Certificate, u x509.ExtKeyUsage) bool {
	for _, have := range c.ExtKeyUsage {
		if have == u || have == x509.ExtKeyUsageAny {
			return true
		}
	}
	return false
}
