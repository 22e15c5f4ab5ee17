package ui

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// throttle slows down password guessing. It counts failed logins per key (a client IP and an
// account name are separate keys); after freeFailures a key is locked for a time that doubles
// with every further failure, up to maxLock. Counters live in memory: a restart forgets them,
// which costs an attacker a restart they cannot trigger.
type throttle struct {
	now     func() time.Time
	sleep   func(ctx context.Context, d time.Duration) error
	mu      sync.Mutex
	entries map[string]*throttleEntry
}

type throttleEntry struct {
	failures int
	last     time.Time
}

const (
	freeFailures = 5
	baseLock     = time.Second
	maxLock      = 15 * time.Minute
	forgetAfter  = time.Hour // a key with no failure for this long starts over
	sweepAbove   = 10000     // entries kept before old ones are swept
	// maxAccountDelay is the longest a login is slowed down for failures against its account
	// from other addresses.
	maxAccountDelay = 3 * time.Second
)

func newThrottle(now func() time.Time) *throttle {
	return &throttle{now: now, sleep: sleepCtx, entries: map[string]*throttleEntry{}}
}

// lockFor is how long a key with n failures stays locked after its last failure.
func lockFor(n int) time.Duration {
	if n < freeFailures {
		return 0
	}
	shift := min(n-freeFailures, 20)
	return min(baseLock<<shift, maxLock)
}

// wait returns how long the caller must still wait before trying any of keys; 0 means go.
func (t *throttle) wait(keys ...string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.waitLocked(keys)
}

func (t *throttle) waitLocked(keys []string) time.Duration {
	now := t.now()
	var longest time.Duration
	for _, k := range keys {
		e := t.entries[k]
		if e == nil {
			continue
		}
		if until := e.last.Add(lockFor(e.failures)); until.After(now) {
			longest = max(longest, until.Sub(now))
		}
	}
	return longest
}

// reserve is wait and fail in one step: when no key is locked it counts an attempt as a
// failure of each key (refund gives it back) and returns 0, so that attempts in parallel
// cannot all pass the check before any failure is recorded.
func (t *throttle) reserve(keys ...string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	if wait := t.waitLocked(keys); wait > 0 {
		return wait
	}
	t.failLocked(keys)
	return 0
}

// refund takes back one reserved failure of each key.
func (t *throttle) refund(keys ...string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, k := range keys {
		if e := t.entries[k]; e != nil {
			if e.failures--; e.failures <= 0 {
				delete(t.entries, k)
			}
		}
	}
}

// fail records one failed attempt for each key.
func (t *throttle) fail(keys ...string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.failLocked(keys)
}

func (t *throttle) failLocked(keys []string) {
	now := t.now()
	if len(t.entries) > sweepAbove {
		for k, e := range t.entries {
			if now.Sub(e.last) > forgetAfter {
				delete(t.entries, k)
			}
		}
	}
	for _, k := range keys {
		e := t.entries[k]
		if e == nil || now.Sub(e.last) > forgetAfter {
			e = &throttleEntry{}
			t.entries[k] = e
		}
		e.failures++
		e.last = now
	}
}

// succeed clears keys' failures (an account after a good login; not the IP, so one valid
// account cannot be used to reset an address that is guessing other accounts).
func (t *throttle) succeed(keys ...string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, k := range keys {
		delete(t.entries, k)
	}
}

// waitText says a wait in whole seconds or minutes for people.
func waitText(d time.Duration) string {
	if d <= time.Minute {
		return fmt.Sprintf("%d seconds", int((d+time.Second-1)/time.Second))
	}
	return fmt.Sprintf("%d minutes", int((d+time.Minute-1)/time.Minute))
}

// sleepCtx waits for d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// verifyGate bounds concurrent password verifications: each argon2 check takes 64 MiB and
// ~100 ms of a core, so unbounded parallel logins would exhaust memory. A few wait in a
// bounded queue; beyond it logins are refused at once.
type verifyGate struct {
	slots    chan struct{}
	queued   atomic.Int64
	maxQueue int64
}

func newVerifyGate(slots, queue int) *verifyGate {
	return &verifyGate{slots: make(chan struct{}, max(slots, 1)), maxQueue: int64(queue)}
}

// acquire takes a slot, waiting in the queue if there is room; false means refuse.
func (g *verifyGate) acquire(ctx context.Context) bool {
	select {
	case g.slots <- struct{}{}:
		return true
	default:
	}
	if g.queued.Add(1) > g.maxQueue {
		g.queued.Add(-1)
		return false
	}
	defer g.queued.Add(-1)
	select {
	case g.slots <- struct{}{}:
		return true
	case <-ctx.Done():
		return false
	}
}

func (g *verifyGate) release() { <-g.slots }
