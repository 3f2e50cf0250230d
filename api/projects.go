package api

import (
	"net/http"
	"net/url"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/identity"
	"github.com/streamplane/streamplane/wire"
)

// projectRoutes: projects and their quotas (SPEC §1.5).
var projectRoutes = []Route{
	{"GET", "/api/v1/projects", (*Server).handleProjectList},
	{"POST", "/api/v1/projects", (*Server).handleProjectCreate},
	{"GET", "/api/v1/projects/{project}", (*Server).handleProjectGet},
	{"PATCH", "/api/v1/projects/{project}", (*Server).handleProjectUpdate},
	{"DELETE", "/api/v1/projects/{project}", (*Server).handleProjectDelete},
}

func (s *Server) handleProjectList(w http.ResponseWriter, r *http.Request) {
	list, err := s.Identity.Projects(r.Context(), visibleProjects(r.Context()))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if list == nil {
		list = []*streamplane.ProjectUsage{}
	}
	writeJSON(w, http.StatusOK, wire.ProjectList{Projects: list})
}

func (s *Server) handleProjectCreate(w http.ResponseWriter, r *http.Request) {
	var req streamplane.Project
	if err := decode(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	p, err := s.Identity.CreateProject(r.Context(), req)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/projects/"+url.PathEscape(p.Name))
	writeJSON(w, http.StatusCreated, p)
}

func (s *Server) handleProjectGet(w http.ResponseWriter, r *http.Request) {
	p, err := s.Identity.Project(r.Context(), r.PathValue("project"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("ETag", etag(p.ResourceVersion))
	writeJSON(w, http.StatusOK, p)
}

func (s *Server) handleProjectUpdate(w http.ResponseWriter, r *http.Request) {
	var req wire.ProjectUpdate
	if err := decode(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	version, err := ifMatch(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	p, err := s.Identity.UpdateProject(r.Context(), r.PathValue("project"), identity.ProjectChange{
		Description: req.Description, MaxInstances: req.MaxInstances, MaxBrokers: req.MaxBrokers, MaxStorageGB: req.MaxStorageGB, IfMatch: version})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("ETag", etag(p.ResourceVersion))
	writeJSON(w, http.StatusOK, p)
}

func (s *Server) handleProjectDelete(w http.ResponseWriter, r *http.Request) {
	if err := s.Identity.DeleteProject(r.Context(), r.PathValue("project")); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
