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
}

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
	return u, nil
}
