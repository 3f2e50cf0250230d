// Package membership lets several Streamplane servers share one store. Each
// server reports itself by heartbeat; the instances are divided among the
// live servers so that exactly one watches each (restarts its dead brokers,
// collects its metrics, runs its migrations' MirrorMaker), and that server
// holds a lease on it whose token fences its writes. A server that stops
// cleanly hands its share over at once; one that dies loses it when its
// leases expire.
package membership

import "time"

// Timing. A dead server's instances and tasks move to another server
// within Lease plus one Round.
const (
	// Round is how often a server reports itself and re-divides the work.
	Round = 3 * time.Second
	// Lease is how long a watch lasts without renewal, and how long a
	// server that stopped reporting still counts as alive.
	Lease = 12 * time.Second
)

// watchPrefix names the lease on the watch of an instance.
const watchPrefix = "watch/"

// WatchLease is the name of the lease on the watch of an instance.
func WatchLease(instanceID string) string { return watchPrefix + instanceID }
