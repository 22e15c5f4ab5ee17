package updates

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"time"

	"patchward/store"
)

// Summary describes one update-finding run.
type Summary struct {
	Computations int // computations recomputed and saved
	Updates      int // updates found in them
	Security     int // of which security updates
	Stale        int // computations whose input changed while computing: still dirty
	Reboots      int // hosts whose kernel check was (re)done
	Took         time.Duration
}

// saveBatch is how many results one write transaction saves.
const saveBatch = 32

// Finder recomputes computations: loads their input, runs Find and saves the result.
//
// It keeps one InputCache and the per-package answers for its whole life: both are keyed by
// the exact state of the repos (mirror checksums, errata and module metadata, flags, enabled
// streams), so they stay valid until a refresh changes a repo, and the update finding for one
// host after its report reads only that host's package set instead of 60,000 repo packages.
type Finder struct {
	db      *store.DB
	log     *slog.Logger
	workers int
	cache   *store.InputCache
	answers memos
}

// NewFinder returns a Finder computing on as many goroutines as GOMAXPROCS, with one writer.
func NewFinder(db *store.DB, log *slog.Logger) *Finder {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Finder{db: db, log: log, workers: max(1, runtime.GOMAXPROCS(0)), cache: db.NewInputCache()}
}

// FindDirty recomputes every dirty computation, then makes the kernel check of every host
// whose kernel or packages changed since its last one.
func (f *Finder) FindDirty(ctx context.Context) (Summary, error) {
	ids, err := f.db.DirtyComputations(ctx)
	if err != nil {
		return Summary{}, fmt.Errorf("find updates: %w", err)
	}
	sum, err := f.run(ctx, ids)
	if err != nil {
		return sum, err
	}
	n, err := f.checkReboots(ctx, nil)
	sum.Reboots = n
	return sum, err
}

// FindAll recomputes dirty computations, or every computation when force is set.
func (f *Finder) FindAll(ctx context.Context, force bool) (Summary, error) {
	if force {
		if err := f.db.MarkAllDirty(ctx); err != nil {
			return Summary{}, fmt.Errorf("find updates: %w", err)
		}
	}
	return f.FindDirty(ctx)
}

// FindForHost recomputes the host's computation if it is dirty or was never computed, so a
// host page can show fresh results right after a report without a fleet-wide run, and redoes
// the host's kernel check if its kernel or packages changed.
func (f *Finder) FindForHost(ctx context.Context, hostID int64) error {
	start := time.Now()
	defer func() { f.log.Debug("found updates for host", "host_id", hostID, "took", time.Since(start)) }()
	cs, err := f.db.ComputationsForHosts(ctx, []int64{hostID})
	if err != nil {
		return fmt.Errorf("find updates for host %d: %w", hostID, err)
	}
	var ids []int64
	for _, c := range cs {
		if c.Dirty || c.Computed.IsZero() {
			ids = append(ids, c.ID)
		}
	}
	if _, err := f.run(ctx, ids); err != nil {
		return fmt.Errorf("find updates for host %d: %w", hostID, err)
	}
	if _, err := f.checkReboots(ctx, []int64{hostID}); err != nil {
		return fmt.Errorf("find updates for host %d: %w", hostID, err)
	}
	return nil
}

// checkReboots makes the kernel check (RebootRequired) of the hosts that need one, all of them
// when hostIDs is nil, and saves the results. Hosts sharing a package set load it once.
func (f *Finder) checkReboots(ctx context.Context, hostIDs []int64) (int, error) {
	checks, err := f.db.UncheckedReboots(ctx, hostIDs)
	if err != nil || len(checks) == 0 {
		return 0, err
	}
	cache := f.cache
	var set int64
	var pkgs []store.Package
	for i := range checks {
		c := &checks[i]
		if c.PackageSetID != set || pkgs == nil {
			if pkgs, err = cache.PackageSet(ctx, c.PackageSetID); err != nil {
				return 0, fmt.Errorf("check kernels: %w", err)
			}
			set = c.PackageSetID
		}
		c.Reboot, c.Reason = RebootRequired(c.Kernel, pkgs)
	}
	if err := f.db.SaveReboots(ctx, checks); err != nil {
		return 0, fmt.Errorf("check kernels: %w", err)
	}
	return len(checks), nil
}

// run computes ids on f.workers goroutines sharing one InputCache, and saves the results from
// a single goroutine in batches: SQLite has one writer anyway, and one transaction per batch
// instead of per computation keeps a 10,000-computation run from being commit-bound.
// A computation that fails is logged and skipped so one bad row cannot stall the fleet.
func (f *Finder) run(ctx context.Context, ids []int64) (Summary, error) {
	start := time.Now()
	var sum Summary
	if len(ids) == 0 {
		return sum, nil
	}
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cache, answers := f.cache, &f.answers
	jobs := make(chan int64)
	results := make(chan store.ComputationResult, 4*f.workers)
	var mu sync.Mutex
	var failed int
	var firstErr error
	fail := func(id int64, err error) {
		if ctx.Err() != nil {
			return // cancelled: the run's error says so once
		}
		f.log.Error("find updates", "computation_id", id, "err", err)
		mu.Lock()
		defer mu.Unlock()
		if failed++; firstErr == nil {
			firstErr = err
		}
	}
	var wg sync.WaitGroup
	for range min(f.workers, len(ids)) {
		wg.Go(func() {
			for id := range jobs {
				in, err := cache.ComputationInput(ctx, id)
				if errors.Is(err, store.ErrNotFound) {
					continue // deleted since it was listed
				} else if err != nil {
					fail(id, err)
					continue
				}
				results <- in.Result(find(InputFrom(in), answers.get(in.RepoState())))
			}
		})
	}
	go func() {
		defer close(jobs)
		for _, id := range ids {
			select {
			case jobs <- id:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(results) }()
	var saveErr error
	for r := range results {
		// Wait for a batch of results before writing: one transaction (and one repo
		// fingerprint per repo scope) per 32 computations instead of per computation, at the
		// cost of results appearing a few milliseconds later.
		batch := []store.ComputationResult{r}
		for len(batch) < saveBatch {
			r, ok := <-results
			if !ok {
				break
			}
			batch = append(batch, r)
		}
		if saveErr != nil {
			continue // keep draining so the workers can finish
		}
		stale, err := cache.SaveComputations(ctx, batch)
		if err != nil {
			saveErr = err
			cancel()
			continue
		}
		sum.Stale += stale
		for _, b := range batch {
			sum.Computations++
			sum.Updates += len(b.Updates)
			for _, u := range b.Updates {
				if u.Security {
					sum.Security++
				}
			}
		}
	}
	sum.Took = time.Since(start)
	switch {
	case saveErr != nil:
		return sum, fmt.Errorf("find updates: %w", saveErr)
	case parent.Err() != nil:
		return sum, fmt.Errorf("find updates: %w", parent.Err())
	case failed > 0:
		return sum, fmt.Errorf("find updates: %d of %d computations failed, first: %w", failed, len(ids), firstErr)
	}
	return sum, nil
}
