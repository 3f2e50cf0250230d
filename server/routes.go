package server

import (
	"net/http"

	"github.com/streamplane/streamplane/console"
)

// routes splits the server's paths: the REST API (with /metrics and
// /healthz) and, for every other path, the web console.
func routes(apiHandler http.Handler, con *console.Server) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/api/", apiHandler)
	mux.Handle("/metrics", apiHandler)
	mux.Handle("/healthz", apiHandler)
	mux.Handle("/", con.Handler())
	return mux
}
