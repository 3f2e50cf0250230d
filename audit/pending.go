package audit

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"

	streamplane "github.com/streamplane/streamplane"
)

// Pending is the audit entry of the request under way, before its outcome
// is known.
type Pending struct {
	mu       sync.Mutex
	entry    streamplane.AuditEntry
	recorded bool
}

// NewPending starts the entry of a request.
func NewPending(e streamplane.AuditEntry) *Pending { return &Pending{entry: e} }

type ctxKey struct{}

// With returns ctx carrying p.
func With(ctx context.Context, p *Pending) context.Context {
	return context.WithValue(ctx, ctxKey{}, p)
}

// From returns the pending entry of ctx's request, or nil outside one (a
// task resumed after a restart, the supervisor).
func From(ctx context.Context) *Pending {
	p, _ := ctx.Value(ctxKey{}).(*Pending)
	return p
}

// Describe names the resource once the code that handles the request knows
// it (an instance's id, a created user's name).
func (p *Pending) Describe(resourceType, id, name, project string) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if resourceType != "" {
		p.entry.ResourceType = resourceType
	}
	if id != "" {
		p.entry.ResourceID = id
	}
	if name != "" {
		p.entry.ResourceName = name
	}
	if project != "" {
		p.entry.Project = project
	}
}

// User is the account the request runs as ("" before authentication).
func (p *Pending) User() string {
	if p == nil {
		return ""
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.entry.User
}

// SetUser names the authenticated account.
func (p *Pending) SetUser(name string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.entry.User = name
}

// Recorded reports whether a transaction has written (or taken charge of)
// the entry.
func (p *Pending) Recorded() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.recorded
}

// Append writes the request's entry in tx with its outcome. It does
// nothing outside a request or once the entry is written.
func Append(ctx context.Context, tx streamplane.Tx, result string, status int) error {
	p := From(ctx)
	if p == nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.recorded {
		return nil
	}
	e := p.entry
	e.Result, e.Status = result, status
	if err := tx.AppendAudit(&e); err != nil {
		return err
	}
	p.recorded = true
	return nil
}

// AppendAnswer writes the entry of a request no transaction recorded, with
// the outcome its HTTP status tells, in a transaction of its own.
func AppendAnswer(ctx context.Context, store streamplane.Store, status int) error {
	p := From(ctx)
	if p == nil || p.Recorded() {
		return nil
	}
	result := streamplane.AuditFailure
	switch {
	case status < 400:
		result = streamplane.AuditSuccess
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		result = streamplane.AuditDenied
	}
	return store.Update(context.WithoutCancel(ctx), func(tx streamplane.Tx) error { return Append(ctx, tx, result, status) })
}

// taskEntry is what a task carries of its request until it ends.
type taskEntry struct {
	Entry streamplane.AuditEntry `json:"entry"`
	// Async says the request was answered 202 at once, whatever the
	// outcome; otherwise the answer waited for the outcome.
	Async bool `json:"async"`
}

// ForTask hands the request's entry to the task t, which tx is about to
// create: the entry is written when the task ends. async says the request
// answers 202 with the task; otherwise it answers status when the task
// succeeds. A task created already finished (a refused change) writes its
// entry now.
func ForTask(ctx context.Context, tx streamplane.Tx, t *streamplane.Task, status int, async bool) error {
	p := From(ctx)
	if p == nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.recorded {
		return nil
	}
	e := p.entry
	e.TaskID, e.Status = t.ID, status
	t.RequestedBy = e.User
	if t.Status.Done() {
		e.Result = streamplane.AuditSuccess
		if t.Status == streamplane.TaskFailed {
			e.Result = streamplane.AuditFailure
		}
		if err := tx.AppendAudit(&e); err != nil {
			return err
		}
	} else {
		raw, err := json.Marshal(taskEntry{Entry: e, Async: async})
		if err != nil {
			return err
		}
		t.Audit = raw
	}
	p.recorded = true
	return nil
}

// TaskEnded writes the entry a task carries, in the transaction that
// records its end. statusOf maps an error code to the HTTP status the API
// answers for it.
func TaskEnded(tx streamplane.Tx, t *streamplane.Task, runErr error, statusOf func(code string) int) error {
	if len(t.Audit) == 0 {
		return nil
	}
	var te taskEntry
	if err := json.Unmarshal(t.Audit, &te); err != nil {
		return err
	}
	e := te.Entry
	e.Result = streamplane.AuditSuccess
	if runErr != nil {
		e.Result = streamplane.AuditFailure
		if !te.Async && statusOf != nil {
			e.Status = statusOf(streamplane.ErrorCode(runErr))
		}
	}
	if te.Async {
		e.Status = http.StatusAccepted
	}
	if err := tx.AppendAudit(&e); err != nil {
		return err
	}
	t.Audit = nil
	return nil
}
