package api

import (
	"net/http"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/service"
	"github.com/streamplane/streamplane/wire"
)

// inventoryRoutes: the inventory of a source cluster, read before a
// migration. It concerns no instance: the server connects to the cluster
// the caller names, reads it over a sample and answers, keeping nothing.
var inventoryRoutes = []Route{
	{"POST", "/api/v1/migration-inventory", (*Server).handleInventory},
}

// maxSampleSeconds is the longest sample a request may ask for.
const maxSampleSeconds = int(service.MaxInventorySample / time.Second)

func (s *Server) handleInventory(w http.ResponseWriter, r *http.Request) {
	var req wire.InventoryRequest
	if err := decode(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	// Absent is the service's default; an explicit 0 is a mistake, not a
	// request for the default, and a huge value must not overflow into a
	// valid duration.
	var sample time.Duration
	if n := req.SampleSeconds; n != nil {
		if *n < 1 || *n > maxSampleSeconds {
			s.writeError(w, r, streamplane.Invalid("sample_seconds", "must be 1–%d seconds, not %d", maxSampleSeconds, *n))
			return
		}
		sample = time.Duration(*n) * time.Second
	}
	inv, err := s.Service.Inventory(r.Context(), req.Source.Source(), sample)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// Lists are lists, empty or not: the document promises arrays.
	inv.Topics, inv.Groups, inv.ACLs = orEmpty(inv.Topics), orEmpty(inv.Groups), orEmpty(inv.ACLs)
	for i := range inv.Groups {
		inv.Groups[i].Topics = orEmpty(inv.Groups[i].Topics)
	}
	writeJSON(w, http.StatusOK, inv)
}
