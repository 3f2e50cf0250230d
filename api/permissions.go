package api

import (
	"net/http"
	"strings"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/iam"
	"github.com/streamplane/streamplane/identity"
	"github.com/streamplane/streamplane/wire"
)

// maxPermissionChecks bounds one question about the caller's own rights.
const maxPermissionChecks = 50

// handlePermissions tells the caller which of some actions their own
// policies allow, decided as the guard decides them, so a client (the
// console) can leave out what would be refused. It grants nothing: every
// operation is still authorised when it is asked for. An instance the
// caller may not see answers as one that does not exist.
func (s *Server) handlePermissions(w http.ResponseWriter, r *http.Request) {
	q := wire.PermissionCheck{Instance: r.URL.Query().Get("instance"), Project: r.URL.Query().Get("project")}
	for _, list := range r.URL.Query()["actions"] {
		for a := range strings.SplitSeq(list, ",") {
			if a = strings.TrimSpace(a); a != "" {
				q.Actions = append(q.Actions, a)
			}
		}
	}
	if len(q.Actions) == 0 || len(q.Actions) > maxPermissionChecks {
		s.writeError(w, r, streamplane.Invalid("actions", "name between 1 and %d actions", maxPermissionChecks))
		return
	}
	for _, a := range q.Actions {
		if _, ok := iam.Lookup(a); !ok {
			s.writeError(w, r, streamplane.Invalid("actions", "no such action %q", a))
			return
		}
	}
	caller := identity.CallerFrom(r.Context())
	base := iam.Request{Project: q.Project}
	if q.Instance != "" {
		inst, err := s.Service.Instance(r.Context(), q.Instance)
		if err == nil && !s.seesProject(r.Context(), caller, inst.Project) {
			err = streamplane.Errorf(streamplane.ENOTFOUND, "instance %s not found", q.Instance)
		}
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		base = iam.Request{Resource: "instance:" + inst.Name, Project: inst.Project, Instance: iam.Facts(inst)}
	}
	out := wire.Permissions{Allowed: map[string]bool{}}
	for _, a := range q.Actions {
		req := base
		req.Action = a
		out.Allowed[a] = iam.Evaluate(req, caller.Grants).Allowed
	}
	writeJSON(w, http.StatusOK, out)
}
