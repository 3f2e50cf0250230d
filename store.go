package streamplane

import (
	"context"
	"time"
)

// Store keeps the control plane's state. Implementations: sqlite (default)
// and postgres; storetest holds the suite both must pass. Write
// transactions are serializable: one runs as if no other ran at the same
// time, so a limit checked in a transaction holds when it commits.
type Store interface {
	// Update runs fn in one read-write transaction. An error from fn rolls
	// every change back.
	Update(ctx context.Context, fn func(Tx) error) error
	// View runs fn in a read-only transaction.
	View(ctx context.Context, fn func(Tx) error) error
	Close() error
}

// Tx is one transaction. Now is fixed when the transaction begins, so every
// timestamp written in it is the same.
type Tx interface {
	Now() time.Time
	AlarmStore
	AlarmChannelStore
	MigrationStore
	LeaseStore

	// Instance returns the instance with this id, or, failing that, the
	// instance not yet deleted with this name. ENOTFOUND otherwise.
	Instance(idOrName string) (*Instance, error)
	// Instances returns a page of matching instances, newest first, and the
	// number of matches in all.
	Instances(f InstanceFilter) ([]*Instance, int, error)
	// InstanceIDs lists the ids of the instances not yet deleted, in
	// order: what a server dividing the instances needs, without their
	// records.
	InstanceIDs() ([]string, error)
	// CreateInstance inserts an instance and its brokers. ECONFLICT if an
	// instance not yet deleted has the name.
	CreateInstance(inst *Instance) error
	// UpdateInstance saves inst's spec, status and brokers and increments
	// its resource version. ESTALE if the stored version is not inst's.
	UpdateInstance(inst *Instance) error
	// SaveObserved saves what was observed of a running instance (status,
	// reason and brokers) without changing its resource version.
	SaveObserved(inst *Instance) error
	// PurgeInstance removes an instance record and everything it owns.
	PurgeInstance(id string) error

	// CreateTask inserts a task. EBUSY, naming the holder, if the task has
	// an instance that an unfinished task already holds.
	CreateTask(t *Task) error
	Task(id string) (*Task, error)
	Tasks(f TaskFilter) ([]*Task, int, error)
	// ActiveTask returns the unfinished task holding an instance, or nil.
	ActiveTask(instanceID string) (*Task, error)
	// UpdateTask saves a task's status, steps, state and lease. ESTALE if
	// the stored lease token is not t.LeaseToken: another server claimed
	// the task since.
	UpdateTask(t *Task) error
	// ClaimTask saves t's lease (owner and until) and increments its lease
	// token, setting t.LeaseToken to the new value. ESTALE if the stored
	// token is not t.LeaseToken: another server claimed it first.
	ClaimTask(t *Task) error
	// DeleteTask removes a finished task's record. ESTATE if unfinished.
	DeleteTask(id string) error
	// RunnableTasks returns unfinished tasks that no other live server holds.
	RunnableTasks(owner string, limit int) ([]*Task, error)
	AddTaskEvent(ev TaskEvent) error
	TaskEvents(taskID string) ([]TaskEvent, error)

	// ReservePorts reserves count ports in [lo, hi] for an owner, choosing
	// ports no other owner holds and for which usable returns true. It is
	// idempotent: an owner that holds ports already gets them back.
	ReservePorts(owner string, count, lo, hi int, usable func(port int) bool) ([]int, error)
	ReleasePorts(owner string) error

	// KafkaUsers lists an instance's SASL users by name.
	KafkaUsers(instanceID string) ([]KafkaUser, error)
	// KafkaUser returns one user; ENOTFOUND (field "user") if none.
	KafkaUser(instanceID, name string) (*KafkaUser, error)
	// PutKafkaUser inserts or updates a user.
	PutKafkaUser(u *KafkaUser) error
	// DeleteKafkaUser removes a user; ENOTFOUND if none.
	DeleteKafkaUser(instanceID, name string) error

	// Control-plane accounts. Account takes an id or a name; ENOTFOUND
	// (field "user") if neither matches. Accounts come with their
	// attachments, ordered by name.
	Account(idOrName string) (*Account, error)
	Accounts() ([]*Account, error)
	// CreateAccount inserts an account; ECONFLICT if the name is taken.
	CreateAccount(a *Account) error
	// UpdateAccount saves name, password hash and project and increments
	// the resource version; ESTALE if the stored version is not a's.
	UpdateAccount(a *Account) error
	// DeleteAccount removes an account, its attachments and its tokens.
	DeleteAccount(id string) error
	// Attach adds an attachment (idempotent); Detach removes one
	// (ENOTFOUND if absent).
	Attach(a Attachment) error
	Detach(a Attachment) error

	// API tokens, found by the hash of their secret.
	CreateToken(t *Token) error
	TokenByHash(hash string) (*Token, error)
	// Tokens lists an account's tokens, or every token for "", newest first.
	Tokens(accountID string) ([]*Token, error)
	Token(id string) (*Token, error)
	// UpdateToken saves RevokedAt and LastUsedAt.
	UpdateToken(t *Token) error
	// PruneTokens removes tokens expired or revoked before t.
	PruneTokens(before time.Time) (int, error)

	// Policies: custom ones are stored; built-ins live in the iam package.
	Policy(name string) (*Policy, error)
	Policies() ([]*Policy, error)
	CreatePolicy(p *Policy) error // ECONFLICT if the name is taken
	UpdatePolicy(p *Policy) error // ESTALE on a version mismatch
	// DeletePolicy removes a policy; ESTATE if an attachment uses it.
	DeletePolicy(name string) error

	// Projects. DefaultProject exists from the first migration.
	Project(name string) (*Project, error)
	Projects() ([]*Project, error)
	CreateProject(p *Project) error // ECONFLICT if the name is taken
	UpdateProject(p *Project) error // ESTALE on a version mismatch
	// DeleteProject removes a project; ESTATE while an instance not yet
	// deleted or an attachment belongs to it, and always for DefaultProject.
	DeleteProject(name string) error

	// AppendAudit adds e at the end of the audit chain: it sets Seq, At
	// (the transaction's time), PrevHash and Hash (e.ChainHash).
	AppendAudit(e *AuditEntry) error
	// AuditEntries returns a page of matching entries, newest first (oldest
	// first when AfterSeq is set), and the number of matches in all.
	AuditEntries(f AuditFilter) ([]*AuditEntry, int, error)
	// PruneAudit removes entries older than t, keeping the chain's hashes
	// for the entries after them; it returns how many went.
	PruneAudit(before time.Time) (int, error)

	// Secrets are stored sealed; the store never sees them in the clear.
	PutSecret(owner, name string, sealed []byte) error
	Secret(owner, name string) ([]byte, error)
	DeleteSecret(owner, name string) error
	DeleteSecrets(owner string) error
}
