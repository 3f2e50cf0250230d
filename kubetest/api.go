package kubetest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// Client is an HTTP client that authenticates as the administrator and
// trusts the cluster's CA, for requests to URL.
func (c *Cluster) Client() *http.Client { return c.client }

// Do sends a request as the administrator to path (such as
// /api/v1/namespaces) with body, if not nil, as JSON, and decodes a 2xx
// answer into out, if not nil. Any other status is an *APIError.
func (c *Cluster) Do(ctx context.Context, method, path string, body, out any) error {
	return do(ctx, c.client, c.url, method, path, body, out)
}

// APIError is an answer of the API server that is not 2xx.
type APIError struct {
	Method, Path string
	StatusCode   int
	// Status is the decoded metav1.Status, when the body is one.
	Status struct {
		Reason  string `json:"reason"`
		Message string `json:"message"`
	}
	Body string
}

func (e *APIError) Error() string {
	if e.Status.Message != "" {
		return fmt.Sprintf("%s %s: %d %s: %s", e.Method, e.Path, e.StatusCode, e.Status.Reason, e.Status.Message)
	}
	return fmt.Sprintf("%s %s: %d: %s", e.Method, e.Path, e.StatusCode, e.Body)
}

// IsNotFound says whether err is the API server's 404.
func IsNotFound(err error) bool {
	var e *APIError
	return errors.As(err, &e) && e.StatusCode == http.StatusNotFound
}

// do is Cluster.Do for any client, so that tests can send the same
// requests as another identity (a node's).
func do(ctx context.Context, client *http.Client, base, method, path string, body, out any) error {
	var r io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("kubetest: %s %s: %w", method, path, err)
		}
		r = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, base+path, r)
	if err != nil {
		return fmt.Errorf("kubetest: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("kubetest: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("kubetest: %s %s: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		e := &APIError{Method: method, Path: path, StatusCode: resp.StatusCode, Body: string(data)}
		json.Unmarshal(data, &e.Status) // not every answer is a Status
		return e
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("kubetest: %s %s: decode the answer: %w", method, path, err)
	}
	return nil
}

// get GETs an API path as the admin and wants 200.
func (c *Cluster) get(ctx context.Context, path string) error {
	return getOK(ctx, c.client, c.url+path)
}

func getOK(ctx context.Context, client *http.Client, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s: %s", url, resp.Status, body)
	}
	return nil
}
