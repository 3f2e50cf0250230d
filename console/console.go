// Package console is the web console served by `streamplane server`:
// server-rendered pages (html/template), htmx for partial updates and uPlot
// for charts, all embedded in the binary.
//
// The console has no rules of its own. Every page reads and changes through
// the REST API's handler, in process, with the signed-in user's token: the
// API's validation, authorisation, tasks and audit trail are the console's
// too, and a page can show only what the caller's policies let the API
// answer.
package console

import (
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/client"
)

// Server serves the console.
type Server struct {
	API http.Handler // the REST API's handler (api.Server.Handler)
	Log *slog.Logger
}

// page is one entry of the console's route table.
type page struct {
	Method  string
	Pattern string // Go 1.22 ServeMux pattern
	handler func(s *Server, c *call) error
}

// pages is the whole console, one group per area; each area's file holds
// its group and its handlers.
var pages = slices.Concat(corePages, instancePages, brokerPages, taskPages, topicPages, reassignPages, messagePages, groupPages, metricPages, alarmPages, migrationPages,
	kafkaAccessPages, iamPages, auditPages)

// Handler returns the console's handler. Every path outside /api/,
// /metrics and /healthz reaches it.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /static/", staticHandler())
	mux.HandleFunc("GET /login", s.handleLoginForm)
	mux.HandleFunc("POST /login", s.handleLogin)
	for _, p := range pages {
		mux.Handle(p.Method+" "+p.Pattern, s.signedIn(p.handler))
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		c, ok := s.session(w, r)
		if !ok {
			return
		}
		s.renderError(c, streamplane.Errorf(streamplane.ENOTFOUND, "no such page: %s", r.URL.Path))
	})
	return securityHeaders(http.NewCrossOriginProtection().Handler(mux))
}

// maxFormBytes bounds a posted form: a certificate chain or a message body
// to send is the largest thing one holds.
const maxFormBytes = 4 << 20

// signedIn runs a page for a signed-in caller whose unsafe requests carry
// the session's CSRF token.
func (s *Server) signedIn(h func(*Server, *call) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, ok := s.session(w, r)
		if !ok {
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			// Parsed here, bounded, whether the CSRF token comes in the
			// form or (from htmx) in a header: handlers read c.r.PostForm.
			r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
			if err := r.ParseMultipartForm(maxFormBytes); err != nil && !errors.Is(err, http.ErrNotMultipart) {
				s.renderError(c, streamplane.Invalid("", "the form could not be read: %v", err))
				return
			}
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead && !c.csrfValid() {
			s.renderError(c, streamplane.Errorf(streamplane.EDENIED, "the form is stale or came from another site (CSRF token missing or wrong): reload the page and try again"))
			return
		}
		if err := h(s, c); err != nil {
			s.renderError(c, err)
		}
	})
}

// securityHeaders sets what every answer carries: a strict
// Content-Security-Policy (no inline script or style, nothing from other
// origins), no framing, no MIME sniffing, no referrer to other sites.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// redirect sends the browser to path after a change: a plain 303 for a
// form post, HX-Location for an htmx request so it swaps the page in
// without a reload.
func redirect(c *call, path string) error {
	if c.r.Header.Get("HX-Request") == "true" {
		c.w.Header().Set("HX-Location", path)
		c.w.WriteHeader(http.StatusNoContent)
		return nil
	}
	http.Redirect(c.w, c.r, path, http.StatusSeeOther)
	return nil
}

// httpStatus is the status the API answered err with, 500 for anything else.
func httpStatus(err error) int {
	var e *client.Error
	if errors.As(err, &e) {
		return e.StatusCode
	}
	return http.StatusInternalServerError
}

// localPath keeps a redirect target on this site: a path, not a URL.
func localPath(next string) string {
	u, err := url.Parse(next)
	if err != nil || u.IsAbs() || u.Host != "" || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(next, "//") || strings.Contains(next, `\`) {
		return "/"
	}
	return u.RequestURI()
}
