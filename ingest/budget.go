package ingest

import (
	"errors"
	"io"
	"sync/atomic"
)

// errBusy is returned by readBody when the uploads in flight hold the whole memory budget.
var errBusy = errors.New("intake memory budget in use")

// budget is the memory all uploads in flight may hold together. Each upload takes each buffer
// it allocates for its body (after gzip decoding; about twice the body's size in all, as the
// buffer doubles) before allocating it, and gives it all back when its handler returns: one
// upload may still use MaxBodyBytes, but 48 parallel gzip bombs can no longer take 3 GB.
type budget struct {
	max  int64
	used atomic.Int64
}

// take reserves n bytes, or reports false (reserving nothing) when they do not fit.
func (b *budget) take(n int64) bool {
	for {
		used := b.used.Load()
		if used+n > b.max {
			return false
		}
		if b.used.CompareAndSwap(used, used+n) {
			return true
		}
	}
}

func (b *budget) give(n int64) { b.used.Add(-n) }

// budgetBuffer reads a body into memory it has taken from the budget first: every buffer
// it allocates, the ones it outgrows included (they are garbage only once the collector has
// run), so what the budget counts is what the uploads hold, not just what they have read.
type budgetBuffer struct {
	b     *budget
	taken int64
}

// read reads r to its end into a buffer of initial size, growing it (doubling, at most to
// limit bytes) as needed; errBusy when the budget cannot cover the next buffer.
func (bb *budgetBuffer) read(r io.Reader, size, limit int64) ([]byte, error) {
	size = min(max(size, 512), limit)
	if !bb.b.take(size) {
		return nil, errBusy
	}
	bb.taken += size
	buf := make([]byte, 0, size)
	for {
		if len(buf) == cap(buf) {
			if int64(len(buf)) >= limit {
				return buf, nil // the caller sees it is over the limit
			}
			next := min(int64(cap(buf))*2, limit)
			if !bb.b.take(next) {
				return nil, errBusy
			}
			bb.taken += next
			grown := make([]byte, len(buf), next)
			copy(grown, buf)
			buf = grown
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		} else if err != nil {
			return buf, err
		}
	}
}

// release gives back everything taken.
func (bb *budgetBuffer) release() {
	bb.b.give(bb.taken)
	bb.taken = 0
}
