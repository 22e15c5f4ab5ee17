package repo

import (
	"context"
	"net/url"
	"sync"
)

// hostLimiter bounds how many mirrors of one host are refreshed at once.
type hostLimiter struct {
	limit int
	mu    sync.Mutex
	sems  map[string]chan struct{}
}

// acquire waits for a slot for host and returns its release.
func (h *hostLimiter) acquire(ctx context.Context, host string) (func(), error) {
	h.mu.Lock()
	if h.sems == nil {
		h.sems = map[string]chan struct{}{}
	}
	sem := h.sems[host]
	if sem == nil {
		sem = make(chan struct{}, max(h.limit, 1))
		h.sems[host] = sem
	}
	h.mu.Unlock()
	select {
	case sem <- struct{}{}:
		return func() { <-sem }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// hostOf is the host (and port) a mirror's metadata is read from, after rewrites; "" for files.
func (r *Refresher) hostOf(mirrorURL string) string {
	target, _ := applyRewrites(r.fetch.rewrites, mirrorURL)
	u, err := url.Parse(target)
	if err != nil {
		return ""
	}
	return u.Host
}
