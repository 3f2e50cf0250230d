package authn

import (
	"sync"
	"time"
)

// Throttle slows and then locks sign-ins from an address that keeps
// failing. It is kept in memory: a restart forgets it, which costs an
// attacker a server restart per lock and is worth not writing to the store
// on every failed login.
type Throttle struct {
	// SlowAfter failures in Window, each further attempt must wait a delay
	// that doubles per failure (1 s, 2 s, … up to MaxDelay) after the last.
	SlowAfter int
	MaxDelay  time.Duration
	// LockAfter failures in Window lock the address for LockFor: every
	// attempt is refused, even with the right password.
	LockAfter int
	LockFor   time.Duration
	Window    time.Duration
	Now       func() time.Time

	mu    sync.Mutex
	addrs map[string]*attempts
}

type attempts struct {
	failures    int
	first, last time.Time
	lockedUntil time.Time
}

// maxTracked bounds the memory a flood of addresses can take; past it, the
// quietest entries are forgotten first.
const maxTracked = 10000

// NewThrottle returns a throttle with the defaults: slowed after 5
// failures, locked for 15 minutes after 10, counted over 15 minutes.
func NewThrottle() *Throttle {
	return &Throttle{SlowAfter: 5, MaxDelay: 30 * time.Second, LockAfter: 10, LockFor: 15 * time.Minute, Window: 15 * time.Minute, Now: time.Now}
}

// Allow reports whether an attempt from addr may be checked now, and if
// not, how long until it may. A refused attempt counts as a failure, so
// hammering a locked address keeps it locked.
func (t *Throttle) Allow(addr string) (ok bool, retryAfter time.Duration, locked bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.Now()
	a := t.current(addr, now)
	if a == nil {
		return true, 0, false
	}
	if now.Before(a.lockedUntil) {
		return false, a.lockedUntil.Sub(now), true
	}
	if a.failures >= t.SlowAfter {
		delay := t.MaxDelay
		if shift := a.failures - t.SlowAfter; shift < 16 {
			delay = min(time.Second<<shift, t.MaxDelay)
		}
		if wait := a.last.Add(delay).Sub(now); wait > 0 {
			t.fail(a, now)
			return false, wait, false
		}
	}
	return true, 0, false
}

// Failed records a failed sign-in from addr.
func (t *Throttle) Failed(addr string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.Now()
	a := t.current(addr, now)
	if a == nil {
		if len(t.addrs) >= maxTracked {
			t.evict(now)
		}
		a = &attempts{first: now}
		if t.addrs == nil {
			t.addrs = map[string]*attempts{}
		}
		t.addrs[addr] = a
	}
	t.fail(a, now)
}

// Succeeded clears addr's failures.
func (t *Throttle) Succeeded(addr string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.addrs, addr)
}

func (t *Throttle) fail(a *attempts, now time.Time) {
	a.failures++
	a.last = now
	if a.failures >= t.LockAfter && !now.Before(a.lockedUntil) {
		a.lockedUntil = now.Add(t.LockFor)
	}
}

// current returns addr's record, dropping it once both its window and its
// lock have passed.
func (t *Throttle) current(addr string, now time.Time) *attempts {
	a := t.addrs[addr]
	if a != nil && now.Sub(a.last) > t.Window && !now.Before(a.lockedUntil) {
		delete(t.addrs, addr)
		return nil
	}
	return a
}

func (t *Throttle) evict(now time.Time) {
	var quietest string
	var oldest time.Time
	for addr, a := range t.addrs {
		if now.Sub(a.last) > t.Window && !now.Before(a.lockedUntil) {
			delete(t.addrs, addr)
			continue
		}
		if quietest == "" || a.last.Before(oldest) {
			quietest, oldest = addr, a.last
		}
	}
	if len(t.addrs) >= maxTracked {
		delete(t.addrs, quietest)
	}
}
