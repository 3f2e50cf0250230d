package api

import (
	"encoding/json"
	"net/http"
	"strings"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/wire"
)

// parameterRoutes: instance parameters.
var parameterRoutes = []Route{
	{"GET", "/api/v1/instances/{instance}/parameters", (*Server).handleParameterList},
	{"PATCH", "/api/v1/instances/{instance}/parameters", (*Server).handleParameterSet},
	{"POST", "/api/v1/instances/{instance}/parameters/reset", (*Server).handleParameterReset},
}

func (s *Server) handleParameterList(w http.ResponseWriter, r *http.Request) {
	list, err := s.Service.Parameters(r.Context(), r.PathValue("instance"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, streamplane.ParameterList(*list))
}

func (s *Server) handleParameterSet(w http.ResponseWriter, r *http.Request) {
	var req wire.ParameterValues
	if err := decode(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	values := map[string]string{}
	for name, raw := range req.Values {
		var str string
		if err := json.Unmarshal(raw, &str); err == nil {
			values[name] = str
			continue
		}
		text := strings.TrimSpace(string(raw))
		if text == "" || text == "null" || strings.ContainsAny(text[:1], "[{") {
			s.writeError(w, r, streamplane.Invalid(name, "the value of %s must be a string, number or boolean", name))
			return
		}
		values[name] = text
	}
	change, err := s.Service.SetParameters(r.Context(), r.PathValue("instance"), values)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, parameterChange(change))
}

func (s *Server) handleParameterReset(w http.ResponseWriter, r *http.Request) {
	var req wire.ParameterNames
	if err := decode(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	change, err := s.Service.ResetParameters(r.Context(), r.PathValue("instance"), req.Names)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, parameterChange(change))
}
