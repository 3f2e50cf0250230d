package membership

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"

	streamplane "github.com/streamplane/streamplane"
)

// Member is this server's place among the servers sharing the store.
type Member struct {
	Store streamplane.Store
	// Self describes this server; SeenAt and StartedAt are set here.
	Self streamplane.ServerInfo
	Log  *slog.Logger
	// SameHost: every server sharing the store must run on this host with
	// this data directory, as with the local provisioner, whose brokers
	// are processes of this host under the data directory.
	SameHost bool

	mu       sync.Mutex
	watching map[string]watch // instance id -> the lease held on its watch
}

type watch struct {
	token int64
	until time.Time // by this server's clock: the lease is not trusted past it
}

// Join checks the servers already reporting and records this one. With
// SameHost, a live server on another host or data directory makes it
// refuse to start: both would start the brokers as their own.
func (m *Member) Join(ctx context.Context) error {
	if m.Log == nil {
		m.Log = slog.New(slog.DiscardHandler)
	}
	return m.Store.Update(ctx, func(tx streamplane.Tx) error {
		now := tx.Now()
		live, err := tx.Servers(now.Add(-Lease))
		if err != nil {
			return err
		}
		for _, s := range live {
			if s.ID == m.Self.ID {
				// This server's earlier run, or a copy of its data
				// directory elsewhere, which would share its leases.
				if s.Host != m.Self.Host || s.DataDir != m.Self.DataDir {
					return streamplane.Errorf(streamplane.EPRECONDITION,
						"a server with this server's id %s runs on host %q with --data %s: was its data directory copied? Remove server-id* from the copy",
						s.ID, s.Host, s.DataDir)
				}
				continue
			}
			if err := m.compatible(s); err != nil {
				return err
			}
		}
		m.Self.StartedAt, m.Self.SeenAt = now, now
		return tx.PutServer(&m.Self)
	})
}

// compatible says why this server cannot share the store with s, if it cannot.
func (m *Member) compatible(s streamplane.ServerInfo) error {
	if s.Provisioner != m.Self.Provisioner {
		return streamplane.Errorf(streamplane.EPRECONDITION,
			"server %s (%s) shares this store with the %s provisioner; this one would use %s: every server of a store must use the same provisioner",
			s.ID, s.Listen, s.Provisioner, m.Self.Provisioner)
	}
	if !m.SameHost {
		return nil
	}
	if s.Host != m.Self.Host || s.DataDir != m.Self.DataDir {
		return streamplane.Errorf(streamplane.EPRECONDITION,
			"server %s (%s) runs on host %q with --data %s; with the local provisioner every server sharing a store must run on the host that runs the brokers and share its --data (this one: host %q, --data %s)",
			s.ID, s.Listen, s.Host, s.DataDir, m.Self.Host, m.Self.DataDir)
	}
	return nil
}

// Run reports this server and re-divides the instances every Round until
// ctx ends.
func (m *Member) Run(ctx context.Context) {
	tick := time.NewTicker(Round)
	defer tick.Stop()
	for {
		if err := m.round(ctx); err != nil && ctx.Err() == nil {
			m.Log.Warn("membership round", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// Leave forgets this server and frees its leases and its unfinished tasks,
// so that the other servers take them over at once: the last thing a
// server stopping cleanly does, once its tasks have stopped.
func (m *Member) Leave() {
	m.mu.Lock()
	m.watching = nil
	m.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := m.Store.Update(ctx, func(tx streamplane.Tx) error { return tx.DeleteServer(m.Self.ID) }); err != nil {
		m.Log.Warn("leave: hand over leases", "err", err)
	}
}

// round reports this server, takes the watch of the instances that fall to
// it and are free, renews those it holds and gives up the others.
func (m *Member) round(ctx context.Context) error {
	started := time.Now()
	held := map[string]watch{}
	var taken, given []string
	err := m.Store.Update(ctx, func(tx streamplane.Tx) error {
		clear(held)
		taken, given = nil, nil
		now := tx.Now()
		self := m.Self
		self.SeenAt = now
		if err := tx.PutServer(&self); err != nil {
			return err
		}
		live, err := tx.Servers(now.Add(-Lease))
		if err != nil {
			return err
		}
		servers := make([]string, 0, len(live))
		for _, s := range live {
			servers = append(servers, s.ID)
		}
		leases, err := tx.Leases(watchPrefix)
		if err != nil {
			return err
		}
		current := map[string]streamplane.Lease{}
		for _, l := range leases {
			current[strings.TrimPrefix(l.Name, watchPrefix)] = l
		}
		instances, err := tx.InstanceIDs()
		if err != nil {
			return err
		}
		until := now.Add(Lease)
		// The watch of an instance that is gone is let go, not renewed
		// for ever.
		exists := map[string]bool{}
		for _, id := range instances {
			exists[id] = true
		}
		for id, l := range current {
			if !exists[id] && l.Owner == m.Self.ID {
				if err := tx.ReleaseLease(l.Name, m.Self.ID); err != nil {
					return err
				}
			}
		}
		for _, id := range instances {
			cur, exists := current[id]
			mine := exists && cur.Owner == m.Self.ID
			if Owner(id, servers) != m.Self.ID {
				if mine {
					given = append(given, id)
					if err := tx.ReleaseLease(WatchLease(id), m.Self.ID); err != nil {
						return err
					}
				}
				continue
			}
			if mine {
				held[id] = watch{token: cur.Token}
				continue
			}
			l, ok, err := tx.AcquireLease(WatchLease(id), m.Self.ID, until)
			if err != nil {
				return err
			}
			if ok {
				taken = append(taken, id)
				held[id] = watch{token: l.Token}
			}
		}
		return tx.RenewLeases(watchPrefix, m.Self.ID, until)
	})
	if err != nil {
		m.expire()
		return err
	}
	// The leases run from the store's clock; trust them by this server's
	// clock from before the round began, which can only be earlier.
	for id, w := range held {
		w.until = started.Add(Lease)
		held[id] = w
	}
	m.mu.Lock()
	m.watching = held
	m.mu.Unlock()
	if len(taken) > 0 || len(given) > 0 {
		m.Log.Info("instances watched here changed", "taken", taken, "given_up", given, "watching", len(held))
	}
	return nil
}

// expire stops watching what this server could not renew in time.
func (m *Member) expire() {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := time.Now()
	for id, w := range m.watching {
		if !now.Before(w.until) {
			delete(m.watching, id)
		}
	}
}

// Watching reports whether this server watches the instance now.
func (m *Member) Watching(instanceID string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	w, ok := m.watching[instanceID]
	return ok && time.Now().Before(w.until)
}

// Fence checks, in the transaction that is about to write what this server
// observed of an instance, that it still holds the watch it held when it
// looked: ESTALE otherwise, and the transaction must roll back.
func (m *Member) Fence(tx streamplane.Tx, instanceID string) error {
	m.mu.Lock()
	w, ok := m.watching[instanceID]
	m.mu.Unlock()
	if !ok {
		return streamplane.Errorf(streamplane.ESTALE, "server %s no longer watches instance %s", m.Self.ID, instanceID)
	}
	leases, err := tx.Leases(WatchLease(instanceID))
	if err != nil {
		return err
	}
	for _, l := range leases {
		if l.Name == WatchLease(instanceID) && l.Owner == m.Self.ID && l.Token == w.token && l.Until.After(tx.Now()) {
			return nil
		}
	}
	return streamplane.Errorf(streamplane.ESTALE, "server %s lost the watch of instance %s to another server", m.Self.ID, instanceID)
}
