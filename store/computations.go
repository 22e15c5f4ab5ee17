package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ComputedUpdate is one row of computed_updates: installed package OldPackageID has the
// newer NewPackageID available from RepoID.
type ComputedUpdate struct {
	OldPackageID, NewPackageID, RepoID int64
	Security                           bool
}

// Computation is a computation's bookkeeping, without its results.
type Computation struct {
	ID       int64
	Dirty    bool
	Computed time.Time // zero when never computed
}

// RepoInput is one repository as update finding sees it.
type RepoInput struct {
	ID       int64
	Priority int // higher wins; rpm priorities arrive negated
	Security bool
	Enabled  bool
	// Packages is the union of the packages of the repo's enabled mirrors, sorted by Name then
	// ID. It is shared between the inputs of one InputCache and must not be modified.
	Packages []Package
	// ByName indexes Packages by name (the values are sub-slices of Packages). It is built
	// once per repo and run, so that finding updates for a host is a map lookup per installed
	// package instead of a binary search through 60,000 packages.
	ByName map[string][]Package
}

// ComputationInput is everything update finding needs for one computation.
type ComputationInput struct {
	ID        int64
	Installed []Package // sorted by ID
	Repos     []RepoInput
	// generation and fingerprint identify the input state that was read, so that saving a
	// result computed from it can tell whether the input changed in the meantime.
	generation  int64
	fingerprint string
}

// RepoState identifies the state of the input's repos: inputs with equal RepoState have
// identical Repos (same repos, priorities, flags and package lists), so per-package answers
// computed for one hold for the other.
func (in ComputationInput) RepoState() string { return in.fingerprint }

// Result pairs the updates found from in with the identity of that input, for SaveComputations.
func (in ComputationInput) Result(ups []ComputedUpdate) ComputationResult {
	return ComputationResult{ID: in.ID, Updates: ups, generation: in.generation, fingerprint: in.fingerprint}
}

// ComputationResult is a computation's updates ready to be saved; make it with
// ComputationInput.Result.
type ComputationResult struct {
	ID          int64
	Updates     []ComputedUpdate
	generation  int64
	fingerprint string
}

// DirtyComputations lists the ids of computations waiting to be (re)computed.
func (db *DB) DirtyComputations(ctx context.Context) ([]int64, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id FROM computations WHERE dirty = 1 ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list dirty computations: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("list dirty computations: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list dirty computations: %w", err)
	}
	return ids, nil
}

// ComputationsForHosts returns the distinct computations the given hosts use.
func (db *DB) ComputationsForHosts(ctx context.Context, hostIDs []int64) ([]Computation, error) {
	if len(hostIDs) == 0 {
		return nil, nil
	}
	args := make([]any, len(hostIDs))
	for i, id := range hostIDs {
		args[i] = id
	}
	rows, err := db.read.QueryContext(ctx, `SELECT DISTINCT c.id, c.dirty, c.computed
		FROM hosts h JOIN computations c ON c.id = h.computation_id
		WHERE h.id IN (`+placeholders(len(args))+`) ORDER BY c.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("load computations of hosts: %w", err)
	}
	defer rows.Close()
	var out []Computation
	for rows.Next() {
		var c Computation
		var computed sql.NullTime
		if err := rows.Scan(&c.ID, &c.Dirty, &computed); err != nil {
			return nil, fmt.Errorf("load computations of hosts: %w", err)
		}
		c.Computed = computed.Time
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load computations of hosts: %w", err)
	}
	return out, nil
}

// MarkAllDirty flags every computation for recomputation (find-updates --force).
func (db *DB) MarkAllDirty(ctx context.Context) error {
	if _, err := db.write.ExecContext(ctx, `UPDATE computations SET dirty = 1`); err != nil {
		return fmt.Errorf("mark all computations dirty: %w", err)
	}
	return nil
}

// InputCache keeps what one update-finding run has already read: package rows (immutable once
// written) and each repo's sorted package list, keyed by its mirrors' state. Thousands of
// computations share a handful of repos, so a full recompute reads each repo's 60,000 packages
// once instead of once per computation. It is safe for concurrent use; make a new one per run.
type InputCache struct {
	db    *DB
	mu    sync.Mutex
	pkgs  []PackageKey // by id (rowids are dense); Type "" means not loaded
	repos map[int64]*repoEntry
}

type repoEntry struct {
	key    string
	done   chan struct{} // closed when pkgs/byName/err are set
	pkgs   []Package
	byName map[string][]Package
	err    error
}

// NewInputCache returns an empty cache for one update-finding run.
func (db *DB) NewInputCache() *InputCache {
	return &InputCache{db: db, repos: make(map[int64]*repoEntry)}
}

// ComputationInput loads one computation's input without sharing a cache with other calls.
func (db *DB) ComputationInput(ctx context.Context, id int64) (ComputationInput, error) {
	return db.NewInputCache().ComputationInput(ctx, id)
}

// ComputationInput loads, in one read transaction, computation id's installed packages and
// repos with their packages. A computation without a repo set has no repos. Group mode adds
// the OS group's repos (priority 0) to the host's.
func (c *InputCache) ComputationInput(ctx context.Context, id int64) (ComputationInput, error) {
	in := ComputationInput{ID: id}
	err := c.db.withReadTx(ctx, func(tx *sql.Tx) error {
		var pkgSet int64
		var members []byte
		var sc repoScope
		err := tx.QueryRowContext(ctx, `SELECT c.package_set_id, c.generation, s.members,
				c.repo_set_id, c.mode, c.os_group_id
			FROM computations c JOIN package_sets s ON s.id = c.package_set_id WHERE c.id = ?`, id).
			Scan(&pkgSet, &in.generation, &members, &sc.repoSet, &sc.mode, &sc.osGroup)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		} else if err != nil {
			return err
		}
		ids, err := DecodeIDSet(members)
		if err != nil {
			return fmt.Errorf("decode package set %d: %w", pkgSet, err)
		}
		repos, fp, err := computationRepos(ctx, tx, sc)
		if err != nil {
			return err
		}
		in.fingerprint = fp
		for _, r := range repos {
			ri := RepoInput{ID: r.id, Priority: r.priority, Security: r.security, Enabled: r.enabled}
			if r.enabled {
				if ri.Packages, ri.ByName, err = c.repoPackages(ctx, tx, r); err != nil {
					return err
				}
			}
			in.Repos = append(in.Repos, ri)
		}
		in.Installed, err = c.packages(ctx, tx, ids)
		return err
	})
	if err != nil {
		return ComputationInput{}, fmt.Errorf("load input of computation %d: %w", id, err)
	}
	return in, nil
}

// repoScope is what decides which repos a computation sees; many computations share one.
type repoScope struct {
	repoSet sql.NullInt64
	mode    string
	osGroup sql.NullInt64
}

// repoState is a repo of a computation with the state of its mirrors; key changes whenever
// the repo's package list can have changed.
type repoState struct {
	id       int64
	priority int
	security bool
	enabled  bool
	mirrors  []int64 // enabled mirrors that have a package list
	key      string
}

// computationRepos reads the repos a computation sees and a fingerprint of everything in them
// that affects update finding. Mirror checksum, content_changed and the length of the stored
// list together change whenever a refresh replaces a mirror's packages.
func computationRepos(ctx context.Context, tx *sql.Tx, sc repoScope) ([]repoState, string, error) {
	rows, err := tx.QueryContext(ctx, `WITH c AS (SELECT ? AS repo_set_id, ? AS mode, ? AS os_group_id),
		rs AS (
			SELECT m.repo_id, m.priority FROM repo_set_members m, c WHERE m.set_id = c.repo_set_id
			UNION ALL
			SELECT g.repo_id, 0 FROM os_group_repos g, c WHERE c.mode = 'group' AND g.os_group_id = c.os_group_id
				AND g.repo_id NOT IN (SELECT repo_id FROM repo_set_members, c WHERE set_id = c.repo_set_id))
		SELECT r.id, rs.priority, r.security, r.enabled, ifnull(mi.id, 0), ifnull(mi.enabled, 0),
			ifnull(mi.checksum, ''), ifnull(CAST(mi.content_changed AS TEXT), ''), ifnull(length(mp.members), -1)
		FROM rs JOIN repos r ON r.id = rs.repo_id
		LEFT JOIN mirrors mi ON mi.repo_id = r.id
		LEFT JOIN mirror_packages mp ON mp.mirror_id = mi.id
		ORDER BY r.id, mi.id`, sc.repoSet, sc.mode, sc.osGroup)
	if err != nil {
		return nil, "", fmt.Errorf("load repos: %w", err)
	}
	defer rows.Close()
	var out []repoState
	var fp strings.Builder
	for rows.Next() {
		var r repoState
		var mirrorID, blobLen int64
		var mirrorOn bool
		var checksum, changed string
		if err := rows.Scan(&r.id, &r.priority, &r.security, &r.enabled, &mirrorID, &mirrorOn,
			&checksum, &changed, &blobLen); err != nil {
			return nil, "", fmt.Errorf("load repos: %w", err)
		}
		if n := len(out); n == 0 || out[n-1].id != r.id {
			fmt.Fprintf(&fp, "r%d/%d/%t/%t;", r.id, r.priority, r.security, r.enabled)
			out = append(out, r)
		}
		last := &out[len(out)-1]
		if mirrorID != 0 && mirrorOn && blobLen >= 0 {
			last.mirrors = append(last.mirrors, mirrorID)
			last.key += strconv.FormatInt(mirrorID, 10) + "/" + checksum + "/" + changed + "/" +
				strconv.FormatInt(blobLen, 10) + ";"
		}
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("load repos: %w", err)
	}
	for _, r := range out {
		fp.WriteString(r.key)
	}
	return out, fp.String(), nil
}

// repoPackages returns the repo's packages, from the cache when its mirrors are unchanged.
// Concurrent callers wanting the same repo wait for one load instead of each reading it.
func (c *InputCache) repoPackages(ctx context.Context, tx *sql.Tx, r repoState) ([]Package, map[string][]Package, error) {
	c.mu.Lock()
	e, ok := c.repos[r.id]
	if !ok || e.key != r.key {
		e = &repoEntry{key: r.key, done: make(chan struct{})}
		c.repos[r.id] = e
		c.mu.Unlock()
		e.pkgs, e.err = c.loadRepoPackages(ctx, tx, r)
		if e.err != nil {
			c.mu.Lock()
			if c.repos[r.id] == e {
				delete(c.repos, r.id) // let a later call retry
			}
			c.mu.Unlock()
		} else {
			e.byName = groupByName(e.pkgs)
		}
		close(e.done)
		return e.pkgs, e.byName, e.err
	}
	c.mu.Unlock()
	select {
	case <-e.done:
		return e.pkgs, e.byName, e.err
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	}
}

// groupByName indexes packages sorted by name.
func groupByName(pkgs []Package) map[string][]Package {
	out := make(map[string][]Package, len(pkgs))
	for i := 0; i < len(pkgs); {
		j := i + 1
		for j < len(pkgs) && pkgs[j].Name == pkgs[i].Name {
			j++
		}
		out[pkgs[i].Name] = pkgs[i:j:j]
		i = j
	}
	return out
}

func (c *InputCache) loadRepoPackages(ctx context.Context, tx *sql.Tx, r repoState) ([]Package, error) {
	var ids []int64
	for _, m := range r.mirrors {
		var blob []byte
		err := tx.QueryRowContext(ctx, `SELECT members FROM mirror_packages WHERE mirror_id = ?`, m).Scan(&blob)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		} else if err != nil {
			return nil, fmt.Errorf("load packages of mirror %d: %w", m, err)
		}
		set, err := DecodeIDSet(blob)
		if err != nil {
			return nil, fmt.Errorf("decode packages of mirror %d: %w", m, err)
		}
		ids = append(ids, set...)
	}
	if len(r.mirrors) > 1 {
		ids = NewIDSet(ids)
	}
	pkgs, err := c.packages(ctx, tx, ids)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(pkgs, func(a, b Package) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
	})
	return pkgs, nil
}

// packages returns the rows for ids (in the same order; ids missing from the table are
// dropped), reading only those not cached yet, in bulk.
func (c *InputCache) packages(ctx context.Context, tx *sql.Tx, ids []int64) ([]Package, error) {
	var missing []int64
	c.mu.Lock()
	for _, id := range ids {
		if c.cached(id).Type == "" {
			missing = append(missing, id)
		}
	}
	c.mu.Unlock()
	loaded, err := loadPackageRows(ctx, tx, missing)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	overflow := false
	for id, k := range loaded {
		if id < 0 || id >= maxDenseID {
			overflow = true // not cached: SQLite rowids are never this sparse in practice
			continue
		}
		if int(id) >= len(c.pkgs) {
			c.pkgs = slices.Grow(c.pkgs, int(id)+1-len(c.pkgs))[:id+1]
		}
		c.pkgs[id] = k
	}
	if overflow {
		return c.packagesFallback(ids, loaded), nil
	}
	out := make([]Package, 0, len(ids))
	for _, id := range ids {
		if k := c.cached(id); k.Type != "" {
			out = append(out, Package{ID: id, PackageKey: k})
		}
	}
	return out, nil
}

// maxDenseID bounds the id-indexed cache (~100 bytes per slot).
const maxDenseID = 1 << 24

func (c *InputCache) cached(id int64) PackageKey {
	if id < 0 || id >= int64(len(c.pkgs)) {
		return PackageKey{}
	}
	return c.pkgs[id]
}

// packagesFallback assembles the result when some ids are outside the dense cache.
func (c *InputCache) packagesFallback(ids []int64, loaded map[int64]PackageKey) []Package {
	out := make([]Package, 0, len(ids))
	for _, id := range ids {
		if k, ok := loaded[id]; ok {
			out = append(out, Package{ID: id, PackageKey: k})
		} else if k := c.cached(id); k.Type != "" {
			out = append(out, Package{ID: id, PackageKey: k})
		}
	}
	return out
}

// loadPackageRows reads package rows by id in chunks well under SQLite's variable limit.
func loadPackageRows(ctx context.Context, tx *sql.Tx, ids []int64) (map[int64]PackageKey, error) {
	out := make(map[int64]PackageKey, len(ids))
	const chunk = 1000
	args := make([]any, 0, chunk)
	for start := 0; start < len(ids); start += chunk {
		part := ids[start:min(start+chunk, len(ids))]
		args = args[:0]
		for _, id := range part {
			args = append(args, id)
		}
		rows, err := tx.QueryContext(ctx, `SELECT id, type, name, arch, epoch, version, release
			FROM packages WHERE id IN (`+placeholders(len(part))+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("load packages: %w", err)
		}
		for rows.Next() {
			var id int64
			var k PackageKey
			if err := rows.Scan(&id, &k.Type, &k.Name, &k.Arch, &k.Epoch, &k.Version, &k.Release); err != nil {
				rows.Close()
				return nil, fmt.Errorf("load packages: %w", err)
			}
			out[id] = k
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("load packages: %w", err)
		}
	}
	return out, nil
}

// SaveComputation saves one result; see SaveComputations.
func (db *DB) SaveComputation(ctx context.Context, res ComputationResult) error {
	_, err := db.SaveComputations(ctx, []ComputationResult{res})
	return err
}

// SaveComputations replaces the updates and counts of each computation in one transaction and
// clears its dirty flag, unless the computation was marked dirty again or its repos changed
// after its input was read: then the result is still saved (it is the newest there is) but the
// computation stays dirty for the next run. Results of computations deleted meanwhile are
// dropped. It returns how many computations stayed dirty.
func (db *DB) SaveComputations(ctx context.Context, results []ComputationResult) (stale int, err error) {
	now := db.Now()
	err = db.withTx(ctx, func(tx *sql.Tx) error {
		ins, err := tx.PrepareContext(ctx, `INSERT INTO computed_updates
			(computation_id, old_package_id, new_package_id, repo_id, security) VALUES (?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer ins.Close()
		// The write transaction excludes every change, so one fingerprint per repo scope holds
		// for the whole batch.
		fps := make(map[repoScope]string)
		for _, r := range results {
			st, err := saveComputation(ctx, tx, ins, fps, r, now)
			if err != nil {
				return fmt.Errorf("computation %d: %w", r.ID, err)
			}
			stale += boolInt(st)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("save computations: %w", err)
	}
	return stale, nil
}

func saveComputation(ctx context.Context, tx *sql.Tx, ins *sql.Stmt, fps map[repoScope]string, r ComputationResult, now time.Time) (stale bool, err error) {
	var sc repoScope
	var dirty bool
	var gen int64
	err = tx.QueryRowContext(ctx, `SELECT repo_set_id, mode, os_group_id, dirty, generation FROM computations WHERE id = ?`, r.ID).
		Scan(&sc.repoSet, &sc.mode, &sc.osGroup, &dirty, &gen)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil // deleted meanwhile: nothing to save
	} else if err != nil {
		return false, err
	}
	fp, ok := fps[sc]
	if !ok {
		if _, fp, err = computationRepos(ctx, tx, sc); err != nil {
			return false, err
		}
		fps[sc] = fp
	}
	clean := dirty && gen == r.generation && fp == r.fingerprint
	dirty = dirty && !clean
	security := 0
	for _, u := range r.Updates {
		security += boolInt(u.Security)
	}
	// dirty is only written when it is cleared: writing 1 would fire the generation trigger.
	if _, err := tx.ExecContext(ctx, `UPDATE computations SET computed = ?, security_count = ?, bugfix_count = ?
		WHERE id = ?`, now, security, len(r.Updates)-security, r.ID); err != nil {
		return false, err
	}
	if clean {
		if _, err := tx.ExecContext(ctx, `UPDATE computations SET dirty = 0 WHERE id = ?`, r.ID); err != nil {
			return false, err
		}
	}
	same, err := sameUpdates(ctx, tx, r.ID, r.Updates)
	if err != nil || same {
		return dirty, err // a forced recompute mostly finds what is stored: skip the rewrite
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM computed_updates WHERE computation_id = ?`, r.ID); err != nil {
		return false, err
	}
	for _, u := range r.Updates {
		var repo any
		if u.RepoID != 0 {
			repo = u.RepoID
		}
		if _, err := ins.ExecContext(ctx, r.ID, u.OldPackageID, u.NewPackageID, repo, boolInt(u.Security)); err != nil {
			return false, fmt.Errorf("insert update of package %d: %w", u.OldPackageID, err)
		}
	}
	return dirty, nil
}

// sameUpdates reports whether computation id's stored updates are exactly ups. Reading ~50
// rows is much cheaper than deleting and rewriting them in the B-tree and the WAL.
func sameUpdates(ctx context.Context, tx *sql.Tx, id int64, ups []ComputedUpdate) (bool, error) {
	want := slices.Clone(ups)
	slices.SortFunc(want, func(a, b ComputedUpdate) int { return cmp.Compare(a.OldPackageID, b.OldPackageID) })
	rows, err := tx.QueryContext(ctx, `SELECT old_package_id, new_package_id, ifnull(repo_id, 0), security
		FROM computed_updates WHERE computation_id = ? ORDER BY old_package_id`, id)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var u ComputedUpdate
		if err := rows.Scan(&u.OldPackageID, &u.NewPackageID, &u.RepoID, &u.Security); err != nil {
			return false, err
		}
		if n >= len(want) || want[n] != u {
			return false, nil
		}
		n++
	}
	return n == len(want), rows.Err()
}
