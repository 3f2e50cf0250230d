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
	mu    sync.Mutex
	entry streamplane.AuditEntry
	// appended says a transaction wrote the entry; handedTo names the task
	// a transaction gave it to. Either transaction may still have rolled
	// back: AppendAnswer tells by the answer's status and the task's
	// presence.
	appended bool
	handedTo string
	denied   bool
}

// MarkDenied says the request was refused by authorisation, whatever
// status it answers (another project's instance answers 404).
func (p *Pending) MarkDenied() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.denied = true
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

// Append writes the request's entry in tx with its outcome. It does
// nothing outside a request or once the entry is written.
func Append(ctx context.Context, tx streamplane.Tx, result string, status int) error {
	p := From(ctx)
	if p == nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	e := p.entry
	e.Result, e.Status = result, status
	if err := tx.AppendAudit(&e); err != nil {
		return err
	}
	p.appended = true
	return nil
}

// AppendAnswer writes the entry of a request that no committed
// transaction recorded, with the outcome its HTTP status tells, in a
// transaction of its own. A success was committed with its entry if a
// transaction wrote or handed it on; a refusal or failure was not, unless
// the task it was handed to exists (that task's end writes the entry).
func AppendAnswer(ctx context.Context, store streamplane.Store, status int) error {
	p := From(ctx)
	if p == nil {
		return nil
	}
	p.mu.Lock()
	appended, handedTo, denied := p.appended, p.handedTo, p.denied
	p.mu.Unlock()
	if status < 400 && (appended || handedTo != "") {
		return nil
	}
	result := streamplane.AuditFailure
	switch {
	case denied:
		result = streamplane.AuditDenied
	case status < 400:
		result = streamplane.AuditSuccess
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		result = streamplane.AuditDenied
	}
	return store.Update(context.WithoutCancel(ctx), func(tx streamplane.Tx) error {
		if handedTo != "" {
			if _, err := tx.Task(handedTo); err == nil {
				return nil // the task was made: it writes the entry when it ends
			} else if !streamplane.IsCode(err, streamplane.ENOTFOUND) {
				return err
			}
		}
		return Append(ctx, tx, result, status)
	})
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
// answers 202 with the task; otherwise it answers, when the task succeeds,
// the status the entry was started with. A task created already finished
// (a refused change) writes its entry now.
func ForTask(ctx context.Context, tx streamplane.Tx, t *streamplane.Task, async bool) error {
	p := From(ctx)
	if p == nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.entry.TaskID = t.ID
	e := p.entry
	t.RequestedBy = e.User
	switch t.Status {
	case streamplane.TaskFailed:
		// A change refused before it could start changed nothing: the
		// answer, whose status is known then, writes the entry.
		return nil
	case streamplane.TaskSucceeded: // done at once
		e.Result = streamplane.AuditSuccess
		if err := tx.AppendAudit(&e); err != nil {
			return err
		}
		p.appended = true
	default:
		raw, err := json.Marshal(taskEntry{Entry: e, Async: async})
		if err != nil {
			return err
		}
		t.Audit = raw
		p.handedTo = t.ID
	}
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
