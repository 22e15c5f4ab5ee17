// Package repo reads package repositories' metadata: fetching with conditional GET and parsing
// Debian and RPM indexes into package lists that store keeps per mirror. The index parsers
// live in sub-packages (repo/deb, repo/rpm); this package fetches, decompresses, decides what
// changed and runs the refresh job.
package repo

import (
	"errors"
	"fmt"
	"runtime/debug"
	"time"
)

// Options configures repository refresh. Zero values take the defaults below.
type Options struct {
	// Timeout bounds the refresh of one mirror, all of its requests together (default 10m).
	// Waiting for a response's headers is bounded by the smaller of it and one minute.
	Timeout time.Duration `koanf:"timeout"`
	// Concurrency is how many mirrors are refreshed at once (default 4).
	Concurrency int `koanf:"concurrency"`
	// MaxDecompressed caps the bytes of one index, downloaded or decompressed (default 1 GiB).
	MaxDecompressed int64 `koanf:"max_decompressed_bytes"`
	// MaxFailures disables a mirror after this many consecutive failed refreshes (default 28,
	// -1 never).
	MaxFailures int `koanf:"max_failures"`
	// AllowFileURLs lets mirrors with file:// URLs be read from this server's disk. Off by
	// default: mirror URLs come from client reports, and a file:// repo on a client names the
	// client's disk, not ours; reading paths that untrusted clients chose is not safe.
	AllowFileURLs bool `koanf:"allow_file_urls"`
	// UserAgent is sent with every request (default "patchward/<module version>").
	UserAgent string `koanf:"-"`
}

// Defaults for Options' zero values.
const (
	DefaultTimeout         = 10 * time.Minute
	DefaultConcurrency     = 4
	DefaultMaxDecompressed = 1 << 30
	DefaultMaxFailures     = 28
)

// Validate reports every invalid setting at once (zero values are valid: they mean "default").
func (o Options) Validate() error {
	var errs []error
	if o.Timeout < 0 {
		errs = append(errs, fmt.Errorf("repo timeout %s is negative", o.Timeout))
	}
	if o.Concurrency < 0 || o.Concurrency > 64 {
		errs = append(errs, fmt.Errorf("repo concurrency %d is not between 0 and 64", o.Concurrency))
	}
	if o.MaxDecompressed < 0 {
		errs = append(errs, fmt.Errorf("repo max_decompressed_bytes %d is negative", o.MaxDecompressed))
	}
	if o.MaxFailures < -1 {
		errs = append(errs, fmt.Errorf("repo max_failures %d is below -1 (-1 means never disable)", o.MaxFailures))
	}
	return errors.Join(errs...)
}

// withDefaults returns o with zero values replaced by the defaults.
func (o Options) withDefaults() Options {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.MaxDecompressed <= 0 {
		o.MaxDecompressed = DefaultMaxDecompressed
	}
	if o.MaxFailures == 0 {
		o.MaxFailures = DefaultMaxFailures
	}
	if o.UserAgent == "" {
		o.UserAgent = "patchward/" + version()
	}
	return o
}

func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}
