// Package api is the REST API under /api/v1: one route table, JSON in and
// out, the error envelope of DESIGN.md, 202 with a task for anything that
// changes an instance. The OpenAPI document it serves is openapi.json.
package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/identity"
	"github.com/streamplane/streamplane/service"
	"github.com/streamplane/streamplane/wire"
)

// Server serves the API.
type Server struct {
	Service  *service.Service
	Identity *identity.Service
	Log      *slog.Logger
	// Latest gives /metrics the last collection (nil: it serves nothing).
	Latest LatestMetrics
}

// Route is one entry of the route table.
type Route struct {
	Method  string
	Pattern string // Go 1.22 ServeMux pattern path
	handler func(s *Server, w http.ResponseWriter, r *http.Request)
}

// Routes is the whole REST surface, one group per resource. The OpenAPI
// test checks openapi.json against it, both ways.
var Routes = slices.Concat(coreRoutes, topicRoutes, groupRoutes, messageRoutes, parameterRoutes, securityRoutes, userRoutes, quotaRoutes,
	identityRoutes, projectRoutes, auditRoutes, upgradeRoutes, metricRoutes, alarmRoutes, alarmChannelRoutes,
	migrationRoutes, inventoryRoutes)

var coreRoutes = []Route{
	{"GET", "/api/v1/openapi.json", (*Server).handleOpenAPI},
	{"GET", "/api/v1/flavors", (*Server).handleFlavors},
	{"GET", "/api/v1/zones", (*Server).handleZones},
	{"GET", "/api/v1/runtimes", (*Server).handleRuntimeList},
	{"POST", "/api/v1/runtimes/{version}/install", (*Server).handleRuntimeInstall},
	{"GET", "/api/v1/instances", (*Server).handleInstanceList},
	{"POST", "/api/v1/instances", (*Server).handleInstanceCreate},
	{"POST", "/api/v1/instances/clear-failed", (*Server).handleInstanceClearFailed},
	{"GET", "/api/v1/instances/{instance}", (*Server).handleInstanceGet},
	{"PATCH", "/api/v1/instances/{instance}", (*Server).handleInstanceUpdate},
	{"DELETE", "/api/v1/instances/{instance}", (*Server).handleInstanceDelete},
	{"POST", "/api/v1/instances/{instance}/restart", (*Server).handleInstanceRestart},
	{"POST", "/api/v1/instances/{instance}/change-flavor", startsTask((*service.Service).ChangeFlavor)},
	{"POST", "/api/v1/instances/{instance}/scale", startsTask((*service.Service).Scale)},
	{"POST", "/api/v1/instances/{instance}/advertise", startsTask((*service.Service).Advertise)},
	{"POST", "/api/v1/instances/{instance}/expand-storage", startsTask((*service.Service).ExpandStorage)},
	{"GET", "/api/v1/instances/{instance}/tasks", (*Server).handleInstanceTasks},
	{"GET", "/api/v1/instances/{instance}/brokers/{broker}/log", (*Server).handleBrokerLog},
	{"GET", "/api/v1/tasks", (*Server).handleTaskList},
	{"GET", "/api/v1/tasks/{task}", (*Server).handleTaskGet},
	{"DELETE", "/api/v1/tasks/{task}", (*Server).handleTaskDelete},
}

// Handler returns the HTTP handler for the API and the health check.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range Routes {
		h := rt.handler
		mux.HandleFunc(rt.Method+" "+rt.Pattern, s.guard(rt.Method, rt.Pattern, func(w http.ResponseWriter, r *http.Request) { h(s, w, r) }))
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, wire.Health{Status: "ok"})
	})
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		if allow := allowedMethods(mux, r); len(allow) > 0 {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			s.writeError(w, r, streamplane.Errorf(codeMethodNotAllowed, "%s %s is not served; this path takes %s", r.Method, r.URL.Path, strings.Join(allow, ", ")))
			return
		}
		s.writeError(w, r, streamplane.Errorf(streamplane.ENOTFOUND, "no such endpoint: %s %s", r.Method, r.URL.Path))
	})
	return s.middleware(mux)
}

// allowedMethods lists the methods the route table serves on r's path (HEAD
// with GET, as the mux does). The catch-all /api/ route matches every method,
// so the mux's own 405 never fires: this asks it, method by method, which
// route a request for the same path would reach. Where a literal path and a
// wildcard one both match (/instances/clear-failed, /instances/{instance}),
// only the literal path's methods count, as in the OpenAPI document.
func allowedMethods(mux *http.ServeMux, r *http.Request) []string {
	var allow []string
	fewest := -1 // wildcards in the most literal matching route
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		probe := &http.Request{Method: m, URL: r.URL, Host: r.Host, Header: http.Header{}}
		_, pattern := mux.Handler(probe)
		method, path, _ := strings.Cut(pattern, " ")
		if method != m && (m != http.MethodHead || method != http.MethodGet) {
			continue
		}
		switch wildcards := strings.Count(path, "{"); {
		case fewest == -1 || wildcards < fewest:
			fewest, allow = wildcards, []string{m}
		case wildcards == fewest:
			allow = append(allow, m)
		}
	}
	return allow
}

type ctxKey int

const requestIDKey ctxKey = 0

func requestID(r *http.Request) string {
	id, _ := r.Context().Value(requestIDKey).(string)
	return id
}

// middleware gives every request an id, recovers panics as internal errors
// and logs each request.
func (s *Server) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		buf := make([]byte, 8)
		rand.Read(buf)
		id := hex.EncodeToString(buf)
		r = r.WithContext(context.WithValue(r.Context(), requestIDKey, id))
		w.Header().Set("X-Request-Id", id)
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		start := time.Now()
		defer func() {
			if p := recover(); p != nil {
				s.writeError(rec, r, fmt.Errorf("handler panicked: %v", p))
			}
			s.Log.Debug("request", "method", r.Method, "path", r.URL.Path, "status", rec.status, "duration", time.Since(start), "request_id", id)
		}()
		next.ServeHTTP(rec, r)
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}
