package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestHostEvents: a host reporting three times (an install with an upgrade, a kernel change,
// then a removal with a downgrade) gives exactly those events, with the reports that showed
// them, newest first; an unchanged report adds none.
func TestHostEvents(t *testing.T) {
	ctx := context.Background()
	db, clock := openClockedDB(t, time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC))
	report := func(hr HostReport) (int64, int64) {
		t.Helper()
		*clock = clock.Add(time.Hour)
		hr.Received = db.Now()
		id, err := db.SaveReport(ctx, Report{Protocol: "native"}, hr)
		if err != nil {
			t.Fatal(err)
		}
		hostID, err := db.ApplyHostReport(ctx, id, hr)
		if err != nil {
			t.Fatal(err)
		}
		return id, hostID
	}
	first := ingestReport("events.example.org", "3.0.15")
	r1, hostID := report(first)

	second := ingestReport("events.example.org", "3.0.17") // openssl upgraded
	second.Kernel = "6.1.0-44-amd64"
	second.Packages = append(second.Packages, PackageKey{Type: "deb", Name: "curl", Arch: "amd64", Version: "7.88.1", Release: "10+deb12u5"})
	r2, _ := report(second)
	third := ingestReport("events.example.org", "3.0.16") // openssl downgraded, curl removed
	third.Kernel = second.Kernel
	r3, _ := report(third)
	report(third) // unchanged: no events

	got, err := db.HostEvents(ctx, hostID, 0)
	if err != nil {
		t.Fatal(err)
	}
	at := func(h int) time.Time { return time.Date(2026, 3, 1, 10+h, 0, 0, 0, time.UTC) }
	want := []HostEvent{
		{At: at(3), ReportID: r3, Kind: EventRemoved, Name: "curl", Arch: "amd64", Old: "7.88.1-10+deb12u5"},
		{At: at(3), ReportID: r3, Kind: EventDowngraded, Name: "openssl", Arch: "amd64", Old: "3.0.17-1~deb12u1", New: "3.0.16-1~deb12u1"},
		{At: at(2), ReportID: r2, Kind: EventInstalled, Name: "curl", Arch: "amd64", New: "7.88.1-10+deb12u5"},
		{At: at(2), ReportID: r2, Kind: EventUpgraded, Name: "openssl", Arch: "amd64", Old: "3.0.15-1~deb12u1", New: "3.0.17-1~deb12u1"},
		{At: at(2), ReportID: r2, Kind: EventKernel, Old: "6.1.0-43-amd64", New: "6.1.0-44-amd64"},
		{At: at(1), ReportID: r1, Kind: EventFirst, New: fmt.Sprintf("%d packages", len(first.Packages))},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("host events (-want +got):\n%s", diff)
	}
	if got, _ := db.HostEvents(ctx, hostID, 2); len(got) != 2 || got[0].Kind != EventRemoved {
		t.Errorf("limit 2: %+v", got)
	}
}
