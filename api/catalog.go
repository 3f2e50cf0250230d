package api

import (
	"net/http"

	streamplane "github.com/streamplane/streamplane"
)

func (s *Server) handleFlavors(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"flavors": streamplane.Flavors()})
}

func (s *Server) handleZones(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"zones": s.Service.Provisioner.Zones()})
}

func (s *Server) handleRuntimeList(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"runtimes": s.Service.RuntimeList(r.Context())})
}

func (s *Server) handleRuntimeInstall(w http.ResponseWriter, r *http.Request) {
	t, err := s.Service.InstallRuntime(r.Context(), r.PathValue("version"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"task": t})
}
