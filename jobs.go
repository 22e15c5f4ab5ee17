package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"patchward/assets"
	"patchward/ingest"
	"patchward/repo"
	"patchward/store"
	"patchward/ui"
	"patchward/ui/metrics"
)

// processReports processes every pending report; each processed host's updates are then found
// (only its own computation, and only if its inputs changed).
func (a *app) processReports(ctx context.Context) (int, error) {
	return a.processor.ProcessPending(ctx)
}

// afterReport finds the updates of a host whose report was just processed; only its own
// computation is touched, and only if its inputs changed.
func (a *app) afterReport(ctx context.Context, hostID int64) {
	if err := a.finder.FindForHost(ctx, hostID); err != nil && ctx.Err() == nil {
		a.log.Error("find updates after report", "host_id", hostID, "err", err)
	}
}

// refresh refreshes mirrors, then recomputes the update results the refresh made dirty.
func (a *app) refresh(ctx context.Context, req repo.Request) (repo.Summary, error) {
	sum, err := a.refresher.Refresh(ctx, req)
	metrics.ObserveRefresh(sum.Changed, sum.Unchanged, sum.Failed, sum.Took)
	if err != nil {
		return sum, err
	}
	if err := a.findUpdates(ctx); err != nil {
		return sum, fmt.Errorf("find updates after refresh: %w", err)
	}
	return sum, nil
}

// findUpdates recomputes every dirty update result.
func (a *app) findUpdates(ctx context.Context) error {
	sum, err := a.finder.FindDirty(ctx)
	if err == nil {
		metrics.ObserveFindUpdates(sum.Computations, sum.Took)
	}
	return err
}

// cleanup drops expired sessions and old reports (keeping each host's newest reports as its
// history, and rejected uploads for a while for inspection).
func (a *app) cleanup(ctx context.Context) error {
	if _, err := a.db.DeleteExpiredSessions(ctx); err != nil {
		return err
	}
	_, err := a.db.PruneReports(ctx, a.cfg.Ingest.KeepReports, a.db.Now().Add(-a.cfg.Ingest.KeepRejected))
	return err
}

// job adapts a job method to cron: it logs its outcome and duration, and never overlaps itself
// (cron's SkipIfStillRunning) while CLI runs of the same job stay safe through SQLite's writer.
func (a *app) job(ctx context.Context, name string, fn func(context.Context) error) func() {
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

func (a *app) startCron(ctx context.Context) *cron.Cron {
	cl := cronLogger{a.log}
	c := cron.New(cron.WithLogger(cl), cron.WithChain(cron.Recover(cl), cron.SkipIfStillRunning(cl)))
	jobs := []struct {
		name, spec string
		fn         func(context.Context) error
	}{
		{"process", a.cfg.Schedule.Process, func(ctx context.Context) error { _, err := a.processReports(ctx); return err }},
		{"refresh", a.cfg.Schedule.Refresh, func(ctx context.Context) error { _, err := a.refresh(ctx, repo.Request{}); return err }},
		{"find_updates", a.cfg.Schedule.FindUpdates, a.findUpdates},
		{"cleanup", a.cfg.Schedule.Cleanup, a.cleanup},
		{"history", a.cfg.Schedule.History, a.db.RecordSecurityHistory},
	}
	for _, j := range jobs {
		if j.spec == "" {
			continue
		}
		if _, err := c.AddFunc(j.spec, a.job(ctx, j.name, j.fn)); err != nil {
			// validate() parsed every spec already; reaching this is a programmer error.
			panic(fmt.Sprintf("cron spec %s: %v", j.name, err))
		}
	}
	c.Start()
	return c
}

// serve runs the HTTP server, the report processor and the scheduler until ctx ends.
func (a *app) serve(ctx context.Context) error {
	if err := a.ensureAdmin(ctx); err != nil {
		return err
	}
	if pct, limit := ui.TuneGC(); pct > 0 || limit > 0 {
		a.log.Debug("garbage collection tuned for serving", "gogc", pct, "soft_memory_limit", limit)
	}
	ln, err := net.Listen("tcp", a.cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	wake := make(chan struct{}, 1)
	notify := func() {
		select {
		case wake <- struct{}{}:
		default:
		}
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); a.processor.Run(ctx, wake) }()
	notify() // reports accepted before a crash or restart are picked up now
	// Results left dirty by a crash or a CLI refresh are recomputed now, which also loads the
	// repositories into the finder's cache so the first report after a start is not the one
	// that pays for it; then the dashboard chart gets today's point without waiting an hour.
	wg.Add(1)
	go func() {
		defer wg.Done()
		a.job(ctx, "find_updates", a.findUpdates)()
		a.job(ctx, "history", a.db.RecordSecurityHistory)()
	}()

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		if err := a.db.Ping(r.Context()); err != nil {
			http.Error(w, "database unavailable", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	intake := ingest.Handler(a.db, a.cfg.Ingest, a.log, notify)
	// The intake has only POSTs on /api/v1/reports; GET there is the UI's API list of reports.
	for _, p := range []string{"/reports/upload/", "/reports/upload", "/api/report/", "/api/report", "POST /api/v1/reports", "/api/v1/enroll"} {
		mux.Handle(p, intake)
		// Patchman's Apache example serves under /patchman: keep such client URLs working too.
		method, path, ok := strings.Cut(p, " ")
		if !ok {
			method, path = "", p
		}
		mux.Handle(strings.TrimSpace(method+" /patchman"+path), http.StripPrefix("/patchman", intake))
	}
	mux.Handle("/static/", assets.Handler())
	uiOpts := a.cfg.UI
	uiOpts.MirrorBehind = a.cfg.Repo.StaleAfter
	mux.Handle("/", ui.Handler(a.db, uiOpts, a.log, ui.Actions{
		RefreshRepo: func(ctx context.Context, id int64) error {
			_, err := a.refresh(ctx, repo.Request{RepoID: id})
			return err
		},
		FindUpdates: a.findUpdates,
		ProcessReports: func(ctx context.Context) error {
			_, err := a.processReports(ctx)
			return err
		},
	}))

	metricsSrv, err := a.mountMetrics(mux)
	if err != nil {
		ln.Close()
		cancel()
		wg.Wait()
		return err
	}
	srv := &http.Server{
		Handler:           metrics.Middleware(a.log, ui.SecurityHeaders(mux)),
		ReadHeaderTimeout: a.cfg.HTTP.ReadHeaderTimeout, // slowloris clients are cut off
		ReadTimeout:       a.cfg.HTTP.ReadTimeout,       // large reports over slow links
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
		// Requests outlive the shutdown signal: Shutdown waits for them, and an upload in
		// flight is stored and answered rather than cut off with a 500.
		BaseContext: func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	c := a.startCron(ctx)
	scheme := "http"
	serveErr := make(chan error, 1)
	go func() {
		if a.cfg.TLS.Cert != "" {
			srv.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
			serveErr <- srv.ServeTLS(ln, a.cfg.TLS.Cert, a.cfg.TLS.Key)
			return
		}
		serveErr <- srv.Serve(ln)
	}()
	if a.cfg.TLS.Cert != "" {
		scheme = "https"
	}
	a.log.Info("patchward listening", "url", scheme+"://"+ln.Addr().String(), "data", a.cfg.Data, "version", buildVersion())

	select {
	case err = <-serveErr:
	case <-ctx.Done():
	}
	a.log.Info("shutting down")
	// Jobs and the processor stop at their next safe point: the report in hand is finished, a
	// refresh drops the mirror it was writing (one transaction per mirror). Without this a
	// scheduled job would hold the shutdown until it had done all its work.
	cancel()
	shutCtx, done := context.WithTimeout(context.Background(), 30*time.Second)
	defer done()
	// Requests run on a context that the cancel above does not reach: Shutdown lets them finish.
	shutErr := srv.Shutdown(shutCtx)
	if metricsSrv != nil {
		shutErr = errors.Join(shutErr, metricsSrv.Shutdown(shutCtx))
	}
	<-c.Stop().Done()
	wg.Wait()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return errors.Join(err, shutErr)
}

// ensureAdmin creates the first admin account with a one-time password on first start, so a
// fresh install can be logged into without any other step.
func (a *app) ensureAdmin(ctx context.Context) error {
	n, err := a.db.UserCount(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	password := randomPassword()
	if _, err := a.db.CreateUser(ctx, "admin", password, "admin"); err != nil && !errors.Is(err, store.ErrConflict) {
		return fmt.Errorf("create first admin: %w", err)
	}
	// Printed, not logged: a log pipeline must not collect the password.
	fmt.Fprintf(a.stderr, "\nFirst start: created user \"admin\" with password %s\n"+
		"Change it with 'patchward user passwd admin --password-stdin'; add users with 'patchward user add NAME'.\n\n", password)
	return nil
}

// mountMetrics serves /metrics behind its access rule: on mux, or on its own listener when
// metrics.listen is set (returned so that serve can shut it down).
func (a *app) mountMetrics(mux *http.ServeMux) (*http.Server, error) {
	if !a.cfg.Metrics.Enabled {
		return nil, nil
	}
	metrics.SetPendingReports(func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		c, err := a.db.ReportCounts(ctx)
		if err != nil {
			return -1
		}
		return float64(c[store.ReportPending])
	})
	h := metrics.Protect(metrics.Handler(), a.cfg.Metrics)
	if a.cfg.Metrics.Listen == "" {
		mux.Handle("GET /metrics", h)
		return nil, nil
	}
	ln, err := net.Listen("tcp", a.cfg.Metrics.Listen)
	if err != nil {
		return nil, fmt.Errorf("metrics listen: %w", err)
	}
	m := http.NewServeMux()
	m.Handle("GET /metrics", h)
	srv := &http.Server{Handler: metrics.Middleware(a.log, m), ReadHeaderTimeout: a.cfg.HTTP.ReadHeaderTimeout,
		ReadTimeout: time.Minute, WriteTimeout: time.Minute,
		ErrorLog: slog.NewLogLogger(a.log.Handler(), slog.LevelWarn)}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.log.Error("metrics server", "err", err)
		}
	}()
	a.log.Info("metrics listening", "url", "http://"+ln.Addr().String()+"/metrics")
	return srv, nil
}

// cliBackup writes a verified copy of the database while everything else keeps running.
func (a *app) cliBackup(ctx context.Context, o cliOptions) error {
	if len(o.args) != 1 {
		return errors.New("backup: want exactly one destination file")
	}
	start := time.Now()
	size, err := a.db.Backup(ctx, o.args[0])
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "backup written to %s (%d bytes, integrity ok), took %s\n", o.args[0], size,
		time.Since(start).Round(time.Millisecond))
	return nil
}

// cliRestore replaces the database with a backup. It refuses while the server or another
// command has the database open.
func cliRestore(ctx context.Context, cfg Config, o cliOptions, stdout io.Writer) error {
	if len(o.args) != 1 {
		return errors.New("restore: want exactly one backup file")
	}
	if err := store.Restore(ctx, o.args[0], cfg.DBPath()); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "restored %s from %s (previous database kept as %s.before-restore)\n",
		cfg.DBPath(), o.args[0], cfg.DBPath())
	return nil
}
