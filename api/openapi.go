package api

import (
	_ "embed"
	"net/http"
)

// OpenAPI is the committed OpenAPI 3 document of this API.
//
//go:embed openapi.json
var OpenAPI []byte

func (s *Server) handleOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Write(OpenAPI)
}
