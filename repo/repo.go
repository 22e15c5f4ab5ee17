// Package repo reads package repositories' metadata: fetching with conditional GET and parsing
// Debian and RPM indexes into package lists that store keeps per mirror.
package repo

import "time"

// Options configures repository refresh.
type Options struct {
	Timeout         time.Duration `koanf:"timeout"`
	Concurrency     int           `koanf:"concurrency"`
	MaxDecompressed int64         `koanf:"max_decompressed_bytes"`
	MaxFailures     int           `koanf:"max_failures"`
}
