package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"patchward/ingest/wire"
)

// ChangeWatcher tells whether anything was committed to the database since it last looked,
// through SQLite's PRAGMA data_version on one pinned read connection (the counter is per
// connection and changes when another connection commits). Caches of whole-fleet reads use it
// as their version: the check costs microseconds, the reads it spares tens of milliseconds.
type ChangeWatcher struct {
	db   *DB
	mu   sync.Mutex
	conn *sql.Conn
}

// NewChangeWatcher returns a watcher; its connection is taken on first use.
func (db *DB) NewChangeWatcher() *ChangeWatcher { return &ChangeWatcher{db: db} }

// Version returns the current data version; it differs from the previous answer whenever a
// commit happened in between (any table, any process).
func (w *ChangeWatcher) Version(ctx context.Context) (int64, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.conn == nil {
		c, err := w.db.read.Conn(ctx)
		if err != nil {
			return 0, fmt.Errorf("data version: %w", err)
		}
		w.conn = c
	}
	var v int64
	if err := w.conn.QueryRowContext(ctx, `PRAGMA data_version`).Scan(&v); err != nil {
		w.conn.Close() // a broken connection is replaced on the next call
		w.conn = nil
		return 0, fmt.Errorf("data version: %w", err)
	}
	return v, nil
}

// Close releases the watcher's connection.
func (w *ChangeWatcher) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.conn == nil {
		return nil
	}
	err := w.conn.Close()
	w.conn = nil
	return err
}

// HostSnapshot is every host summary at one moment, for filtering, sorting and paging in
// memory: at 10,000 hosts one read of all of them (~50 ms) serves every host list view until
// the data changes, where each SQL view would cost a count and a sort over all hosts.
type HostSnapshot struct {
	At     time.Time
	hosts  []HostSummary
	search []string // per host, lower-cased "hostname\x00domain\x00os", for Search
	facets HostFacets
	// Interned values: filters compare small integers instead of strings, which made the
	// filtered list ~3x cheaper. keys[i] holds host i's filterable fields in 32 bytes, so a
	// filter walks a compact array instead of 10,000 full summaries.
	dict map[string]int32
	keys []hostKey
	tags [][]int32 // per host, the codes of its lower-cased tags
	// agentVersions are the distinct versions of the patchward agents (few), for OutdatedThan.
	agentVersions []string

	mu     sync.Mutex
	orders map[string][]int32 // per sort key: host indexes in ascending order, built on first use
}

// hostKey is what the host filters look at of one host.
type hostKey struct {
	os, group, arch, domain int32
	client, clientVersion   int32
	lastReport              int64 // Unix nanoseconds; 0 when the host never reported
	reboot, security        bool
}

// LoadHostSnapshot reads every host summary.
func (db *DB) LoadHostSnapshot(ctx context.Context) (*HostSnapshot, error) {
	hosts, _, err := db.Hosts(ctx, HostFilter{})
	if err != nil {
		return nil, fmt.Errorf("host snapshot: %w", err)
	}
	s := &HostSnapshot{At: db.Now(), hosts: hosts, search: make([]string, len(hosts)),
		dict: map[string]int32{"": 0}, keys: make([]hostKey, len(hosts)), tags: make([][]int32, len(hosts))}
	os, tags, arches, domains := map[string]bool{}, map[string]bool{}, map[string]bool{}, map[string]bool{}
	for i, h := range hosts {
		s.search[i] = strings.ToLower(h.Hostname) + "\x00" + strings.ToLower(h.Domain) + "\x00" + strings.ToLower(h.OS)
		s.keys[i] = hostKey{os: s.intern(h.OS), group: s.intern(h.OSGroup), arch: s.intern(h.Arch), domain: s.intern(h.Domain),
			reboot: h.RebootRequired, security: h.SecurityUpdates > 0,
			client: s.intern(h.Client), clientVersion: s.intern(h.ClientVersion)}
		if h.Client == wire.ClientAgent && !slices.Contains(s.agentVersions, h.ClientVersion) {
			s.agentVersions = append(s.agentVersions, h.ClientVersion)
		}
		if !h.LastReport.IsZero() {
			s.keys[i].lastReport = h.LastReport.UnixNano()
		}
		for _, t := range h.Tags {
			s.tags[i] = append(s.tags[i], s.intern(foldASCII(t)))
		}
		for _, v := range []string{h.OS, h.OSGroup} {
			if v != "" {
				os[v] = true
			}
		}
		for _, t := range h.Tags {
			tags[t] = true
		}
		if h.Arch != "" {
			arches[h.Arch] = true
		}
		if h.Domain != "" {
			domains[h.Domain] = true
		}
	}
	s.facets = HostFacets{OS: sortedKeys(os), Tags: sortedKeys(tags), Arches: sortedKeys(arches), Domains: sortedKeys(domains)}
	return s, nil
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// intern returns the code of v, assigning the next one to a new value.
func (s *HostSnapshot) intern(v string) int32 {
	c, ok := s.dict[v]
	if !ok {
		c = int32(len(s.dict))
		s.dict[v] = c
	}
	return c
}

// code returns the code of a filter value: -1 (matches nothing) when no host has it, 0 for "".
func (s *HostSnapshot) code(v string) int32 {
	if c, ok := s.dict[v]; ok {
		return c
	}
	return -1
}

// filterCodes are a HostFilter's string conditions as codes.
type filterCodes struct {
	os, arch, domain int32
	client           int32
	outdated         map[int32]bool // codes of the agent versions older than OutdatedThan
	tags, notTags    []int32        // codes of the tags a host must have and must not have
	staleBefore      int64          // HostFilter.StaleBefore in Unix nanoseconds
}

// Facets returns the snapshot's filter values, as HostFacets does.
func (s *HostSnapshot) Facets() HostFacets { return s.facets }

// Len is the number of hosts in the snapshot.
func (s *HostSnapshot) Len() int { return len(s.hosts) }

// match mirrors HostFilter.where: the same conditions, evaluated in memory.
func (s *HostSnapshot) match(i int, f *HostFilter, fc filterCodes, terms []string) bool {
	k := &s.keys[i]
	switch {
	case f.OS != "" && k.os != fc.os && k.group != fc.os,
		f.Arch != "" && k.arch != fc.arch,
		f.Domain != "" && k.domain != fc.domain,
		!s.hasTags(i, fc),
		f.Reboot != nil && k.reboot != *f.Reboot,
		f.HasSecurity != nil && k.security != *f.HasSecurity,
		f.Stale != nil && (k.lastReport == 0 || k.lastReport < fc.staleBefore) != *f.Stale,
		f.Client != "" && k.client != fc.client,
		f.OutdatedThan != "" && (k.client != s.code(wire.ClientAgent) || !fc.outdated[k.clientVersion]):
		return false
	}
	if f.HostIDs != nil {
		if _, ok := slices.BinarySearch(f.HostIDs, s.hosts[i].ID); !ok {
			return false
		}
	}
	for _, t := range terms {
		if !strings.Contains(s.search[i], t) {
			return false
		}
	}
	return true
}

// hasTags reports whether host i has every tag of fc.tags and none of fc.notTags.
func (s *HostSnapshot) hasTags(i int, fc filterCodes) bool {
	for _, c := range fc.tags {
		if !slices.Contains(s.tags[i], c) {
			return false
		}
	}
	for _, c := range fc.notTags {
		if slices.Contains(s.tags[i], c) {
			return false
		}
	}
	return true
}

// tagCodes is the codes of tags, case-folded as the tag tables compare them.
func (s *HostSnapshot) tagCodes(tags []string) []int32 {
	var out []int32
	for _, t := range tags {
		out = append(out, s.code(foldASCII(t)))
	}
	return out
}

// hostCompare orders two hosts by a HostFilter sort key, as hostSorts does in SQL.
func hostCompare(key string, a, b *HostSummary) int {
	switch key {
	case "os":
		return strings.Compare(a.OS, b.OS)
	case "kernel":
		return strings.Compare(a.Kernel, b.Kernel)
	case "arch":
		return strings.Compare(a.Arch, b.Arch)
	case "security":
		return cmp.Compare(a.SecurityUpdates, b.SecurityUpdates)
	case "bugfix":
		return cmp.Compare(a.BugfixUpdates, b.BugfixUpdates)
	case "packages":
		return cmp.Compare(a.Packages, b.Packages)
	case "report":
		return a.LastReport.Compare(b.LastReport)
	case "reboot":
		return cmp.Compare(boolInt(a.RebootRequired), boolInt(b.RebootRequired))
	}
	return 0
}

// order returns the host indexes sorted ascending by key with the hostname tie-breaker;
// descending lists walk it backwards. Sorting 10,000 hosts takes milliseconds, so each key is
// sorted once per snapshot, not per view.
func (s *HostSnapshot) order(key string) []int32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if o, ok := s.orders[key]; ok {
		return o
	}
	o := make([]int32, len(s.hosts))
	for i := range o {
		o[i] = int32(i)
	}
	slices.SortFunc(o, func(i, j int32) int {
		a, b := &s.hosts[i], &s.hosts[j]
		return cmp.Or(hostCompare(key, a, b), compareFold(a.Hostname, b.Hostname))
	})
	if s.orders == nil {
		s.orders = map[string][]int32{}
	}
	s.orders[key] = o
	return o
}

// Hosts filters, sorts and pages the snapshot exactly as DB.Hosts does in SQL.
func (s *HostSnapshot) Hosts(f HostFilter) ([]HostSummary, int) {
	terms := strings.Fields(strings.ToLower(f.Search))
	key := f.Sort
	if _, ok := hostSorts[key]; !ok {
		key = "name"
	}
	order := s.order(key)
	from, to := max(f.Offset, 0), len(s.hosts)
	if f.Limit > 0 {
		to = from + f.Limit
	}
	var out []HostSummary
	if !f.Narrows() {
		// Nothing to match: the page is a slice of the order.
		for k := from; k < min(to, len(order)); k++ {
			i := order[k]
			if f.Desc {
				i = order[len(order)-1-k]
			}
			out = append(out, s.hosts[i])
		}
		return out, len(order)
	}
	fc := filterCodes{os: s.code(f.OS), arch: s.code(f.Arch), domain: s.code(f.Domain),
		tags: s.tagCodes(f.allTags()), notTags: s.tagCodes(f.NotTags),
		staleBefore: math.MinInt64, // no report time is before the zero time
		client:      s.code(f.Client), outdated: map[int32]bool{}}
	for _, v := range s.agentVersions {
		if f.OutdatedThan != "" && wire.Outdated(v, f.OutdatedThan) {
			fc.outdated[s.code(v)] = true
		}
	}
	if !f.StaleBefore.IsZero() {
		fc.staleBefore = f.StaleBefore.UnixNano()
	}
	for _, t := range terms {
		if strings.ContainsRune(t, 0) {
			return nil, 0 // a NUL never occurs in a host's fields; it would match across them here
		}
	}
	total := 0
	for k := range order {
		i := int(order[k])
		if f.Desc {
			i = int(order[len(order)-1-k])
		}
		if !s.match(i, &f, fc, terms) {
			continue
		}
		if total >= from && total < to {
			out = append(out, s.hosts[i])
		}
		total++
	}
	return out, total
}

// compareFold orders like SQLite's NOCASE collation (ASCII case folding), which hostname uses.
func compareFold(a, b string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		ca, cb := lowerASCII(a[i]), lowerASCII(b[i])
		if ca != cb {
			return cmp.Compare(ca, cb)
		}
	}
	return cmp.Compare(len(a), len(b))
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// foldASCII lower-cases ASCII letters only, as SQLite's NOCASE collation (host_tags.tag) does.
func foldASCII(v string) string {
	b := []byte(v)
	for i, c := range b {
		b[i] = lowerASCII(c)
	}
	return string(b)
}
