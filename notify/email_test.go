package notify

import (
	"context"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
)

func firing() *streamplane.AlarmNotification {
	return &streamplane.AlarmNotification{
		AlarmID: "a-1", State: streamplane.AlarmFiring, RuleID: "r-1", RuleName: "disk",
		InstanceID: "i-1", InstanceName: "demo", Metric: "broker_disk_usage", Labels: map[string]string{"broker": "0"},
		Value: 91.5, Op: ">", Threshold: 80, Periods: 1, Severity: "critical", At: time.Date(2026, 12, 3, 13, 0, 0, 0, time.UTC),
	}
}

// parse reads a sent message: its headers and its decoded body.
func parse(t *testing.T, data string) (*mail.Message, string) {
	t.Helper()
	m, err := mail.ReadMessage(strings.NewReader(data))
	if err != nil {
		t.Fatalf("message does not parse: %v\n%s", err, data)
	}
	if m.Header.Get("Content-Transfer-Encoding") != "quoted-printable" {
		t.Fatalf("transfer encoding %q", m.Header.Get("Content-Transfer-Encoding"))
	}
	body, err := io.ReadAll(quotedprintable.NewReader(m.Body))
	if err != nil {
		t.Fatal(err)
	}
	return m, string(body)
}

func TestEmailSend(t *testing.T) {
	srv := startSMTP(t, &smtpServer{})
	cfg := &SMTPConfig{Addr: srv.Addr, From: "streamplane@example.com"}
	to := []string{"a@example.com", "b@example.com"}
	msg := Message(cfg.From, to, "d-1", time.Date(2026, 12, 3, 13, 0, 5, 0, time.UTC), firing())
	if err := cfg.Send(context.Background(), to, msg); err != nil {
		t.Fatal(err)
	}
	got := srv.messages()
	if len(got) != 1 || got[0].from != "streamplane@example.com" || strings.Join(got[0].to, ",") != "a@example.com,b@example.com" {
		t.Fatalf("relay got %+v", got)
	}
	m, body := parse(t, got[0].data)
	if s := m.Header.Get("Subject"); s != "[critical] firing: disk on demo" {
		t.Errorf("subject %q", s)
	}
	if m.Header.Get("From") != "streamplane@example.com" || m.Header.Get("To") != "a@example.com, b@example.com" ||
		m.Header.Get("Message-ID") != "<d-1@streamplane>" || !strings.HasPrefix(m.Header.Get("Content-Type"), "text/plain; charset=utf-8") {
		t.Errorf("headers %v", m.Header)
	}
	if d, err := m.Header.Date(); err != nil || !d.Equal(time.Date(2026, 12, 3, 13, 0, 5, 0, time.UTC)) {
		t.Errorf("date %v (%v)", d, err)
	}
	for _, want := range []string{
		`Alarm disk is FIRING on instance demo: broker_disk_usage{broker="0"} is 91.5, > 80 for 1 period(s).`,
		"Severity:  critical", "At:        2026-12-03T13:00:00Z", "Rule:      disk (r-1)", "Instance:  demo (i-1)", "Alarm id:  a-1",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("body lacks %q:\n%s", want, body)
		}
	}

	n := firing()
	n.State, n.Value = streamplane.AlarmResolved, 42
	_, body = parse(t, string(Message(cfg.From, to, "d-2", time.Now(), n)))
	if want := `Alarm disk on instance demo is resolved: broker_disk_usage{broker="0"} is 42, no longer > 80 for 1 period(s).`; !strings.Contains(body, want) {
		t.Errorf("resolved body lacks %q:\n%s", want, body)
	}
}

// Names in a notification cannot add headers: the subject is encoded.
func TestEmailHeaderInjection(t *testing.T) {
	n := firing()
	n.RuleName = "disk\r\nBcc: victim@example.com"
	n.InstanceName = "démo"
	m, _ := parse(t, string(Message("streamplane@example.com", []string{"a@example.com"}, "d-1", time.Now(), n)))
	if len(m.Header["Bcc"]) != 0 {
		t.Fatalf("a rule name added a Bcc header: %v", m.Header)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil || subject != "[critical] firing: disk\r\nBcc: victim@example.com on démo" {
		t.Fatalf("subject decodes to %q (%v)", subject, err)
	}
}

func TestEmailStartTLSAndAuth(t *testing.T) {
	serverTLS, clientTLS := testCert(t)
	srv := startSMTP(t, &smtpServer{tls: serverTLS, user: "relay-user", password: "relay-pass-0123"})
	cfg := &SMTPConfig{Addr: srv.Addr, From: "streamplane@example.com", Username: "relay-user", Password: "relay-pass-0123",
		StartTLS: StartTLSAlways, TLSConfig: clientTLS}
	if err := cfg.Send(context.Background(), []string{"a@example.com"}, Message(cfg.From, []string{"a@example.com"}, "d-1", time.Now(), firing())); err != nil {
		t.Fatal(err)
	}
	if got := srv.messages(); len(got) != 1 || !got[0].tls || !got[0].authed {
		t.Fatalf("relay got %+v, want one message over TLS, authenticated", got)
	}

	// A wrong password is refused for good, and the error does not show it.
	cfg.Password = "wrong-pass-9876"
	err := cfg.Send(context.Background(), []string{"a@example.com"}, []byte("Subject: x\r\n\r\nx\r\n"))
	if !IsPermanent(err) || strings.Contains(err.Error(), "wrong-pass-9876") {
		t.Fatalf("wrong password: %v, want a permanent error without the password", err)
	}

	// A relay whose certificate the server does not trust gets nothing.
	cfg.Password, cfg.TLSConfig = "relay-pass-0123", nil
	if err := cfg.Send(context.Background(), []string{"a@example.com"}, []byte("Subject: x\r\n\r\nx\r\n")); err == nil {
		t.Fatal("sent over STARTTLS to an untrusted certificate")
	}
	if n := len(srv.messages()); n != 1 {
		t.Fatalf("relay has %d messages, want still 1", n)
	}
}

func TestEmailStartTLSRequired(t *testing.T) {
	srv := startSMTP(t, &smtpServer{})
	cfg := &SMTPConfig{Addr: srv.Addr, From: "streamplane@example.com", StartTLS: StartTLSAlways}
	err := cfg.Send(context.Background(), []string{"a@example.com"}, []byte("Subject: x\r\n\r\nx\r\n"))
	if !IsPermanent(err) || !strings.Contains(err.Error(), "STARTTLS") {
		t.Fatalf("relay without STARTTLS: %v, want a permanent error naming STARTTLS", err)
	}
	if n := len(srv.messages()); n != 0 {
		t.Fatalf("relay got %d messages in plain text", n)
	}
}

func TestEmailRelayAnswers(t *testing.T) {
	for _, tt := range []struct {
		code      int
		permanent bool
	}{{451, false}, {452, false}, {550, true}, {553, true}} {
		srv := startSMTP(t, &smtpServer{rcptCode: tt.code})
		cfg := &SMTPConfig{Addr: srv.Addr, From: "streamplane@example.com"}
		err := cfg.Send(context.Background(), []string{"a@example.com"}, []byte("Subject: x\r\n\r\nx\r\n"))
		if err == nil || IsPermanent(err) != tt.permanent {
			t.Errorf("RCPT answered %d: %v, want permanent %v", tt.code, err, tt.permanent)
		}
	}
	// No relay at all: retry later.
	srv := startSMTP(t, &smtpServer{})
	srv.ln.Close()
	err := (&SMTPConfig{Addr: srv.Addr, From: "streamplane@example.com"}).Send(context.Background(), []string{"a@example.com"}, []byte("x"))
	if err == nil || IsPermanent(err) {
		t.Fatalf("relay down: %v, want a retryable error", err)
	}
}

func TestSMTPConfigValidate(t *testing.T) {
	good := SMTPConfig{Addr: "mail.example.com:587", From: "streamplane@example.com", Username: "u", Password: "p", StartTLS: StartTLSAlways}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	for field, c := range map[string]SMTPConfig{
		"smtp_addr":     {Addr: "mail.example.com", From: "s@example.com"},
		"smtp_from":     {Addr: "mail.example.com:25", From: "Streamplane <s@example.com>"},
		"smtp_username": {Addr: "mail.example.com:25", From: "s@example.com", Username: "u"},
		"smtp_starttls": {Addr: "mail.example.com:25", From: "s@example.com", StartTLS: "maybe"},
	} {
		err := c.Validate()
		if e, ok := err.(*streamplane.Error); !ok || e.Field != field {
			t.Errorf("%+v: %v, want invalid %s", c, err, field)
		}
	}
}
