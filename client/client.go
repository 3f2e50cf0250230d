// Package client is the public Go client of the Streamplane REST API. The CLI,
// the console's tests and the end-to-end tests all use it.
package client

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/wire"
)

// Client calls one Streamplane server.
type Client struct {
	BaseURL string // e.g. http://127.0.0.1:8080
	HTTP    *http.Client
	// Token is the API token sent as "Authorization: Bearer"; empty sends
	// none (only login, the OpenAPI document and /healthz take that).
	Token string
}

// New returns a client for the server at baseURL.
func New(baseURL string) *Client {
	return &Client{BaseURL: strings.TrimRight(baseURL, "/"), HTTP: &http.Client{Timeout: 60 * time.Second}}
}

// Options are what NewWithOptions sets beyond the server's URL.
type Options struct {
	Token string // sent as "Authorization: Bearer"
	// CAFile is a PEM file of certificates to trust for an https server,
	// on top of the system's roots: the server's own self-signed
	// certificate, or the CA that issued it.
	CAFile string
}

// NewWithOptions returns a client for the server at baseURL with a token
// and the certificates to trust.
func NewWithOptions(baseURL string, opt Options) (*Client, error) {
	c := New(baseURL)
	c.Token = opt.Token
	if opt.CAFile != "" {
		roots, err := certPool(opt.CAFile)
		if err != nil {
			return nil, err
		}
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: roots}
		c.HTTP.Transport = t
	}
	return c, nil
}

// certPool is the system's roots with the certificates of a PEM file added.
func certPool(file string) (*x509.CertPool, error) {
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("CA file: %w", err)
	}
	roots, err := x509.SystemCertPool()
	if err != nil {
		roots = x509.NewCertPool()
	}
	if !roots.AppendCertsFromPEM(raw) {
		return nil, fmt.Errorf("CA file %s holds no PEM certificate", file)
	}
	return roots, nil
}

// Error is an error answer from the server: the HTTP status and the
// application error of the envelope.
type Error struct {
	StatusCode int
	App        streamplane.Error
	RequestID  string
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("%s (HTTP %d): %s", e.App.Code, e.StatusCode, e.App.Message)
	if e.App.Field != "" {
		msg += " [field " + e.App.Field + "]"
	}
	return msg
}

// Unwrap exposes the application error to errors.As and streamplane.ErrorCode.
func (e *Error) Unwrap() error { return &e.App }

// request options.
type reqOpt func(*http.Request)

// withoutToken sends no token, for a request that signs in.
func withoutToken(r *http.Request) { r.Header.Del("Authorization") }

// IfMatch sends an If-Match header with a resource version.
func IfMatch(version int64) reqOpt {
	return func(r *http.Request) { r.Header.Set("If-Match", strconv.Quote(strconv.FormatInt(version, 10))) }
}

func (c *Client) do(ctx context.Context, method, path string, query url.Values, body, out any, opts ...reqOpt) (*http.Response, error) {
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(raw)
	}
	u := c.BaseURL + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	for _, o := range opts {
		o(req)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, fmt.Errorf("cannot reach the Streamplane server at %s: %w", c.BaseURL, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp, err
	}
	if resp.StatusCode >= 400 {
		var env wire.ErrorEnvelope
		if json.Unmarshal(raw, &env) != nil || env.Error.Code == "" {
			return resp, &Error{StatusCode: resp.StatusCode, App: streamplane.Error{Code: streamplane.EINTERNAL, Message: strings.TrimSpace(string(raw))}}
		}
		return resp, &Error{StatusCode: resp.StatusCode, RequestID: env.Error.RequestID, App: *env.Error.AppError()}
	}
	if resp.StatusCode == http.StatusAccepted && !expectsTask(out) {
		var env wire.TaskAccepted
		if json.Unmarshal(raw, &env) == nil && env.Task != nil {
			return resp, &StillRunning{Task: env.Task}
		}
	}
	if out != nil {
		if s, ok := out.(*string); ok {
			*s = string(raw)
		} else if err := json.Unmarshal(raw, out); err != nil {
			return resp, fmt.Errorf("decode %s %s: %w", method, path, err)
		}
	}
	return resp, nil
}

// setPage adds a page of a list to q: its offset and limit, each if given.
func setPage(q url.Values, offset, limit int) {
	if offset > 0 {
		q.Set("offset", strconv.Itoa(offset))
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
}

// csv returns the list at path, filtered by q, as the server's CSV export.
func (c *Client) csv(ctx context.Context, path string, q url.Values) (string, error) {
	q.Set("format", "csv")
	var out string
	_, err := c.do(ctx, "GET", path, q, nil, &out)
	return out, err
}

// IsNotFound reports whether err is a NOT_FOUND answer.
func IsNotFound(err error) bool { return streamplane.ErrorCode(err) == streamplane.ENOTFOUND }
