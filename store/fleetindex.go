package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// FleetIndex answers the admin's fleet-wide questions (which hosts need an update of P, which
// have P installed, which packages come from no repository, which hosts have repositories
// without metadata) from memory. Load builds a FleetView of the database as it is now; the
// pieces that never change once written (package sets by id, package rows by id) and the
// results of computations that did not change are kept from one Load to the next, so a view
// of 10,000 hosts is rebuilt in milliseconds after a single report, not re-read whole.
type FleetIndex struct {
	db    *DB
	mu    sync.Mutex
	sets  map[int64][]int64      // package set id -> its package ids, ascending (immutable rows)
	keys  map[int64]PackageKey   // package id -> key (immutable rows)
	comps map[int64]*compResults // computation id -> its stored results
}

// compResults is one computation's stored results and the stamp they were read at.
type compResults struct {
	stamp string
	ups   []ComputedUpdate // OldPackageID, NewPackageID, RepoID, Security
	local []int64
}

// NewFleetIndex returns an empty index; the first Load reads everything.
func (db *DB) NewFleetIndex() *FleetIndex {
	return &FleetIndex{db: db, sets: map[int64][]int64{}, keys: map[int64]PackageKey{}, comps: map[int64]*compResults{}}
}

// FleetHost is a host as the fleet view knows it.
type FleetHost struct {
	ID       int64
	Hostname string
	set      int64
	comp     int64
	repos    []int64 // the repositories its updates are computed from (its own, and its OS group's in group mode)
	held     []string
}

// RepoIDs are the repositories host h's updates come from, ascending.
func (h FleetHost) RepoIDs() []int64 { return h.repos }

// UpdateGroup is one distinct pending update across the fleet: the same installed and
// available package from the same repository, with the hosts that have it pending (held
// packages excluded).
type UpdateGroup struct {
	Type, Name, Arch     string
	Installed, Available string // EVRs
	OldID, NewID         int64
	RepoID               int64
	Repo                 string
	Security             bool
	hosts                []int32 // host indexes, ascending
}

// LocalGroup is one installed package that comes from no repository, with its hosts.
type LocalGroup struct {
	ID    int64
	Key   PackageKey
	hosts []int32
}

// RepoHealth is a repository as the unreliable-host check sees it.
type RepoHealth struct {
	ID       int64
	Name     string
	Metadata bool // some enabled mirror refreshed successfully
}

// FleetView is the fleet at one data version; it is immutable and safe for concurrent use.
type FleetView struct {
	At      time.Time
	hosts   []FleetHost
	byID    map[int64]int32
	groups  []UpdateGroup
	byName  map[string][]int32 // update group indexes by package name
	byOld   map[int64][]int32  // update group indexes by installed package id
	local   []LocalGroup
	byLocal map[int64]int32 // package id -> local group index
	hostLoc [][]int64       // per host index: its local package ids
	sets    map[int64][]int64
	repos   map[int64]RepoHealth

	memoMu sync.Mutex
	memo   map[string]any // answers kept by question (see Memo): the view never changes
}

// maxMemo bounds the answers a view keeps (one per package, filter or API request asked).
const maxMemo = 256

// Load reads the database's current state into a new view, reusing what did not change.
func (x *FleetIndex) Load(ctx context.Context) (*FleetView, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	v := &FleetView{At: x.db.Now(), byID: map[int64]int32{}, byName: map[string][]int32{}, byOld: map[int64][]int32{},
		byLocal: map[int64]int32{},
		sets:    map[int64][]int64{}, repos: map[int64]RepoHealth{}}
	err := x.db.withReadTx(ctx, func(tx *sql.Tx) error {
		if err := x.loadHosts(ctx, tx, v); err != nil {
			return err
		}
		if err := x.loadSets(ctx, tx, v); err != nil {
			return err
		}
		if err := x.loadComps(ctx, tx, v); err != nil {
			return err
		}
		if err := x.loadRepos(ctx, tx, v); err != nil {
			return err
		}
		return x.group(ctx, tx, v)
	})
	if err != nil {
		return nil, fmt.Errorf("fleet view: %w", err)
	}
	return v, nil
}

func (x *FleetIndex) loadHosts(ctx context.Context, tx *sql.Tx, v *FleetView) error {
	rows, err := tx.QueryContext(ctx, `SELECT h.id, h.hostname, ifnull(h.package_set_id, 0), ifnull(h.computation_id, 0)
		FROM hosts h ORDER BY h.hostname COLLATE NOCASE, h.id`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var h FleetHost
		if err := rows.Scan(&h.ID, &h.Hostname, &h.set, &h.comp); err != nil {
			rows.Close()
			return err
		}
		v.byID[h.ID] = int32(len(v.hosts))
		v.hosts = append(v.hosts, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = tx.QueryContext(ctx, `SELECT host_id, name FROM host_holds ORDER BY host_id, name`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return err
		}
		if i, ok := v.byID[id]; ok {
			v.hosts[i].held = append(v.hosts[i].held, name)
		}
	}
	return rows.Err()
}

// loadSets decodes the package sets not decoded yet and drops those no host uses any more.
func (x *FleetIndex) loadSets(ctx context.Context, tx *sql.Tx, v *FleetView) error {
	used := map[int64]bool{}
	var missing []int64
	for _, h := range v.hosts {
		if h.set == 0 || used[h.set] {
			continue
		}
		used[h.set] = true
		if _, ok := x.sets[h.set]; !ok {
			missing = append(missing, h.set)
		}
	}
	for id := range x.sets {
		if !used[id] {
			delete(x.sets, id)
		}
	}
	if len(missing) > 0 {
		q, args := `SELECT id, members FROM package_sets`, []any(nil)
		if len(missing) < 500 {
			q, args = q+` WHERE id IN (`+placeholders(len(missing))+`)`, int64Args(missing)
		}
		rows, err := tx.QueryContext(ctx, q, args...)
		if err != nil {
			return err
		}
		want := map[int64]bool{}
		for _, id := range missing {
			want[id] = true
		}
		for rows.Next() {
			var id int64
			var b []byte
			if err := rows.Scan(&id, &b); err != nil {
				rows.Close()
				return err
			}
			if !want[id] {
				continue
			}
			ids := []int64{}
			if err := forEachID(b, func(p int64) { ids = append(ids, p) }); err != nil {
				rows.Close()
				return fmt.Errorf("package set %d: %w", id, err)
			}
			x.sets[id] = ids
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	for id := range used {
		v.sets[id] = x.sets[id]
	}
	return nil
}

// loadComps reloads the results of the computations whose stamp changed.
func (x *FleetIndex) loadComps(ctx context.Context, tx *sql.Tx, v *FleetView) error {
	rows, err := tx.QueryContext(ctx, `SELECT c.id, c.generation || '/' || ifnull(c.computed, '') || '/' || c.security_count
		|| '/' || c.bugfix_count || '/' || c.local_count, c.mode, ifnull(c.os_group_id, 0), ifnull(c.repo_set_id, 0)
		FROM computations c`)
	if err != nil {
		return err
	}
	type scope struct {
		mode           string
		group, repoSet int64
		id             int64
		stamp          string
	}
	var all []scope
	for rows.Next() {
		var s scope
		if err := rows.Scan(&s.id, &s.stamp, &s.mode, &s.group, &s.repoSet); err != nil {
			rows.Close()
			return err
		}
		all = append(all, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	live := map[int64]bool{}
	var changed []int64
	for _, s := range all {
		live[s.id] = true
		if c, ok := x.comps[s.id]; !ok || c.stamp != s.stamp {
			x.comps[s.id] = &compResults{stamp: s.stamp}
			changed = append(changed, s.id)
		}
	}
	for id := range x.comps {
		if !live[id] {
			delete(x.comps, id)
		}
	}
	if err := x.loadResults(ctx, tx, changed); err != nil {
		return err
	}
	// The repositories of each computation: its repo set, plus its OS group's in group mode.
	setRepos, err := idLists(ctx, tx, `SELECT set_id, repo_id FROM repo_set_members ORDER BY set_id, repo_id`)
	if err != nil {
		return err
	}
	groupRepos, err := idLists(ctx, tx, `SELECT os_group_id, repo_id FROM os_group_repos ORDER BY os_group_id, repo_id`)
	if err != nil {
		return err
	}
	compRepos := map[int64][]int64{}
	for _, s := range all {
		r := slices.Clone(setRepos[s.repoSet])
		if s.mode == "group" {
			r = append(r, groupRepos[s.group]...)
			slices.Sort(r)
			r = slices.Compact(r)
		}
		compRepos[s.id] = r
	}
	for i := range v.hosts {
		v.hosts[i].repos = compRepos[v.hosts[i].comp]
	}
	return nil
}

// loadResults reads the updates and local packages of the computations ids.
func (x *FleetIndex) loadResults(ctx context.Context, tx *sql.Tx, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	filter, args := "", []any{}
	if len(ids) < 500 {
		filter, args = ` WHERE computation_id IN (`+placeholders(len(ids))+`)`, int64Args(ids)
	}
	want := map[int64]bool{}
	for _, id := range ids {
		want[id] = true
	}
	rows, err := tx.QueryContext(ctx, `SELECT computation_id, old_package_id, new_package_id, ifnull(repo_id, 0), security
		FROM computed_updates`+filter, args...)
	if err != nil {
		return err
	}
	for rows.Next() {
		var c int64
		var u ComputedUpdate
		if err := rows.Scan(&c, &u.OldPackageID, &u.NewPackageID, &u.RepoID, &u.Security); err != nil {
			rows.Close()
			return err
		}
		if want[c] {
			x.comps[c].ups = append(x.comps[c].ups, u)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = tx.QueryContext(ctx, `SELECT computation_id, package_id FROM computed_local`+filter, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var c, p int64
		if err := rows.Scan(&c, &p); err != nil {
			return err
		}
		if want[c] {
			x.comps[c].local = append(x.comps[c].local, p)
		}
	}
	return rows.Err()
}

func int64Args(ids []int64) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

// idLists reads (key, id) pairs into lists per key.
func idLists(ctx context.Context, tx *sql.Tx, q string) (map[int64][]int64, error) {
	rows, err := tx.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64][]int64{}
	for rows.Next() {
		var k, id int64
		if err := rows.Scan(&k, &id); err != nil {
			return nil, err
		}
		out[k] = append(out[k], id)
	}
	return out, rows.Err()
}

func (x *FleetIndex) loadRepos(ctx context.Context, tx *sql.Tx, v *FleetView) error {
	rows, err := tx.QueryContext(ctx, `SELECT r.id, r.name, EXISTS (SELECT 1 FROM mirrors m JOIN mirror_packages mp ON mp.mirror_id = m.id
		WHERE m.repo_id = r.id AND m.enabled = 1 AND m.last_success IS NOT NULL) FROM repos r WHERE r.enabled = 1`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var r RepoHealth
		if err := rows.Scan(&r.ID, &r.Name, &r.Metadata); err != nil {
			return err
		}
		v.repos[r.ID] = r
	}
	return rows.Err()
}

// group builds the update and local groups from the hosts' computations.
func (x *FleetIndex) group(ctx context.Context, tx *sql.Tx, v *FleetView) error {
	type gkey struct {
		old, new, repo int64
		security       bool
	}
	idx := map[gkey]int32{}
	var need []int64
	for _, c := range x.comps {
		for _, u := range c.ups {
			for _, id := range []int64{u.OldPackageID, u.NewPackageID} {
				if _, ok := x.keys[id]; !ok {
					need = append(need, id)
				}
			}
		}
		for _, id := range c.local {
			if _, ok := x.keys[id]; !ok {
				need = append(need, id)
			}
		}
	}
	slices.Sort(need)
	need = slices.Compact(need)
	if len(need) > 0 {
		keys, err := loadPackageRows(ctx, tx, need)
		if err != nil {
			return err
		}
		for id, k := range keys {
			x.keys[id] = k
		}
	}
	v.hostLoc = make([][]int64, len(v.hosts))
	for hi, h := range v.hosts {
		c := x.comps[h.comp]
		if c == nil {
			continue
		}
		for _, u := range c.ups {
			old := x.keys[u.OldPackageID]
			if slices.Contains(h.held, old.Name) {
				continue
			}
			k := gkey{u.OldPackageID, u.NewPackageID, u.RepoID, u.Security}
			gi, ok := idx[k]
			if !ok {
				nw := x.keys[u.NewPackageID]
				gi = int32(len(v.groups))
				idx[k] = gi
				v.groups = append(v.groups, UpdateGroup{Type: old.Type, Name: old.Name, Arch: old.Arch, Installed: old.EVR(),
					Available: nw.EVR(), OldID: u.OldPackageID, NewID: u.NewPackageID, RepoID: u.RepoID,
					Repo: v.repos[u.RepoID].Name, Security: u.Security})
				v.byName[old.Name] = append(v.byName[old.Name], gi)
				v.byOld[u.OldPackageID] = append(v.byOld[u.OldPackageID], gi)
			}
			v.groups[gi].hosts = append(v.groups[gi].hosts, int32(hi))
		}
		v.hostLoc[hi] = c.local
		for _, id := range c.local {
			li, ok := v.byLocal[id]
			if !ok {
				li = int32(len(v.local))
				v.byLocal[id] = li
				v.local = append(v.local, LocalGroup{ID: id, Key: x.keys[id]})
			}
			v.local[li].hosts = append(v.local[li].hosts, int32(hi))
		}
	}
	if len(v.repos) > 0 {
		for i := range v.groups { // names of repositories that are disabled now are looked up once
			if v.groups[i].Repo == "" && v.groups[i].RepoID != 0 {
				v.groups[i].Repo = repoNameOf(ctx, tx, v.groups[i].RepoID)
			}
		}
	}
	slices.SortFunc(v.local, func(a, b LocalGroup) int {
		return cmp.Or(strings.Compare(a.Key.Name, b.Key.Name), strings.Compare(a.Key.Arch, b.Key.Arch), cmp.Compare(a.ID, b.ID))
	})
	for i, l := range v.local {
		v.byLocal[l.ID] = int32(i)
	}
	return nil
}

func repoNameOf(ctx context.Context, tx *sql.Tx, id int64) string {
	var name string
	_ = tx.QueryRowContext(ctx, `SELECT name FROM repos WHERE id = ?`, id).Scan(&name)
	return name
}

// HostSet is a set of host indexes of one view (nil: every host).
type HostSet []bool

// HostSetOfHosts is the set of the view's hosts among hs (a host list's answer).
func (v *FleetView) HostSetOfHosts(hs []HostSummary) HostSet {
	ids := make([]int64, len(hs))
	for i, h := range hs {
		ids[i] = h.ID
	}
	return v.HostSetOf(ids)
}

// HostSetOf is the set of the view's hosts whose ids are in ids.
func (v *FleetView) HostSetOf(ids []int64) HostSet {
	s := make(HostSet, len(v.hosts))
	for _, id := range ids {
		if i, ok := v.byID[id]; ok {
			s[i] = true
		}
	}
	return s
}

// UpdateFilter selects fleet updates.
type UpdateFilter struct {
	Package  string // exact package name; "" for all
	Security *bool
	RepoID   int64   // 0 for any repository
	Hosts    HostSet // nil for every host (a tag or OS group filter narrows it)
	// HostsKey names the hosts of Hosts (say "tag=web"), so that the view can keep the answer
	// for the next ask; "" with Hosts set: not kept.
	HostsKey string
	// LoadHosts, when set (with HostsKey), builds Hosts only when the view has no answer kept.
	LoadHosts func() HostSet
}

// FleetUpdate is an update group as a list shows it: its hosts within the filter.
type FleetUpdate struct {
	UpdateGroup
	HostCount int
	v         *FleetView
	idx       []int32 // host indexes (shared with the group when unfiltered: never modified)
}

// HostNames are the names of the first n of the update's hosts (all when n < 0), by name.
func (u FleetUpdate) HostNames(n int) []string { return u.v.names(u.idx, n) }

// HostIDs are the ids of the update's hosts.
func (u FleetUpdate) HostIDs() []int64 {
	out := make([]int64, len(u.idx))
	for i, hi := range u.idx {
		out[i] = u.v.hosts[hi].ID
	}
	return out
}

func (v *FleetView) names(idx []int32, n int) []string {
	if n < 0 || n > len(idx) {
		n = len(idx)
	}
	out := make([]string, n)
	for i, hi := range idx[:n] {
		out[i] = v.hosts[hi].Hostname
	}
	return out
}

// Updates lists the distinct pending updates the filter selects, with the hosts that have
// each (within f.Hosts), most hosts first, then by name. The answer is kept for the next ask
// of the same filter and shared: callers must not modify it.
func (v *FleetView) Updates(f UpdateFilter) []FleetUpdate {
	key, ok := f.key()
	if !ok {
		return v.updatesOf(f)
	}
	return memoize(v, "updates\x00"+key, func() []FleetUpdate { return v.updatesOf(f) })
}

// key names the filter for the view's answers; false when it cannot be named.
func (f UpdateFilter) key() (string, bool) {
	if (f.Hosts != nil || f.LoadHosts != nil) && f.HostsKey == "" {
		return "", false
	}
	sec := "any"
	if f.Security != nil {
		sec = fmt.Sprint(*f.Security)
	}
	return fmt.Sprintf("%q %s %d %q", f.Package, sec, f.RepoID, f.HostsKey), true
}

// UpdatesHosts is how many different hosts Updates(f) names, kept like Updates' answer.
func (v *FleetView) UpdatesHosts(f UpdateFilter) int {
	key, ok := f.key()
	if !ok {
		return v.DistinctHosts(v.Updates(f))
	}
	return memoize(v, "distinct\x00"+key, func() int { return v.DistinctHosts(v.Updates(f)) })
}

func (v *FleetView) updatesOf(f UpdateFilter) []FleetUpdate {
	if f.Hosts == nil && f.LoadHosts != nil {
		f.Hosts = f.LoadHosts()
	}
	var cand []int32
	if f.Package != "" {
		cand = v.byName[f.Package]
	} else {
		cand = make([]int32, len(v.groups))
		for i := range cand {
			cand[i] = int32(i)
		}
	}
	var out []FleetUpdate
	for _, gi := range cand {
		g := &v.groups[gi]
		if (f.Security != nil && g.Security != *f.Security) || (f.RepoID != 0 && g.RepoID != f.RepoID) {
			continue
		}
		u := FleetUpdate{UpdateGroup: *g, v: v, idx: g.hosts}
		if f.Hosts != nil {
			u.idx = nil
			for _, hi := range g.hosts {
				if f.Hosts[hi] {
					u.idx = append(u.idx, hi)
				}
			}
		}
		if u.HostCount = len(u.idx); u.HostCount > 0 {
			out = append(out, u)
		}
	}
	slices.SortFunc(out, func(a, b FleetUpdate) int {
		return cmp.Or(cmp.Compare(b.HostCount, a.HostCount), strings.Compare(a.Name, b.Name), strings.Compare(a.Arch, b.Arch),
			strings.Compare(a.Installed, b.Installed), strings.Compare(a.Available, b.Available), cmp.Compare(a.RepoID, b.RepoID))
	})
	return out
}

// DistinctHosts is how many different hosts the updates are pending on.
func (v *FleetView) DistinctHosts(ups []FleetUpdate) int {
	seen := make([]bool, len(v.hosts))
	n := 0
	for _, u := range ups {
		for _, hi := range u.idx {
			if !seen[hi] {
				seen[hi] = true
				n++
			}
		}
	}
	return n
}

// PendingHostIDs lists the ids of the hosts with an update of package name pending (only
// security updates when security), ascending.
func (v *FleetView) PendingHostIDs(name string, security bool) []int64 {
	seen := make([]bool, len(v.hosts))
	for _, gi := range v.byName[name] {
		g := &v.groups[gi]
		if security && !g.Security {
			continue
		}
		for _, hi := range g.hosts {
			seen[hi] = true
		}
	}
	return v.idsOf(seen)
}

func (v *FleetView) idsOf(seen []bool) []int64 {
	var out []int64
	for hi, ok := range seen {
		if ok {
			out = append(out, v.hosts[hi].ID)
		}
	}
	slices.Sort(out)
	return out
}

// Installed is a host with one installed version of a package.
type Installed struct {
	Host      FleetHost
	PackageID int64
}

// InstalledOn lists, for the package ids given, the hosts that have one of them installed,
// sorted by host name then package id.
func (v *FleetView) InstalledOn(ids []int64) []Installed {
	return memoize(v, "installed\x00"+fmt.Sprint(ids), func() []Installed { return v.installedOn(ids) })
}

func (v *FleetView) installedOn(ids []int64) []Installed {
	var out []Installed
	for _, h := range v.hosts {
		set := v.sets[h.set]
		for _, id := range ids {
			if _, ok := slices.BinarySearch(set, id); ok {
				out = append(out, Installed{Host: h, PackageID: id})
			}
		}
	}
	return out
}

// InstalledHostIDs lists the ids of the hosts with any of the package ids installed.
func (v *FleetView) InstalledHostIDs(ids []int64) []int64 {
	seen := make([]bool, len(v.hosts))
	for _, in := range v.InstalledOn(ids) {
		seen[v.byID[in.Host.ID]] = true
	}
	return v.idsOf(seen)
}

// PendingFor is the pending update of package id on host id, if any.
func (v *FleetView) PendingFor(hostID, pkgID int64) (UpdateGroup, bool) {
	hi, ok := v.byID[hostID]
	if !ok {
		return UpdateGroup{}, false
	}
	for _, gi := range v.byOld[pkgID] {
		g := v.groups[gi]
		if _, ok := slices.BinarySearch(g.hosts, hi); ok {
			return g, true
		}
	}
	return UpdateGroup{}, false
}

// LocalPackage is a package from no repository, with its hosts within a filter.
type LocalPackage struct {
	ID    int64
	Key   PackageKey
	Count int // hosts
	v     *FleetView
	idx   []int32
}

// HostNames are the names of the first n of its hosts (all when n < 0), by name.
func (p LocalPackage) HostNames(n int) []string { return p.v.names(p.idx, n) }

// Local lists the packages from no repository installed on the hosts of the set (nil: all),
// by name.
func (v *FleetView) Local(hosts HostSet) []LocalPackage {
	var out []LocalPackage
	for _, l := range v.local {
		p := LocalPackage{ID: l.ID, Key: l.Key, v: v, idx: l.hosts}
		if hosts != nil {
			p.idx = nil
			for _, hi := range l.hosts {
				if hosts[hi] {
					p.idx = append(p.idx, hi)
				}
			}
		}
		if p.Count = len(p.idx); p.Count > 0 {
			out = append(out, p)
		}
	}
	return out
}

// HostLocal lists the ids of the packages from no repository on host id.
func (v *FleetView) HostLocal(hostID int64) []int64 {
	if hi, ok := v.byID[hostID]; ok {
		return v.hostLoc[hi]
	}
	return nil
}

// IsLocal reports whether package id comes from no repository on host id.
func (v *FleetView) IsLocal(hostID, pkgID int64) bool {
	_, ok := slices.BinarySearch(v.HostLocal(hostID), pkgID)
	return ok
}

// HostRepos is how many repositories host id's updates come from and which of them have no
// metadata yet (never refreshed, or every mirror failing or disabled).
func (v *FleetView) HostRepos(hostID int64) (total int, missing []RepoHealth) {
	hi, ok := v.byID[hostID]
	if !ok {
		return 0, nil
	}
	for _, id := range v.hosts[hi].repos {
		r, ok := v.repos[id]
		if !ok {
			continue // disabled: not counted
		}
		total++
		if !r.Metadata {
			missing = append(missing, r)
		}
	}
	return total, missing
}

// RepoHostIDs lists the ids of the hosts whose updates come from repository id.
func (v *FleetView) RepoHostIDs(repoID int64) []int64 {
	var out []int64
	for _, h := range v.hosts {
		if _, ok := slices.BinarySearch(h.repos, repoID); ok {
			out = append(out, h.ID)
		}
	}
	slices.Sort(out)
	return out
}

// UnreliableHostIDs lists the ids of the hosts with at least one repository without metadata.
func (v *FleetView) UnreliableHostIDs() []int64 {
	var out []int64
	for _, h := range v.hosts {
		if _, missing := v.HostRepos(h.ID); len(missing) > 0 {
			out = append(out, h.ID)
		}
	}
	slices.Sort(out)
	return out
}

// Hosts is the number of hosts in the view.
func (v *FleetView) Hosts() int { return len(v.hosts) }

// PackageIDs lists the ids of every known package row called name (installed or offered).
func (db *DB) PackageIDs(ctx context.Context, name string) ([]int64, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id FROM packages WHERE name = ? ORDER BY id`, name)
	if err != nil {
		return nil, fmt.Errorf("package ids of %s: %w", name, err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("package ids of %s: %w", name, err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// LocalHostIDs lists the ids of the hosts with at least one package from no repository.
func (v *FleetView) LocalHostIDs() []int64 {
	var out []int64
	for i, h := range v.hosts {
		if len(v.hostLoc[i]) > 0 {
			out = append(out, h.ID)
		}
	}
	slices.Sort(out)
	return out
}

// PendingNames maps each package name with an update pending on some host to whether any of
// its pending updates is a security update.
func (v *FleetView) PendingNames() map[string]bool {
	out := make(map[string]bool, len(v.byName))
	for name, gis := range v.byName {
		for _, gi := range gis {
			out[name] = out[name] || v.groups[gi].Security
		}
	}
	return out
}

// SecurityTargets lists the package ids that some security update of name installs.
func (v *FleetView) SecurityTargets(name string) map[int64]bool {
	out := map[int64]bool{}
	for _, gi := range v.byName[name] {
		if g := v.groups[gi]; g.Security {
			out[g.NewID] = true
		}
	}
	return out
}

// Repos lists the enabled repositories, by name.
func (v *FleetView) Repos() []RepoHealth {
	out := make([]RepoHealth, 0, len(v.repos))
	for _, r := range v.repos {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b RepoHealth) int { return cmp.Or(strings.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID)) })
	return out
}

// Memo returns the answer kept under key in this view, building and keeping it on first ask
// (up to maxMemo answers; beyond that build is called every time). The view never changes, so
// an answer derived from it and the same data version is exact for its life. A failed build
// is not kept.
func (v *FleetView) Memo(key string, build func() (any, error)) (any, error) {
	v.memoMu.Lock()
	a, ok := v.memo[key]
	v.memoMu.Unlock()
	if ok {
		return a, nil
	}
	a, err := build()
	if err != nil {
		return nil, err
	}
	v.memoMu.Lock()
	if v.memo == nil {
		v.memo = map[string]any{}
	}
	if len(v.memo) < maxMemo {
		v.memo[key] = a
	}
	v.memoMu.Unlock()
	return a, nil
}

// memoize is Memo for the view's own answers, which cannot fail.
func memoize[T any](v *FleetView, key string, build func() T) T {
	a, _ := v.Memo(key, func() (any, error) { return build(), nil })
	return a.(T)
}
