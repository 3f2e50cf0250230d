package notify

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/secrets"
	"github.com/streamplane/streamplane/sqlite"
)

var ctx = context.Background()

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// syncBuffer is a log sink the worker's goroutines may share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// env is a store on disk, a vault, a clock and a log for workers to share.
type env struct {
	path  string
	db    *sqlite.DB
	clock *clock
	vault *secrets.Vault
	logs  *syncBuffer
}

func newEnv(t *testing.T) *env {
	t.Helper()
	key := make([]byte, 32)
	rand.Read(key)
	box, err := secrets.New(key)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{path: filepath.Join(t.TempDir(), "streamplane.db"), clock: &clock{t: time.Date(2026, 12, 3, 13, 0, 0, 0, time.UTC)},
		logs: &syncBuffer{}}
	e.open(t)
	e.vault = &secrets.Vault{Store: e.db, Box: box}
	return e
}

// open opens the store, as a server does at start.
func (e *env) open(t *testing.T) {
	t.Helper()
	db, err := sqlite.Open(ctx, e.path)
	if err != nil {
		t.Fatal(err)
	}
	db.Now = e.clock.Now
	t.Cleanup(func() { db.Close() })
	e.db = db
}

func (e *env) worker() *Worker {
	return &Worker{Store: e.db, Vault: &secrets.Vault{Store: e.db, Box: e.vault.Box}, Now: e.clock.Now,
		Log: slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
}

func (e *env) update(t *testing.T, fn func(tx streamplane.Tx, store streamplane.AlarmChannelStore) error) {
	t.Helper()
	err := e.db.Update(ctx, func(tx streamplane.Tx) error {
		store, err := alarms(tx)
		if err != nil {
			return err
		}
		return fn(tx, store)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func (e *env) createChannel(t *testing.T, c *streamplane.AlarmChannel, secret string) *streamplane.AlarmChannel {
	t.Helper()
	c.ID = uuid.NewString()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	e.update(t, func(tx streamplane.Tx, store streamplane.AlarmChannelStore) error {
		if secret != "" {
			if err := SetSecret(tx, e.vault, c, secret); err != nil {
				return err
			}
		}
		return store.CreateAlarmChannel(c)
	})
	return c
}

func (e *env) webhook(t *testing.T, name, url, secret string) *streamplane.AlarmChannel {
	return e.createChannel(t, &streamplane.AlarmChannel{Name: name, Kind: streamplane.ChannelWebhook, URL: url}, secret)
}

// notify enqueues n to the channels as an alarm's transaction does.
func (e *env) notify(t *testing.T, n *streamplane.AlarmNotification, channels ...string) []*streamplane.AlarmDelivery {
	t.Helper()
	var out []*streamplane.AlarmDelivery
	e.update(t, func(tx streamplane.Tx, _ streamplane.AlarmChannelStore) (err error) {
		var missing []string
		out, missing, err = Enqueue(tx, n, channels)
		if len(missing) > 0 {
			t.Errorf("channels %v missing", missing)
		}
		return err
	})
	return out
}

func (e *env) delivery(t *testing.T, id string) *streamplane.AlarmDelivery {
	t.Helper()
	var d *streamplane.AlarmDelivery
	err := e.db.View(ctx, func(tx streamplane.Tx) error {
		store, err := alarms(tx)
		if err != nil {
			return err
		}
		d, err = store.Delivery(id)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// receiver is a webhook endpoint answering from a script of status codes
// (the last one repeats) and recording what it got.
type receiver struct {
	*httptest.Server
	mu    sync.Mutex
	codes []int
	hits  []hit
	reply string // response body
}

type hit struct {
	header http.Header
	body   []byte
}

func newReceiver(t *testing.T, codes ...int) *receiver {
	r := &receiver{codes: codes}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body := readAll(t, req.Body)
		r.mu.Lock()
		r.hits = append(r.hits, hit{req.Header.Clone(), body})
		code := r.codes[0]
		if len(r.codes) > 1 {
			r.codes = r.codes[1:]
		}
		reply := r.reply
		r.mu.Unlock()
		w.WriteHeader(code)
		w.Write([]byte(reply))
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) got() []hit {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.hits)
}

func wantHits(t *testing.T, r *receiver, n int) []hit {
	t.Helper()
	got := r.got()
	if len(got) != n {
		t.Fatalf("receiver got %d requests, want %d", len(got), n)
	}
	return got
}

func TestWorkerDeliversSigned(t *testing.T) {
	e := newEnv(t)
	r := newReceiver(t, 200)
	const secret = "whsec-0123456789abcdef"
	e.webhook(t, "ops", r.URL+"/hook", secret)
	d := e.notify(t, firing(), "ops")[0]

	e.worker().DeliverDue(ctx)
	h := wantHits(t, r, 1)[0]
	if h.header.Get(HeaderDelivery) != d.ID || h.header.Get("Content-Type") != "application/json" {
		t.Fatalf("headers %v", h.header)
	}
	if !Verify(secret, h.header.Get(HeaderTimestamp), h.body, h.header.Get(HeaderSignature)) {
		t.Fatalf("signature %q does not verify", h.header.Get(HeaderSignature))
	}
	if h.header.Get(HeaderTimestamp) != "1796302800" { // the worker's clock
		t.Fatalf("timestamp %s", h.header.Get(HeaderTimestamp))
	}
	var n streamplane.AlarmNotification
	if err := json.Unmarshal(h.body, &n); err != nil {
		t.Fatal(err)
	}
	want := firing()
	if n.AlarmID != want.AlarmID || n.State != "firing" || n.RuleName != "disk" || n.InstanceName != "demo" || n.Labels["broker"] != "0" ||
		n.Value != 91.5 || n.Op != ">" || n.Threshold != 80 || n.Severity != "critical" || !n.At.Equal(want.At) {
		t.Fatalf("body %s", h.body)
	}
	got := e.delivery(t, d.ID)
	if got.Status != streamplane.DeliveryDelivered || got.Attempts != 1 || got.DeliveredAt == nil || !got.DeliveredAt.Equal(e.clock.Now()) || got.LastError != "" {
		t.Fatalf("delivery %+v", got)
	}
	e.clock.Advance(time.Hour)
	e.worker().DeliverDue(ctx)
	wantHits(t, r, 1)
}

func TestWorkerRetriesWithBackoff(t *testing.T) {
	e := newEnv(t)
	r := newReceiver(t, 500, 503, 200)
	e.webhook(t, "ops", r.URL, "")
	d := e.notify(t, firing(), "ops")[0]
	w := e.worker()
	start := e.clock.Now()

	w.DeliverDue(ctx)
	wantHits(t, r, 1)
	got := e.delivery(t, d.ID)
	if got.Status != streamplane.DeliveryPending || got.Attempts != 1 || !got.NextAttemptAt.Equal(start.Add(5*time.Second)) ||
		!strings.Contains(got.LastError, "500") {
		t.Fatalf("after a 500: %+v", got)
	}
	w.DeliverDue(ctx) // not due yet
	wantHits(t, r, 1)

	e.clock.Advance(5 * time.Second)
	w.DeliverDue(ctx)
	wantHits(t, r, 2)
	got = e.delivery(t, d.ID)
	if got.Attempts != 2 || !got.NextAttemptAt.Equal(start.Add(15*time.Second)) || !strings.Contains(got.LastError, "503") {
		t.Fatalf("after a 503: %+v", got)
	}
	e.clock.Advance(9 * time.Second)
	w.DeliverDue(ctx)
	wantHits(t, r, 2)

	e.clock.Advance(time.Second)
	w.DeliverDue(ctx)
	hits := wantHits(t, r, 3)
	got = e.delivery(t, d.ID)
	if got.Status != streamplane.DeliveryDelivered || got.Attempts != 3 || got.LastError != "" {
		t.Fatalf("after a 200: %+v", got)
	}
	for _, h := range hits {
		if h.header.Get(HeaderDelivery) != d.ID {
			t.Fatalf("a retry carries delivery id %q, want %q", h.header.Get(HeaderDelivery), d.ID)
		}
	}
}

func TestWorkerPermanentFailure(t *testing.T) {
	e := newEnv(t)
	r := newReceiver(t, 400)
	e.webhook(t, "ops", r.URL, "")
	d := e.notify(t, firing(), "ops")[0]
	w := e.worker()
	w.DeliverDue(ctx)
	got := e.delivery(t, d.ID)
	if got.Status != streamplane.DeliveryFailed || got.Attempts != 1 || !strings.Contains(got.LastError, "400") {
		t.Fatalf("after a 400: %+v", got)
	}
	e.clock.Advance(time.Hour)
	w.DeliverDue(ctx)
	wantHits(t, r, 1)
}

func TestWorkerGivesUp(t *testing.T) {
	e := newEnv(t)
	r := newReceiver(t, 502)
	e.webhook(t, "ops", r.URL, "")
	d := e.notify(t, firing(), "ops")[0]
	w := e.worker()
	for range DefaultRetry.Attempts + 2 {
		w.DeliverDue(ctx)
		e.clock.Advance(DefaultRetry.Max)
	}
	wantHits(t, r, DefaultRetry.Attempts)
	if got := e.delivery(t, d.ID); got.Status != streamplane.DeliveryFailed || got.Attempts != DefaultRetry.Attempts || !strings.Contains(got.LastError, "502") {
		t.Fatalf("after %d attempts: %+v", DefaultRetry.Attempts, got)
	}
}

func TestRetryDelay(t *testing.T) {
	var got []time.Duration
	for n := 1; n <= 10; n++ {
		got = append(got, DefaultRetry.Delay(n))
	}
	s := time.Second
	want := []time.Duration{5 * s, 10 * s, 20 * s, 40 * s, 80 * s, 160 * s, 320 * s, 600 * s, 600 * s, 600 * s}
	if !slices.Equal(got, want) {
		t.Fatalf("delays %v, want %v", got, want)
	}
}

// Deliveries live in the store: a server that stops with a delivery pending
// sends it after its restart, and a claim left by a crash expires.
func TestWorkerResumesAfterRestart(t *testing.T) {
	e := newEnv(t)
	r := newReceiver(t, 500, 200)
	e.webhook(t, "ops", r.URL, "")
	d := e.notify(t, firing(), "ops")[0]
	e.worker().DeliverDue(ctx)
	wantHits(t, r, 1)
	e.db.Close()

	e.open(t) // the server starts again
	e.clock.Advance(5 * time.Second)
	e.worker().DeliverDue(ctx)
	wantHits(t, r, 2)
	if got := e.delivery(t, d.ID); got.Status != streamplane.DeliveryDelivered || got.Attempts != 2 {
		t.Fatalf("after restart: %+v", got)
	}

	// A worker that claims a delivery and dies before sending it.
	d2 := e.notify(t, firing(), "ops")[0]
	dead := e.worker()
	dead.init()
	if jobs, err := dead.claim(ctx); err != nil || len(jobs) != 1 {
		t.Fatalf("claim: %d jobs, %v", len(jobs), err)
	}
	e.db.Close()
	e.open(t)
	w := e.worker()
	w.DeliverDue(ctx)
	wantHits(t, r, 2) // still claimed
	e.clock.Advance(10*time.Second + time.Minute)
	w.DeliverDue(ctx)
	wantHits(t, r, 3)
	if got := e.delivery(t, d2.ID); got.Status != streamplane.DeliveryDelivered || got.Attempts != 1 {
		t.Fatalf("after the claim expired: %+v", got)
	}
}

// A worker stopped in the middle of an attempt hands the delivery back
// without counting the attempt.
func TestWorkerStopMidAttempt(t *testing.T) {
	e := newEnv(t)
	arrived, release := make(chan struct{}), make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		<-release
	}))
	defer srv.Close()
	defer close(release)
	e.webhook(t, "ops", srv.URL, "")
	d := e.notify(t, firing(), "ops")[0]
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { e.worker().DeliverDue(runCtx); close(done) }()
	<-arrived
	stop()
	<-done
	got := e.delivery(t, d.ID)
	if got.Status != streamplane.DeliveryPending || got.Attempts != 0 || !got.NextAttemptAt.Equal(d.NextAttemptAt) {
		t.Fatalf("after a stop mid-attempt: %+v, want pending, no attempt, due at %v", got, d.NextAttemptAt)
	}
}

// A channel's deliveries go out in order: an alarm fires before it resolves.
func TestWorkerKeepsChannelOrder(t *testing.T) {
	e := newEnv(t)
	r := newReceiver(t, 200)
	e.webhook(t, "ops", r.URL, "")
	e.notify(t, firing(), "ops")
	resolved := firing()
	resolved.State = streamplane.AlarmResolved
	e.notify(t, resolved, "ops")
	w := e.worker()
	w.Parallel = 8
	w.DeliverDue(ctx)
	hits := wantHits(t, r, 2)
	var states []string
	for _, h := range hits {
		var n streamplane.AlarmNotification
		json.Unmarshal(h.body, &n)
		states = append(states, n.State)
	}
	if !slices.Equal(states, []string{"firing", "resolved"}) {
		t.Fatalf("receiver saw %v", states)
	}
}

func TestWorkerEmail(t *testing.T) {
	e := newEnv(t)
	relay := startSMTP(t, &smtpServer{})
	e.createChannel(t, &streamplane.AlarmChannel{Name: "oncall", Kind: streamplane.ChannelEmail, To: []string{"oncall@example.com"}}, "")
	d := e.notify(t, firing(), "oncall")[0]

	w := e.worker() // no relay configured
	w.DeliverDue(ctx)
	if got := e.delivery(t, d.ID); got.Status != streamplane.DeliveryFailed || !strings.Contains(got.LastError, "not configured") {
		t.Fatalf("without a relay: %+v", got)
	}

	d = e.notify(t, firing(), "oncall")[0]
	w = e.worker()
	w.SMTP = &SMTPConfig{Addr: relay.Addr, From: "streamplane@example.com"}
	w.DeliverDue(ctx)
	if got := e.delivery(t, d.ID); got.Status != streamplane.DeliveryDelivered {
		t.Fatalf("through the relay: %+v", got)
	}
	msgs := relay.messages()
	if len(msgs) != 1 || !slices.Equal(msgs[0].to, []string{"oncall@example.com"}) {
		t.Fatalf("relay got %+v", msgs)
	}
	m, _ := parse(t, msgs[0].data)
	if m.Header.Get("Subject") != "[critical] firing: disk on demo" || m.Header.Get("Message-ID") != "<"+d.ID+"@streamplane>" {
		t.Fatalf("headers %v", m.Header)
	}
}

// Neither the delivery log nor the server log shows a signing secret, an
// SMTP password or a token in a webhook URL, whatever the receiver answers.
func TestWorkerKeepsSecretsOut(t *testing.T) {
	e := newEnv(t)
	const (
		secret   = "whsec-topsecret-0123456789"
		token    = "tok-in-the-url-4242"
		password = "smtp-pass-topsecret-77"
	)
	echo := newReceiver(t, 500)
	echo.reply = "you sent " + secret // a receiver echoing what it got
	e.webhook(t, "echo", echo.URL+"/hook?token="+token, secret)
	gone := newReceiver(t, 200)
	e.webhook(t, "gone", gone.URL+"/hook?token="+token, secret)
	gone.Close()
	relay := startSMTP(t, &smtpServer{user: "relay-user", password: "the-right-one-000"})
	e.createChannel(t, &streamplane.AlarmChannel{Name: "mail", Kind: streamplane.ChannelEmail, To: []string{"a@example.com"}}, "")
	ds := e.notify(t, firing(), "echo", "gone", "mail")

	w := e.worker()
	w.SMTP = &SMTPConfig{Addr: relay.Addr, From: "streamplane@example.com", Username: "relay-user", Password: password}
	for range 3 {
		w.DeliverDue(ctx)
		e.clock.Advance(time.Minute)
	}
	wantHits(t, echo, 3)
	for _, d := range ds {
		got := e.delivery(t, d.ID)
		if got.LastError == "" {
			t.Errorf("delivery to %s has no error: %+v", d.ChannelID, got)
		}
		for _, s := range []string{secret, token, password} {
			if strings.Contains(got.LastError, s) {
				t.Errorf("delivery error %q shows %q", got.LastError, s)
			}
		}
	}
	logs := e.logs.String()
	if !strings.Contains(logs, "attempt failed") {
		t.Fatalf("the log has no failed attempt:\n%s", logs)
	}
	for _, s := range []string{secret, token, password} {
		if strings.Contains(logs, s) {
			t.Errorf("the log shows %q:\n%s", s, logs)
		}
	}
}

func TestWorkerRunWakes(t *testing.T) {
	e := newEnv(t)
	r := newReceiver(t, 200)
	e.webhook(t, "ops", r.URL, "")
	w := e.worker()
	w.Interval = time.Hour // only Wake makes it look again
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { w.Run(runCtx); close(done) }()
	defer func() { stop(); <-done }()

	d := e.notify(t, firing(), "ops")[0]
	w.Wake()
	deadline := time.Now().Add(10 * time.Second)
	for e.delivery(t, d.ID).Status != streamplane.DeliveryDelivered {
		if time.Now().After(deadline) {
			t.Fatalf("not delivered after Wake: %+v", e.delivery(t, d.ID))
		}
		time.Sleep(10 * time.Millisecond)
	}
	wantHits(t, r, 1)
}

func TestEnqueue(t *testing.T) {
	e := newEnv(t)
	e.webhook(t, "ops", "https://hooks.example.com/x", "")
	e.createChannel(t, &streamplane.AlarmChannel{Name: "oncall", Kind: streamplane.ChannelEmail, To: []string{"a@example.com"}}, "")
	var (
		out     []*streamplane.AlarmDelivery
		missing []string
	)
	e.update(t, func(tx streamplane.Tx, _ streamplane.AlarmChannelStore) (err error) {
		out, missing, err = Enqueue(tx, firing(), []string{"ops", "ghost", "oncall"})
		return err
	})
	if len(out) != 2 || !slices.Equal(missing, []string{"ghost"}) {
		t.Fatalf("enqueued %d, missing %v; want 2 and ghost", len(out), missing)
	}
	for _, d := range out {
		got := e.delivery(t, d.ID)
		var n streamplane.AlarmNotification
		if err := json.Unmarshal(got.Payload, &n); err != nil || got.AlarmID != "a-1" || n.RuleName != "disk" || got.Status != streamplane.DeliveryPending {
			t.Fatalf("delivery %+v (%v)", got, err)
		}
	}
}

func TestSetSecret(t *testing.T) {
	e := newEnv(t)
	c := e.webhook(t, "ops", "https://hooks.example.com/x", "whsec-0123456789abcdef")
	if !c.HasSecret {
		t.Fatal("HasSecret not set")
	}
	var raw []byte
	e.db.View(ctx, func(tx streamplane.Tx) (err error) { raw, err = tx.Secret(c.ID, streamplane.ChannelSecretName); return })
	if len(raw) == 0 || bytes.Contains(raw, []byte("whsec-0123456789abcdef")) {
		t.Fatalf("stored secret %q is not sealed", raw)
	}
	e.update(t, func(tx streamplane.Tx, store streamplane.AlarmChannelStore) error {
		if err := SetSecret(tx, e.vault, c, "short"); !streamplane.IsCode(err, streamplane.EINVALID) {
			t.Errorf("short secret: %v", err)
		}
		if err := SetSecret(tx, e.vault, c, ""); err != nil {
			return err
		}
		return store.UpdateAlarmChannel(c)
	})
	err := e.db.View(ctx, func(tx streamplane.Tx) error { _, err := tx.Secret(c.ID, streamplane.ChannelSecretName); return err })
	if c.HasSecret || !streamplane.IsCode(err, streamplane.ENOTFOUND) {
		t.Fatalf("after clearing: HasSecret %v, secret lookup %v", c.HasSecret, err)
	}
	mail := &streamplane.AlarmChannel{ID: "c-m", Name: "mail", Kind: streamplane.ChannelEmail}
	e.update(t, func(tx streamplane.Tx, _ streamplane.AlarmChannelStore) error {
		if err := SetSecret(tx, e.vault, mail, "whsec-0123456789abcdef"); !streamplane.IsCode(err, streamplane.EINVALID) {
			t.Errorf("secret on an e-mail channel: %v", err)
		}
		return nil
	})
}
