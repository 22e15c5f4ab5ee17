package ingest

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"patchward/store"
)

// BenchmarkAcceptProtocol1 posts the captured 741-package protocol 1 upload through the handler,
// including parsing and the SQLite commit of the pending report.
func BenchmarkAcceptProtocol1(b *testing.B) {
	db := openTestDB(b)
	h := Handler(db, Options{}, nil, nil)
	hdr, path, body := fixtureRequest(b, "patchman-protocol1-debian12")
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if rec := post(h, path, "127.0.0.1:1", hdr, body); rec.Code != http.StatusNoContent {
			b.Fatalf("got %d %s", rec.Code, rec.Body)
		}
	}
}

// BenchmarkProcessProtocol1 processes the captured report (decode the stored payload, apply it
// to the host in one transaction):
//   - new-set: one package version changes each time, so a new package set is built;
//   - unchanged: the same packages each time (the common case);
//   - all-new-packages: every package is new to the database (first report of a new distro).
func BenchmarkProcessProtocol1(b *testing.B) {
	hr, _, err := ParseProtocol1(fixtureFields(b, "patchman-protocol1-debian12"))
	if err != nil {
		b.Fatal(err)
	}
	variants := []struct {
		name   string
		mutate func(r *store.HostReport, i int)
	}{
		{"new-set", func(r *store.HostReport, i int) { r.Packages[100].Version = fmt.Sprintf("9.%d", i) }},
		{"unchanged", func(r *store.HostReport, i int) {}},
		{"all-new-packages", func(r *store.HostReport, i int) {
			for j := range r.Packages {
				r.Packages[j].Release = fmt.Sprintf("bench%d", i)
			}
		}},
	}
	for _, v := range variants {
		b.Run(v.name, func(b *testing.B) {
			db := openTestDB(b)
			ctx := context.Background()
			p := NewProcessor(db, nil, nil)
			r := hr
			r.Packages = append([]store.PackageKey(nil), hr.Packages...)
			save := func(i int) int64 {
				v.mutate(&r, i)
				id, err := db.SaveReport(ctx, store.Report{Protocol: "1"}, r)
				if err != nil {
					b.Fatal(err)
				}
				return id
			}
			if err := p.ProcessReport(ctx, save(-1)); err != nil { // warm: host and repos exist
				b.Fatal(err)
			}
			i := 0
			for b.Loop() {
				b.StopTimer()
				id := save(i)
				i++
				b.StartTimer()
				if err := p.ProcessReport(ctx, id); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			if rs, err := db.Reports(ctx, store.ReportFilter{Status: store.ReportPending}); err != nil || len(rs) != 0 {
				b.Fatalf("got %d pending, %v, want all processed", len(rs), err)
			}
		})
	}
}

// BenchmarkProcessFirstReport processes the captured report as the very first report of a
// fresh server: the host, its repos and all its 741 packages are new to the database.
func BenchmarkProcessFirstReport(b *testing.B) {
	hr, _, err := ParseProtocol1(fixtureFields(b, "patchman-protocol1-debian12"))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		db := openTestDB(b)
		p := NewProcessor(db, nil, nil)
		id, err := db.SaveReport(ctx, store.Report{Protocol: "1"}, hr)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if err := p.ProcessReport(ctx, id); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		db.Close()
		b.StartTimer()
	}
}
