package repo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
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

// fetcher downloads metadata over http(s) or from file:// URLs.
type fetcher struct {
	client    *http.Client
	ua        string
	maxBytes  int64
	allowFile bool
}

func newFetcher(opts Options) *fetcher {
	dialer := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		TLSHandshakeTimeout:   30 * time.Second,
		ResponseHeaderTimeout: min(opts.Timeout, time.Minute),
		IdleConnTimeout:       90 * time.Second,
		MaxIdleConnsPerHost:   4,
		ForceAttemptHTTP2:     true,
		// Indexes are hashed as served; a transparently gunzipped body would not match the
		// checksums that Release and repomd.xml publish.
		DisableCompression: true,
	}
	return &fetcher{client: &http.Client{Transport: tr}, ua: opts.UserAgent, maxBytes: opts.MaxDecompressed,
		allowFile: opts.AllowFileURLs}
}

// get downloads rawURL, sending v as conditional request headers when set. It returns
// ErrNotFound for a missing resource and ErrTooLarge past the size limit.
func (f *fetcher) get(ctx context.Context, rawURL string, v validators) (fetched, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return fetched{}, fmt.Errorf("parse url %q: %w", rawURL, err)
	}
	switch u.Scheme {
	case "http", "https":
		return f.getHTTP(ctx, rawURL, v)
	case "file":
		if !f.allowFile {
			return fetched{}, fmt.Errorf("fetch %s: %w", rawURL, ErrFileURLsDisabled)
		}
		return f.getFile(u, rawURL, v)
	}
	return fetched{}, fmt.Errorf("fetch %s: unsupported url scheme %q", rawURL, u.Scheme)
}

func (f *fetcher) getHTTP(ctx context.Context, rawURL string, v validators) (fetched, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return fetched{}, fmt.Errorf("fetch %s: %w", rawURL, err)
	}
	req.Header.Set("User-Agent", f.ua)
	if v.ETag != "" {
		req.Header.Set("If-None-Match", v.ETag)
	}
	if v.LastModified != "" {
		req.Header.Set("If-Modified-Since", v.LastModified)
	}
	resp, err := f.client.Do(req)
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
		return fetched{}, &HTTPError{URL: rawURL, Status: resp.Status}
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
