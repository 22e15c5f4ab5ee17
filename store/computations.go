package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// ComputedUpdate is one row of computed_updates: installed package OldPackageID has the
// newer NewPackageID available from RepoID.
type ComputedUpdate struct {
	OldPackageID, NewPackageID, RepoID int64
	Security                           bool
	// Errata are the ids of the errata behind the update (sorted): those fixing a version newer
	// than the installed one and not newer than the new one.
	Errata []int64
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
	// Modular maps the id of each package that is an artifact of a module stream offered by
	// the repo to those streams ("name:stream"); ModuleNames maps the names of those packages
	// to the same streams. Both are nil for a repo without module metadata.
	Modular     map[int64][]string
	ModuleNames map[string][]string
	// Errata maps a package name to the errata of the repo's mirrors fixing a version of it.
	Errata map[string][]ErratumFix
}

// ErratumFix is one package version an erratum lists as fixed.
type ErratumFix struct {
	ErratumID int64
	Security  bool // the erratum's type is security
	Package   PackageKey
}

// ComputationInput is everything update finding needs for one computation.
type ComputationInput struct {
	ID        int64
	Installed []Package // sorted by ID
	Repos     []RepoInput
	// Modules are the dnf module streams ("name:stream") enabled on the computation's hosts.
	Modules []string
	// generation and fingerprint identify the input state that was read, so that saving a
	// result computed from it can tell whether the input changed in the meantime.
	generation  int64
	fingerprint string
}

// RepoState identifies the state of the input's repos: inputs with equal RepoState have
// identical Repos (same repos, priorities, flags and package lists), so per-package answers
// computed for one hold for the other.
// The enabled module streams are part of it, as they decide which packages are candidates.
func (in ComputationInput) RepoState() string {
	return in.fingerprint + "|" + strings.Join(in.Modules, ",")
}

// Result pairs the updates and the local packages (ids of installed packages from no
// repository) found from in with the identity of that input, for SaveComputations.
func (in ComputationInput) Result(ups []ComputedUpdate, local []int64) ComputationResult {
	return ComputationResult{ID: in.ID, Updates: ups, Local: local, generation: in.generation, fingerprint: in.fingerprint}
}

// ComputationResult is a computation's updates ready to be saved; make it with
// ComputationInput.Result.
type ComputationResult struct {
	ID          int64
	Updates     []ComputedUpdate
	Local       []int64 // installed packages from no repository
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
	return db.saveComputations(ctx, results, func(tx *sql.Tx) querier { return tx })
}

// SaveComputations is DB.SaveComputations through statements prepared once on the writer
// connection: a full recompute saves 10,000 computations with half a dozen statements each, and
// parsing them again every time would cost the single writer seconds.
func (c *InputCache) SaveComputations(ctx context.Context, results []ComputationResult) (stale int, err error) {
	var missing []string
	stale, err = c.db.saveComputations(ctx, results, func(tx *sql.Tx) querier { return c.preparedWrite(tx, &missing) })
	c.prepareMissing(ctx, missing)
	return stale, err
}

func (db *DB) saveComputations(ctx context.Context, results []ComputationResult, wrap func(*sql.Tx) querier) (stale int, err error) {
	now := db.Now()
	err = db.withTx(ctx, func(tx *sql.Tx) error {
		q := wrap(tx)
		// The write transaction excludes every change, so one fingerprint per repo scope holds
		// for the whole batch.
		fps := make(map[repoScope]string)
		for _, r := range results {
			st, err := saveComputation(ctx, q, fps, r, now)
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

func saveComputation(ctx context.Context, tx querier, fps map[repoScope]string, r ComputationResult, now time.Time) (stale bool, err error) {
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
	if _, err := tx.ExecContext(ctx, `UPDATE computations SET computed = ?, security_count = ?, bugfix_count = ?,
		local_count = ? WHERE id = ?`, now, security, len(r.Updates)-security, len(r.Local), r.ID); err != nil {
		return false, err
	}
	if err := saveLocal(ctx, tx, r.ID, r.Local); err != nil {
		return false, err
	}
	if clean {
		if _, err := tx.ExecContext(ctx, `UPDATE computations SET dirty = 0 WHERE id = ?`, r.ID); err != nil {
			return false, err
		}
	}
	same, err := sameUpdates(ctx, tx, r.ID, r.Updates)
	if err == nil && same {
		same, err = sameErrata(ctx, tx, r.ID, r.Updates)
	}
	if err != nil || same {
		return dirty, err // a forced recompute mostly finds what is stored: skip the rewrite
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM computed_update_errata WHERE computation_id = ?`, r.ID); err != nil {
		return false, err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM computed_updates WHERE computation_id = ?`, r.ID); err != nil {
		return false, err
	}
	if err := insertUpdates(ctx, tx, r.ID, r.Updates); err != nil {
		return false, err
	}
	return dirty, saveUpdateErrata(ctx, tx, r.ID, r.Updates)
}

// saveLocal replaces computation id's local packages with local, unless they are the same.
func saveLocal(ctx context.Context, tx querier, id int64, local []int64) error {
	want := slices.Clone(local)
	slices.Sort(want)
	rows, err := tx.QueryContext(ctx, `SELECT package_id FROM computed_local WHERE computation_id = ? ORDER BY package_id`, id)
	if err != nil {
		return err
	}
	var have []int64
	for rows.Next() {
		var p int64
		if err := rows.Scan(&p); err != nil {
			rows.Close()
			return err
		}
		have = append(have, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil || slices.Equal(have, want) {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM computed_local WHERE computation_id = ?`, id); err != nil {
		return err
	}
	for _, p := range want {
		if _, err := tx.ExecContext(ctx, `INSERT INTO computed_local (computation_id, package_id) VALUES (?, ?)`, id, p); err != nil {
			return err
		}
	}
	return nil
}

// sameUpdates reports whether computation id's stored updates are exactly ups. Reading ~50
// rows is much cheaper than deleting and rewriting them in the B-tree and the WAL.
func sameUpdates(ctx context.Context, tx querier, id int64, ups []ComputedUpdate) (bool, error) {
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
		if n >= len(want) || !sameUpdate(want[n], u) {
			return false, nil
		}
		n++
	}
	return n == len(want), rows.Err()
}

// sameUpdate compares the stored columns of two updates (not their errata).
func sameUpdate(a, b ComputedUpdate) bool {
	return a.OldPackageID == b.OldPackageID && a.NewPackageID == b.NewPackageID && a.RepoID == b.RepoID &&
		a.Security == b.Security
}

// insertUpdates writes a computation's updates with one statement: the rows travel as one JSON
// array, which costs a fraction of one prepared-statement execution per row in modernc SQLite
// (a host with hundreds of pending updates saves in well under a millisecond).
func insertUpdates(ctx context.Context, tx querier, id int64, ups []ComputedUpdate) error {
	if len(ups) == 0 {
		return nil
	}
	buf := make([]byte, 0, 48*len(ups))
	buf = append(buf, '[')
	for i, u := range ups {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = fmt.Appendf(buf, "[%d,%d,%d,%d]", u.OldPackageID, u.NewPackageID, u.RepoID, boolInt(u.Security))
	}
	buf = append(buf, ']')
	_, err := tx.ExecContext(ctx, `INSERT INTO computed_updates (computation_id, old_package_id, new_package_id, repo_id, security)
		SELECT ?, value->>0, value->>1, nullif(value->>2, 0), value->>3 FROM json_each(?)`, id, string(buf))
	if err != nil {
		return fmt.Errorf("insert updates: %w", err)
	}
	return nil
}

// WaitingHosts counts the hosts whose update counts wait for update finding: an input of their
// computation changed (a repository's security flag, a mirror's contents...) since it ran.
func (db *DB) WaitingHosts(ctx context.Context) (int, error) {
	var n int
	err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM hosts h JOIN computations c ON c.id = h.computation_id
		WHERE c.dirty = 1`).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count hosts waiting for update finding: %w", err)
	}
	return n, nil
}
