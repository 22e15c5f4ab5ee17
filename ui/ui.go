// Package ui is patchward's people-facing side: the server-rendered web UI and the JSON API.
package ui

import "time"

// Options configures the web UI.
type Options struct {
	SessionTTL    time.Duration `koanf:"session_ttl"`
	SecureCookies bool          `koanf:"secure_cookies"`
	StaleDays     int           `koanf:"stale_days"`
}
