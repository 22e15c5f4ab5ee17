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
)

// InputCache keeps what one update-finding run has already read: package rows (immutable once
// written) and each repo's sorted package list, keyed by its mirrors' state. Thousands of
// computations share a handful of repos, so a full recompute reads each repo's 60,000 packages
// once instead of once per computation. It is safe for concurrent use; make a new one per run.
type InputCache struct {
	db         *DB
	stmts      sync.Map // query -> *sql.Stmt on db.read, see prepared
	writeStmts sync.Map // query -> *sql.Stmt on db.write
	mu         sync.Mutex
	pkgs       []PackageKey // by id (rowids are dense); Type "" means not loaded
	repos      map[int64]*repoEntry
}

type repoEntry struct {
	key  string
	done chan struct{} // closed when the fields below are set
	in   RepoInput     // packages, index, modules and errata; ID and flags are not used
	err  error
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
		var mods string
		q := c.prepared(tx)
		err := q.QueryRowContext(ctx, `SELECT c.package_set_id, c.generation, s.members,
				c.repo_set_id, c.mode, c.os_group_id, c.module_key
			FROM computations c JOIN package_sets s ON s.id = c.package_set_id WHERE c.id = ?`, id).
			Scan(&pkgSet, &in.generation, &members, &sc.repoSet, &sc.mode, &sc.osGroup, &mods)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		} else if err != nil {
			return err
		}
		ids, err := DecodeIDSet(members)
		if err != nil {
			return fmt.Errorf("decode package set %d: %w", pkgSet, err)
		}
		repos, fp, err := computationRepos(ctx, q, sc)
		if err != nil {
			return err
		}
		in.fingerprint = fp
		in.Modules = ParseModuleKey(mods)
		for _, r := range repos {
			var ri RepoInput
			if r.enabled {
				if ri, err = c.repoContent(ctx, tx, r); err != nil {
					return err
				}
			}
			ri.ID, ri.Priority, ri.Security, ri.Enabled = r.id, r.priority, r.security, r.enabled
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

// querier is what computationRepos and the save helpers need: a *sql.Tx, or a preparedTx.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// preparedTx runs queries in tx through statements prepared once per reader connection.
// Parsing the repo query costs more in modernc SQLite than running it, and a full recompute runs
// it for every computation.
type preparedTx struct {
	tx    *sql.Tx
	pool  *sql.DB   // the pool tx belongs to
	stmts *sync.Map // statements prepared on pool
	// missing, for the writer, collects queries to prepare after the transaction: its pool
	// has one connection, which the transaction holds.
	missing *[]string
}

// prepared wraps a reader transaction.
func (c *InputCache) prepared(tx *sql.Tx) preparedTx {
	return preparedTx{tx: tx, pool: c.db.read, stmts: &c.stmts}
}

// preparedWrite wraps a writer transaction; queries not prepared yet run unprepared and are
// noted in missing, for prepareMissing once the transaction is over.
func (c *InputCache) preparedWrite(tx *sql.Tx, missing *[]string) preparedTx {
	return preparedTx{tx: tx, pool: c.db.write, stmts: &c.writeStmts, missing: missing}
}

// prepareMissing prepares on the writer the queries a write transaction ran unprepared.
func (c *InputCache) prepareMissing(ctx context.Context, queries []string) {
	for _, q := range queries {
		if _, ok := c.writeStmts.Load(q); ok {
			continue
		}
		if st, err := c.db.write.PrepareContext(ctx, q); err == nil {
			if _, loaded := c.writeStmts.LoadOrStore(q, st); loaded {
				st.Close()
			}
		} // on error the query simply keeps running unprepared
	}
}

// stmt returns the transaction's prepared statement for query, or nil to run it unprepared.
func (p preparedTx) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := p.stmts.Load(query); ok {
		return p.tx.StmtContext(ctx, st.(*sql.Stmt)), nil
	}
	if p.missing != nil {
		*p.missing = append(*p.missing, query)
		return nil, nil
	}
	st, err := p.pool.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if old, loaded := p.stmts.LoadOrStore(query, st); loaded {
		st.Close()
		st = old.(*sql.Stmt)
	}
	// database/sql reuses the statement on the transaction's connection once it has been
	// prepared there, so each reader connection parses the query once.
	return p.tx.StmtContext(ctx, st), nil
}

// QueryContext runs a prepared query in the transaction.
func (p preparedTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := p.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if st == nil {
		return p.tx.QueryContext(ctx, query, args...)
	}
	return st.QueryContext(ctx, args...)
}

// ExecContext runs a prepared statement in the transaction.
func (p preparedTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, err := p.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if st == nil {
		return p.tx.ExecContext(ctx, query, args...)
	}
	return st.ExecContext(ctx, args...)
}

// QueryRowContext runs a prepared single-row query in the transaction.
func (p preparedTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	st, err := p.stmt(ctx, query)
	if err != nil || st == nil {
		return p.tx.QueryRowContext(ctx, query, args...) // on error, Scan reports it again
	}
	return st.QueryRowContext(ctx, args...)
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
// that affects update finding. A mirror's content_generation changes (by trigger) whenever its
// packages, errata or module streams are written; checksum and content_changed come along.
func computationRepos(ctx context.Context, tx querier, sc repoScope) ([]repoState, string, error) {
	rows, err := tx.QueryContext(ctx, `WITH c AS (SELECT ? AS repo_set_id, ? AS mode, ? AS os_group_id),
		rs AS (
			SELECT m.repo_id, m.priority FROM repo_set_members m, c WHERE m.set_id = c.repo_set_id
			UNION ALL
			SELECT g.repo_id, 0 FROM os_group_repos g, c WHERE c.mode = 'group' AND g.os_group_id = c.os_group_id
				AND g.repo_id NOT IN (SELECT repo_id FROM repo_set_members, c WHERE set_id = c.repo_set_id))
		SELECT r.id, rs.priority, r.security, r.enabled, ifnull(mi.id, 0), ifnull(mi.enabled, 0),
			ifnull(mi.checksum, ''), ifnull(CAST(mi.content_changed AS TEXT), ''), ifnull(length(mp.members), -1),
			ifnull(mi.content_generation, 0)
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
		var gen int64
		if err := rows.Scan(&r.id, &r.priority, &r.security, &r.enabled, &mirrorID, &mirrorOn,
			&checksum, &changed, &blobLen, &gen); err != nil {
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
				strconv.FormatInt(blobLen, 10) + "/" + strconv.FormatInt(gen, 10) + ";"
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

// repoContent returns the repo's packages, module artifacts and errata, from the cache when
// its mirrors are unchanged. Concurrent callers wanting the same repo wait for one load instead
// of each reading it.
func (c *InputCache) repoContent(ctx context.Context, tx *sql.Tx, r repoState) (RepoInput, error) {
	c.mu.Lock()
	e, ok := c.repos[r.id]
	if !ok || e.key != r.key {
		e = &repoEntry{key: r.key, done: make(chan struct{})}
		c.repos[r.id] = e
		c.mu.Unlock()
		e.in, e.err = c.loadRepo(ctx, tx, r)
		if e.err != nil {
			c.mu.Lock()
			if c.repos[r.id] == e {
				delete(c.repos, r.id) // let a later call retry
			}
			c.mu.Unlock()
		}
		close(e.done)
		return e.in, e.err
	}
	c.mu.Unlock()
	select {
	case <-e.done:
		return e.in, e.err
	case <-ctx.Done():
		return RepoInput{}, ctx.Err()
	}
}

func (c *InputCache) loadRepo(ctx context.Context, tx *sql.Tx, r repoState) (RepoInput, error) {
	var in RepoInput
	var err error
	if in.Packages, err = c.loadRepoPackages(ctx, tx, r); err != nil {
		return in, err
	}
	in.ByName = groupByName(in.Packages)
	if in.Modular, in.ModuleNames, err = c.loadRepoModules(ctx, tx, r); err != nil {
		return in, err
	}
	in.Errata, err = c.loadRepoErrata(ctx, tx, r)
	return in, err
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
func loadPackageRows(ctx context.Context, tx interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}, ids []int64) (map[int64]PackageKey, error) {
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
