package ui

import (
	"context"
	"sync"
	"sync/atomic"

	"patchward/store"
)

// fleetCache keeps whole-fleet reads (the host snapshot, the dashboard) until the database
// changes: every lookup asks SQLite's data version, so an answer is never staler than the
// last commit, and a fleet at rest costs no repeated scans of 10,000 hosts.
type fleetCache struct {
	watch   *store.ChangeWatcher
	mu      sync.Mutex
	entries map[string]*cacheEntry
	builds  atomic.Int64 // how many times a value was (re)built, for benchmarks and tests
}

type cacheEntry struct {
	mu      sync.Mutex // held while building, so concurrent misses build once
	version int64
	ok      bool
	val     any
}

func newFleetCache(db *store.DB) *fleetCache {
	return &fleetCache{watch: db.NewChangeWatcher(), entries: map[string]*cacheEntry{}}
}

// maxCacheEntries bounds the map; keys are few (snapshot, dashboard per minute), so hitting
// it only means old minutes piled up.
const maxCacheEntries = 64

// get returns the value for key built at the current data version, building it if needed.
func (c *fleetCache) get(ctx context.Context, key string, build func(context.Context) (any, error)) (any, error) {
	v, err := c.watch.Version(ctx)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	e := c.entries[key]
	if e == nil {
		if len(c.entries) >= maxCacheEntries {
			clear(c.entries)
		}
		e = &cacheEntry{}
		c.entries[key] = e
	}
	c.mu.Unlock()
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.ok && e.version == v {
		return e.val, nil
	}
	c.builds.Add(1)
	val, err := build(ctx)
	if err != nil {
		return nil, err
	}
	e.val, e.version, e.ok = val, v, true
	return val, nil
}

// hostSnapshot returns every host summary as of the last commit.
// fleetView is the fleet-wide view at the current data version (built once per version).
func (s *server) fleetView(ctx context.Context) (*store.FleetView, error) {
	v, err := s.cache.get(ctx, "fleet", func(ctx context.Context) (any, error) { return s.fleet.Load(ctx) })
	if err != nil {
		return nil, err
	}
	return v.(*store.FleetView), nil
}

func (s *server) hostSnapshot(ctx context.Context) (*store.HostSnapshot, error) {
	v, err := s.cache.get(ctx, "hosts", func(ctx context.Context) (any, error) { return s.db.LoadHostSnapshot(ctx) })
	if err != nil {
		return nil, err
	}
	return v.(*store.HostSnapshot), nil
}
