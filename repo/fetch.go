package repo

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"
)

// ErrNotFound is returned by a fetch whose URL does not exist (HTTP 404 or 410, or a missing
// file).
var ErrNotFound = errors.New("not found")

// ErrFileURLsDisabled is returned for a file:// mirror when Options.AllowFileURLs is off.
var ErrFileURLsDisabled = errors.New("file:// urls are disabled (repo.allow_file_urls)")

// HTTPError is a response status other than 2xx, 304, 404 and 410.
type HTTPError struct {
	URL    string
	Status string
	Code   int
}

// Error describes the request and the status it got.
func (e *HTTPError) Error() string { return "GET " + e.URL + ": " + e.Status }

// validators are the stored cache validators of a resource, for a conditional request.
type validators struct {
	ETag         string
	LastModified string
}

// fetched is one downloaded resource. Body holds the bytes as served (still compressed).
type fetched struct {
	URL          string
	NotModified  bool
	Body         []byte
	ETag         string
	LastModified string
}

// fetcher downloads metadata over http(s) or from file:// URLs, applying the rewrite rules,
// credentials, network policy and retries of Options.
type fetcher struct {
	client    *http.Client
	ua        string
	maxBytes  int64
	allowFile bool
	rewrites  []Rewrite
	creds     []credClient
	policy    *netPolicy
	retries   int
	backoff   time.Duration
}

// credClient is a credential with the client that carries its TLS certificate.
type credClient struct {
	Credential
	client *http.Client
}

func newFetcher(opts Options) (*fetcher, error) {
	policy, err := newNetPolicy(opts.AllowNetworks, opts.DenyNetworks, opts.SelfAddrs)
	if err != nil {
		return nil, err
	}
	proxy := http.ProxyFromEnvironment
	if opts.Proxy != "" {
		pu, err := url.Parse(opts.Proxy)
		if err != nil {
			return nil, fmt.Errorf("parse proxy url: %w", err)
		}
		proxy = http.ProxyURL(pu)
	}
	newClient := func(tlsConf *tls.Config) *http.Client {
		dialer := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second, ControlContext: policy.control}
		tr := &http.Transport{
			Proxy:                 policy.proxy(proxy),
			DialContext:           dialer.DialContext,
			TLSClientConfig:       tlsConf,
			TLSHandshakeTimeout:   30 * time.Second,
			ResponseHeaderTimeout: min(opts.Timeout, time.Minute),
			IdleConnTimeout:       90 * time.Second,
			MaxIdleConnsPerHost:   4,
			ForceAttemptHTTP2:     true,
			// Indexes are hashed as served; a transparently gunzipped body would not match the
			// checksums that Release and repomd.xml publish.
			DisableCompression: true,
		}
		return &http.Client{Transport: tr, CheckRedirect: policy.checkRedirect}
	}
	f := &fetcher{client: newClient(nil), ua: opts.UserAgent, maxBytes: opts.MaxDecompressed,
		allowFile: opts.AllowFileURLs, rewrites: sortRewrites(opts.Rewrites), policy: policy,
		retries: max(opts.Retries, 0), backoff: opts.RetryBackoff}
	for _, c := range opts.Credentials {
		cc := credClient{Credential: c, client: f.client}
		if c.CertFile != "" || c.CAFile != "" {
			conf, err := tlsConfig(c)
			if err != nil {
				return nil, err
			}
			cc.client = newClient(conf)
		}
		f.creds = append(f.creds, cc)
	}
	// Longest prefix first, so the most specific credential wins.
	slices.SortStableFunc(f.creds, func(a, b credClient) int { return len(b.Prefix) - len(a.Prefix) })
	return f, nil
}

// tlsConfig loads a credential's client certificate and extra CA.
func tlsConfig(c Credential) (*tls.Config, error) {
	conf := &tls.Config{MinVersion: tls.VersionTLS12}
	if c.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("load client certificate for %s: %w", c.Prefix, err)
		}
		conf.Certificates = []tls.Certificate{cert}
	}
	if c.CAFile != "" {
		pem, err := os.ReadFile(c.CAFile)
		if err != nil {
			return nil, fmt.Errorf("load ca for %s: %w", c.Prefix, err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("load ca for %s: no certificate in %s", c.Prefix, c.CAFile)
		}
		conf.RootCAs = pool
	}
	return conf, nil
}

// get downloads rawURL (after the rewrite rules), sending v as conditional request headers
// when set. Transient failures are retried with backoff. It returns ErrNotFound for a missing
// resource and ErrTooLarge past the size limit.
func (f *fetcher) get(ctx context.Context, rawURL string, v validators) (fetched, error) {
	target, rewritten := f.rewrite(rawURL)
	u, err := url.Parse(target)
	if err != nil {
		return fetched{}, fmt.Errorf("parse url %q: %w", target, err)
	}
	switch u.Scheme {
	case "http", "https":
		if rewritten {
			// The operator's rule names this address: the loopback and own-address refusals
			// are for URLs that hosts report.
			ctx = context.WithValue(ctx, trustedKey{}, true)
		}
		if err := f.policy.checkHost(ctx, u); err != nil {
			return fetched{}, fmt.Errorf("fetch %s: %w", target, err)
		}
		delay := f.backoff
		for attempt := 0; ; attempt++ {
			out, err := f.getHTTP(ctx, target, v)
			if err == nil || attempt >= f.retries || !transient(ctx, err) {
				return out, err
			}
			t := time.NewTimer(delay)
			select {
			case <-ctx.Done():
				t.Stop()
				return fetched{}, err
			case <-t.C:
			}
			delay *= 2
		}
	case "file":
		if !f.allowFile && !rewritten {
			return fetched{}, fmt.Errorf("fetch %s: %w", target, ErrFileURLsDisabled)
		}
		return f.getFile(u, target, v)
	}
	return fetched{}, fmt.Errorf("fetch %s: unsupported url scheme %q", target, u.Scheme)
}

// transient reports whether err is worth retrying: a network error or a 5xx/429 status, and
// ctx still alive.
func transient(ctx context.Context, err error) bool {
	if ctx.Err() != nil || errors.Is(err, ErrNotFound) || errors.Is(err, ErrTooLarge) || errors.Is(err, ErrDenied) {
		return false
	}
	var he *HTTPError
	if errors.As(err, &he) {
		return he.Code >= 500 || he.Code == http.StatusTooManyRequests
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF)
}

// credFor returns the credential for rawURL, if any.
func (f *fetcher) credFor(rawURL string) *credClient {
	for i := range f.creds {
		if strings.HasPrefix(rawURL, f.creds[i].Prefix) {
			return &f.creds[i]
		}
	}
	return nil
}

func (f *fetcher) getHTTP(ctx context.Context, rawURL string, v validators) (fetched, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return fetched{}, fmt.Errorf("fetch %s: %w", rawURL, err)
	}
	req.Header.Set("User-Agent", f.ua)
	// A connection dialled for a rewrite target skipped the loopback and own-address checks; it
	// is not kept for reuse, so that a reported URL naming the same host:port cannot ride on it.
	req.Close = ctx.Value(trustedKey{}) != nil
	client := f.client
	if c := f.credFor(rawURL); c != nil {
		client = c.client
		if c.Username != "" {
			req.SetBasicAuth(c.Username, c.Password)
		}
	}
	if v.ETag != "" {
		req.Header.Set("If-None-Match", v.ETag)
	}
	if v.LastModified != "" {
		req.Header.Set("If-Modified-Since", v.LastModified)
	}
	resp, err := client.Do(req)
	if err != nil {
		return fetched{}, fmt.Errorf("fetch %s: %w", rawURL, err)
	}
	defer resp.Body.Close()
	out := fetched{URL: rawURL, ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified")}
	switch {
	case resp.StatusCode == http.StatusNotModified:
		out.NotModified = true
		return out, nil
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
		return fetched{}, fmt.Errorf("fetch %s: %s: %w", rawURL, resp.Status, ErrNotFound)
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return fetched{}, &HTTPError{URL: rawURL, Status: resp.Status, Code: resp.StatusCode}
	}
	if resp.ContentLength > f.maxBytes {
		return fetched{}, fmt.Errorf("fetch %s: %d bytes: %w", rawURL, resp.ContentLength, ErrTooLarge)
	}
	if out.Body, err = readCapped(resp.Body, f.maxBytes, resp.ContentLength); err != nil {
		return fetched{}, fmt.Errorf("fetch %s: %w", rawURL, err)
	}
	return out, nil
}

// getFile reads a file:// URL; the file's modification time stands in for Last-Modified so
// an unchanged local repo is not parsed again.
func (f *fetcher) getFile(u *url.URL, rawURL string, v validators) (fetched, error) {
	fh, err := os.Open(u.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return fetched{}, fmt.Errorf("fetch %s: %w", rawURL, ErrNotFound)
	}
	if err != nil {
		return fetched{}, fmt.Errorf("fetch %s: %w", rawURL, err)
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return fetched{}, fmt.Errorf("fetch %s: %w", rawURL, err)
	}
	if st.IsDir() {
		return fetched{}, fmt.Errorf("fetch %s: is a directory: %w", rawURL, ErrNotFound)
	}
	if !st.Mode().IsRegular() {
		return fetched{}, fmt.Errorf("fetch %s: not a regular file", rawURL)
	}
	out := fetched{URL: rawURL, LastModified: st.ModTime().UTC().Format(http.TimeFormat)}
	if v.LastModified != "" && v.LastModified == out.LastModified {
		out.NotModified = true
		return out, nil
	}
	if st.Size() > f.maxBytes {
		return fetched{}, fmt.Errorf("fetch %s: %d bytes: %w", rawURL, st.Size(), ErrTooLarge)
	}
	if out.Body, err = readCapped(fh, f.maxBytes, st.Size()); err != nil {
		return fetched{}, fmt.Errorf("fetch %s: %w", rawURL, err)
	}
	return out, nil
}

// readCapped reads r to the end, failing with ErrTooLarge past limit bytes. sizeHint (the
// Content-Length, or -1) presizes the buffer so an 9 MB index is not copied while growing.
func readCapped(r io.Reader, limit, sizeHint int64) ([]byte, error) {
	buf := make([]byte, 0, min(max(sizeHint, 0)+1, limit+1, 64<<20))
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if int64(len(buf)) > limit {
			return nil, ErrTooLarge
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}
