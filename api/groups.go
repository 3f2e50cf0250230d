package api

import (
	"net/http"
	"strconv"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/wire"
)

// groupRoutes: consumer groups.
var groupRoutes = []Route{
	{"GET", "/api/v1/instances/{instance}/groups", (*Server).handleGroupList},
	{"POST", "/api/v1/instances/{instance}/groups/delete", (*Server).handleGroupBatchDelete},
	{"GET", "/api/v1/instances/{instance}/groups/{group}", (*Server).handleGroupGet},
	{"DELETE", "/api/v1/instances/{instance}/groups/{group}", (*Server).handleGroupDelete},
	{"POST", "/api/v1/instances/{instance}/groups/{group}/reset-offsets", (*Server).handleGroupResetOffsets},
}

func (s *Server) handleGroupList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := streamplane.GroupFilter{Name: q.Get("name")}
	csv, err := wantCSV(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if f.States, err = listParam(q, "state", streamplane.GroupStates); err != nil {
		s.writeError(w, r, err)
		return
	}
	if f.Offset, f.Limit, err = paging(q, 100, 1000); err != nil {
		s.writeError(w, r, err)
		return
	}
	list, total, err := s.Service.Groups(r.Context(), r.PathValue("instance"), f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if list == nil {
		list = []streamplane.Group{}
	}
	if csv {
		writeGroupsCSV(w, list)
		return
	}
	writeJSON(w, http.StatusOK, wire.GroupList{Groups: list, Total: total, Offset: f.Offset, Limit: f.Limit})
}

func writeGroupsCSV(w http.ResponseWriter, list []streamplane.Group) {
	cw := startCSV(w, "groups")
	cw.Write([]string{"group", "state", "kafka_state", "type", "coordinator", "members", "lag", "error"})
	for _, g := range list {
		cw.Write([]string{csvSafe(g.Name), string(g.State), g.KafkaState, g.Type, strconv.Itoa(int(g.Coordinator)),
			strconv.Itoa(g.MemberCount), strconv.FormatInt(g.Lag, 10), csvSafe(g.Error)})
	}
	cw.Flush()
}

func (s *Server) handleGroupGet(w http.ResponseWriter, r *http.Request) {
	g, err := s.Service.Group(r.Context(), r.PathValue("instance"), r.PathValue("group"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, g)
}

func (s *Server) handleGroupResetOffsets(w http.ResponseWriter, r *http.Request) {
	var req streamplane.OffsetResetRequest
	if err := decode(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	out, err := s.Service.ResetOffsets(r.Context(), r.PathValue("instance"), r.PathValue("group"), req)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleGroupDelete(w http.ResponseWriter, r *http.Request) {
	results, err := s.Service.DeleteGroups(r.Context(), r.PathValue("instance"), []string{r.PathValue("group")})
	if err == nil && len(results) == 1 {
		err = results[0].Err
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// handleGroupBatchDelete deletes several groups. It answers 200 with one
// outcome per group, deleted or refused with the error a single deletion
// would have got; the whole request fails only when the instance refuses
// it (busy, not running) or the list itself is wrong.
func (s *Server) handleGroupBatchDelete(w http.ResponseWriter, r *http.Request) {
	var req wire.GroupDeleteRequest
	if err := decode(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	results, err := s.Service.DeleteGroups(r.Context(), r.PathValue("instance"), req.Groups)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]wire.GroupDeletion, len(results))
	for i, res := range results {
		out[i] = wire.GroupDeletion{Group: res.Group, Deleted: res.Err == nil}
		if res.Err != nil {
			detail := s.errorDetail(r, res.Err)
			out[i].Error = &detail
		}
	}
	writeJSON(w, http.StatusOK, wire.GroupDeleteResults{Results: out})
}
