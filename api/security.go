package api

import (
	"context"
	"fmt"
	"net/http"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/service"
	"github.com/streamplane/streamplane/wire"
)

// securityRoutes: certificates, mutual TLS and public access.
var securityRoutes = []Route{
	{"GET", "/api/v1/instances/{instance}/certificate", (*Server).handleCertificateGet},
	{"PUT", "/api/v1/instances/{instance}/certificate", (*Server).handleCertificateReplace},
	{"POST", "/api/v1/instances/{instance}/client-certificates", (*Server).handleClientCertificate},
	{"PUT", "/api/v1/instances/{instance}/public-access", (*Server).handlePublicAccess},
	{"PUT", "/api/v1/instances/{instance}/mutual-tls", (*Server).handleMutualTLS},
}

// writeBundle sends a file to download.
func writeBundle(w http.ResponseWriter, b *service.Bundle) {
	w.Header().Set("Content-Type", b.ContentType)
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, b.Filename))
	w.WriteHeader(http.StatusOK)
	w.Write(b.Data)
}

// handleCertificateGet serves what clients must trust. The store password
// is not secret (a truststore holds public certificates), so it may ride in
// the query.
func (s *Server) handleCertificateGet(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	format := q.Get("format")
	if !q.Has("format") {
		format = "pem" // an empty format=, like any other, is refused
	}
	b, err := s.Service.CertificateBundle(r.Context(), r.PathValue("instance"), format, q.Get("password"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeBundle(w, b)
}

func (s *Server) handleCertificateReplace(w http.ResponseWriter, r *http.Request) {
	match, err := ifMatch(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var up streamplane.CertificateUpload
	if err := decode(r, &up); err != nil {
		s.writeError(w, r, err)
		return
	}
	t, err := s.Service.ReplaceCertificate(r.Context(), r.PathValue("instance"), service.CertificateUpload(up), match)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, wire.TaskAccepted{Task: t})
}

func (s *Server) handleClientCertificate(w http.ResponseWriter, r *http.Request) {
	var req wire.ClientCertificateRequest
	if err := decode(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if req.Format == "" {
		req.Format = "pkcs12"
	}
	b, err := s.Service.IssueClientCertificate(r.Context(), r.PathValue("instance"), req.CN, req.Format, req.Password)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeBundle(w, b)
}

func (s *Server) handlePublicAccess(w http.ResponseWriter, r *http.Request) {
	s.setToggle(w, r, s.Service.SetPublicAccess)
}

func (s *Server) handleMutualTLS(w http.ResponseWriter, r *http.Request) {
	s.setToggle(w, r, s.Service.SetMutualTLS)
}

// setToggle turns an instance setting on or off with set.
func (s *Server) setToggle(w http.ResponseWriter, r *http.Request,
	set func(ctx context.Context, instance string, enabled bool, match *int64) (*streamplane.Task, error)) {
	match, err := ifMatch(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var t wire.Toggle
	if err := decode(r, &t); err != nil {
		s.writeError(w, r, err)
		return
	}
	if t.Enabled == nil {
		s.writeError(w, r, streamplane.Invalid("enabled", "enabled (true or false) is required"))
		return
	}
	task, err := set(r.Context(), r.PathValue("instance"), *t.Enabled, match)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, wire.TaskAccepted{Task: task})
}
