package gc

import (
	"math"
	"runtime/debug"
	"testing"
)

// TestTune: serving raises GOGC and sets a soft memory limit, unless the environment sets them.
func TestTune(t *testing.T) {
	prevPct, prevLimit := debug.SetGCPercent(100), debug.SetMemoryLimit(math.MaxInt64)
	t.Cleanup(func() { debug.SetGCPercent(prevPct); debug.SetMemoryLimit(prevLimit) })

	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	pct, limit := Tune()
	if got := debug.SetGCPercent(-1); pct != serveGCPercent || got != serveGCPercent {
		t.Errorf("GOGC unset: Tune said %d, the runtime has %d; want %d", pct, got, serveGCPercent)
	}
	if got := debug.SetMemoryLimit(-1); limit != serveSoftMemory || got != serveSoftMemory {
		t.Errorf("GOMEMLIMIT unset: Tune said %d, the runtime has %d; want %d", limit, got, serveSoftMemory)
	}

	debug.SetGCPercent(150)
	debug.SetMemoryLimit(1 << 30)
	t.Setenv("GOGC", "150")
	t.Setenv("GOMEMLIMIT", "1GiB")
	pct, limit = Tune()
	if got := debug.SetGCPercent(-1); pct != -1 || got != 150 {
		t.Errorf("GOGC=150: Tune said %d and the runtime has %d; want it left at 150", pct, got)
	}
	if got := debug.SetMemoryLimit(-1); limit != -1 || got != 1<<30 {
		t.Errorf("GOMEMLIMIT=1GiB: Tune said %d and the runtime has %d; want it left", limit, got)
	}
}
