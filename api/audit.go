package api

import (
	"net/http"
	"strconv"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/wire"
)

// auditRoutes: the audit trail (DMS ch. 16), its CSV export and the check
// of its hash chain.
var auditRoutes = []Route{
	{"GET", "/api/v1/audit", (*Server).handleAuditList},
	{"GET", "/api/v1/audit/verify", (*Server).handleAuditVerify},
}

var auditResults = []string{streamplane.AuditSuccess, streamplane.AuditFailure, streamplane.AuditDenied}

func (s *Server) handleAuditList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := streamplane.AuditFilter{User: q.Get("user"), Action: q.Get("action"), Resource: q.Get("resource"), Result: q.Get("result")}
	csv, err := wantCSV(r)
	if err == nil {
		f.From, err = rfc3339Param(q, "from")
	}
	if err == nil {
		f.To, err = rfc3339Param(q, "to")
	}
	if err == nil && q.Has("result") && !containsString(auditResults, f.Result) {
		err = streamplane.Invalid("result", "result is success, failure or denied; got %q", f.Result)
	}
	if err == nil && q.Has("project") {
		f.Project = q["project"]
	}
	if err == nil {
		f.Offset, f.Limit, err = paging(q, 100, 10000)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	list, total, err := s.Identity.AuditEntries(r.Context(), f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if list == nil {
		list = []*streamplane.AuditEntry{}
	}
	if csv {
		writeAuditCSV(w, list)
		return
	}
	writeJSON(w, http.StatusOK, wire.AuditList{Entries: list, Total: total, Offset: f.Offset, Limit: f.Limit})
}

func writeAuditCSV(w http.ResponseWriter, list []*streamplane.AuditEntry) {
	cw := startCSV(w, "audit")
	cw.Write([]string{"seq", "time", "user", "source", "action", "resource_type", "resource_id", "resource_name", "project", "result", "status", "request_id", "task_id", "summary", "hash"})
	for _, e := range list {
		cw.Write([]string{strconv.FormatInt(e.Seq, 10), e.At.UTC().Format(time.RFC3339Nano), csvSafe(e.User), csvSafe(e.Source), csvSafe(e.Action),
			csvSafe(e.ResourceType), csvSafe(e.ResourceID), csvSafe(e.ResourceName), csvSafe(e.Project), e.Result, strconv.Itoa(e.Status),
			e.RequestID, e.TaskID, csvSafe(e.Summary), e.Hash})
	}
	cw.Flush()
}

func (s *Server) handleAuditVerify(w http.ResponseWriter, r *http.Request) {
	v, err := s.Identity.VerifyAudit(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.AuditVerification{OK: v.OK, Entries: v.Entries, FirstSeq: v.FirstSeq, LastSeq: v.LastSeq,
		BadSeq: v.BadSeq, Problem: v.Problem, CheckedAt: time.Now().UTC()})
}
