package wire

import (
	"time"

	streamplane "github.com/streamplane/streamplane"
)

// AccountList is a page of control-plane users.
type AccountList struct {
	Users []*streamplane.Account `json:"users"`
	Total int                    `json:"total"`
}

// PasswordChange sets a control-plane user's password.
type PasswordChange struct {
	Password string `json:"password"`
}

// AttachmentSpec attaches a policy to a user; Project "" means the user's
// home project, "*" every project.
type AttachmentSpec struct {
	Policy  string `json:"policy"`
	Project string `json:"project,omitempty"`
}

// TokenList lists API tokens, without their secrets.
type TokenList struct {
	Tokens []*streamplane.Token `json:"tokens"`
}

// PolicyList lists built-in and custom policies.
type PolicyList struct {
	Policies []*streamplane.Policy `json:"policies"`
}

// PolicySpec creates a custom policy.
type PolicySpec struct {
	Name        string                     `json:"name"`
	Description string                     `json:"description,omitempty"`
	Document    streamplane.PolicyDocument `json:"document"`
}

// PolicyUpdate replaces a custom policy's description and document.
type PolicyUpdate struct {
	Description string                     `json:"description,omitempty"`
	Document    streamplane.PolicyDocument `json:"document"`
}

// Decision is the outcome of a policy evaluation and what decided it.
type Decision struct {
	Allowed   bool   `json:"allowed"`
	Effect    string `json:"effect"` // Allow, Deny, or "" for no matching statement
	Policy    string `json:"policy,omitempty"`
	Statement int    `json:"statement"`
	Reason    string `json:"reason"`
}

// ProjectList lists projects with their usage.
type ProjectList struct {
	Projects []*streamplane.ProjectUsage `json:"projects"`
}

// ProjectUpdate changes a project; nil fields stay.
type ProjectUpdate struct {
	Description  *string `json:"description,omitempty"`
	MaxInstances *int    `json:"max_instances,omitempty"`
	MaxBrokers   *int    `json:"max_brokers,omitempty"`
	MaxStorageGB *int    `json:"max_storage_gb,omitempty"`
}

// AuditList is a page of audit entries, newest first.
type AuditList struct {
	Entries []*streamplane.AuditEntry `json:"entries"`
	Total   int                       `json:"total"`
	Offset  int                       `json:"offset"`
	Limit   int                       `json:"limit"`
}

// AuditVerification is what checking the audit chain found.
type AuditVerification struct {
	OK        bool      `json:"ok"`
	Entries   int       `json:"entries"`
	FirstSeq  int64     `json:"first_seq,omitempty"`
	LastSeq   int64     `json:"last_seq,omitempty"`
	BadSeq    int64     `json:"bad_seq,omitempty"`
	Problem   string    `json:"problem,omitempty"`
	CheckedAt time.Time `json:"checked_at"`
}

// PermissionCheck asks which of some actions the caller may take, on one
// instance or, with none, in a project (or on the control plane itself);
// it travels as the query of GET /api/v1/auth/permissions.
type PermissionCheck struct {
	Instance string   `json:"instance,omitempty"` // name or id
	Project  string   `json:"project,omitempty"`
	Actions  []string `json:"actions"`
}

// Permissions answers a PermissionCheck: each action asked, allowed or not.
type Permissions struct {
	Allowed map[string]bool `json:"allowed"`
}
