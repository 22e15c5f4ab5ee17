package app

import (
	"path/filepath"
	"time"

	"patchward/ingest"
	"patchward/repo"
	"patchward/ui"
	"patchward/ui/metrics"
)

// Config is patchward's whole configuration, loaded defaults -> TOML file -> PATCHWARD_*
// environment -> command-line flags (by config.go in package main, the only user of koanf).
// Sub-structs are handed to the packages that use them.
type Config struct {
	// Data is the data directory; the database is Data/patchward.db.
	Data string `koanf:"data"`
	// Listen is the address the server listens on.
	Listen    string `koanf:"listen"`
	LogLevel  string `koanf:"log_level"`
	LogFormat string `koanf:"log_format"` // text or json
	TLS       struct {
		Cert string `koanf:"cert"`
		Key  string `koanf:"key"`
	} `koanf:"tls"`
	Schedule ScheduleConfig `koanf:"schedule"`
	Ingest   ingest.Options `koanf:"ingest"`
	Repo     repo.Options   `koanf:"repo"`
	UI       ui.Options     `koanf:"ui"`
	// Metrics configures /metrics (Prometheus): served to metrics.allowed_networks (default
	// loopback) or with "Authorization: Bearer <metrics.token>".
	Metrics metrics.Options `koanf:"metrics"`
	// HTTP holds the server's timeouts against slow or stuck clients.
	HTTP HTTPConfig `koanf:"http"`
	// Agent configures the agent self-update: Binary is the agent binary served to agents
	// (default: the server's own executable, right for agents of the server's architecture).
	Agent struct {
		Binary string `koanf:"binary"`
	} `koanf:"agent"`
}

// HTTPConfig holds the HTTP server's timeouts. ReadHeaderTimeout cuts off clients that trickle
// their headers (slowloris); ReadTimeout bounds a whole request including a large report body.
type HTTPConfig struct {
	ReadHeaderTimeout time.Duration `koanf:"read_header_timeout"`
	ReadTimeout       time.Duration `koanf:"read_timeout"`
}

// ScheduleConfig holds the cron specs (robfig/cron, 5 fields or @every/@daily descriptors) of the
// in-process jobs. An empty spec disables the job.
type ScheduleConfig struct {
	Process     string `koanf:"process"`
	Refresh     string `koanf:"refresh"`
	FindUpdates string `koanf:"find_updates"`
	Cleanup     string `koanf:"cleanup"`
	History     string `koanf:"history"` // dashboard chart: hosts with pending security updates
}

// DBPath is the SQLite file inside the data directory.
func (c Config) DBPath() string { return filepath.Join(c.Data, "patchward.db") }
