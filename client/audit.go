package client

import (
	"context"
	"net/url"
	"time"

	"github.com/streamplane/streamplane/wire"
)

// AuditOptions filter and page the audit log.
type AuditOptions struct {
	From, To *time.Time
	User     string
	Action   string   // exact, or a prefix ending in "*" (instance:*)
	Resource string   // a resource's id or name
	Result   string   // success, failure or denied
	Projects []string // any of these; none: every project the caller may see
	Offset   int
	Limit    int
}

func (o AuditOptions) query() url.Values {
	q := url.Values{}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	if o.From != nil {
		q.Set("from", o.From.UTC().Format(time.RFC3339Nano))
	}
	if o.To != nil {
		q.Set("to", o.To.UTC().Format(time.RFC3339Nano))
	}
	set("user", o.User)
	set("action", o.Action)
	set("resource", o.Resource)
	set("result", o.Result)
	for _, p := range o.Projects {
		q.Add("project", p)
	}
	setPage(q, o.Offset, o.Limit)
	return q
}

// Audit lists audit entries, newest first.
func (c *Client) Audit(ctx context.Context, opts AuditOptions) (*wire.AuditList, error) {
	var out wire.AuditList
	_, err := c.do(ctx, "GET", "/api/v1/audit", opts.query(), nil, &out)
	return &out, err
}

// AuditCSV returns the audit entries opts select as the server's CSV export.
func (c *Client) AuditCSV(ctx context.Context, opts AuditOptions) (string, error) {
	return c.csv(ctx, "/api/v1/audit", opts.query())
}

// VerifyAudit has the server check the audit log's hash chain from its
// first entry to its last.
func (c *Client) VerifyAudit(ctx context.Context) (*wire.AuditVerification, error) {
	var out wire.AuditVerification
	if _, err := c.do(ctx, "GET", "/api/v1/audit/verify", nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
