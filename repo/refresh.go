package repo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"patchward/store"
	"patchward/ui/metrics"
)

// Refresher runs the refresh job: it fetches each enabled mirror's index, and stores the
// packages of those whose index changed.
type Refresher struct {
	db      *store.DB
	opts    Options
	log     *slog.Logger
	fetch   *fetcher
	keys    *keyrings
	initErr error // a keyring, certificate or network setting that could not be loaded
	hosts   hostLimiter
}

// AddSelfAddrs adds listen addresses of this server that are known only once it listens (a
// port 0 in the configuration): reported URLs never reach them.
func (r *Refresher) AddSelfAddrs(addrs ...string) error {
	if r.fetch == nil {
		return nil
	}
	return r.fetch.policy.addSelf(addrs)
}

// NewRefresher returns a Refresher; zero Options fields take their defaults. A setting that
// cannot be loaded (a missing keyring or certificate file) makes every Refresh fail with it.
func NewRefresher(db *store.DB, opts Options, log *slog.Logger) *Refresher {
	opts = opts.withDefaults()
	r := &Refresher{db: db, opts: opts, log: log, hosts: hostLimiter{limit: opts.PerHostConcurrency}}
	if err := opts.Validate(); err != nil {
		r.initErr = err
	}
	var err error
	if r.fetch, err = newFetcher(opts); err != nil && r.initErr == nil {
		r.initErr = err
	}
	if r.keys, err = loadKeyrings(opts); err != nil && r.initErr == nil {
		r.initErr = err
	}
	return r
}

// Request says which mirrors to refresh and how.
type Request struct {
	// Force re-downloads and re-parses every index, ignoring stored validators and checksums.
	Force bool
	// RepoID limits the refresh to one repo's mirrors; 0 means all.
	RepoID int64
	// Mirrors, when not empty, limits the refresh to these mirror ids.
	Mirrors []int64
	// Progress, if set, is called after each mirror finishes (never concurrently).
	Progress func(done, total int, mirrorURL string)
}

// Status is what happened to one mirror.
type Status string

// Mirror outcomes.
const (
	StatusChanged   Status = "changed"   // the index was parsed and stored
	StatusUnchanged Status = "unchanged" // 304 or equal checksum: nothing parsed
	StatusFailed    Status = "failed"
	StatusSkipped   Status = "skipped" // a repo type this version cannot read yet
)

// MirrorResult is the outcome of refreshing one mirror.
type MirrorResult struct {
	MirrorID int64
	RepoID   int64
	URL      string
	Status   Status
	Packages int  // packages in the parsed index (changed mirrors only)
	SetDiff  bool // the mirror's package set differed from the stored one
	Err      error
	Disabled bool // the failure disabled the mirror
	Took     time.Duration
	// Freshness is the metadata's own date (Release Date, repomd revision), zero if unknown;
	// Stale says it is older than Options.StaleAfter.
	Freshness time.Time
	Stale     bool
}

// Summary is the outcome of one Refresh.
type Summary struct {
	Mirrors, Changed, Unchanged, Failed, Skipped int
	Packages                                     int // packages parsed, over changed mirrors
	Took                                         time.Duration
	Results                                      []MirrorResult
	Local                                        []LocalRepo // Import only: the repositories of loose packages
}

// Refresh refreshes the requested mirrors, Options.Concurrency at a time. A failing mirror is
// recorded (and eventually disabled) but never stops the others; the returned error is for
// the job itself: listing the mirrors, or ctx ending.
func (r *Refresher) Refresh(ctx context.Context, req Request) (Summary, error) {
	start := time.Now()
	if r.initErr != nil {
		return Summary{}, fmt.Errorf("refresh: %w", r.initErr)
	}
	mirrors, err := r.db.MirrorsToRefresh(ctx, req.RepoID)
	if err != nil {
		return Summary{}, fmt.Errorf("refresh: %w", err)
	}
	if len(req.Mirrors) > 0 {
		mirrors = slices.DeleteFunc(mirrors, func(m store.Mirror) bool { return !slices.Contains(req.Mirrors, m.ID) })
	}
	results := make([]MirrorResult, len(mirrors))
	run := newRunState()
	next := make(chan int)
	var mu sync.Mutex
	done := 0
	var wg sync.WaitGroup
	for range min(r.opts.Concurrency, len(mirrors)) {
		wg.Go(func() {
			for i := range next {
				results[i] = r.refreshMirror(ctx, run, mirrors[i], req.Force)
				mu.Lock()
				done++
				if req.Progress != nil {
					req.Progress(done, len(mirrors), mirrors[i].URL)
				}
				mu.Unlock()
			}
		})
	}
feed:
	for i := range mirrors {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	// Mirrors never started (ctx ended first) have no result.
	results = slices.DeleteFunc(results, func(res MirrorResult) bool { return res.Status == "" })
	s := Summary{Mirrors: len(mirrors), Results: results, Took: time.Since(start)}
	for _, res := range results {
		switch res.Status {
		case StatusChanged:
			s.Changed++
			s.Packages += res.Packages
		case StatusUnchanged:
			s.Unchanged++
		case StatusFailed:
			s.Failed++
		case StatusSkipped:
			s.Skipped++
		}
	}
	if err := ctx.Err(); err != nil {
		return s, fmt.Errorf("refresh: %w", err)
	}
	return s, nil
}

// outcome is what a type-specific refresh found.
type outcome struct {
	unchanged bool
	pkgs      []store.PackageKey
	known     []int64 // nil, or ids parallel to pkgs from the lookahead (0 = new)
	meta      store.MirrorMeta
	// rpm extras, nil when not read this time (absent, or unchanged checksum)
	errata     *[]store.RepoErratum
	errataSum  string
	modules    *[]store.ModuleStream
	modulesSum string
}

// refreshMirror refreshes one mirror and records the result in the store.
func (r *Refresher) refreshMirror(parent context.Context, run *runState, m store.Mirror, force bool) MirrorResult {
	start := time.Now()
	defer func() { metrics.ObserveMirror(m.RepoType, time.Since(start)) }()
	res := MirrorResult{MirrorID: m.ID, RepoID: m.RepoID, URL: m.URL}
	if force {
		m.ETag, m.LastModified, m.Checksum, m.ErrataChecksum, m.ModulesChecksum = "", "", "", "", ""
	}
	release, err := r.hosts.acquire(parent, r.hostOf(m.URL))
	if err != nil {
		res.Status, res.Err, res.Took = StatusFailed, err, time.Since(start)
		return res
	}
	defer release()
	ctx, cancel := context.WithTimeout(parent, r.opts.Timeout)
	defer cancel()
	refresh := metadataParsers[m.RepoType]
	if refresh == nil {
		res.Status, res.Took = StatusSkipped, time.Since(start)
		return res
	}
	var out outcome
	if dir, ok := r.looseDir(m); ok {
		out, err = r.refreshLoose(m, dir)
	} else {
		out, err = refresh(r, ctx, m, run)
	}
	if err == nil {
		err = r.record(parent, m, out, &res)
	}
	res.Took = time.Since(start)
	if err == nil {
		res.Freshness = out.meta.Freshness
		if r.opts.StaleAfter > 0 && !res.Freshness.IsZero() && time.Since(res.Freshness) > r.opts.StaleAfter {
			res.Stale = true
			r.log.Warn("mirror is stale", "mirror_id", m.ID, "url", m.URL, "freshness", res.Freshness,
				"behind", time.Since(res.Freshness).Round(time.Hour))
		}
		r.log.Debug("mirror refreshed", "mirror_id", m.ID, "url", m.URL, "status", res.Status,
			"packages", res.Packages, "took", res.Took)
		return res
	}
	res.Status, res.Err = StatusFailed, err
	if parent.Err() != nil {
		// Shutting down is not the mirror's fault: leave its failure count alone.
		return res
	}
	disabled, ferr := r.db.MirrorFailed(parent, m.ID, err.Error(), r.opts.MaxFailures)
	res.Disabled = disabled
	r.log.Warn("mirror refresh failed", "mirror_id", m.ID, "url", m.URL, "err", err, "disabled", disabled)
	if ferr != nil {
		r.log.Error("record mirror failure", "mirror_id", m.ID, "err", ferr)
	}
	return res
}

// record stores a successful outcome.
func (r *Refresher) record(ctx context.Context, m store.Mirror, out outcome, res *MirrorResult) error {
	if out.errata != nil {
		if err := r.db.SaveMirrorErrata(ctx, m.ID, *out.errata, out.errataSum); err != nil {
			return err
		}
	}
	if out.modules != nil {
		if err := r.db.SaveMirrorModules(ctx, m.ID, *out.modules, out.modulesSum); err != nil {
			return err
		}
	}
	if out.unchanged {
		res.Status = StatusUnchanged
		return r.db.MirrorUnchanged(ctx, m.ID, out.meta)
	}
	changed, err := r.db.SaveMirrorPackages(ctx, m.ID, out.pkgs, out.known, out.meta)
	if err != nil {
		return err
	}
	res.Status, res.Packages, res.SetDiff = StatusChanged, len(out.pkgs), changed
	return nil
}

// errNoPackages fails an index that decompressed to something but held no package: an HTML
// error page served with status 200, or a file of another kind.
var errNoPackages = errors.New("no packages found in index")
