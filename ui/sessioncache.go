package ui

import (
	"context"
	"sync"
	"time"

	"patchward/store"
)

// sessionCache remembers which user a session token belongs to until the database changes
// (any commit, so a logout, a role change or a deleted user is seen at once). Every page view
// looks its session up; at 10,000 hosts that lookup was a tenth of the host list's CPU.
type sessionCache struct {
	mu      sync.Mutex
	version int64
	users   map[string]cachedSession
	touched map[string]time.Time // when each session's last_seen was last written
}

// touchEvery is how often a session in use has its last_seen written: the account page needs
// "last seen" to minutes, and a write per page view would cost every view a commit.
const touchEvery = 5 * time.Minute

type cachedSession struct {
	user    store.User
	expires time.Time
}

// maxCachedSessions bounds the map; reaching it only means starting over.
const maxCachedSessions = 4096

func (s *server) cachedSessionUser(ctx context.Context, token string) (store.User, error) {
	v, err := s.cache.watch.Version(ctx)
	if err != nil {
		return store.User{}, err
	}
	c := &s.sessions
	c.mu.Lock()
	if c.version != v || len(c.users) >= maxCachedSessions {
		c.version, c.users = v, map[string]cachedSession{}
	}
	cs, ok := c.users[token]
	c.mu.Unlock()
	if ok && s.db.Now().Before(cs.expires) {
		s.touchSession(ctx, token)
		return cs.user, nil
	}
	u, expires, err := s.db.Session(ctx, token)
	if err != nil {
		return u, err
	}
	c.mu.Lock()
	if c.version == v {
		c.users[token] = cachedSession{u, expires}
	}
	c.mu.Unlock()
	s.touchSession(ctx, token)
	return u, nil
}

// touchSession writes the session's last_seen when touchEvery has passed since this server
// last did; a failure only costs the account page some accuracy.
func (s *server) touchSession(ctx context.Context, token string) {
	now := s.db.Now()
	c := &s.sessions
	c.mu.Lock()
	if c.touched == nil || len(c.touched) >= maxCachedSessions {
		c.touched = map[string]time.Time{}
	}
	last, ok := c.touched[token]
	due := !ok || now.Sub(last) >= touchEvery
	if due {
		c.touched[token] = now
	}
	c.mu.Unlock()
	if !due || !ok {
		// The first sight of a session in this process does not write: login just wrote
		// last_seen, and a restart costs at most touchEvery of accuracy.
		return
	}
	if err := s.db.TouchSession(ctx, token); err != nil {
		s.log.Warn("touch session", "err", err)
	}
}
