package ui

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"patchward/store"
)

// loginFrom posts a login form from the given client address.
func (e *testEnv) loginFrom(addr, name, password string) *httptest.ResponseRecorder {
	form := url.Values{"username": {name}, "password": {password}}
	req := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.RemoteAddr = addr + ":40000"
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return rec
}

// countVerifications makes the server count its password verifications (the real ones, through
// the store) and returns the counter.
func (e *testEnv) countVerifications() *atomic.Int64 {
	var n atomic.Int64
	real := e.srv.verify
	e.srv.verify = func(ctx context.Context, name, password string) (store.User, error) {
		n.Add(1)
		return real(ctx, name, password)
	}
	return &n
}

// TestLoginParallelGuesses: 30 guesses at once from one address are not all evaluated; the
// throttle reserves each attempt before the password is checked.
func TestLoginParallelGuesses(t *testing.T) {
	env := newTestEnv(t)
	env.srv.throttle = newThrottle(func() time.Time { return testNow })
	n := env.countVerifications()
	var wg sync.WaitGroup
	for range 30 {
		wg.Go(func() { env.loginFrom("192.0.2.7", adminName, "guess") })
	}
	wg.Wait()
	if got := n.Load(); got > freeFailures {
		t.Errorf("verifications of 30 parallel guesses: got %d, want at most %d", got, freeFailures)
	}
}

// TestLoginAccountNotLockedOut: failures against an account from many addresses slow its
// logins but never refuse its right password from an address that has not failed.
func TestLoginAccountNotLockedOut(t *testing.T) {
	env := newTestEnv(t)
	var delayed []time.Duration
	env.srv.throttle = newThrottle(func() time.Time { return testNow })
	env.srv.throttle.sleep = func(_ context.Context, d time.Duration) error { delayed = append(delayed, d); return nil }
	for i := range 8 {
		for range 2 {
			if got := env.loginFrom("192.0.2."+string(rune('1'+i)), adminName, "guess").Code; got != http.StatusUnauthorized &&
				got != http.StatusTooManyRequests {
				t.Fatalf("guess from address %d: got %d, want 401 or 429", i, got)
			}
		}
	}
	if got := env.loginFrom("198.51.100.1", adminName, adminPassword).Code; got != http.StatusSeeOther {
		t.Errorf("right password from a clean address after a burst: got %d, want 303", got)
	}
	if len(delayed) == 0 {
		t.Error("no login was slowed down after 16 failures against one account, want a delay")
	}
	if got := env.loginFrom("192.0.2.1", adminName, adminPassword).Code; got != http.StatusSeeOther {
		t.Errorf("right password from an address with 2 failures: got %d, want 303", got)
	}
}

// TestLoginVerifyCap: password verifications (64 MiB of argon2 each) run a few at a time; a
// bounded queue waits and the rest are refused with 503 and Retry-After.
func TestLoginVerifyCap(t *testing.T) {
	env := newTestEnv(t)
	env.srv.gate = newVerifyGate(2, 2)
	release := make(chan struct{})
	var running, most atomic.Int64
	env.srv.verify = func(ctx context.Context, name, password string) (store.User, error) {
		now := running.Add(1)
		for {
			m := most.Load()
			if now <= m || most.CompareAndSwap(m, now) {
				break
			}
		}
		<-release
		running.Add(-1)
		return store.User{}, store.ErrNotFound
	}
	codes := make(chan int, 10)
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Go(func() {
			rec := env.loginFrom("203.0.113."+string(rune('0'+i)), "nobody", "guess")
			if rec.Code == http.StatusServiceUnavailable && rec.Header().Get("Retry-After") == "" {
				t.Error("503 without Retry-After")
			}
			codes <- rec.Code
		})
	}
	refused := 0
	for refused < 6 {
		if c := <-codes; c != http.StatusServiceUnavailable {
			t.Fatalf("while 4 logins wait: got %d, want 503", c)
		}
		refused++
	}
	close(release)
	wg.Wait()
	close(codes)
	for c := range codes {
		if c != http.StatusUnauthorized {
			t.Errorf("queued login: got %d, want 401", c)
		}
	}
	if got := most.Load(); got > 2 {
		t.Errorf("concurrent verifications: got %d, want at most 2", got)
	}
}

// TestHSTS: with TLS on, answers carry Strict-Transport-Security; over plain HTTP they do not
// (a browser ignores it there, and a test server on http must stay reachable).
func TestHSTS(t *testing.T) {
	env := newTestEnv(t)
	for _, target := range []string{"https://patchward.example/login", "http://patchward.example/login"} {
		rec := httptest.NewRecorder()
		env.h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
		got := rec.Header().Get("Strict-Transport-Security")
		if strings.HasPrefix(target, "https:") != strings.Contains(got, "max-age=") {
			t.Errorf("GET %s: Strict-Transport-Security %q", target, got)
		}
	}
}
