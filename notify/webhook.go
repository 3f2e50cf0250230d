package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Headers of a webhook request.
const (
	HeaderDelivery  = "X-Streamplane-Delivery"  // the delivery's id: the same on every retry, for receivers to drop repeats
	HeaderTimestamp = "X-Streamplane-Timestamp" // unix seconds of the attempt
	HeaderSignature = "X-Streamplane-Signature" // "sha256=" + hex HMAC-SHA256(secret, timestamp + "." + body)
)

const signaturePrefix = "sha256="

// Sign returns the signature header value for a body sent at timestamp.
func Sign(secret, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(timestamp))
	mac.Write([]byte("."))
	mac.Write(body)
	return signaturePrefix + hex.EncodeToString(mac.Sum(nil))
}

// Verify reports whether header is the signature of body sent at timestamp
// under secret. Receivers should also refuse timestamps far from their
// clock, so a captured request cannot be replayed later.
func Verify(secret, timestamp string, body []byte, header string) bool {
	hexSum, ok := strings.CutPrefix(header, signaturePrefix)
	if !ok {
		return false
	}
	got, err := hex.DecodeString(hexSum)
	if err != nil {
		return false
	}
	want, _ := hex.DecodeString(strings.TrimPrefix(Sign(secret, timestamp, body), signaturePrefix))
	return hmac.Equal(got, want)
}

// Webhook posts notifications as JSON.
type Webhook struct {
	// Client sends the requests; nil means http.DefaultTransport. Redirects
	// are refused either way: a signed body must not be replayed elsewhere.
	Client *http.Client
	Now    func() time.Time
}

// Send posts body to rawURL once. The context bounds the attempt. A 2xx
// answer is success; a redirect, or a 4xx other than 408 and 429, is a
// permanent failure; anything else may succeed on a retry.
func (h *Webhook) Send(ctx context.Context, rawURL, deliveryID, secret string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, rawURL, bytes.NewReader(body))
	if err != nil {
		return permanent("webhook URL is not usable")
	}
	ts := strconv.FormatInt(h.Now().Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "streamplane-notify")
	req.Header.Set(HeaderDelivery, deliveryID)
	req.Header.Set(HeaderTimestamp, ts)
	if secret != "" {
		req.Header.Set(HeaderSignature, Sign(secret, ts, body))
	}
	resp, err := h.client().Do(req)
	if err != nil {
		return transportError(ctx, err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused
	return statusError(resp.StatusCode)
}

func (h *Webhook) client() *http.Client {
	c := &http.Client{}
	if h.Client != nil {
		*c = *h.Client
	}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return c
}

// statusError classifies a webhook's answer.
func statusError(code int) error {
	text := strconv.Itoa(code)
	if s := http.StatusText(code); s != "" {
		text += " " + s
	}
	switch {
	case code >= 200 && code < 300:
		return nil
	case code >= 300 && code < 400:
		return permanent("webhook answered %s: redirects are not followed; point the channel at the final URL", text)
	case code == http.StatusRequestTimeout || code == http.StatusTooManyRequests:
		return retryable("webhook answered %s", text)
	case code >= 400 && code < 500:
		return permanent("webhook refused the notification: %s", text)
	}
	return retryable("webhook answered %s", text)
}

// transportError describes a request that got no answer. The request's URL
// is left out: it may hold a token.
func transportError(ctx context.Context, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
		return retryable("webhook did not answer in time")
	}
	return retryable("webhook unreachable: %v", err)
}
