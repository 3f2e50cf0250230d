package api

import (
	"net/http"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/wire"
)

func (s *Server) handleTaskList(w http.ResponseWriter, r *http.Request) {
	s.listTasks(w, r, r.URL.Query().Get("instance"))
}

// listTasks serves a task list, optionally for one instance (id or name),
// filtered by kind, status and a creation-time range (RFC 3339).
func (s *Server) listTasks(w http.ResponseWriter, r *http.Request, instance string) {
	q := r.URL.Query()
	f := streamplane.TaskFilter{Kind: q.Get("kind"), Projects: listProjects(r.Context(), q)}
	csv, err := wantCSV(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if f.Status, err = listParam(q, "status", streamplane.TaskStatuses); err != nil {
		s.writeError(w, r, err)
		return
	}
	if f.From, err = rfc3339Param(q, "from"); err != nil {
		s.writeError(w, r, err)
		return
	}
	if f.To, err = rfc3339Param(q, "to"); err != nil {
		s.writeError(w, r, err)
		return
	}
	if f.Offset, f.Limit, err = paging(q, 100, 1000); err != nil {
		s.writeError(w, r, err)
		return
	}
	list, total, err := s.Service.Tasks(r.Context(), instance, f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if list == nil {
		list = []*streamplane.Task{}
	}
	if csv {
		writeTasksCSV(w, list)
		return
	}
	writeJSON(w, http.StatusOK, wire.TaskList{Tasks: list, Total: total, Offset: f.Offset, Limit: f.Limit})
}

func (s *Server) handleTaskGet(w http.ResponseWriter, r *http.Request) {
	d, err := s.Service.Task(r.Context(), r.PathValue("task"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, taskDetail(d))
}

func (s *Server) handleTaskDelete(w http.ResponseWriter, r *http.Request) {
	if err := s.Service.DeleteTask(r.Context(), r.PathValue("task")); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
