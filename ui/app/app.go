// Package app is the server's composition, in one named place: New opens the store and builds
// the report processor, the repository refresher and the update finder; Run serves the UI, the
// report intake and the metrics, runs the scheduled and start-up jobs and shuts down gracefully;
// Close releases the store. `patchward serve`, the CLI's jobs and the end-to-end tests all go
// through it, so there is one composition. (benbjohnson/wtf's Main is the model.)
package app

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"io"
	"log/slog"
	"os"
	"runtime/debug"

	"patchward/ingest"
	"patchward/repo"
	"patchward/store"
	"patchward/updates"
)

// App is one patchward process's server side: its store and the engines working on it.
// Set the exported fields before Run.
type App struct {
	// Jobs are the scheduled jobs Run starts (jobs.go in package main builds the table).
	Jobs []Job
	// Version is shown in the start-up log.
	Version string
	// Console receives what must be shown and never logged: the first admin's password.
	Console io.Writer

	cfg       Config
	db        *store.DB
	log       *slog.Logger
	processor *ingest.Processor
	refresher *repo.Refresher
	finder    *updates.Finder
}

// New opens (and migrates) the database of cfg and builds the processor, refresher and finder.
func New(ctx context.Context, cfg Config, log *slog.Logger) (*App, error) {
	db, err := store.Open(ctx, cfg.DBPath())
	if err != nil {
		return nil, err
	}
	a := &App{Version: BuildVersion(""), Console: os.Stderr, cfg: cfg, db: db, log: log}
	a.finder = updates.NewFinder(db, log)
	a.processor = ingest.NewProcessor(db, log, a.afterReport)
	// The server's own listen addresses are never fetched for a reported URL.
	repoOpts := cfg.Repo
	repoOpts.SelfAddrs = append([]string{cfg.Listen}, repoOpts.SelfAddrs...)
	if cfg.Metrics.Listen != "" {
		repoOpts.SelfAddrs = append(repoOpts.SelfAddrs, cfg.Metrics.Listen)
	}
	a.refresher = repo.NewRefresher(db, repoOpts, log)
	return a, nil
}

// Close closes the database.
func (a *App) Close() error { return a.db.Close() }

// DB is the App's store, for the CLI's queries and admin commands.
func (a *App) DB() *store.DB { return a.db }

// Config is the configuration the App was built with.
func (a *App) Config() Config { return a.cfg }

// Logger is the App's logger.
func (a *App) Logger() *slog.Logger { return a.log }

// Finder is the App's update finder.
func (a *App) Finder() *updates.Finder { return a.finder }

// NewLogger makes the process's logger as cfg asks (level, text or JSON), writing to w.
func NewLogger(cfg Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// BuildVersion is stamped if it was set at build time (-ldflags "-X main.version=..."),
// otherwise the module version or VCS revision.
func BuildVersion(stamped string) string {
	if stamped != "" {
		return stamped
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "dev"
	}
	if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			return "dev-" + s.Value[:12]
		}
	}
	return "dev"
}

// RandomPassword is a password for an account created without one (shown once).
func RandomPassword() string {
	b := make([]byte, 15)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
