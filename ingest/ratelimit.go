package ingest

import (
	"net/netip"
	"sync"
	"time"
)

// rejectLimiter counts rejected uploads per client address in token buckets: perMinute tokens,
// refilled evenly over a minute. A bad upload costs its client nothing and costs us a parse and
// a kept record, so an address that has used up its bucket is refused before its body is read.
type rejectLimiter struct {
	mu        sync.Mutex
	perMinute float64
	buckets   map[netip.Addr]rejectBucket
}

type rejectBucket struct {
	tokens float64
	at     time.Time
}

// maxBuckets bounds the limiter's memory; past it, addresses back to a full bucket are forgotten.
const maxBuckets = 4096

func newRejectLimiter(perMinute int) *rejectLimiter {
	return &rejectLimiter{perMinute: float64(perMinute), buckets: map[netip.Addr]rejectBucket{}}
}

// refill returns a's bucket as of now.
func (l *rejectLimiter) refill(a netip.Addr, now time.Time) rejectBucket {
	b, ok := l.buckets[a]
	if !ok {
		return rejectBucket{tokens: l.perMinute, at: now}
	}
	b.tokens = min(l.perMinute, b.tokens+now.Sub(b.at).Minutes()*l.perMinute)
	b.at = now
	return b
}

// allowed reports whether a may still have uploads rejected, and if not, how long until it may.
func (l *rejectLimiter) allowed(a netip.Addr, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.refill(a, now)
	if b.tokens >= 1 {
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / l.perMinute * float64(time.Minute))
}

// rejected spends one of a's tokens.
func (l *rejectLimiter) rejected(a netip.Addr, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.buckets) >= maxBuckets {
		for k := range l.buckets {
			if l.refill(k, now).tokens >= l.perMinute {
				delete(l.buckets, k)
			}
		}
	}
	b := l.refill(a, now)
	b.tokens = max(b.tokens-1, 0)
	l.buckets[a] = b
}
