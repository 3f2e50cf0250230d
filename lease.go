package streamplane

import "time"

// Several servers may share one store (PostgreSQL). Each holds what it
// works on through leases: a task through the lease fields of the task, the
// supervision of an instance through a named Lease. A lease's token grows
// every time it changes hands, so a server that lost a lease (it paused, or
// the store thought it dead) is fenced: its writes name an old token and
// are refused.

// Lease is a named claim one server holds until it expires or is released.
type Lease struct {
	Name  string
	Owner string
	// Token grows by one each time the lease passes to a new owner (not on
	// a renewal by the same owner).
	Token int64
	Until time.Time
}

// ServerInfo is what a running server says of itself, renewed as a
// heartbeat; the others read it to share the work and to refuse a setup
// that cannot work (servers on different hosts sharing local brokers).
type ServerInfo struct {
	ID          string    `json:"id"`
	Host        string    `json:"host"`     // the machine's host name
	DataDir     string    `json:"data_dir"` // absolute path of --data
	Listen      string    `json:"listen"`   // the API's address
	Provisioner string    `json:"provisioner"`
	StartedAt   time.Time `json:"started_at"`
	SeenAt      time.Time `json:"seen_at"` // last heartbeat
}

// LeaseStore keeps leases and the servers' heartbeats.
type LeaseStore interface {
	// AcquireLease takes the named lease for owner until until, or renews
	// it when owner holds it already. It is granted when the lease is
	// free, released or expired (Until before the transaction's Now);
	// otherwise it returns the current holder's lease and false. The
	// token increments when the owner changes.
	AcquireLease(name, owner string, until time.Time) (*Lease, bool, error)
	// ReleaseLease gives up owner's lease now; a lease owner does not hold
	// is left alone.
	ReleaseLease(name, owner string) error
	// RenewLeases extends, until until, every lease owner holds whose name
	// starts with prefix, in one statement.
	RenewLeases(prefix, owner string, until time.Time) error
	// Leases lists the leases whose names start with prefix, by name.
	Leases(prefix string) ([]Lease, error)

	// PutServer records a server's heartbeat (insert or replace).
	PutServer(s *ServerInfo) error
	// Servers lists the servers whose last heartbeat is not before since.
	Servers(since time.Time) ([]ServerInfo, error)
	// DeleteServer forgets a server and releases every lease it holds,
	// task leases included: a server stopping cleanly hands its work over
	// at once.
	DeleteServer(id string) error
}
