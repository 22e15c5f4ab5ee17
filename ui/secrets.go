package ui

import (
	"crypto/rand"
	"sync"
	"time"
)

// secretTTL is how long a new secret waits for the admin page that shows it.
const secretTTL = 5 * time.Minute

// secretsKept bounds the store: creating keys faster than anyone reads them drops the oldest.
const secretsKept = 256

// oneTimeSecrets carries a new API key or enrollment token from the POST that made it to the
// one GET that shows it (Post/Redirect/Get): the redirect names a random id, never the secret,
// and the first read removes it, so reloading either page neither shows it again nor makes
// another. Memory only: a restart in between loses the secret, and the admin makes another.
type oneTimeSecrets struct {
	mu  sync.Mutex
	now func() time.Time
	m   map[string]keptSecret
}

type keptSecret struct {
	user          int64 // only the admin who made it may see it
	label, secret string
	expires       time.Time
}

func newOneTimeSecrets(now func() time.Time) *oneTimeSecrets {
	return &oneTimeSecrets{now: now, m: map[string]keptSecret{}}
}

// put keeps a secret for user and returns the id to redirect with.
func (o *oneTimeSecrets) put(user int64, label, secret string) string {
	o.mu.Lock()
	defer o.mu.Unlock()
	now := o.now()
	var oldest string
	for id, k := range o.m {
		if now.After(k.expires) {
			delete(o.m, id)
		} else if oldest == "" || k.expires.Before(o.m[oldest].expires) {
			oldest = id
		}
	}
	if len(o.m) >= secretsKept {
		delete(o.m, oldest)
	}
	id := rand.Text()
	o.m[id] = keptSecret{user: user, label: label, secret: secret, expires: now.Add(secretTTL)}
	return id
}

// take returns and forgets the secret kept under id, if user made it and it has not expired.
func (o *oneTimeSecrets) take(id string, user int64) (label, secret string, ok bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	k, found := o.m[id]
	if !found || k.user != user {
		return "", "", false
	}
	delete(o.m, id)
	if o.now().After(k.expires) {
		return "", "", false
	}
	return k.label, k.secret, true
}
