package api

import (
	"net/http"
	"net/url"
	"strconv"

	streamplane "github.com/streamplane/streamplane"
)

// quotaRoutes: Kafka client quotas. A quota is named by its entity (user,
// client_id, default_user, default_client): in the body of a create or an
// update, in the query of a delete.
var quotaRoutes = []Route{
	{"GET", "/api/v1/instances/{instance}/quotas", (*Server).handleQuotaList},
	{"POST", "/api/v1/instances/{instance}/quotas", (*Server).handleQuotaCreate},
	{"PATCH", "/api/v1/instances/{instance}/quotas", (*Server).handleQuotaUpdate},
	{"DELETE", "/api/v1/instances/{instance}/quotas", (*Server).handleQuotaDelete},
	{"GET", "/api/v1/instances/{instance}/quotas/usage", (*Server).handleQuotaUsage},
}

func (s *Server) handleQuotaList(w http.ResponseWriter, r *http.Request) {
	csv, err := wantCSV(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	list, err := s.Service.Quotas(r.Context(), r.PathValue("instance"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if csv {
		writeQuotasCSV(w, list.Quotas)
		return
	}
	writeJSON(w, http.StatusOK, list)
}

func (s *Server) handleQuotaCreate(w http.ResponseWriter, r *http.Request) {
	var spec streamplane.QuotaSpec
	if err := decode(r, &spec); err != nil {
		s.writeError(w, r, err)
		return
	}
	q, err := s.Service.CreateQuota(r.Context(), r.PathValue("instance"), spec)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, q)
}

func (s *Server) handleQuotaUpdate(w http.ResponseWriter, r *http.Request) {
	var upd streamplane.QuotaUpdate
	if err := decode(r, &upd); err != nil {
		s.writeError(w, r, err)
		return
	}
	q, err := s.Service.UpdateQuota(r.Context(), r.PathValue("instance"), upd)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, q)
}

func (s *Server) handleQuotaDelete(w http.ResponseWriter, r *http.Request) {
	e, err := quotaEntityQuery(r.URL.Query())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	del, err := s.Service.DeleteQuota(r.Context(), r.PathValue("instance"), e)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, del)
}

// quotaEntityQuery reads an entity from query parameters.
func quotaEntityQuery(q url.Values) (streamplane.QuotaEntity, error) {
	e := streamplane.QuotaEntity{User: q.Get("user"), ClientID: q.Get("client_id")}
	var err error
	if e.DefaultUser, err = boolParam(q, "default_user"); err != nil {
		return e, err
	}
	e.DefaultClient, err = boolParam(q, "default_client")
	return e, err
}

func (s *Server) handleQuotaUsage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := streamplane.QuotaUsageFilter{By: streamplane.QuotaDirection(q.Get("by"))}
	var err error
	if f.Top, err = intParam(q, "top", 0, 1, 1000); err != nil {
		s.writeError(w, r, err)
		return
	}
	if f.MinMBps, err = floatParam(q, "min_mbps"); err != nil {
		s.writeError(w, r, err)
		return
	}
	if f.MinPercent, err = floatParam(q, "min_percent"); err != nil {
		s.writeError(w, r, err)
		return
	}
	u, err := s.Service.QuotaUsage(r.Context(), r.PathValue("instance"), f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, u)
}

func writeQuotasCSV(w http.ResponseWriter, list []streamplane.Quota) {
	rate := func(v *float64) string {
		if v == nil {
			return ""
		}
		return strconv.FormatFloat(*v, 'f', -1, 64)
	}
	cw := startCSV(w, "quotas")
	cw.Write([]string{"entity", "user", "default_user", "client_id", "default_client", "produce_mbps", "consume_mbps"})
	for _, q := range list {
		cw.Write([]string{csvSafe(q.Entity), csvSafe(q.User), strconv.FormatBool(q.DefaultUser), csvSafe(q.ClientID),
			strconv.FormatBool(q.DefaultClient), rate(q.ProduceMBps), rate(q.ConsumeMBps)})
	}
	cw.Flush()
}
