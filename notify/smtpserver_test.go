package notify

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"math/big"
	"net"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"
)

// smtpServer is a minimal SMTP relay for tests: EHLO, optional STARTTLS
// and AUTH PLAIN, MAIL, RCPT, DATA, QUIT. It keeps what it accepts.
type smtpServer struct {
	Addr string

	tls      *tls.Config // nil: no STARTTLS offered
	user     string      // "": no AUTH offered
	password string
	rcptCode int // the answer to RCPT TO; 0: 250

	ln   net.Listener
	wg   sync.WaitGroup
	mu   sync.Mutex
	msgs []smtpMessage
}

type smtpMessage struct {
	from   string
	to     []string
	data   string
	tls    bool
	authed bool
}

func startSMTP(t *testing.T, s *smtpServer) *smtpServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.ln, s.Addr = ln, ln.Addr().String()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.wg.Add(1)
			go func() { defer s.wg.Done(); s.serve(c) }()
		}
	}()
	t.Cleanup(func() { ln.Close(); s.wg.Wait() })
	return s
}

func (s *smtpServer) messages() []smtpMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]smtpMessage(nil), s.msgs...)
}

func (s *smtpServer) serve(c net.Conn) {
	defer func() { c.Close() }() // c becomes the TLS conn after STARTTLS
	c.SetDeadline(time.Now().Add(10 * time.Second))
	tp := textproto.NewConn(c)
	var (
		msg    smtpMessage
		inTLS  bool
		authed bool
	)
	reply := func(code int, text string) { tp.PrintfLine("%d %s", code, text) }
	reply(220, "test ESMTP")
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO", "HELO":
			lines := []string{"test"}
			if s.tls != nil && !inTLS {
				lines = append(lines, "STARTTLS")
			}
			if s.user != "" {
				lines = append(lines, "AUTH PLAIN")
			}
			lines = append(lines, "8BITMIME")
			for i, l := range lines {
				sep := "-"
				if i == len(lines)-1 {
					sep = " "
				}
				tp.PrintfLine("250%s%s", sep, l)
			}
		case "STARTTLS":
			if s.tls == nil || inTLS {
				reply(502, "no")
				continue
			}
			reply(220, "go ahead")
			tc := tls.Server(c, s.tls)
			if tc.Handshake() != nil {
				return
			}
			c, inTLS = tc, true
			tp = textproto.NewConn(c)
		case "AUTH":
			mech, initial, _ := strings.Cut(arg, " ")
			raw, err := base64.StdEncoding.DecodeString(initial)
			if !strings.EqualFold(mech, "PLAIN") || err != nil {
				reply(504, "PLAIN with an initial response only")
				continue
			}
			if parts := strings.Split(string(raw), "\x00"); len(parts) == 3 && parts[1] == s.user && parts[2] == s.password {
				authed = true
				reply(235, "2.7.0 ok")
			} else {
				reply(535, "5.7.8 authentication credentials invalid")
			}
		case "MAIL":
			if s.user != "" && !authed {
				reply(530, "5.7.0 authentication required")
				continue
			}
			msg = smtpMessage{from: addrArg(arg), tls: inTLS, authed: authed}
			reply(250, "ok")
		case "RCPT":
			if s.rcptCode != 0 {
				reply(s.rcptCode, "not now")
				continue
			}
			msg.to = append(msg.to, addrArg(arg))
			reply(250, "ok")
		case "DATA":
			reply(354, "go ahead")
			data, err := tp.ReadDotBytes()
			if err != nil {
				return
			}
			msg.data = string(data)
			s.mu.Lock()
			s.msgs = append(s.msgs, msg)
			s.mu.Unlock()
			reply(250, "queued")
		case "RSET", "NOOP":
			reply(250, "ok")
		case "QUIT":
			reply(221, "bye")
			return
		default:
			reply(502, "unknown command")
		}
	}
}

// addrArg takes the address out of "FROM:<a@b>" or "TO:<a@b> ...".
func addrArg(arg string) string {
	_, rest, _ := strings.Cut(arg, "<")
	addr, _, _ := strings.Cut(rest, ">")
	return addr
}

// testCert returns a server config with a self-signed certificate for
// 127.0.0.1 and a client config trusting it.
func testCert(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "test relay"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}},
		&tls.Config{RootCAs: roots}
}
