package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"patchward/updates/version"
)

// Host event kinds.
const (
	EventFirst      = "first" // the host's first report: its package count, not every package
	EventInstalled  = "installed"
	EventUpgraded   = "upgraded"
	EventDowngraded = "downgraded"
	EventRemoved    = "removed"
	EventKernel     = "kernel"
	EventOS         = "os"
)

// HostEvent is one change of a host, as a report showed it.
type HostEvent struct {
	At       time.Time
	ReportID int64 // 0 when unknown (an applied report without a row, or pruned)
	Kind     string
	Name     string // package name (package events)
	Arch     string
	Old, New string // versions (package events), kernels or OS names; "" where there is none
}

// hostBefore is what applyToHost compares a report with.
type hostBefore struct {
	kernel, os string
}

// recordHostEvents writes the events between a host's previous state and the report being
// applied: one "first" event for a new host; otherwise the packages that changed between the
// old and the new package set (a name whose only version changed is an upgrade or a downgrade
// by the package type's version rule), and kernel and OS changes.
func recordHostEvents(ctx context.Context, tx *sql.Tx, hostID, reportID int64, at time.Time, oldSet, newSet int64,
	before hostBefore, r HostReport, isNew bool) error {
	var events []HostEvent
	if isNew {
		events = append(events, HostEvent{Kind: EventFirst, New: fmt.Sprintf("%d packages", len(r.Packages))})
	} else {
		if oldSet != newSet && oldSet != 0 {
			pe, err := packageEvents(ctx, tx, oldSet, newSet)
			if err != nil {
				return err
			}
			events = append(events, pe...)
		}
		if before.kernel != r.Kernel && r.Kernel != "" {
			events = append(events, HostEvent{Kind: EventKernel, Old: before.kernel, New: r.Kernel})
		}
		if before.os != r.OS && r.OS != "" {
			events = append(events, HostEvent{Kind: EventOS, Old: before.os, New: r.OS})
		}
	}
	// Many rows per statement: a report that upgrades a whole system writes hundreds of events.
	const perInsert = 100
	for start := 0; start < len(events); start += perInsert {
		part := events[start:min(start+perInsert, len(events))]
		var q strings.Builder
		q.WriteString(`INSERT INTO host_events (host_id, report_id, at, kind, name, arch, old_value, new_value) VALUES `)
		args := make([]any, 0, len(part)*8)
		for i, e := range part {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(?, ?, ?, ?, ?, ?, ?, ?)")
			args = append(args, hostID, nullID(reportID), at, e.Kind, e.Name, e.Arch, e.Old, e.New)
		}
		if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
			return fmt.Errorf("record host events: %w", err)
		}
	}
	return nil
}

// packageEvents compares two package sets.
func packageEvents(ctx context.Context, tx *sql.Tx, oldSet, newSet int64) ([]HostEvent, error) {
	members := func(id int64) ([]int64, error) {
		var b []byte
		if err := tx.QueryRowContext(ctx, `SELECT members FROM package_sets WHERE id = ?`, id).Scan(&b); err != nil {
			return nil, err
		}
		var ids []int64
		return ids, forEachID(b, func(p int64) { ids = append(ids, p) })
	}
	oldIDs, err := members(oldSet)
	if err != nil {
		return nil, fmt.Errorf("old package set: %w", err)
	}
	newIDs, err := members(newSet)
	if err != nil {
		return nil, fmt.Errorf("new package set: %w", err)
	}
	gone, added := minusIDs(oldIDs, newIDs), minusIDs(newIDs, oldIDs)
	keys, err := loadPackageRows(ctx, tx, append(slices.Clone(gone), added...))
	if err != nil {
		return nil, err
	}
	type nameArch struct{ typ, name, arch string }
	byName := map[nameArch]*[2][]PackageKey{} // [0] gone, [1] added
	for i, ids := range [][]int64{gone, added} {
		for _, id := range ids {
			k := keys[id]
			na := nameArch{k.Type, k.Name, k.Arch}
			if byName[na] == nil {
				byName[na] = &[2][]PackageKey{}
			}
			byName[na][i] = append(byName[na][i], k)
		}
	}
	var out []HostEvent
	for na, ch := range byName {
		g, a := ch[0], ch[1]
		if len(g) == 1 && len(a) == 1 {
			kind := EventUpgraded
			if version.Compare(na.typ, evrOf(a[0]), evrOf(g[0])) < 0 {
				kind = EventDowngraded
			}
			out = append(out, HostEvent{Kind: kind, Name: na.name, Arch: na.arch, Old: g[0].EVR(), New: a[0].EVR()})
			continue
		}
		for _, k := range g {
			out = append(out, HostEvent{Kind: EventRemoved, Name: na.name, Arch: na.arch, Old: k.EVR()})
		}
		for _, k := range a {
			out = append(out, HostEvent{Kind: EventInstalled, Name: na.name, Arch: na.arch, New: k.EVR()})
		}
	}
	slices.SortFunc(out, func(a, b HostEvent) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), strings.Compare(a.Arch, b.Arch), strings.Compare(a.Kind, b.Kind),
			strings.Compare(a.Old, b.Old), strings.Compare(a.New, b.New))
	})
	return out, nil
}

func evrOf(k PackageKey) version.EVR {
	return version.EVR{Epoch: k.Epoch, Version: k.Version, Release: k.Release}
}

// minusIDs is the ids of a (ascending) not in b (ascending).
func minusIDs(a, b []int64) []int64 {
	var out []int64
	for _, id := range a {
		if _, ok := slices.BinarySearch(b, id); !ok {
			out = append(out, id)
		}
	}
	return out
}

// HostEvents lists host id's events, newest report first (a report's events by package name,
// then kernel and OS), at most limit (0: all).
func (db *DB) HostEvents(ctx context.Context, hostID int64, limit int) ([]HostEvent, error) {
	q := `SELECT at, ifnull(report_id, 0), kind, name, arch, old_value, new_value FROM host_events
		WHERE host_id = ? ORDER BY at DESC, ifnull(report_id, 0) DESC, id`
	args := []any{hostID}
	if limit > 0 {
		q += ` LIMIT ?`
		args = append(args, limit)
	}
	rows, err := db.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("host events: %w", err)
	}
	defer rows.Close()
	var out []HostEvent
	for rows.Next() {
		var e HostEvent
		if err := rows.Scan(&e.At, &e.ReportID, &e.Kind, &e.Name, &e.Arch, &e.Old, &e.New); err != nil {
			return nil, fmt.Errorf("host events: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
