package store

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestReports(t *testing.T) {
	db, now := openIngestTestDB(t)
	ctx := context.Background()
	hr := ingestReport("a.example.org", "3.0.16")
	hr.Repos = nil // nil must survive the round trip: it means "keep the host's repos"
	id1, err := db.SaveReport(ctx, Report{Protocol: "2", RemoteAddr: "10.0.0.5", UserAgent: "curl/7.88.1"}, hr)
	if err != nil {
		t.Fatal(err)
	}
	*now = now.Add(time.Second)
	raw := bytes.Repeat([]byte("x"), MaxRawReport+10)
	id2, err := db.SaveRejectedReport(ctx, Report{Protocol: "1", Hostname: "b.example.org"}, "packages line 3: bad", raw)
	if err != nil {
		t.Fatal(err)
	}

	got, err := db.ReportPayload(ctx, id1)
	if err != nil {
		t.Fatal(err)
	}
	hr.Received = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	if diff := cmp.Diff(hr, got); diff != "" {
		t.Errorf("payload (-want +got):\n%s", diff)
	}
	r2, err := db.Report(ctx, id2)
	if err != nil {
		t.Fatal(err)
	}
	if r2.Status != ReportRejected || r2.Error != "packages line 3: bad" || len(r2.Raw) != MaxRawReport || r2.Processed.IsZero() {
		t.Errorf("got rejected report %+v (raw %d bytes), want rejected with reason and %d raw bytes", r2.Status, len(r2.Raw), MaxRawReport)
	}
	if _, err := db.ReportPayload(ctx, id2); !errors.Is(err, ErrNotFound) {
		t.Errorf("payload of rejected upload: got %v, want ErrNotFound", err)
	}

	pending, err := db.PendingReportIDs(ctx, 10)
	if err != nil || len(pending) != 1 || pending[0] != id1 {
		t.Errorf("got pending %v, %v, want [%d]", pending, err, id1)
	}
	tests := []struct {
		name string
		f    ReportFilter
		want []int64
	}{
		{"all newest first", ReportFilter{}, []int64{id2, id1}},
		{"rejected", ReportFilter{Status: ReportRejected}, []int64{id2}},
		{"hostname any case", ReportFilter{Hostname: "A.Example.Org"}, []int64{id1}},
		{"before id", ReportFilter{BeforeID: id2}, []int64{id1}},
		{"limit", ReportFilter{Limit: 1}, []int64{id2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs, err := db.Reports(ctx, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, r := range rs {
				ids = append(ids, r.ID)
			}
			if !cmp.Equal(ids, tt.want) {
				t.Errorf("got %v, want %v", ids, tt.want)
			}
		})
	}

	if err := db.RejectReport(ctx, id1, "cannot apply"); err != nil {
		t.Fatal(err)
	}
	if err := db.RequeueReport(ctx, id1); err != nil {
		t.Fatal(err)
	}
	if r, _ := db.Report(ctx, id1); r.Status != ReportPending || r.Error != "" {
		t.Errorf("after requeue got %s %q, want pending without error", r.Status, r.Error)
	}
	if err := db.RequeueReport(ctx, id2); !errors.Is(err, ErrNotFound) {
		t.Errorf("requeue of a payload-less rejected upload: got %v, want ErrNotFound", err)
	}
	if err := db.DeleteReport(ctx, id2); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Report(ctx, id2); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleted report: got %v, want ErrNotFound", err)
	}
	if err := db.DeleteReport(ctx, id2); !errors.Is(err, ErrNotFound) {
		t.Errorf("second delete: got %v, want ErrNotFound", err)
	}
}

func TestReportPayloadCorrupt(t *testing.T) {
	db, _ := openIngestTestDB(t)
	ctx := context.Background()
	for _, payload := range [][]byte{[]byte("{not json"), {0x1f, 0x8b, 1, 2, 3}, {0x28, 0xb5, 0x2f, 0xfd, 1, 2, 3}, []byte("PWR1\n{}\n2\na\tb\n"),
		[]byte("PWR1\n{}\n99\n"), []byte("PWR1\n{\n")} {
		res, err := db.write.Exec(`INSERT INTO reports (received, protocol, status, payload) VALUES (?, '1', 'pending', ?)`, db.Now(), payload)
		if err != nil {
			t.Fatal(err)
		}
		id, _ := res.LastInsertId()
		if _, err := db.ReportPayload(ctx, id); !errors.Is(err, ErrBadPayload) {
			t.Errorf("payload %q: got %v, want ErrBadPayload", payload, err)
		}
	}
}

func TestReportPayloadRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		pkgs []PackageKey
	}{
		{"nil packages", nil},
		{"empty packages", []PackageKey{}},
		{"odd bytes", []PackageKey{
			{Type: "rpm", Name: "a\tb", Arch: "x86_64", Epoch: "1", Version: `c:\path\t`, Release: "line\nbreak\\"},
			{Type: "deb", Name: "bash", Arch: "amd64", Version: "5.2", Release: ""},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := HostReport{Hostname: "h", Packages: tt.pkgs, Repos: []ReportedRepo{}, Tags: []string{"t"}}
			b, err := encodeReportPayload(in)
			if err != nil {
				t.Fatal(err)
			}
			out, err := decodeReportPayload(b)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(in, out); diff != "" {
				t.Errorf("round trip (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPruneReports(t *testing.T) {
	db, now := openIngestTestDB(t)
	ctx := context.Background()
	for range 4 {
		*now = now.Add(time.Minute)
		applyNew(t, db, ingestReport("a.example.org", "1"))
	}
	*now = now.Add(time.Minute)
	applyNew(t, db, ingestReport("b.example.org", "1"))
	pending, err := db.SaveReport(ctx, Report{Protocol: "1"}, ingestReport("a.example.org", "2"))
	if err != nil {
		t.Fatal(err)
	}
	oldRejected, _ := db.SaveRejectedReport(ctx, Report{Protocol: "1", Received: now.Add(-48 * time.Hour)}, "bad", nil)
	newRejected, _ := db.SaveRejectedReport(ctx, Report{Protocol: "1"}, "bad", nil)

	n, err := db.PruneReports(ctx, 2, now.Add(-24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Errorf("got %d deleted, want 3 (two old reports of a, one old rejected)", n)
	}
	rs, err := db.Reports(ctx, ReportFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, r := range rs {
		ids = append(ids, r.ID)
	}
	if want := []int64{newRejected, pending, 5, 4, 3}; !cmp.Equal(ids, want) {
		t.Errorf("got remaining %v, want %v (old rejected %d gone)", ids, want, oldRejected)
	}
}

// TestPruneReportCounts: processed and rejected reports are counted apart.
func TestPruneReportCounts(t *testing.T) {
	db, now := openIngestTestDB(t)
	ctx := context.Background()
	for range 3 {
		*now = now.Add(time.Minute)
		applyNew(t, db, ingestReport("a.example.org", "1"))
	}
	if _, err := db.SaveRejectedReport(ctx, Report{Protocol: "1", Received: now.Add(-48 * time.Hour)}, "bad", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SaveRejectedReport(ctx, Report{Protocol: "1"}, "bad", nil); err != nil {
		t.Fatal(err)
	}
	got, err := db.PruneReportCounts(ctx, 1, now.Add(-24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if want := (Pruned{Processed: 2, Rejected: 1}); got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
}
