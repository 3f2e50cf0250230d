package api

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/wire"
)

func (s *Server) handleInstanceCreate(w http.ResponseWriter, r *http.Request) {
	var spec streamplane.InstanceSpec
	if err := decode(r, &spec); err != nil {
		s.writeError(w, r, err)
		return
	}
	inst, t, err := s.Service.CreateInstance(r.Context(), spec)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/instances/"+inst.ID)
	w.Header().Set("ETag", etag(inst.ResourceVersion))
	writeJSON(w, http.StatusAccepted, wire.InstanceCreated{Instance: inst, Task: t})
}

func (s *Server) handleInstanceList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := streamplane.InstanceFilter{ID: q.Get("id"), Name: q.Get("name"), Address: q.Get("address"), Projects: listProjects(r.Context(), q)}
	csv, err := wantCSV(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if f.Status, err = listParam(q, "status", streamplane.InstanceStatuses); err != nil {
		s.writeError(w, r, err)
		return
	}
	for _, tag := range q["tag"] {
		k, v, _ := strings.Cut(tag, "=")
		if f.Tags == nil {
			f.Tags = map[string]string{}
		}
		f.Tags[k] = v
	}
	if f.IncludeDeleted, err = boolParam(q, "include_deleted"); err != nil {
		s.writeError(w, r, err)
		return
	}
	if f.Offset, f.Limit, err = paging(q, 100, 1000); err != nil {
		s.writeError(w, r, err)
		return
	}
	list, total, err := s.Service.Instances(r.Context(), f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if list == nil {
		list = []*streamplane.Instance{}
	}
	if csv {
		writeInstancesCSV(w, list)
		return
	}
	writeJSON(w, http.StatusOK, wire.InstanceList{Instances: list, Total: total, Offset: f.Offset, Limit: f.Limit})
}

func (s *Server) handleInstanceGet(w http.ResponseWriter, r *http.Request) {
	inst, err := s.Service.Instance(r.Context(), r.PathValue("instance"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("ETag", etag(inst.ResourceVersion))
	writeJSON(w, http.StatusOK, inst)
}

func (s *Server) handleInstanceUpdate(w http.ResponseWriter, r *http.Request) {
	match, err := ifMatch(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var upd streamplane.InstanceUpdate
	if err := decode(r, &upd); err != nil {
		s.writeError(w, r, err)
		return
	}
	inst, err := s.Service.UpdateInstance(r.Context(), r.PathValue("instance"), upd, match)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("ETag", etag(inst.ResourceVersion))
	writeJSON(w, http.StatusOK, inst)
}

func (s *Server) handleInstanceDelete(w http.ResponseWriter, r *http.Request) {
	match, err := ifMatch(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	t, err := s.Service.DeleteInstance(r.Context(), r.PathValue("instance"), match)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, wire.TaskAccepted{Task: t})
}

func (s *Server) handleInstanceRestart(w http.ResponseWriter, r *http.Request) {
	match, err := ifMatch(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req wire.RestartRequest
	if r.ContentLength != 0 {
		if err := decode(r, &req); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	t, err := s.Service.RestartInstance(r.Context(), r.PathValue("instance"), req.Force, match)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, wire.TaskAccepted{Task: t})
}

func (s *Server) handleInstanceChangeFlavor(w http.ResponseWriter, r *http.Request) {
	match, err := ifMatch(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req streamplane.FlavorChangeRequest
	if err := decode(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	t, err := s.Service.ChangeFlavor(r.Context(), r.PathValue("instance"), req, match)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, wire.TaskAccepted{Task: t})
}

func (s *Server) handleInstanceExpandStorage(w http.ResponseWriter, r *http.Request) {
	match, err := ifMatch(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req streamplane.StorageExpansionRequest
	if err := decode(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	t, err := s.Service.ExpandStorage(r.Context(), r.PathValue("instance"), req, match)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, wire.TaskAccepted{Task: t})
}

func (s *Server) handleInstanceClearFailed(w http.ResponseWriter, r *http.Request) {
	cleared, err := s.Service.ClearFailed(r.Context(), visibleProjects(r.Context()))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if cleared == nil {
		cleared = []string{}
	}
	writeJSON(w, http.StatusOK, wire.InstancesCleared{Cleared: cleared})
}

func (s *Server) handleInstanceTasks(w http.ResponseWriter, r *http.Request) {
	s.listTasks(w, r, r.PathValue("instance"))
}

func (s *Server) handleBrokerLog(w http.ResponseWriter, r *http.Request) {
	broker, err := strconv.Atoi(r.PathValue("broker"))
	if err != nil {
		s.writeError(w, r, streamplane.Invalid("broker", "broker must be a node id, got %q", r.PathValue("broker")))
		return
	}
	lines, err := intParam(r.URL.Query(), "lines", 200, 1, 10000)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	text, err := s.Service.BrokerLog(r.Context(), r.PathValue("instance"), broker, lines)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprint(w, text)
}
