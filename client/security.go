package client

import (
	"context"
	"net/url"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/wire"
)

// CertificateBundle downloads what clients must trust to reach a SASL_SSL
// instance: format pem, pkcs12 or jks (password protects the latter two;
// empty means the server's default, changeit).
func (c *Client) CertificateBundle(ctx context.Context, instance, format, password string) ([]byte, error) {
	q := url.Values{"format": {format}}
	if password != "" {
		q.Set("password", password)
	}
	var out string
	_, err := c.do(ctx, "GET", instancePath(instance)+"/certificate", q, nil, &out)
	return []byte(out), err
}

// ReplaceCertificate starts replacing the brokers' certificate, live.
func (c *Client) ReplaceCertificate(ctx context.Context, instance string, up streamplane.CertificateUpload, opts ...reqOpt) (*streamplane.Task, error) {
	return c.startTask(ctx, "PUT", instancePath(instance)+"/certificate", up, opts...)
}

// IssueClientCertificate issues a client certificate for mutual TLS and
// returns it with its key: format pkcs12 or jks (protected by password, at
// least 6 characters) or pem.
func (c *Client) IssueClientCertificate(ctx context.Context, instance, commonName, format, password string) ([]byte, error) {
	var out string
	_, err := c.do(ctx, "POST", instancePath(instance)+"/client-certificates", nil,
		wire.ClientCertificateRequest{CN: commonName, Format: format, Password: password}, &out)
	return []byte(out), err
}

// SetPublicAccess turns public access on or off (a rolling restart).
func (c *Client) SetPublicAccess(ctx context.Context, instance string, enabled bool, opts ...reqOpt) (*streamplane.Task, error) {
	return c.startTask(ctx, "PUT", instancePath(instance)+"/public-access", wire.Toggle{Enabled: &enabled}, opts...)
}

// SetMutualTLS turns mutual TLS on or off (a rolling restart).
func (c *Client) SetMutualTLS(ctx context.Context, instance string, enabled bool, opts ...reqOpt) (*streamplane.Task, error) {
	return c.startTask(ctx, "PUT", instancePath(instance)+"/mutual-tls", wire.Toggle{Enabled: &enabled}, opts...)
}
