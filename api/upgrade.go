package api

import (
	"net/http"

	"github.com/streamplane/streamplane/service"
	"github.com/streamplane/streamplane/wire"
)

// upgradeRoutes move an instance between Kafka versions (issue 9).
var upgradeRoutes = []Route{
	{"POST", "/api/v1/instances/{instance}/upgrade", startsTask((*service.Service).UpgradeInstance)},
	{"POST", "/api/v1/instances/{instance}/finalize-upgrade", (*Server).handleInstanceFinalizeUpgrade},
	{"POST", "/api/v1/instances/{instance}/rollback-upgrade", (*Server).handleInstanceRollbackUpgrade},
}

func (s *Server) handleInstanceFinalizeUpgrade(w http.ResponseWriter, r *http.Request) {
	match, err := ifMatch(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	t, err := s.Service.FinalizeUpgrade(r.Context(), r.PathValue("instance"), match)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, wire.TaskAccepted{Task: t})
}

func (s *Server) handleInstanceRollbackUpgrade(w http.ResponseWriter, r *http.Request) {
	match, err := ifMatch(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	t, err := s.Service.RollbackUpgrade(r.Context(), r.PathValue("instance"), match)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, wire.TaskAccepted{Task: t})
}
