// Package ingest is patchward's agent-facing side: the report wire formats (Patchman protocols 1
// and 2 and patchward's native JSON), the intake HTTP handler, and report processing.
package ingest

// Options configures report intake.
type Options struct {
	// AllowedNetworks are the source networks (CIDR) that may send reports without credentials
	// (Patchman protocol 1, and protocol 2 without an API key).
	AllowedNetworks []string `koanf:"allowed_networks"`
	// RequirePatchmanKey makes Patchman protocol 2 uploads require an API key, as Patchman does.
	RequirePatchmanKey bool `koanf:"require_patchman_key"`
	// MaxBodyBytes caps a request body (after gzip decoding for the native protocol).
	MaxBodyBytes int64 `koanf:"max_body_bytes"`
}
