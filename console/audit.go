package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/streamplane/streamplane/client"
	"github.com/streamplane/streamplane/wire"
)

// The audit trail: who changed what, was refused, or signed in.
var auditPages = []page{
	{"GET", "/audit", (*Server).handleAudit},
	{"GET", "/audit.csv", (*Server).handleAuditCSV},
	{"GET", "/audit/verify", (*Server).handleAuditVerify},
}

// auditFilter is the audit list's filter form, as the API's list takes it.
// From and To are the form's text (datetime-local, read as UTC, or RFC
// 3339), so a bad one is shown back as typed.
type auditFilter struct {
	User, Action, Resource, Result, Project, From, To string
	Offset, Limit                                     int
}

func auditFilterOf(q url.Values) auditFilter {
	f := auditFilter{User: q.Get("user"), Action: q.Get("action"), Resource: q.Get("resource"), Result: q.Get("result"),
		Project: q.Get("project"), From: q.Get("from"), To: q.Get("to"), Limit: 50}
	f.Offset, _ = strconv.Atoi(q.Get("offset"))
	if n, err := strconv.Atoi(q.Get("limit")); err == nil && n > 0 {
		f.Limit = n
	}
	return f
}

// auditTime reads a time of the filter form: a browser's datetime-local
// value (minutes or seconds, no zone: UTC, as the page shows times) or
// RFC 3339.
func auditTime(field, s string) (*time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return &t, nil
		}
	}
	return nil, refusal(field, "%s must be a date and time such as 2026-01-31T14:05 (UTC) or RFC 3339; got %q", field, s)
}

func (f auditFilter) options() (client.AuditOptions, error) {
	o := client.AuditOptions{User: f.User, Action: f.Action, Resource: f.Resource, Result: f.Result, Offset: f.Offset, Limit: f.Limit}
	if f.Project != "" {
		o.Projects = []string{f.Project}
	}
	var err error
	if o.From, err = auditTime("from", f.From); err != nil {
		return o, err
	}
	o.To, err = auditTime("to", f.To)
	return o, err
}

// query is the filter as a query string prefix for links (pages, CSV).
func (f auditFilter) query() string {
	q := url.Values{}
	for k, v := range map[string]string{"user": f.User, "action": f.Action, "resource": f.Resource, "result": f.Result,
		"project": f.Project, "from": f.From, "to": f.To} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if len(q) == 0 {
		return ""
	}
	return q.Encode() + "&"
}

type auditPage struct {
	List      *wire.AuditList
	Filter    auditFilter
	Query     string
	CSV       string // the export's URL, with the filters
	Pager     pager
	Results   []string
	CanVerify bool
}

var auditResults = []string{"success", "failure", "denied"}

func init() {
	// auditclass is the badge colour of an audit result; the result is
	// always written beside it, so colour is never the only sign.
	funcs["auditclass"] = func(result string) string {
		switch result {
		case "success":
			return "ok"
		case "failure", "denied":
			return "bad"
		}
		return "neutral"
	}
}

func (s *Server) handleAudit(c *call) error {
	f := auditFilterOf(c.r.URL.Query())
	p := auditPage{Filter: f, Query: f.query(), Results: auditResults}
	p.CSV = "/audit.csv?" + p.Query
	can, err := c.can("", "", "audit:verify")
	if err != nil {
		return err
	}
	p.CanVerify = can["audit:verify"]
	v := &view{Title: "Audit trail", Section: "audit", Data: &p}
	opts, err := f.options()
	if err == nil {
		p.List, err = c.api.Audit(c.r.Context(), opts)
	}
	if err != nil {
		// A filter the API (or the time parser) refused: beside its field.
		if e, ok := err.(*client.Error); ok {
			v.Form, v.Err, v.Field = c.r.URL.Query(), e.App.Message, e.App.Field
			p.List = &wire.AuditList{}
			return s.render(c, e.StatusCode, "audit", v)
		}
		return err
	}
	p.Pager = newPager("/audit?"+p.Query, p.List.Offset, p.List.Limit, len(p.List.Entries), p.List.Total)
	return s.render(c, http.StatusOK, "audit", v)
}

// handleAuditCSV is the API's CSV export of the filtered trail (every
// page of it), as a download.
func (s *Server) handleAuditCSV(c *call) error {
	f := auditFilterOf(c.r.URL.Query())
	f.Offset, f.Limit = 0, 0
	opts, err := f.options()
	if err != nil {
		return err
	}
	text, err := c.api.AuditCSV(c.r.Context(), opts)
	if err != nil {
		return err
	}
	return download(c, "audit.csv", "text/csv; charset=utf-8", []byte(text))
}

// handleAuditVerify has the API check the hash chain: a page of its own,
// or (?fragment=verify) the result alone, which the audit page loads
// after it shows, so a long chain never holds the list back.
func (s *Server) handleAuditVerify(c *call) error {
	res, err := c.api.VerifyAudit(c.r.Context())
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "audit-verify", &view{Title: "Audit chain", Section: "audit", Data: res})
}
