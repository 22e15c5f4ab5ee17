// Package ingest is patchward's agent-facing side: the report wire formats (Patchman protocols 1
// and 2 and patchward's native JSON), the intake HTTP handler, and report processing.
//
// Parsers are pure functions that turn a wire format into a canonical store.HostReport. The
// handler stores that canonical report (pending) and answers 2xx only after the row committed;
// a Processor later applies pending reports to hosts.
package ingest

import (
	"errors"
	"fmt"
	"time"

	"patchward/ingest/netlist"
)

// DefaultAllowedNetworks are the networks that may send reports without credentials unless
// configured otherwise: loopback and private ranges.
var DefaultAllowedNetworks = []string{"127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12",
	"192.168.0.0/16", "fc00::/7", "fe80::/10"}

// DefaultMaxBodyBytes caps a report body when Options.MaxBodyBytes is not set.
const DefaultMaxBodyBytes = 64 << 20

// DefaultMaxInflightBytes is Options.MaxInflightBytes when not set.
const DefaultMaxInflightBytes = 256 << 20

// Defaults for the caps on rejected uploads (Options.KeepRejectedCount, KeepRejectedBytes,
// MaxRejectedPerMinute).
const (
	DefaultKeepRejectedCount    = 1000
	DefaultKeepRejectedBytes    = 32 << 20
	DefaultMaxRejectedPerMinute = 10
)

// Options configures report intake.
type Options struct {
	// AllowedNetworks are the source networks (CIDR) that may send reports without credentials
	// (Patchman protocol 1, and protocol 2 without an API key).
	AllowedNetworks []string `koanf:"allowed_networks"`
	// RequirePatchmanKey makes Patchman protocol 2 uploads require an API key, as Patchman does.
	RequirePatchmanKey bool `koanf:"require_patchman_key"`
	// BindHosts binds a host name to the credential it reports with (its host token, or the
	// Patchman API key it first reported with): reports for that name without that credential
	// are then refused, whatever the protocol. Off, only enrolled names refuse keyless native
	// reports.
	BindHosts bool `koanf:"bind_hosts"`
	// MaxBodyBytes caps a request body (after gzip decoding for the native protocol).
	MaxBodyBytes int64 `koanf:"max_body_bytes"`
	// MaxInflightBytes caps the memory all uploads being read and parsed hold together (bodies
	// after gzip decoding); beyond it uploads get 503 with Retry-After. 0 means the default.
	MaxInflightBytes int64 `koanf:"max_inflight_bytes"`
	// KeepReports is how many processed reports per host the cleanup job keeps (report history).
	KeepReports int `koanf:"keep_reports"`
	// KeepRejected is how long rejected uploads are kept for inspection.
	KeepRejected time.Duration `koanf:"keep_rejected"`
	// KeepRejectedCount and KeepRejectedBytes cap the rejected uploads kept (oldest dropped
	// first); 0 means the default.
	KeepRejectedCount int   `koanf:"keep_rejected_count"`
	KeepRejectedBytes int64 `koanf:"keep_rejected_bytes"`
	// MaxRejectedPerMinute is how many uploads one address may have rejected a minute; past it
	// its uploads get 429 before they are read. 0 means the default.
	MaxRejectedPerMinute int `koanf:"max_rejected_per_minute"`
	// TrustedProxies are the reverse proxies (CIDR) whose X-Forwarded-For header names the
	// client. Default none: the header is ignored, since any client can send it.
	TrustedProxies []string `koanf:"trusted_proxies"`
	// ServerVersion is the version of the agent binary on offer (the server's own; main sets
	// it). AgentBinary is that binary's file (agent.binary in the config, for agents of
	// another architecture); "" serves the server's own executable.
	ServerVersion string `koanf:"-"`
	AgentBinary   string `koanf:"-"`
}

// Validate returns every problem with the options at once.
func (o Options) Validate() error {
	_, err := netlist.Parse("allowed_networks", o.AllowedNetworks)
	_, perr := netlist.Parse("trusted_proxies", o.TrustedProxies)
	return errors.Join(err, perr)
}

// ParseError says what part of an upload could not be parsed.
type ParseError struct {
	Field string // form field or JSON member, e.g. "packages"
	Line  int    // 1-based line within a text field, 0 when not line-based
	Msg   string
}

// Error implements error.
func (e *ParseError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s line %d: %s", e.Field, e.Line, e.Msg)
	}
	if e.Field == "" {
		return e.Msg
	}
	return e.Field + ": " + e.Msg
}
