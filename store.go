package streamplane

import (
	"context"
	"time"
)

// Store keeps the control plane's state. Implementations: sqlite (default)
// and, later, postgres; storetest holds the suite both must pass.
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

	// Instance returns the instance with this id, or, failing that, the
	// instance not yet deleted with this name. ENOTFOUND otherwise.
	Instance(idOrName string) (*Instance, error)
	// Instances returns a page of matching instances, newest first, and the
	// number of matches in all.
	Instances(f InstanceFilter) ([]*Instance, int, error)
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
	// UpdateTask saves a task's status, steps, state and lease.
	UpdateTask(t *Task) error
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

	// Secrets are stored sealed; the store never sees them in the clear.
	PutSecret(owner, name string, sealed []byte) error
	Secret(owner, name string) ([]byte, error)
	DeleteSecret(owner, name string) error
	DeleteSecrets(owner string) error
}
