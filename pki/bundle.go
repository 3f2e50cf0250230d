package pki

import (
	"bytes"
	"crypto/x509"
	"fmt"
	"time"

	"github.com/pavlo-v-chernykh/keystore-go/v4"
	streamplane "github.com/streamplane/streamplane"
	"software.sslmate.com/src/go-pkcs12"
)

// Bundle formats for what clients download.
const (
	FormatPEM    = "pem"
	FormatPKCS12 = "pkcs12"
	FormatJKS    = "jks"
)

// Formats lists the bundle formats.
var Formats = []string{FormatPEM, FormatPKCS12, FormatJKS}

// Truststore returns the CA certificates clients must trust, in a format:
// PEM, or a PKCS#12 or JKS truststore protected by password.
func Truststore(cas []*x509.Certificate, format, password string, now time.Time) ([]byte, error) {
	switch format {
	case FormatPEM:
		return EncodeCertificates(cas...), nil
	case FormatPKCS12:
		if err := checkPKCS12Password(password); err != nil {
			return nil, err
		}
		return pkcs12.Modern.EncodeTrustStore(cas, password)
	case FormatJKS:
		ks := keystore.New()
		for i, c := range cas {
			err := ks.SetTrustedCertificateEntry(fmt.Sprintf("ca-%d", i), keystore.TrustedCertificateEntry{
				CreationTime: now, Certificate: keystore.Certificate{Type: "X509", Content: c.Raw}})
			if err != nil {
				return nil, err
			}
		}
		return storeJKS(ks, password)
	}
	return nil, fmt.Errorf("pki: unknown format %q", format)
}

// Keystore returns a client's key and certificate chain in a format: PEM
// (key then chain), or a PKCS#12 or JKS keystore protected by password.
func Keystore(leaf *Leaf, format, password string, now time.Time) ([]byte, error) {
	switch format {
	case FormatPEM:
		return leaf.KeystorePEM()
	case FormatPKCS12:
		if err := checkPKCS12Password(password); err != nil {
			return nil, err
		}
		return pkcs12.Modern.Encode(leaf.Key, leaf.Cert, []*x509.Certificate{leaf.CA}, password)
	case FormatJKS:
		der, err := x509.MarshalPKCS8PrivateKey(leaf.Key)
		if err != nil {
			return nil, err
		}
		ks := keystore.New()
		err = ks.SetPrivateKeyEntry("client", keystore.PrivateKeyEntry{CreationTime: now, PrivateKey: der,
			CertificateChain: []keystore.Certificate{{Type: "X509", Content: leaf.Cert.Raw}, {Type: "X509", Content: leaf.CA.Raw}}},
			[]byte(password))
		if err != nil {
			return nil, err
		}
		err = ks.SetTrustedCertificateEntry("ca", keystore.TrustedCertificateEntry{CreationTime: now,
			Certificate: keystore.Certificate{Type: "X509", Content: leaf.CA.Raw}})
		if err != nil {
			return nil, err
		}
		return storeJKS(ks, password)
	}
	return nil, fmt.Errorf("pki: unknown format %q", format)
}

// checkPKCS12Password refuses what PKCS#12 cannot encode: its passwords
// are UCS-2, so characters beyond U+FFFF (emoji, for one) have no encoding.
func checkPKCS12Password(password string) error {
	for _, r := range password {
		if r > 0xFFFF {
			return streamplane.Invalid("password", "a pkcs12 store's password cannot hold %q: PKCS#12 encodes passwords in UCS-2, up to U+FFFF", r)
		}
	}
	return nil
}

func storeJKS(ks keystore.KeyStore, password string) ([]byte, error) {
	var buf bytes.Buffer
	if err := ks.Store(&buf, []byte(password)); err != nil {
		return nil, fmt.Errorf("pki: write JKS: %w", err)
	}
	return buf.Bytes(), nil
}
