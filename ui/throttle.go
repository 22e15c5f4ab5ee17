package ui

import (
	"fmt"
	"sync"
	"time"
)

// throttle slows down password guessing. It counts failed logins per key (a client IP and an
// account name are separate keys); after freeFailures a key is locked for a time that doubles
// with every further failure, up to maxLock. Counters live in memory: a restart forgets them,
// which costs an attacker a restart they cannot trigger.
type throttle struct {
	now     func() time.Time
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
)

func newThrottle(now func() time.Time) *throttle {
	return &throttle{now: now, entries: map[string]*throttleEntry{}}
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

// fail records one failed attempt for each key.
func (t *throttle) fail(keys ...string) {
	t.mu.Lock()
	defer t.mu.Unlock()
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

// succeed clears key's failures (an account after a good login; not the IP, so one valid
// account cannot be used to reset an address that is guessing other accounts).
func (t *throttle) succeed(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.entries, key)
}

// waitText says a wait in whole seconds or minutes for people.
func waitText(d time.Duration) string {
	if d <= time.Minute {
		return fmt.Sprintf("%d seconds", int((d+time.Second-1)/time.Second))
	}
	return fmt.Sprintf("%d minutes", int((d+time.Minute-1)/time.Minute))
}
