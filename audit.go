package streamplane

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"
)

// Audit results.
const (
	AuditSuccess = "success"
	AuditFailure = "failure"
	AuditDenied  = "denied"
)

// AuditEntry records one request that changed something, was refused, or
// signed someone in (SPEC §5, DMS ch. 16). Entries form a hash chain: each
// Hash covers the entry and the previous entry's hash, so an entry edited or
// removed in the database breaks every hash after it.
type AuditEntry struct {
	Seq          int64     `json:"seq"`
	At           time.Time `json:"at"`
	User         string    `json:"user"`          // account name; "" when unauthenticated
	Source       string    `json:"source"`        // client address
	Action       string    `json:"action"`        // e.g. instance:delete
	ResourceType string    `json:"resource_type"` // instance, topic, iam_user, …
	ResourceID   string    `json:"resource_id,omitempty"`
	ResourceName string    `json:"resource_name,omitempty"`
	Project      string    `json:"project,omitempty"`
	Result       string    `json:"result"` // success, failure or denied
	Status       int       `json:"status"` // HTTP status answered
	RequestID    string    `json:"request_id"`
	TaskID       string    `json:"task_id,omitempty"`
	// Summary describes the request without secrets.
	Summary  string `json:"summary"`
	PrevHash string `json:"prev_hash"`
	Hash     string `json:"hash"`
}

// ChainHash is the hash an entry must carry after prev: SHA-256 over prev
// and the entry's fields (all but Hash itself) in a fixed JSON encoding.
func (e *AuditEntry) ChainHash(prev string) string {
	fields := []any{e.Seq, e.At.UTC().Format(time.RFC3339Nano), e.User, e.Source, e.Action, e.ResourceType,
		e.ResourceID, e.ResourceName, e.Project, e.Result, e.Status, e.RequestID, e.TaskID, e.Summary}
	b, _ := json.Marshal(fields) // a slice of strings and ints always encodes
	h := sha256.New()
	h.Write([]byte(prev))
	h.Write([]byte{0})
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))
}

// AuditFilter selects audit entries.
type AuditFilter struct {
	From, To      *time.Time
	User          string
	Action        string // exact, or a prefix ending in "*" (instance:*)
	Resource      string // matches resource id or name
	Result        string
	Project       []string // any of; empty: every project
	AfterSeq      int64    // entries with Seq > AfterSeq
	OldestFirst   bool     // order by Seq ascending (for verification); AfterSeq > 0 implies it
	Offset, Limit int
}
