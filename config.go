package main

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/go-viper/mapstructure/v2"
	"github.com/knadh/koanf/parsers/toml"
	"github.com/knadh/koanf/providers/confmap"
	"github.com/knadh/koanf/providers/file"
	"github.com/knadh/koanf/v2"
	"github.com/robfig/cron/v3"

	"patchward/ingest"
	"patchward/ingest/netlist"
	"patchward/repo"
	"patchward/ui/app"
	"patchward/ui/metrics"
)

// Config is patchward's whole configuration; its type lives with the server's composition in
// ui/app, and this file (the only user of koanf) loads and checks it.
type Config = app.Config

func defaultConfig() map[string]any {
	return map[string]any{
		"data":                           "data",
		"listen":                         "127.0.0.1:8080",
		"log_level":                      "info",
		"log_format":                     "text",
		"schedule.process":               "@every 1m",
		"schedule.refresh":               "0 4 * * *",
		"schedule.find_updates":          "@every 15m",
		"schedule.cleanup":               "30 5 * * *",
		"schedule.history":               "@every 1h",
		"ingest.allowed_networks":        ingest.DefaultAllowedNetworks,
		"ingest.require_patchman_key":    false,
		"ingest.bind_hosts":              true,
		"ingest.max_body_bytes":          int64(ingest.DefaultMaxBodyBytes),
		"ingest.max_inflight_bytes":      int64(ingest.DefaultMaxInflightBytes),
		"ingest.keep_reports":            10,
		"ingest.keep_rejected":           "720h",
		"ingest.keep_rejected_count":     ingest.DefaultKeepRejectedCount,
		"ingest.keep_rejected_bytes":     int64(ingest.DefaultKeepRejectedBytes),
		"ingest.max_rejected_per_minute": ingest.DefaultMaxRejectedPerMinute,
		"repo.timeout":                   repo.DefaultTimeout.String(),
		"repo.concurrency":               4,
		"repo.max_decompressed_bytes":    int64(1 << 30),
		"repo.max_failures":              28,
		"repo.allow_file_urls":           false,
		"repo.per_host_concurrency":      repo.DefaultPerHost,
		"repo.retries":                   repo.DefaultRetries,
		"repo.retry_backoff":             repo.DefaultRetryBackoff.String(),
		"repo.stale_after":               repo.DefaultStaleAfter.String(),
		"repo.max_mirrors_per_repo":      repo.DefaultMaxMirrors,
		"repo.signatures":                "auto",
		"ui.session_ttl":                 "168h",
		"ui.secure_cookies":              false,
		"ui.stale_days":                  14,
		"ingest.trusted_proxies":         []string{},
		"metrics.enabled":                true,
		"metrics.listen":                 "",
		"metrics.allowed_networks":       metrics.DefaultAllowedNetworks,
		"metrics.token":                  "",
		"http.read_header_timeout":       "10s",
		"http.read_timeout":              "5m",
	}
}

// loadConfig builds the Config from the defaults, the TOML file (if path is not empty), the
// PATCHWARD_* variables in environ and the flags that were set.
func loadConfig(path string, environ []string, flags map[string]any) (Config, error) {
	k := koanf.New(".")
	if err := k.Load(confmap.Provider(defaultConfig(), "."), nil); err != nil {
		return Config{}, err
	}
	if path != "" {
		if err := k.Load(file.Provider(path), toml.Parser()); err != nil {
			return Config{}, fmt.Errorf("config file %s: %w", path, err)
		}
	}
	if err := k.Load(confmap.Provider(envMap(environ), "."), nil); err != nil {
		return Config{}, err
	}
	if err := k.Load(confmap.Provider(flags, "."), nil); err != nil {
		return Config{}, err
	}
	var c Config
	err := k.UnmarshalWithConf("", &c, koanf.UnmarshalConf{DecoderConfig: &mapstructure.DecoderConfig{
		DecodeHook: mapstructure.ComposeDecodeHookFunc(
			mapstructure.StringToTimeDurationHookFunc(),
			mapstructure.StringToSliceHookFunc(","),
		),
		WeaklyTypedInput: true,
		ErrorUnused:      true,
		Result:           &c,
	}})
	if err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	return c, validate(c)
}

// envMap turns PATCHWARD_REPO__MAX_FAILURES=3 into {"repo.max_failures": "3"}: a double
// underscore separates sections, so keys with single underscores stay intact.
func envMap(environ []string) map[string]any {
	m := map[string]any{}
	for _, kv := range environ {
		k, v, ok := strings.Cut(kv, "=")
		// PATCHWARD_AGENT_* configure the agent (the same binary, often on the same host) and
		// PATCHWARD_REQUIRE_TOOLS the test suite: neither is server configuration.
		if !ok || !strings.HasPrefix(k, "PATCHWARD_") || strings.HasPrefix(k, "PATCHWARD_AGENT_") || k == "PATCHWARD_REQUIRE_TOOLS" {
			continue
		}
		key := strings.ToLower(strings.TrimPrefix(k, "PATCHWARD_"))
		m[strings.ReplaceAll(key, "__", ".")] = v
	}
	return m
}

// validate returns every problem with the configuration at once.
func validate(c Config) error {
	var errs []error
	if c.Data == "" {
		errs = append(errs, errors.New("data: must not be empty"))
	}
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		errs = append(errs, fmt.Errorf("listen %q: %w", c.Listen, err))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("log_level %q: want debug, info, warn or error", c.LogLevel))
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("log_format %q: want text or json", c.LogFormat))
	}
	if (c.TLS.Cert == "") != (c.TLS.Key == "") {
		errs = append(errs, errors.New("tls: cert and key must be given together"))
	}
	parser := cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)
	for name, spec := range map[string]string{"process": c.Schedule.Process, "refresh": c.Schedule.Refresh,
		"find_updates": c.Schedule.FindUpdates, "cleanup": c.Schedule.Cleanup, "history": c.Schedule.History} {
		if spec == "" {
			continue
		}
		if _, err := parser.Parse(spec); err != nil {
			errs = append(errs, fmt.Errorf("schedule.%s %q: %w", name, spec, err))
		}
	}
	if err := c.Ingest.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("ingest.%w", err))
	}
	if c.Ingest.KeepReports < 1 {
		errs = append(errs, errors.New("ingest.keep_reports: must be at least 1"))
	}
	if c.Ingest.MaxBodyBytes <= 0 {
		errs = append(errs, errors.New("ingest.max_body_bytes: must be positive"))
	}
	if c.Ingest.KeepRejectedCount < 1 || c.Ingest.KeepRejectedBytes < 1 || c.Ingest.MaxRejectedPerMinute < 1 {
		errs = append(errs, errors.New("ingest.keep_rejected_count, keep_rejected_bytes, max_rejected_per_minute: must be at least 1"))
	}
	if c.Ingest.MaxInflightBytes < c.Ingest.MaxBodyBytes {
		errs = append(errs, fmt.Errorf("ingest.max_inflight_bytes: %d is less than ingest.max_body_bytes (%d): "+
			"no upload of the largest allowed size could be read", c.Ingest.MaxInflightBytes, c.Ingest.MaxBodyBytes))
	}
	if err := c.Repo.Validate(); err != nil {
		errs = append(errs, err)
	}
	for _, set := range []struct {
		name string
		v    []string
	}{{"repo.allow_networks", c.Repo.AllowNetworks}, {"repo.deny_networks", c.Repo.DenyNetworks}} {
		if _, err := netlist.Parse(set.name, set.v); err != nil {
			errs = append(errs, err)
		}
	}
	if err := c.Metrics.Validate(); err != nil {
		errs = append(errs, err)
	}
	if c.Metrics.Listen != "" {
		if _, _, err := net.SplitHostPort(c.Metrics.Listen); err != nil {
			errs = append(errs, fmt.Errorf("metrics.listen %q: %w", c.Metrics.Listen, err))
		}
	}
	if c.HTTP.ReadHeaderTimeout <= 0 || c.HTTP.ReadTimeout <= 0 {
		errs = append(errs, errors.New("http.read_header_timeout and http.read_timeout: must be positive"))
	}
	if c.UI.SessionTTL < time.Minute {
		errs = append(errs, errors.New("ui.session_ttl: must be at least 1m"))
	}
	return errors.Join(errs...)
}
