package app

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/robfig/cron/v3"

	"patchward/repo"
	"patchward/ui/metrics"
)

// Job is one scheduled job: Name in logs and metrics, Spec a cron spec (empty disables it).
type Job struct {
	Name string
	Spec string
	Run  func(context.Context) error
}

// ProcessReports processes every pending report; each processed host's updates are then found
// (only its own computation, and only if its inputs changed).
func (a *App) ProcessReports(ctx context.Context) (int, error) {
	return a.processor.ProcessPending(ctx)
}

// Process is ProcessReports as a job.
func (a *App) Process(ctx context.Context) error {
	_, err := a.ProcessReports(ctx)
	return err
}

// afterReport finds the updates of a host whose report was just processed; only its own
// computation is touched, and only if its inputs changed.
func (a *App) afterReport(ctx context.Context, hostID int64) {
	if err := a.finder.FindForHost(ctx, hostID); err != nil && ctx.Err() == nil {
		a.log.Error("find updates after report", "host_id", hostID, "err", err)
	}
}

// Refresh refreshes mirrors, then recomputes the update results the refresh made dirty.
func (a *App) Refresh(ctx context.Context, req repo.Request) (repo.Summary, error) {
	sum, err := a.refresher.Refresh(ctx, req)
	metrics.ObserveRefresh(sum.Changed, sum.Unchanged, sum.Failed, sum.Took)
	if err != nil {
		return sum, err
	}
	if err := a.FindUpdates(ctx); err != nil {
		return sum, fmt.Errorf("find updates after refresh: %w", err)
	}
	return sum, nil
}

// RefreshAll is Refresh of every due mirror as a job.
func (a *App) RefreshAll(ctx context.Context) error {
	_, err := a.Refresh(ctx, repo.Request{})
	return err
}

// FindUpdates recomputes every dirty update result.
func (a *App) FindUpdates(ctx context.Context) error {
	sum, err := a.finder.FindDirty(ctx)
	if err == nil {
		metrics.ObserveFindUpdates(sum.Computations, sum.Took)
	}
	return err
}

// Cleanup drops expired sessions and old reports (keeping each host's newest reports as its
// history, and rejected uploads for a while for inspection).
func (a *App) Cleanup(ctx context.Context) error {
	if _, err := a.db.DeleteExpiredSessions(ctx); err != nil {
		return err
	}
	_, err := a.db.PruneReports(ctx, a.cfg.Ingest.KeepReports, a.db.Now().Add(-a.cfg.Ingest.KeepRejected))
	return err
}

// RecordHistory adds the dashboard chart's point: hosts with pending security updates.
func (a *App) RecordHistory(ctx context.Context) error { return a.db.RecordSecurityHistory(ctx) }

// Backup writes a verified copy of the database to dest while everything else keeps running;
// it returns the copy's size.
func (a *App) Backup(ctx context.Context, dest string) (int64, error) { return a.db.Backup(ctx, dest) }

// job adapts a job method to cron: it logs its outcome and duration, and never overlaps itself
// (cron's SkipIfStillRunning) while CLI runs of the same job stay safe through SQLite's writer.
func (a *App) job(ctx context.Context, name string, fn func(context.Context) error) func() {
	return func() {
		start := time.Now()
		err := fn(ctx)
		metrics.JobRun(name, err)
		if err != nil && ctx.Err() == nil {
			a.log.Error("job failed", "job", name, "took", time.Since(start), "err", err)
			return
		}
		a.log.Info("job done", "job", name, "took", time.Since(start).Round(time.Millisecond))
	}
}

type cronLogger struct{ log *slog.Logger }

func (l cronLogger) Info(msg string, kv ...any) { l.log.Debug("cron: "+msg, kv...) }
func (l cronLogger) Error(err error, msg string, kv ...any) {
	l.log.Error("cron: "+msg, append(kv, "err", err)...)
}

// startCron schedules a.Jobs.
func (a *App) startCron(ctx context.Context) *cron.Cron {
	cl := cronLogger{a.log}
	c := cron.New(cron.WithLogger(cl), cron.WithChain(cron.Recover(cl), cron.SkipIfStillRunning(cl)))
	for _, j := range a.Jobs {
		if j.Spec == "" {
			continue
		}
		if _, err := c.AddFunc(j.Spec, a.job(ctx, j.Name, j.Run)); err != nil {
			// validate (config.go) parsed every spec already; reaching this is a programmer error.
			panic(fmt.Sprintf("cron spec %s: %v", j.Name, err))
		}
	}
	c.Start()
	return c
}
