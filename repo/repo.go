// Package repo reads package repositories' metadata: fetching with conditional GET and parsing
// Debian and RPM indexes into package lists that store keeps per mirror. The index parsers
// live in sub-packages (repo/deb, repo/rpm); this package fetches, decompresses, decides what
// changed and runs the refresh job.
package repo

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"os"
	"runtime/debug"
	"slices"
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

	// PerHostConcurrency is how many mirrors of one host (name and port) are refreshed at once
	// (default 2), so a fleet's many suites on one public mirror do not hammer it.
	PerHostConcurrency int `koanf:"per_host_concurrency"`
	// Retries is how many times a transient failure (network error, 5xx, 429) is retried within
	// one run, with exponential backoff from RetryBackoff (default 2 retries; -1 none).
	Retries int `koanf:"retries"`
	// RetryBackoff is the first retry's delay, doubled on each further retry (default 1s).
	RetryBackoff time.Duration `koanf:"retry_backoff"`
	// StaleAfter flags a mirror whose freshness (Release Date, repomd revision) is older than
	// this as stale (default 14 days; -1 never).
	StaleAfter time.Duration `koanf:"stale_after"`
	// MaxMirrorsPerRepo bounds how many mirrors a mirrorlist or metalink resolves to (default 3).
	MaxMirrorsPerRepo int `koanf:"max_mirrors_per_repo"`
	// Proxy is the proxy URL for http and https fetches; empty uses the environment
	// (HTTP_PROXY, HTTPS_PROXY, NO_PROXY).
	Proxy string `koanf:"proxy"`
	// Signatures decides Debian Release signature checking: "auto" (default) verifies every
	// Release whose signing key is in a keyring and fails the mirror on a bad signature; URLs
	// under a Keyrings rule must carry a good signature by one of its keys; "required" demands
	// a good signature for every suite; "off" never checks.
	Signatures string `koanf:"signatures"`
	// KeyringFiles are the OpenPGP keyrings (binary or armoured) trusted for every Debian
	// mirror. Default: /usr/share/keyrings/debian-archive-keyring.gpg where present.
	KeyringFiles []string `koanf:"keyring_files"`
	// Keyrings are per-URL-prefix keyrings: mirrors under Prefix must be signed by them.
	Keyrings []KeyringRule `koanf:"keyrings"`
	// VerifyRepomd checks repodata/repomd.xml.asc against the keyrings when a mirror serves
	// one; a bad signature fails the mirror (default off: most rpm repos sign packages only).
	VerifyRepomd bool `koanf:"verify_repomd"`
	// Rewrites map the URLs hosts report to where this server reads them (air-gapped sites:
	// "http://public.example/debian" -> "file:///srv/mirror/debian"). Longest prefix wins.
	Rewrites []Rewrite `koanf:"rewrites"`
	// Credentials are sent to URLs under their prefix (HTTP basic auth, client certificates).
	Credentials []Credential `koanf:"credentials"`
	// AllowNetworks and DenyNetworks (CIDR) decide which addresses refresh may connect to;
	// a deny match wins, and when AllowNetworks is set an address must match it. Link-local
	// and cloud metadata addresses (169.254.0.0/16, fe80::/10, fd00:ec2::254) are always
	// denied unless listed in AllowNetworks. Client-reported URLs must not turn this server
	// into a proxy into networks it can reach.
	// Loopback (127.0.0.0/8, ::1, 0.0.0.0/8) is refused too unless listed: a loopback URL a
	// host reports names that host, never this server. Rewrite targets are trusted.
	AllowNetworks []string `koanf:"allow_networks"`
	DenyNetworks  []string `koanf:"deny_networks"`
	// SelfAddrs are this server's listen addresses (host:port, host empty for all): refused
	// for reported URLs even when AllowNetworks lists their network. main sets them.
	SelfAddrs []string `koanf:"-"`
}

// KeyringRule trusts the keys in Files for the mirrors whose URL starts with Prefix.
type KeyringRule struct {
	Prefix string   `koanf:"prefix"`
	Files  []string `koanf:"files"`
}

// Rewrite maps URLs starting with From to the same path under To.
type Rewrite struct {
	From string `koanf:"from"`
	To   string `koanf:"to"`
}

// Credential is sent with requests whose URL starts with Prefix: HTTP basic auth when
// Username is set, a TLS client certificate when CertFile and KeyFile are set, and CAFile
// adds a trusted CA.
type Credential struct {
	Prefix   string `koanf:"prefix"`
	Username string `koanf:"username"`
	Password string `koanf:"password"`
	CertFile string `koanf:"cert_file"`
	KeyFile  string `koanf:"key_file"`
	CAFile   string `koanf:"ca_file"`
}

// Defaults for Options' zero values.
const (
	DefaultTimeout         = 10 * time.Minute
	DefaultConcurrency     = 4
	DefaultMaxDecompressed = 1 << 30
	DefaultMaxFailures     = 28
	DefaultPerHost         = 2
	DefaultRetries         = 2
	DefaultRetryBackoff    = time.Second
	DefaultStaleAfter      = 14 * 24 * time.Hour
	DefaultMaxMirrors      = 3
	// DefaultKeyring is Debian's archive keyring, used when present and no keyring is set.
	DefaultKeyring = "/usr/share/keyrings/debian-archive-keyring.gpg"
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
	if o.PerHostConcurrency < 0 {
		errs = append(errs, fmt.Errorf("repo per_host_concurrency %d is negative", o.PerHostConcurrency))
	}
	if o.Retries < -1 {
		errs = append(errs, fmt.Errorf("repo retries %d is below -1 (-1 means no retries)", o.Retries))
	}
	if o.RetryBackoff < 0 {
		errs = append(errs, fmt.Errorf("repo retry_backoff %s is negative", o.RetryBackoff))
	}
	if o.MaxMirrorsPerRepo < 0 {
		errs = append(errs, fmt.Errorf("repo max_mirrors_per_repo %d is negative", o.MaxMirrorsPerRepo))
	}
	switch o.Signatures {
	case "", "auto", "required", "off":
	default:
		errs = append(errs, fmt.Errorf("repo signatures %q is not auto, required or off", o.Signatures))
	}
	if o.Proxy != "" {
		if u, err := url.Parse(o.Proxy); err != nil || u.Host == "" {
			errs = append(errs, fmt.Errorf("repo proxy %q is not a url", o.Proxy))
		}
	}
	for _, rw := range o.Rewrites {
		if rw.From == "" || rw.To == "" {
			errs = append(errs, fmt.Errorf("repo rewrite %q -> %q: both from and to are needed", rw.From, rw.To))
		}
	}
	for _, c := range o.Credentials {
		if c.Prefix == "" {
			errs = append(errs, errors.New("repo credential without a prefix"))
		}
		if (c.CertFile == "") != (c.KeyFile == "") {
			errs = append(errs, fmt.Errorf("repo credential %s: cert_file and key_file go together", c.Prefix))
		}
	}
	for _, k := range o.Keyrings {
		if k.Prefix == "" || len(k.Files) == 0 {
			errs = append(errs, fmt.Errorf("repo keyring rule %q: prefix and files are needed", k.Prefix))
		}
	}
	for _, n := range append(slices.Clone(o.AllowNetworks), o.DenyNetworks...) {
		if _, err := netip.ParsePrefix(n); err != nil {
			errs = append(errs, fmt.Errorf("repo network %q: %w", n, err))
		}
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
	if o.PerHostConcurrency <= 0 {
		o.PerHostConcurrency = DefaultPerHost
	}
	if o.Retries == 0 {
		o.Retries = DefaultRetries
	}
	if o.RetryBackoff <= 0 {
		o.RetryBackoff = DefaultRetryBackoff
	}
	if o.StaleAfter == 0 {
		o.StaleAfter = DefaultStaleAfter
	}
	if o.MaxMirrorsPerRepo <= 0 {
		o.MaxMirrorsPerRepo = DefaultMaxMirrors
	}
	if o.Signatures == "" {
		o.Signatures = "auto"
	}
	if o.KeyringFiles == nil {
		if _, err := os.Stat(DefaultKeyring); err == nil {
			o.KeyringFiles = []string{DefaultKeyring}
		}
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
