package console

import (
	"bytes"
	"io"
	"net/http"

	"github.com/streamplane/streamplane/client"
)

// apiClient is an API client that calls the API's handler in this process,
// as the browser's request: with its token and from its address, so the
// audit trail records where the change came from.
func (s *Server) apiClient(r *http.Request, token string) *client.Client {
	c := client.New("http://console.internal")
	c.Token = token
	c.HTTP.Transport = inProcess{api: s.API, remoteAddr: r.RemoteAddr}
	return c
}

// inProcess is an http.RoundTripper that serves a request with a handler.
type inProcess struct {
	api        http.Handler
	remoteAddr string
}

func (t inProcess) RoundTrip(req *http.Request) (*http.Response, error) {
	in := req.Clone(req.Context())
	in.RequestURI = req.URL.RequestURI()
	in.RemoteAddr = t.remoteAddr
	if in.Body == nil {
		in.Body = http.NoBody
	}
	rec := &recorder{header: http.Header{}}
	t.api.ServeHTTP(rec, in)
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	return &http.Response{
		Status: http.StatusText(rec.status), StatusCode: rec.status,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: rec.header, Body: io.NopCloser(&rec.body), ContentLength: int64(rec.body.Len()),
		Request: req,
	}, nil
}

// recorder keeps a handler's answer in memory.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(p)
}
