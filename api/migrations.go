package api

import (
	"fmt"
	"net/http"
	"net/url"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/wire"
)

// migrationRoutes: migrations into an instance with MirrorMaker 2. Each
// change is a task the service waits for briefly: the answer is the
// migration, with 202 while it is still CREATING, MODIFYING or DELETING.
// The source's password travels only in request bodies; no answer, log
// or audit entry carries it.
var migrationRoutes = []Route{
	{"GET", "/api/v1/instances/{instance}/migrations", (*Server).handleMigrationList},
	{"POST", "/api/v1/instances/{instance}/migrations", (*Server).handleMigrationCreate},
	{"GET", "/api/v1/instances/{instance}/migrations/{migration}", (*Server).handleMigrationGet},
	{"PATCH", "/api/v1/instances/{instance}/migrations/{migration}", (*Server).handleMigrationUpdate},
	{"DELETE", "/api/v1/instances/{instance}/migrations/{migration}", (*Server).handleMigrationDelete},
	{"POST", "/api/v1/instances/{instance}/migrations/{migration}/pause", (*Server).handleMigrationPause},
	{"POST", "/api/v1/instances/{instance}/migrations/{migration}/resume", (*Server).handleMigrationResume},
	{"GET", "/api/v1/instances/{instance}/migrations/{migration}/cutover-check", (*Server).handleMigrationCutoverCheck},
	{"GET", "/api/v1/instances/{instance}/migrations/{migration}/logs", (*Server).handleMigrationLogs},
}

func (s *Server) handleMigrationList(w http.ResponseWriter, r *http.Request) {
	list, err := s.Service.Migrations(r.Context(), r.PathValue("instance"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if list == nil {
		list = []*streamplane.Migration{}
	}
	writeJSON(w, http.StatusOK, wire.MigrationList{Migrations: list})
}

func (s *Server) handleMigrationCreate(w http.ResponseWriter, r *http.Request) {
	var req wire.MigrationCreateRequest
	if err := decode(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	m, err := s.Service.CreateMigration(r.Context(), r.PathValue("instance"), req.Spec())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", migrationPath(r.PathValue("instance"), m.Name))
	writeMigration(w, http.StatusCreated, m)
}

func (s *Server) handleMigrationGet(w http.ResponseWriter, r *http.Request) {
	st, err := s.Service.MigrationStatus(r.Context(), r.PathValue("instance"), r.PathValue("migration"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// Lists are lists, empty or not: the document promises arrays.
	st.Topics, st.Groups, st.Connectors = orEmpty(st.Topics), orEmpty(st.Groups), orEmpty(st.Connectors)
	w.Header().Set("ETag", etag(st.ResourceVersion))
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) handleMigrationUpdate(w http.ResponseWriter, r *http.Request) {
	match, err := ifMatch(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req wire.MigrationUpdateRequest
	if err := decode(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	m, err := s.Service.UpdateMigration(r.Context(), r.PathValue("instance"), r.PathValue("migration"), req.MigrationUpdate, req.SourcePassword, match)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeMigration(w, http.StatusOK, m)
}

func (s *Server) handleMigrationDelete(w http.ResponseWriter, r *http.Request) {
	m, err := s.Service.DeleteMigration(r.Context(), r.PathValue("instance"), r.PathValue("migration"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeMigration(w, http.StatusOK, m)
}

func (s *Server) handleMigrationPause(w http.ResponseWriter, r *http.Request) {
	m, err := s.Service.PauseMigration(r.Context(), r.PathValue("instance"), r.PathValue("migration"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeMigration(w, http.StatusOK, m)
}

func (s *Server) handleMigrationResume(w http.ResponseWriter, r *http.Request) {
	m, err := s.Service.ResumeMigration(r.Context(), r.PathValue("instance"), r.PathValue("migration"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeMigration(w, http.StatusOK, m)
}

func (s *Server) handleMigrationCutoverCheck(w http.ResponseWriter, r *http.Request) {
	checks, err := s.Service.CutoverCheck(r.Context(), r.PathValue("instance"), r.PathValue("migration"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	checks = orEmpty(checks)
	for i := range checks {
		checks[i].Reasons = orEmpty(checks[i].Reasons)
	}
	writeJSON(w, http.StatusOK, wire.CutoverChecks{Groups: checks})
}

func (s *Server) handleMigrationLogs(w http.ResponseWriter, r *http.Request) {
	lines, err := intParam(r.URL.Query(), "lines", 200, 1, 10000)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	text, err := s.Service.MigrationLogs(r.Context(), r.PathValue("instance"), r.PathValue("migration"), lines)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprint(w, text)
}

// writeMigration answers a change with the migration: done as status,
// or 202 while the change's task still runs (its task_id says which).
func writeMigration(w http.ResponseWriter, done int, m *streamplane.Migration) {
	w.Header().Set("ETag", etag(m.ResourceVersion))
	if m.State.Busy() {
		done = http.StatusAccepted
	}
	writeJSON(w, done, m)
}

func orEmpty[T any](list []T) []T {
	if list == nil {
		return []T{}
	}
	return list
}

func migrationPath(instance, migration string) string {
	return "/api/v1/instances/" + url.PathEscape(instance) + "/migrations/" + url.PathEscape(migration)
}
