// Package certs keeps each SASL_SSL instance's certificates: the cluster CA
// that signs broker certificates (clients trust it), the clients CA that
// signs client certificates (brokers trust it under mutual TLS), and a
// certificate the user supplied in place of the cluster CA's. Keys are
// sealed in the store by the vault.
package certs

import (
	"context"
	"crypto/x509"
	"fmt"
	"slices"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/pki"
	"github.com/streamplane/streamplane/secrets"
)

// Secret names under an instance.
const (
	clusterCACert = "cluster-ca.crt"
	clusterCAKey  = "cluster-ca.key"
	clientsCACert = "clients-ca.crt"
	clientsCAKey  = "clients-ca.key"
	customChain   = "custom.crt" // the user's broker certificate chain
	customKey     = "custom.key"
	customTrust   = "custom-ca.crt" // the CA clients must trust for the user's certificate
)

// Authority issues and keeps an instance's certificates.
type Authority struct {
	Vault *secrets.Vault
	Now   func() time.Time
}

func (a *Authority) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

// Ensure creates the instance's two CAs unless they exist.
func (a *Authority) Ensure(ctx context.Context, inst *streamplane.Instance) error {
	return a.Vault.Store.Update(ctx, func(tx streamplane.Tx) error {
		for _, ca := range []struct{ cert, key, name string }{
			{clusterCACert, clusterCAKey, "Streamplane cluster CA for " + inst.Name},
			{clientsCACert, clientsCAKey, "Streamplane clients CA for " + inst.Name},
		} {
			if _, err := tx.Secret(inst.ID, ca.cert); err == nil {
				continue
			} else if !streamplane.IsCode(err, streamplane.ENOTFOUND) {
				return err
			}
			c, err := pki.NewCA(ca.name, a.now())
			if err != nil {
				return err
			}
			keyPEM, err := c.KeyPEM()
			if err != nil {
				return err
			}
			if err := a.Vault.Put(tx, inst.ID, ca.cert, string(c.CertPEM())); err != nil {
				return err
			}
			if err := a.Vault.Put(tx, inst.ID, ca.key, string(keyPEM)); err != nil {
				return err
			}
		}
		return nil
	})
}

func (a *Authority) load(tx streamplane.Tx, instanceID, certName, keyName string) (*pki.CA, error) {
	cert, err := a.Vault.Get(tx, instanceID, certName)
	if err != nil {
		return nil, err
	}
	key, err := a.Vault.Get(tx, instanceID, keyName)
	if err != nil {
		return nil, err
	}
	return pki.LoadCA([]byte(cert), []byte(key))
}

// Material is what the brokers of an instance need for TLS.
type Material struct {
	Keystores map[int][]byte // broker id -> PEM key and chain
	ClientsCA []byte         // PEM
}

// BrokerMaterial issues each broker a certificate naming every host clients
// reach it by, or uses the user's certificate when one was supplied.
func (a *Authority) BrokerMaterial(ctx context.Context, inst *streamplane.Instance, hosts []string) (Material, error) {
	if err := a.Ensure(ctx, inst); err != nil {
		return Material{}, err
	}
	m := Material{Keystores: map[int][]byte{}}
	err := a.Vault.Store.View(ctx, func(tx streamplane.Tx) error {
		clients, err := a.load(tx, inst.ID, clientsCACert, clientsCAKey)
		if err != nil {
			return err
		}
		m.ClientsCA = clients.CertPEM()
		if inst.CustomCertificate {
			chain, err := a.Vault.Get(tx, inst.ID, customChain)
			if err != nil {
				return err
			}
			key, err := a.Vault.Get(tx, inst.ID, customKey)
			if err != nil {
				return err
			}
			for _, b := range inst.Brokers {
				m.Keystores[b.ID] = append([]byte(key), chain...)
			}
			return nil
		}
		cluster, err := a.load(tx, inst.ID, clusterCACert, clusterCAKey)
		if err != nil {
			return err
		}
		for _, b := range inst.Brokers {
			names := append(slices.Clone(hosts), b.AdvertisedHosts()...)
			leaf, err := cluster.IssueServer(fmt.Sprintf("%s-broker-%d", inst.Name, b.ID), names, a.now())
			if err != nil {
				return err
			}
			if m.Keystores[b.ID], err = leaf.KeystorePEM(); err != nil {
				return err
			}
		}
		return nil
	})
	return m, err
}

// TrustedCAs are the certificates clients must trust to reach the brokers:
// the cluster CA, or the CA of the user's certificate.
func (a *Authority) TrustedCAs(ctx context.Context, inst *streamplane.Instance) ([]*x509.Certificate, error) {
	if err := a.Ensure(ctx, inst); err != nil {
		return nil, err
	}
	var out []*x509.Certificate
	err := a.Vault.Store.View(ctx, func(tx streamplane.Tx) error {
		name := clusterCACert
		if inst.CustomCertificate {
			name = customTrust
		}
		text, err := a.Vault.Get(tx, inst.ID, name)
		if err != nil {
			return err
		}
		out, err = pki.ParseCertificates([]byte(text))
		return err
	})
	return out, err
}

// IssueClient issues a client certificate for mutual TLS.
func (a *Authority) IssueClient(ctx context.Context, inst *streamplane.Instance, commonName string) (*pki.Leaf, error) {
	if err := a.Ensure(ctx, inst); err != nil {
		return nil, err
	}
	var leaf *pki.Leaf
	err := a.Vault.Store.View(ctx, func(tx streamplane.Tx) error {
		clients, err := a.load(tx, inst.ID, clientsCACert, clientsCAKey)
		if err != nil {
			return err
		}
		leaf, err = clients.IssueClient(commonName, a.now())
		return err
	})
	return leaf, err
}

// SetCustom checks a user's certificate chain and key against the hosts
// clients use and stores them, sealed, in tx; trust is the CA clients must
// trust (the chain's root when trust is empty). It does not touch the brokers.
func (a *Authority) SetCustom(tx streamplane.Tx, inst *streamplane.Instance, chainPEM, keyPEM, trustPEM []byte, hosts []string) error {
	chain, err := pki.ParseCertificates(chainPEM)
	if err != nil {
		return streamplane.Invalid("certificate", "%v", err)
	}
	key, err := pki.ParsePrivateKey(keyPEM)
	if err != nil {
		return streamplane.Invalid("key", "%v", err)
	}
	root, err := pki.CheckServer(chain, key, hosts, a.now())
	if err != nil {
		return streamplane.Invalid("certificate", "%v", err)
	}
	var trust []*x509.Certificate
	if len(trustPEM) > 0 {
		if trust, err = pki.ParseCertificates(trustPEM); err != nil {
			return streamplane.Invalid("ca", "%v", err)
		}
		if !verifies(chain, trust, hosts[0], a.now()) {
			return streamplane.Invalid("ca", "the certificate does not chain to the CA given")
		}
	} else if root != nil {
		trust = []*x509.Certificate{root}
	} else {
		return streamplane.Invalid("ca", "the chain does not end in a root CA: give the CA clients must trust")
	}
	keyOut, err := pki.EncodePrivateKey(key)
	if err != nil {
		return err
	}
	for name, value := range map[string][]byte{customChain: pki.EncodeCertificates(chain...), customKey: keyOut, customTrust: pki.EncodeCertificates(trust...)} {
		if err := a.Vault.Put(tx, inst.ID, name, string(value)); err != nil {
			return err
		}
	}
	return nil
}

func verifies(chain, roots []*x509.Certificate, host string, now time.Time) bool {
	pool, inter := x509.NewCertPool(), x509.NewCertPool()
	for _, r := range roots {
		pool.AddCert(r)
	}
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	_, err := chain[0].Verify(x509.VerifyOptions{Roots: pool, Intermediates: inter, DNSName: host, CurrentTime: now})
	return err == nil
}
