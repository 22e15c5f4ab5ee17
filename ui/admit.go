package ui

import (
	"bytes"
	"net/http"
	"runtime"
	"strings"
	"sync/atomic"

	"patchward/assets"
)

// admission runs page and API reads a few at a time, in arrival order. Under a burst (32
// browsers and scripts at once on a 2-core VM) Go's scheduler alone shares the CPU unevenly:
// most answers are quick and a few wait many times longer. Queueing requests first in, first
// out (a channel's waiting senders are served in order) keeps every answer's wait close to the
// average, and holding a slot only while an answer is computed (it is buffered, then sent after
// the slot is freed) means a slow client never holds one.
type admission struct {
	slots  chan struct{}
	queued atomic.Int64 // requests waiting for a slot (the order test watches it)
}

// admitBuffer is how much of an answer is held back while its slot is taken; a larger answer
// (a whole-fleet CSV export) frees its slot and streams the rest.
const admitBuffer = 512 << 10

// newAdmission runs n requests at once; 0 means one per CPU the runtime uses (at least 2).
func newAdmission(n int) *admission {
	if n <= 0 {
		n = max(2, runtime.GOMAXPROCS(0))
	}
	return &admission{slots: make(chan struct{}, n)}
}

func (a *admission) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if (r.Method != http.MethodGet && r.Method != http.MethodHead) || strings.HasPrefix(r.URL.Path, assets.Prefix) {
			// Actions are few and may wait on the database's writer; static files cost nothing.
			next.ServeHTTP(w, r)
			return
		}
		a.queued.Add(1)
		select {
		case a.slots <- struct{}{}:
			a.queued.Add(-1)
		case <-r.Context().Done():
			a.queued.Add(-1)
			return // the client left while queued
		}
		aw := &admitWriter{w: w, release: func() { <-a.slots }}
		defer aw.finish()
		next.ServeHTTP(aw, r)
	})
}

// admitWriter buffers an answer while its request holds a slot.
type admitWriter struct {
	w         http.ResponseWriter
	release   func()
	buf       bytes.Buffer
	status    int
	streaming bool // the slot is freed and writes go straight through
}

func (aw *admitWriter) Header() http.Header { return aw.w.Header() }

func (aw *admitWriter) WriteHeader(status int) {
	if aw.streaming {
		aw.w.WriteHeader(status)
		return
	}
	if aw.status == 0 {
		aw.status = status
	}
}

func (aw *admitWriter) Write(b []byte) (int, error) {
	if aw.streaming {
		return aw.w.Write(b)
	}
	if aw.status == 0 {
		aw.status = http.StatusOK
	}
	if aw.buf.Len()+len(b) <= admitBuffer {
		return aw.buf.Write(b)
	}
	if err := aw.stream(); err != nil {
		return 0, err
	}
	return aw.w.Write(b)
}

// stream frees the slot and sends what is buffered; later writes go straight through.
func (aw *admitWriter) stream() error {
	aw.streaming = true
	aw.release()
	if aw.status != 0 {
		aw.w.WriteHeader(aw.status)
	}
	if aw.buf.Len() == 0 {
		return nil
	}
	_, err := aw.w.Write(aw.buf.Bytes())
	aw.buf = bytes.Buffer{}
	return err
}

// finish sends the answer once the handler is done (the slot is freed first).
func (aw *admitWriter) finish() {
	if !aw.streaming {
		aw.stream()
	}
}

// Unwrap lets http.ResponseController reach the connection.
func (aw *admitWriter) Unwrap() http.ResponseWriter { return aw.w }
