package service

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/pki"
	"github.com/streamplane/streamplane/workflow"
)

// SetPublicAccess turns the public listener on or off through a rolling
// restart; the private listener serves throughout (DMS 7.6).
func (s *Service) SetPublicAccess(ctx context.Context, idOrName string, enabled bool, ifMatch *int64) (*streamplane.Task, error) {
	reason := "turn public access " + onOff(enabled)
	return s.instanceTask(ctx, idOrName, ifMatch, streamplane.TaskSetPublicAccess, workflow.RestartParams{Reason: reason},
		func(_ streamplane.Tx, inst *streamplane.Instance) error {
			if inst.Status != streamplane.InstanceRunning {
				return streamplane.Errorf(streamplane.ESTATE, "instance %s is %s; public access changes only when RUNNING", inst.Name, inst.Status)
			}
			if inst.PublicAccess == enabled {
				return streamplane.Errorf(streamplane.ESTATE, "public access of %s is already %s", inst.Name, onOff(enabled))
			}
			inst.PublicAccess, inst.Status = enabled, streamplane.InstanceChanging
			return nil
		})
}

// SetMutualTLS requires (or stops requiring) client certificates on a
// SASL_SSL instance's listeners, through a rolling restart (DMS 6.7).
func (s *Service) SetMutualTLS(ctx context.Context, idOrName string, enabled bool, ifMatch *int64) (*streamplane.Task, error) {
	reason := "turn mutual TLS " + onOff(enabled)
	return s.instanceTask(ctx, idOrName, ifMatch, streamplane.TaskSetMutualTLS, workflow.RestartParams{Reason: reason},
		func(_ streamplane.Tx, inst *streamplane.Instance) error {
			if !inst.SASL() {
				return streamplane.Invalid("mutual_tls", "mutual TLS needs a %s instance; %s is %s", streamplane.ProtocolSASLSSL, inst.Name, inst.SecurityProtocol)
			}
			if inst.Status != streamplane.InstanceRunning {
				return streamplane.Errorf(streamplane.ESTATE, "instance %s is %s; mutual TLS changes only when RUNNING", inst.Name, inst.Status)
			}
			if inst.MutualTLS == enabled {
				return streamplane.Errorf(streamplane.ESTATE, "mutual TLS of %s is already %s", inst.Name, onOff(enabled))
			}
			inst.MutualTLS, inst.Status = enabled, streamplane.InstanceChanging
			return nil
		})
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// DefaultStorePassword protects downloaded truststores unless the caller
// gives a password. A truststore holds only public certificates: its
// password guards integrity, not secrecy, so Java's well-known default is
// fine as a default.
const DefaultStorePassword = "changeit"

// Bundle is a downloadable file.
type Bundle struct {
	Filename    string
	ContentType string
	Data        []byte
}

// CertificateBundle returns what clients must trust to reach a SASL_SSL
// instance, as PEM or as a PKCS#12 or JKS truststore.
func (s *Service) CertificateBundle(ctx context.Context, idOrName, format, password string) (*Bundle, error) {
	inst, err := s.Instance(ctx, idOrName)
	if err != nil {
		return nil, err
	}
	if !inst.SASL() {
		return nil, streamplane.Invalid("instance", "instance %s uses %s: there is no certificate to trust", inst.Name, inst.SecurityProtocol)
	}
	if err := checkStoreFormat(format, &password, DefaultStorePassword); err != nil {
		return nil, err
	}
	cas, err := s.Certs.TrustedCAs(ctx, inst)
	if err != nil {
		return nil, err
	}
	data, err := pki.Truststore(cas, format, password, time.Now())
	if err != nil {
		return nil, err
	}
	return &Bundle{Filename: inst.Name + "-ca." + extension(format), ContentType: contentType(format), Data: data}, nil
}

var commonNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$`)

// IssueClientCertificate issues a client certificate for mutual TLS: the
// key is made here, returned once in the bundle and kept nowhere.
func (s *Service) IssueClientCertificate(ctx context.Context, idOrName, commonName, format, password string) (*Bundle, error) {
	inst, err := s.Instance(ctx, idOrName)
	if err != nil {
		return nil, err
	}
	if !inst.SASL() {
		return nil, streamplane.Invalid("instance", "client certificates are for %s instances; %s is %s", streamplane.ProtocolSASLSSL, inst.Name, inst.SecurityProtocol)
	}
	if !commonNameRE.MatchString(commonName) {
		return nil, streamplane.Invalid("cn", "the common name must be 1–64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit; got %q", commonName)
	}
	// A keystore holds the key: its password has no default.
	if err := checkStoreFormat(format, &password, ""); err != nil {
		return nil, err
	}
	leaf, err := s.Certs.IssueClient(ctx, inst, commonName)
	if err != nil {
		return nil, err
	}
	data, err := pki.Keystore(leaf, format, password, time.Now())
	if err != nil {
		return nil, err
	}
	s.record(ctx, inst, streamplane.TaskIssueClientCertificate, "Issue a client certificate",
		map[string]string{"cn": commonName, "format": format}, fmt.Sprintf("certificate for CN=%s, valid until %s", commonName, leaf.Cert.NotAfter.Format(time.DateOnly)), nil)
	return &Bundle{Filename: commonName + "." + extension(format), ContentType: contentType(format), Data: data}, nil
}

// CertificateUpload is a user-supplied broker certificate.
type CertificateUpload struct {
	Certificate string `json:"certificate"`  // PEM chain, leaf first
	Key         string `json:"key"`          // PEM private key, unencrypted
	CA          string `json:"ca,omitempty"` // PEM: the CA clients trust, if the chain does not end in it
}

// ReplaceCertificate checks and stores a user's certificate for the brokers
// and starts the task that loads it on every broker, live.
func (s *Service) ReplaceCertificate(ctx context.Context, idOrName string, up CertificateUpload, ifMatch *int64) (*streamplane.Task, error) {
	return s.instanceTask(ctx, idOrName, ifMatch, streamplane.TaskReplaceCertificate, struct{}{},
		func(tx streamplane.Tx, inst *streamplane.Instance) error {
			if !inst.SASL() {
				return streamplane.Invalid("instance", "instance %s uses %s: it has no certificate", inst.Name, inst.SecurityProtocol)
			}
			if inst.Status != streamplane.InstanceRunning {
				return streamplane.Errorf(streamplane.ESTATE, "instance %s is %s; its certificate changes only when RUNNING", inst.Name, inst.Status)
			}
			if err := s.Certs.SetCustom(tx, inst, []byte(up.Certificate), []byte(up.Key), []byte(up.CA), s.Provisioner.ClientHosts(inst)); err != nil {
				return err
			}
			inst.CustomCertificate, inst.Status = true, streamplane.InstanceChanging
			return nil
		})
}

// checkStoreFormat checks a download's format and, for a PKCS#12 or JKS
// store, its password; an empty one becomes def, if there is one.
func checkStoreFormat(format string, password *string, def string) error {
	if !slices.Contains(pki.Formats, format) {
		return streamplane.Invalid("format", "format must be one of %s, got %q", strings.Join(pki.Formats, ", "), format)
	}
	if format == pki.FormatPEM {
		return nil
	}
	if *password == "" {
		*password = def
	}
	if len(*password) < 6 {
		return streamplane.Invalid("password", "a %s store needs a password of at least 6 characters (Java's minimum)", format)
	}
	return nil
}

func extension(format string) string {
	switch format {
	case pki.FormatPKCS12:
		return "p12"
	case pki.FormatJKS:
		return "jks"
	}
	return "pem"
}

func contentType(format string) string {
	switch format {
	case pki.FormatPKCS12:
		return "application/x-pkcs12"
	case pki.FormatJKS:
		return "application/octet-stream"
	}
	return "application/x-pem-file"
}
