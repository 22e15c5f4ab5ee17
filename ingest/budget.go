package ingest

import (
	"errors"
	"io"
	"sync/atomic"
)

// errBusy is returned by readBody when the uploads in flight hold the whole memory budget.
var errBusy = errors.New("intake memory budget in use")

// budget is the memory all uploads in flight may hold together. Each upload takes what it has
// read (after gzip decoding) as it reads, and gives it back when its handler returns: one
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

// budgetReader takes from the budget what it reads beyond what was reserved; taken is what to
// give back.
type budgetReader struct {
	r        io.Reader
	b        *budget
	taken    int64
	reserved int64 // taken up front and not read yet
}

func (br *budgetReader) Read(p []byte) (int, error) {
	n, err := br.r.Read(p)
	if more := int64(n) - br.reserved; more > 0 {
		if !br.b.take(more) {
			return 0, errBusy
		}
		br.taken += more
	}
	br.reserved = max(br.reserved-int64(n), 0)
	return n, err
}

// reserve takes n bytes up front (a declared Content-Length), or reports false.
func (br *budgetReader) reserve(n int64) bool {
	if !br.b.take(n) {
		return false
	}
	br.taken += n
	br.reserved += n
	return true
}

// release gives back everything taken.
func (br *budgetReader) release() {
	br.b.give(br.taken)
	br.taken, br.reserved = 0, 0
}
