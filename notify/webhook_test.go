package notify

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestSignVerify(t *testing.T) {
	body := []byte(`{"alarm_id":"a-1","state":"firing"}`)
	sig := Sign("s3cret-s3cret-s3cret", "1700000000", body)
	// HMAC-SHA256 of "1700000000." + body under the secret, by openssl dgst -hmac.
	if want := "sha256=28b3e6a5af1d0f008dae2f16ff4cd97b7f2d2359a9fe6b65c126856ff1ec598d"; sig != want {
		t.Fatalf("signature %q, want %q", sig, want)
	}
	if !Verify("s3cret-s3cret-s3cret", "1700000000", body, sig) {
		t.Fatal("Verify refuses Sign's signature")
	}
	for name, ok := range map[string]bool{
		"other secret":    Verify("other-secret-other", "1700000000", body, sig),
		"other timestamp": Verify("s3cret-s3cret-s3cret", "1700000001", body, sig),
		"other body":      Verify("s3cret-s3cret-s3cret", "1700000000", []byte(`{"alarm_id":"a-2","state":"firing"}`), sig),
		"no prefix":       Verify("s3cret-s3cret-s3cret", "1700000000", body, strings.TrimPrefix(sig, "sha256=")),
		"not hex":         Verify("s3cret-s3cret-s3cret", "1700000000", body, "sha256=zz"),
		"empty":           Verify("s3cret-s3cret-s3cret", "1700000000", body, ""),
		"truncated":       Verify("s3cret-s3cret-s3cret", "1700000000", body, sig[:len(sig)-2]),
	} {
		if ok {
			t.Errorf("Verify accepts a signature with %s", name)
		}
	}
}

func TestWebhookRequest(t *testing.T) {
	at := time.Unix(1_800_000_000, 0)
	body := []byte(`{"alarm_id":"a-1"}`)
	var got *http.Request
	var gotBody []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, gotBody = r, readAll(t, r.Body)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	h := &Webhook{Now: func() time.Time { return at }}
	if err := h.Send(context.Background(), srv.URL+"/hook?team=kafka", "d-1", "s3cret-s3cret-s3cret", body); err != nil {
		t.Fatal(err)
	}
	if got.Method != http.MethodPost || got.URL.Path != "/hook" || got.URL.Query().Get("team") != "kafka" {
		t.Fatalf("request %s %s", got.Method, got.URL)
	}
	ts := strconv.FormatInt(at.Unix(), 10)
	if got.Header.Get("Content-Type") != "application/json" || got.Header.Get(HeaderDelivery) != "d-1" || got.Header.Get(HeaderTimestamp) != ts {
		t.Fatalf("headers %v", got.Header)
	}
	if string(gotBody) != string(body) || !Verify("s3cret-s3cret-s3cret", ts, gotBody, got.Header.Get(HeaderSignature)) {
		t.Fatalf("body %q with signature %q does not verify", gotBody, got.Header.Get(HeaderSignature))
	}

	// Without a secret there is no signature header.
	if err := h.Send(context.Background(), srv.URL, "d-2", "", body); err != nil {
		t.Fatal(err)
	}
	if _, ok := got.Header[HeaderSignature]; ok {
		t.Fatalf("unsigned channel sent %s: %q", HeaderSignature, got.Header.Get(HeaderSignature))
	}
}

func readAll(t *testing.T, r io.Reader) []byte {
	t.Helper()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Error(err)
	}
	return b
}

func TestWebhookAnswers(t *testing.T) {
	for _, tt := range []struct {
		code           int
		ok, permanent  bool
		messageHasCode bool
	}{
		{200, true, false, false},
		{202, true, false, false},
		{204, true, false, false},
		{301, false, true, true},
		{307, false, true, true},
		{400, false, true, true},
		{401, false, true, true},
		{404, false, true, true},
		{408, false, false, true},
		{429, false, false, true},
		{500, false, false, true},
		{502, false, false, true},
		{503, false, false, true},
	} {
		redirected := false
		mux := http.NewServeMux()
		mux.HandleFunc("/elsewhere", func(w http.ResponseWriter, r *http.Request) { redirected = true })
		mux.HandleFunc("/hook", func(w http.ResponseWriter, r *http.Request) {
			if tt.code >= 300 && tt.code < 400 {
				http.Redirect(w, r, "/elsewhere", tt.code)
				return
			}
			w.WriteHeader(tt.code)
		})
		srv := httptest.NewServer(mux)
		err := (&Webhook{Now: time.Now}).Send(context.Background(), srv.URL+"/hook", "d-1", "", []byte(`{}`))
		srv.Close()
		if (err == nil) != tt.ok || IsPermanent(err) != tt.permanent {
			t.Errorf("answer %d: err %v (permanent %v), want ok %v permanent %v", tt.code, err, IsPermanent(err), tt.ok, tt.permanent)
		}
		if err != nil && tt.messageHasCode && !strings.Contains(err.Error(), strconv.Itoa(tt.code)) {
			t.Errorf("answer %d: error %q does not name the status", tt.code, err)
		}
		if redirected {
			t.Errorf("answer %d: the redirect was followed", tt.code)
		}
	}
}

func TestWebhookUnreachable(t *testing.T) {
	// A receiver that never answers: the attempt ends with its context.
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-block }))
	defer srv.Close()
	defer close(block)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	err := (&Webhook{Now: time.Now}).Send(ctx, srv.URL+"/hook?token=tok-in-url", "d-1", "", []byte(`{}`))
	if err == nil || IsPermanent(err) || !strings.Contains(err.Error(), "in time") {
		t.Fatalf("silent receiver: %v, want a retryable timeout", err)
	}

	// A closed port: retryable, and the URL (with its token) is not in the error.
	closed := httptest.NewServer(http.NotFoundHandler())
	url := closed.URL + "/hook?token=tok-in-url"
	closed.Close()
	err = (&Webhook{Now: time.Now}).Send(context.Background(), url, "d-1", "", []byte(`{}`))
	if err == nil || IsPermanent(err) {
		t.Fatalf("closed port: %v, want a retryable error", err)
	}
	if strings.Contains(err.Error(), "tok-in-url") {
		t.Fatalf("error %q shows the URL's token", err)
	}
}
