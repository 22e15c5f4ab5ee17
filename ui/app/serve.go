package app

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"patchward/assets"
	"patchward/ingest"
	"patchward/repo"
	"patchward/store"
	"patchward/ui"
	"patchward/ui/app/gc"
	"patchward/ui/metrics"
)

// Run serves the UI, the API, the report intake and /metrics, and runs the report processor,
// the start-up jobs and the scheduled jobs until ctx ends; then it shuts down gracefully.
func (a *App) Run(ctx context.Context) error {
	if err := a.ensureAdmin(ctx); err != nil {
		return err
	}
	if pct, limit := gc.Tune(); pct > 0 || limit > 0 {
		a.log.Debug("garbage collection tuned for serving", "gogc", pct, "soft_memory_limit", limit)
	}
	ln, err := net.Listen("tcp", a.cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	if err := a.refresher.AddSelfAddrs(ln.Addr().String()); err != nil { // the port, if chosen now
		ln.Close()
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	notify := a.startBackground(ctx, &wg)
	mux := a.routes(notify)
	metricsSrv, err := a.mountMetrics(mux)
	if err != nil {
		ln.Close()
		cancel()
		wg.Wait()
		return err
	}
	srv := a.httpServer(ctx, mux)
	c := a.startCron(ctx)
	serveErr := a.serve(srv, ln)

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

// startBackground starts the report processor and the start-up jobs; it returns the function
// that wakes the processor when a report arrives.
func (a *App) startBackground(ctx context.Context, wg *sync.WaitGroup) (notify func()) {
	wake := make(chan struct{}, 1)
	notify = func() {
		select {
		case wake <- struct{}{}:
		default:
		}
	}
	wg.Add(1)
	go func() { defer wg.Done(); a.processor.Run(ctx, wake) }()
	notify() // reports accepted before a crash or restart are picked up now
	// Results left dirty by a crash or a CLI refresh are recomputed now, which also loads the
	// repositories into the finder's cache so the first report after a start is not the one
	// that pays for it; then the dashboard chart gets today's point without waiting an hour.
	wg.Add(1)
	go func() {
		defer wg.Done()
		a.job(ctx, "find_updates", a.FindUpdates)()
		a.job(ctx, "history", a.RecordHistory)()
	}()
	return notify
}

// routes mounts the health check, the report intake, the static assets and the UI on one mux.
func (a *App) routes(notify func()) *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		if err := a.db.Ping(r.Context()); err != nil {
			http.Error(w, "database unavailable", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	intakeOpts := a.cfg.Ingest
	intakeOpts.ServerVersion, intakeOpts.AgentBinary = a.Version, a.cfg.Agent.Binary
	intake := ingest.Handler(a.db, intakeOpts, a.log, notify)
	// The intake has only POSTs on /api/v1/reports; GET there is the UI's API list of reports.
	for _, p := range []string{"/reports/upload/", "/reports/upload", "/api/report/", "/api/report", "POST /api/v1/reports", "/api/v1/enroll", "GET /api/v1/agent/"} {
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
	uiOpts.ServerVersion = a.Version
	mux.Handle("/", ui.Handler(a.db, uiOpts, a.log, ui.Actions{
		RefreshRepo: func(ctx context.Context, id int64) error {
			_, err := a.Refresh(ctx, repo.Request{RepoID: id})
			return err
		},
		FindUpdates:    a.FindUpdates,
		ProcessReports: a.Process,
	}))
	return mux
}

// httpServer is the server of mux with its timeouts; its requests outlive ctx.
func (a *App) httpServer(ctx context.Context, mux *http.ServeMux) *http.Server {
	return &http.Server{
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
}

// serve starts srv on ln (with TLS if configured), logs the URL and returns where Serve's
// error arrives.
func (a *App) serve(srv *http.Server, ln net.Listener) <-chan error {
	serveErr := make(chan error, 1)
	scheme := "http"
	if a.cfg.TLS.Cert != "" {
		scheme = "https"
	}
	go func() {
		if a.cfg.TLS.Cert != "" {
			srv.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
			serveErr <- srv.ServeTLS(ln, a.cfg.TLS.Cert, a.cfg.TLS.Key)
			return
		}
		serveErr <- srv.Serve(ln)
	}()
	a.log.Info("patchward listening", "url", scheme+"://"+ln.Addr().String(), "data", a.cfg.Data, "version", a.Version)
	return serveErr
}

// ensureAdmin creates the first admin account with a one-time password on first start, so a
// fresh install can be logged into without any other step.
func (a *App) ensureAdmin(ctx context.Context) error {
	n, err := a.db.UserCount(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	password := RandomPassword()
	if _, err := a.db.CreateUser(ctx, "admin", password, "admin"); err != nil && !errors.Is(err, store.ErrConflict) {
		return fmt.Errorf("create first admin: %w", err)
	}
	// Printed, not logged: a log pipeline must not collect the password.
	fmt.Fprintf(a.Console, "\nFirst start: created user \"admin\" with password %s\n"+
		"Change it with 'patchward user passwd admin --password-stdin'; add users with 'patchward user add NAME'.\n\n", password)
	return nil
}

// mountMetrics serves /metrics behind its access rule: on mux, or on its own listener when
// metrics.listen is set (returned so that Run can shut it down).
func (a *App) mountMetrics(mux *http.ServeMux) (*http.Server, error) {
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
	if err := a.refresher.AddSelfAddrs(ln.Addr().String()); err != nil {
		ln.Close()
		return nil, err
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
