package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"sort"
	"strconv"
	"strings"
	"time"

	streamplane "github.com/streamplane/streamplane"
)

// STARTTLS modes of the SMTP relay connection.
const (
	StartTLSAuto   = "auto"   // upgrade when the relay offers it
	StartTLSAlways = "always" // refuse to send over a relay that does not offer it
	StartTLSNever  = "never"  // stay in plain text
)

// SMTPConfig is the server's mail relay, shared by every e-mail channel.
type SMTPConfig struct {
	Addr     string // host:port
	From     string // envelope and header sender, a plain address
	Username string // empty: no authentication
	Password string
	// StartTLS is one of the StartTLS modes; "" means auto.
	StartTLS string
	// TLS speaks TLS from the first byte (port 465); StartTLS is then moot.
	TLS bool
	// TLSConfig, if set, verifies the relay (tests give their own roots);
	// its ServerName defaults to Addr's host.
	TLSConfig *tls.Config
}

// Validate checks the configuration at server start.
func (c *SMTPConfig) Validate() error {
	host, port, err := net.SplitHostPort(c.Addr)
	if err != nil || host == "" || port == "" {
		return streamplane.Invalid("smtp_addr", "the SMTP relay is given as host:port, got %q", c.Addr)
	}
	if a, err := mail.ParseAddress(c.From); err != nil || a.Name != "" || a.Address != c.From {
		return streamplane.Invalid("smtp_from", "the sender is a plain e-mail address like streamplane@example.com, got %q", c.From)
	}
	if (c.Username == "") != (c.Password == "") {
		return streamplane.Invalid("smtp_username", "give both the SMTP user and its password, or neither")
	}
	switch c.StartTLS {
	case "", StartTLSAuto, StartTLSAlways, StartTLSNever:
	default:
		return streamplane.Invalid("smtp_starttls", "STARTTLS mode is %s, %s or %s, got %q", StartTLSAuto, StartTLSAlways, StartTLSNever, c.StartTLS)
	}
	return nil
}

// Send mails one message to the recipients. The context bounds the whole
// conversation. Errors the relay gives with a 5xx code are permanent.
func (c *SMTPConfig) Send(ctx context.Context, to []string, msg []byte) error {
	host, _, err := net.SplitHostPort(c.Addr)
	if err != nil {
		return permanent("SMTP relay address %q is not host:port", c.Addr)
	}
	tlsConfig := &tls.Config{}
	if c.TLSConfig != nil {
		tlsConfig = c.TLSConfig.Clone()
	}
	if tlsConfig.ServerName == "" {
		tlsConfig.ServerName = host
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", c.Addr)
	if err != nil {
		return retryable("SMTP relay unreachable: %v", err)
	}
	defer conn.Close()
	if deadline, ok := ctx.Deadline(); ok {
		conn.SetDeadline(deadline)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	if c.TLS {
		tc := tls.Client(conn, tlsConfig)
		if err := tc.HandshakeContext(ctx); err != nil {
			return retryable("SMTP relay TLS handshake: %v", err)
		}
		conn = tc
	}
	client, err := smtp.NewClient(conn, host)
	if err != nil {
		return smtpError("greeting", err)
	}
	defer client.Close()
	if !c.TLS && c.StartTLS != StartTLSNever {
		offered, _ := client.Extension("STARTTLS")
		switch {
		case offered:
			if err := client.StartTLS(tlsConfig); err != nil {
				return smtpError("STARTTLS", err)
			}
		case c.StartTLS == StartTLSAlways:
			return permanent("SMTP relay does not offer STARTTLS, which the server's configuration requires")
		}
	}
	if c.Username != "" {
		// PlainAuth refuses to send the password in the clear, except to
		// a relay on this host.
		if err := client.Auth(smtp.PlainAuth("", c.Username, c.Password, host)); err != nil {
			return smtpError("authentication", err)
		}
	}
	if err := client.Mail(c.From); err != nil {
		return smtpError("MAIL FROM", err)
	}
	for _, rcpt := range to {
		if err := client.Rcpt(rcpt); err != nil {
			return smtpError("RCPT TO "+rcpt, err)
		}
	}
	w, err := client.Data()
	if err != nil {
		return smtpError("DATA", err)
	}
	if _, err := w.Write(msg); err != nil {
		return smtpError("DATA", err)
	}
	if err := w.Close(); err != nil {
		return smtpError("DATA", err)
	}
	client.Quit() // the message is accepted; a failing QUIT changes nothing
	return nil
}

// smtpError classifies a failed SMTP step: a 5xx reply is permanent, a 4xx
// reply or a broken connection may pass. net/smtp's own refusals (no
// STARTTLS to protect the password, no AUTH offered) are permanent too.
func smtpError(step string, err error) error {
	var te *textproto.Error
	switch {
	case errors.As(err, &te) && te.Code >= 500:
		return permanent("SMTP relay refused %s: %d %s", step, te.Code, te.Msg)
	case errors.As(err, &te):
		return retryable("SMTP relay deferred %s: %d %s", step, te.Code, te.Msg)
	case step == "authentication":
		return permanent("SMTP authentication: %v", err)
	}
	return retryable("SMTP %s: %v", step, err)
}

// Subject is an alarm e-mail's subject, e.g.
// "[critical] firing: disk on demo".
func Subject(n *streamplane.AlarmNotification) string {
	return fmt.Sprintf("[%s] %s: %s on %s", n.Severity, n.State, n.RuleName, n.InstanceName)
}

// Body is an alarm e-mail's plain text.
func Body(n *streamplane.AlarmNotification) string {
	var b strings.Builder
	series := n.Metric + labels(n.Labels)
	cond := fmt.Sprintf("%s %s for %d period(s)", n.Op, num(n.Threshold), n.Periods)
	switch n.State {
	case streamplane.AlarmResolved:
		fmt.Fprintf(&b, "Alarm %s on instance %s is resolved: %s is %s, no longer %s.\n", n.RuleName, n.InstanceName, series, num(n.Value), cond)
	default:
		fmt.Fprintf(&b, "Alarm %s is %s on instance %s: %s is %s, %s.\n", n.RuleName, strings.ToUpper(n.State), n.InstanceName, series, num(n.Value), cond)
	}
	fmt.Fprintf(&b, "\nSeverity:  %s\n", n.Severity)
	fmt.Fprintf(&b, "At:        %s\n", n.At.UTC().Format(time.RFC3339))
	fmt.Fprintf(&b, "Rule:      %s (%s)\n", n.RuleName, n.RuleID)
	fmt.Fprintf(&b, "Instance:  %s (%s)\n", n.InstanceName, n.InstanceID)
	fmt.Fprintf(&b, "Alarm id:  %s\n", n.AlarmID)
	return b.String()
}

func num(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// labels renders dimensions as {broker="0",topic="t"}, sorted.
func labels(m map[string]string) string {
	if len(m) == 0 {
		return ""
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + strconv.Quote(m[k])
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// Message is the RFC 5322 message for a notification: headers, then the
// body as quoted-printable UTF-8. Header values are encoded, so names in
// the notification cannot add headers.
func Message(from string, to []string, id string, date time.Time, n *streamplane.AlarmNotification) []byte {
	var b bytes.Buffer
	header := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	header("From", from)
	header("To", strings.Join(to, ", "))
	header("Subject", mime.QEncoding.Encode("utf-8", Subject(n)))
	header("Date", date.Format(time.RFC1123Z))
	header("Message-ID", "<"+id+"@streamplane>")
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	qp.Write([]byte(Body(n)))
	qp.Close()
	return b.Bytes()
}
