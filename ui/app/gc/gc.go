// Package gc tunes the Go garbage collector of a serving process. It is a leaf so that both the
// server's composition (ui/app) and the UI's benchmarks apply the same settings.
package gc

import (
	"os"
	"runtime/debug"
)

// Garbage collection settings of a serving process, unless GOGC or GOMEMLIMIT say otherwise.
// The server's live heap is small (tens of MB at 10,000 hosts) while pages allocate a lot, so
// Go's default (collect at 2x the live heap) collected ~35 times a second under load, and its
// assists landed on requests: at 5x the host page's p99 under 32 clients fell by a third. The
// soft limit keeps a small VM safe: near it the collector works harder instead of growing.
const (
	serveGCPercent  = 400
	serveSoftMemory = 768 << 20
)

// Tune applies the serving settings; it returns what it set, for the log.
func Tune() (gcPercent int, memLimit int64) {
	gcPercent, memLimit = -1, -1
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(serveGCPercent)
		gcPercent = serveGCPercent
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(serveSoftMemory)
		memLimit = serveSoftMemory
	}
	return gcPercent, memLimit
}
