package pki

import (
	"bytes"
	"testing"
)

// FuzzParsePEM feeds PEM text, as a user gives it for a certificate
// replacement, to the certificate and key parsers. They must never panic;
// what they accept must survive encoding and parsing again unchanged; and a
// parsed chain and key must be checkable as a server certificate.
func FuzzParsePEM(f *testing.F) {
	ca, err := NewCA("fuzz-ca", now)
	if err != nil {
		f.Fatal(err)
	}
	leaf, err := ca.IssueServer("broker-0", []string{"127.0.0.1", "localhost"}, now)
	if err != nil {
		f.Fatal(err)
	}
	keystore, err := leaf.KeystorePEM()
	if err != nil {
		f.Fatal(err)
	}
	caKey, err := ca.KeyPEM()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(keystore)
	f.Add(append(ca.CertPEM(), caKey...))
	f.Add(keystore[:len(keystore)/2])
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))
	f.Add([]byte("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n"))
	f.Add([]byte("-----BEGIN RSA PRIVATE KEY-----\nMAA=\n-----END RSA PRIVATE KEY-----\n"))
	f.Add([]byte("not PEM at all"))
	f.Fuzz(func(t *testing.T, data []byte) {
		chain, certErr := ParseCertificates(data)
		if certErr == nil {
			if len(chain) == 0 {
				t.Fatal("ParseCertificates accepted a text with no certificate")
			}
			again, err := ParseCertificates(EncodeCertificates(chain...))
			if err != nil || len(again) != len(chain) {
				t.Fatalf("re-encoded chain of %d: %d certificates, %v", len(chain), len(again), err)
			}
			for i := range chain {
				if !bytes.Equal(again[i].Raw, chain[i].Raw) {
					t.Fatalf("certificate %d changed on re-encoding", i+1)
				}
			}
		}
		key, keyErr := ParsePrivateKey(data)
		if keyErr == nil {
			if key == nil || key.Public() == nil {
				t.Fatal("ParsePrivateKey accepted a key with no public half")
			}
			text, err := EncodePrivateKey(key)
			if err != nil {
				return // a key type PKCS#8 cannot carry; nothing to compare
			}
			again, err := ParsePrivateKey(text)
			if err != nil || !publicKeysEqual(again.Public(), key.Public()) {
				t.Fatalf("re-encoded key does not parse back to the same key: %v", err)
			}
		}
		if certErr == nil && keyErr == nil {
			// Whatever the verdict, it must come as an error, not a panic.
			_, _ = CheckServer(chain, key, []string{"localhost"}, now)
		}
	})
}
