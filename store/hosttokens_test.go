package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestEnrollAndHostTokens(t *testing.T) {
	db, now := openIngestTestDB(t)
	ctx := context.Background()
	enroll, et, err := db.CreateEnrollToken(ctx, "site")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enroll, EnrollTokenPrefix+et.Prefix+".") {
		t.Fatalf("got enrollment token %q, want %s<prefix>.<secret>", enroll, EnrollTokenPrefix)
	}
	_, secret, _ := strings.Cut(enroll, ".")
	if n := ingestCount(t, db, `SELECT count(*) FROM enroll_tokens WHERE instr(hash, ?) > 0`, secret); n != 0 {
		t.Errorf("enrollment secret stored in plain text")
	}

	bad := []struct{ name, token string }{
		{"wrong secret", alterLast(enroll)},
		{"api key shape", strings.TrimPrefix(enroll, EnrollTokenPrefix)},
		{"host token prefix", HostTokenPrefix + strings.TrimPrefix(enroll, EnrollTokenPrefix)},
		{"empty", ""},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := db.EnrollHost(ctx, tt.token, "web1.example.org"); !errors.Is(err, ErrNotFound) {
				t.Errorf("got %v, want ErrNotFound", err)
			}
		})
	}

	*now = now.Add(time.Hour)
	host, ht, err := db.EnrollHost(ctx, enroll, " Web1.Example.org ")
	if err != nil {
		t.Fatal(err)
	}
	if ht.Hostname != "web1.example.org" || !strings.HasPrefix(host, HostTokenPrefix) || ht.EnrollID != et.ID {
		t.Fatalf("got %q %+v, want a pwh_ token for web1.example.org from enrollment token %d", host, ht, et.ID)
	}
	if _, _, err := db.EnrollHost(ctx, enroll, "WEB1.example.org"); !errors.Is(err, ErrConflict) {
		t.Errorf("second enrollment of the same name: got %v, want ErrConflict", err)
	}
	got, err := db.VerifyHostToken(ctx, host)
	if err != nil || got.Hostname != "web1.example.org" || !got.LastUsed.Equal(*now) {
		t.Fatalf("verify: got %+v, %v; want web1.example.org used at %v", got, err, *now)
	}
	if _, err := db.VerifyHostToken(ctx, alterLast(host)); !errors.Is(err, ErrNotFound) {
		t.Errorf("wrong host secret: got %v, want ErrNotFound", err)
	}
	if _, err := db.VerifyHostToken(ctx, enroll); !errors.Is(err, ErrNotFound) {
		t.Errorf("enrollment token as host token: got %v, want ErrNotFound", err)
	}
	if lt, err := db.HostTokenOf(ctx, "web1.EXAMPLE.org"); err != nil || lt.ID != ht.ID {
		t.Errorf("live token: got %+v, %v; want id %d", lt, err, ht.ID)
	}
	ets, err := db.EnrollTokens(ctx)
	if err != nil || len(ets) != 1 || ets[0].Uses != 1 {
		t.Errorf("enrollment tokens: got %+v, %v; want one used once", ets, err)
	}

	// Revoking frees the name for a new enrollment; the old token stops working.
	if err := db.RevokeHostToken(ctx, "web1.example.org"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.VerifyHostToken(ctx, host); !errors.Is(err, ErrNotFound) {
		t.Errorf("revoked host token: got %v, want ErrNotFound", err)
	}
	if err := db.RevokeHostToken(ctx, "web1.example.org"); !errors.Is(err, ErrNotFound) {
		t.Errorf("revoke twice: got %v, want ErrNotFound", err)
	}
	if _, _, err := db.EnrollHost(ctx, enroll, "web1.example.org"); err != nil {
		t.Errorf("re-enroll after revoke: %v", err)
	}
	hts, _, err := db.HostTokenViews(ctx, 0)
	if err != nil || len(hts) != 2 || hts[1].Revoked.IsZero() || !hts[0].Revoked.IsZero() {
		t.Errorf("host tokens: got %+v, %v; want one live and one revoked", hts, err)
	}

	// A revoked enrollment token enrolls no more hosts.
	if err := db.RevokeEnrollToken(ctx, et.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.EnrollHost(ctx, enroll, "web2.example.org"); !errors.Is(err, ErrNotFound) {
		t.Errorf("revoked enrollment token: got %v, want ErrNotFound", err)
	}
	if err := db.RevokeEnrollToken(ctx, 999); !errors.Is(err, ErrNotFound) {
		t.Errorf("revoke unknown: got %v, want ErrNotFound", err)
	}
}

// alterLast changes a token's last character to a different one (a token that already ends in
// "x" must not stay the same, which made these checks fail one run in sixty or so).
func alterLast(tok string) string {
	if strings.HasSuffix(tok, "x") {
		return tok[:len(tok)-1] + "y"
	}
	return tok[:len(tok)-1] + "x"
}
