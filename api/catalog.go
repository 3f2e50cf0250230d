package api

import (
	"net/http"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/wire"
)

func (s *Server) handleFlavors(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, wire.FlavorList{Flavors: streamplane.Flavors()})
}

func (s *Server) handleZones(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, wire.ZoneList{Zones: s.Service.Provisioner.Zones()})
}

func (s *Server) handleRuntimeList(w http.ResponseWriter, r *http.Request) {
	var list wire.RuntimeList
	for _, rt := range s.Service.RuntimeList(r.Context()) {
		list.Runtimes = append(list.Runtimes, runtimeOf(rt))
	}
	writeJSON(w, http.StatusOK, list)
}

func (s *Server) handleRuntimeInstall(w http.ResponseWriter, r *http.Request) {
	t, err := s.Service.InstallRuntime(r.Context(), r.PathValue("version"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, wire.TaskAccepted{Task: t})
}
