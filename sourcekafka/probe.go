package sourcekafka

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// ProbeTimeout bounds Probe: a source that does not answer within it is
// unreachable to the user waiting on the form.
const ProbeTimeout = 10 * time.Second

// Probe asks the source for its brokers, once, within ProbeTimeout, and
// says in the user's terms why it failed: which field of the source to fix.
// The password is never in the error.
func (c *Client) Probe(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, ProbeTimeout)
	defer cancel()
	req := kmsg.NewPtrMetadataRequest()
	req.Topics = []kmsg.MetadataRequestTopic{} // brokers only, not every topic
	resp, err := req.RequestWith(ctx, c.kcl)
	if err == nil && len(resp.Brokers) == 0 {
		err = errNoBrokers
	}
	return c.classify(err)
}

// classify turns an error of a request to the source into an application
// error naming the field at fault. It is the one place errors leave this
// package, so the one place the password is kept out of them.
func (c *Client) classify(err error) error {
	if err == nil {
		return nil
	}
	var appErr *streamplane.Error
	if errors.As(err, &appErr) {
		return err
	}
	src := c.src
	servers := strings.Join(src.BootstrapServers, ", ")
	fail := func(code, field, format string, args ...any) error {
		return &streamplane.Error{Code: code, Field: field, Message: redact(fmt.Sprintf(format, args...), src.Password)}
	}
	text := err.Error()
	var (
		unknownCA  x509.UnknownAuthorityError
		hostErr    x509.HostnameError
		invalid    x509.CertificateInvalidError
		verifyErr  *tls.CertificateVerificationError
		recordErr  tls.RecordHeaderError
		alertErr   tls.AlertError
		firstEOF   *kgo.ErrFirstReadEOF
		dnsErr     *net.DNSError
		opErr      *net.OpError
		kafkaError *kerr.Error
	)
	switch {
	case errors.Is(err, kerr.SaslAuthenticationFailed):
		return fail(streamplane.EPRECONDITION, "source.password",
			"the source refused the credentials of user %q (SASL %s authentication failed): check the user name and password", src.Username, src.SASLMechanism)
	case errors.Is(err, kerr.UnsupportedSaslMechanism), errors.Is(err, kerr.IllegalSaslState):
		return fail(streamplane.EPRECONDITION, "source.sasl_mechanism",
			"the source does not accept SASL mechanism %s on %s: choose one its listener enables", src.SASLMechanism, servers)
	case errors.As(err, &hostErr):
		return fail(streamplane.EPRECONDITION, "source.ca_pem",
			"the source's TLS certificate is not valid for the address dialed (%v): use the host names its certificate names", hostErr)
	case errors.As(err, &unknownCA), errors.As(err, &invalid), errors.As(err, &verifyErr):
		return fail(streamplane.EPRECONDITION, "source.ca_pem",
			"the source's TLS certificate is not trusted (%v): give the CA that signed it in ca_pem", tlsCause(err))
	case errors.As(err, &recordErr), src.TLS() && strings.Contains(text, "TLS when the broker is not expecting it"),
		// A plaintext Kafka listener reads a TLS hello as an oversized
		// request and drops the connection within the handshake.
		src.TLS() && strings.Contains(text, "unable to dial") && (errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF)):
		return fail(streamplane.EPRECONDITION, "source.security_protocol",
			"%s does not speak TLS, but security_protocol is %s: use %s if the listener takes SASL without TLS, or the source's TLS listener",
			servers, src.SecurityProtocol, streamplane.SourceSASLPlaintext)
	case errors.As(err, &alertErr), strings.Contains(text, "tls: "):
		return fail(streamplane.EPRECONDITION, "source.ca_pem",
			"the TLS handshake with the source failed (%v): check ca_pem and that the listener is the source's TLS one", tlsCause(err))
	case strings.Contains(text, "plaintext connection speaking to a tls endpoint"), strings.Contains(text, "requires TLS but the client is using plaintext"),
		!src.TLS() && strings.Contains(text, "invalid large response size"):
		return fail(streamplane.EPRECONDITION, "source.security_protocol",
			"%s speaks TLS, but security_protocol is %s: use %s", servers, src.SecurityProtocol, streamplane.SourceSASLSSL)
	case strings.Contains(text, "SASL is required but not provided"):
		return fail(streamplane.EPRECONDITION, "source.security_protocol",
			"%s requires SASL, but security_protocol is %s: use %s or %s with a user and password", servers, src.SecurityProtocol,
			streamplane.SourceSASLPlaintext, streamplane.SourceSASLSSL)
	case errors.As(err, &firstEOF):
		return fail(streamplane.EPRECONDITION, "source.security_protocol",
			"%s closed the connection at once: its listener does not take %s clients", servers, src.SecurityProtocol)
	case errors.As(err, &dnsErr):
		return fail(streamplane.EUNAVAILABLE, "source.bootstrap_servers", "cannot resolve %s (%s): check the host names", dnsErr.Name, servers)
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return fail(streamplane.EUNAVAILABLE, "source.bootstrap_servers", "the source at %s did not answer in time: check the addresses and that this server may reach them", servers)
	case errors.As(err, &opErr) && opErr.Op == "dial":
		return fail(streamplane.EUNAVAILABLE, "source.bootstrap_servers", "cannot connect to the source at %s (%v)", servers, opErr.Err)
	case errors.Is(err, errNoBrokers):
		return fail(streamplane.EUNAVAILABLE, "source.bootstrap_servers", "the source at %s answered without brokers", servers)
	case errors.Is(err, kerr.ClusterAuthorizationFailed), errors.Is(err, kerr.TopicAuthorizationFailed), errors.Is(err, kerr.GroupAuthorizationFailed):
		return fail(streamplane.EPRECONDITION, "source.username", "user %q may not do this on the source (%v): grant it Describe and Read", src.Username, err)
	case errors.As(err, &kafkaError):
		return fail(streamplane.EUNAVAILABLE, "", "the source at %s: %v", servers, err)
	}
	return fail(streamplane.EUNAVAILABLE, "source.bootstrap_servers", "the source at %s: %v", servers, err)
}

// tlsCause is the innermost TLS or certificate error, without franz-go's
// wrapping.
func tlsCause(err error) error {
	var verifyErr *tls.CertificateVerificationError
	if errors.As(err, &verifyErr) {
		return verifyErr.Err
	}
	for u := errors.Unwrap(err); u != nil; u = errors.Unwrap(u) {
		err = u
	}
	return err
}

// redact removes the password from a message, should a library ever echo
// it. Very short passwords are left alone: they would garble the message,
// and the inputs here never hold the password anyway.
func redact(msg, password string) string {
	if len(password) < 4 {
		return msg
	}
	return strings.ReplaceAll(msg, password, "***")
}
