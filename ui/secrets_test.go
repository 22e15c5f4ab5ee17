package ui

import (
	"net/http"
	"net/url"
	"testing"
	"time"
)

func TestNewSecretOnlyForItsMaker(t *testing.T) {
	env := newTestEnv(t)
	admin := env.session(t, adminName)
	if _, err := env.db.CreateUser(t.Context(), "adele", "another admin password", roleAdmin); err != nil {
		t.Fatal(err)
	}
	rec := env.do(t, http.MethodPost, "/admin/enroll-tokens", url.Values{"name": {"lab"}}, admin, nil)
	shown := rec.Header().Get("Location")
	if got := text(env.page(t, shown, env.session(t, "adele")).Find(`[data-testid="secret-value"]`)); got != "" {
		t.Errorf("another admin given the link got the secret %q", got)
	}
	if text(env.page(t, shown, admin).Find(`[data-testid="secret-value"]`)) == "" {
		t.Error("the maker: want the token shown (another admin's look must not use it up)")
	}
}

func TestOneTimeSecretsExpireAndStayBounded(t *testing.T) {
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	o := newOneTimeSecrets(func() time.Time { return now })
	id := o.put(1, "API key ci", "s3cret")
	now = now.Add(secretTTL + time.Second)
	if _, _, ok := o.take(id, 1); ok {
		t.Error("an expired secret was shown")
	}
	first := o.put(1, "k", "first")
	for i := range secretsKept {
		now = now.Add(time.Millisecond)
		o.put(1, "k", string(rune('a'+i%26)))
	}
	if len(o.m) > secretsKept {
		t.Errorf("kept %d secrets, want at most %d", len(o.m), secretsKept)
	}
	if _, _, ok := o.take(first, 1); ok {
		t.Error("the oldest secret survived a full store")
	}
}
