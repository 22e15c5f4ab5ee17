package metrics

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"patchward/ingest/netlist"
)

// DefaultAllowedNetworks may scrape /metrics without a token: loopback only, because the
// metrics reveal fleet size and activity.
var DefaultAllowedNetworks = []string{"127.0.0.0/8", "::1/128"}

// Options configures the /metrics endpoint.
//
// Access rule: a scrape is answered when the peer address (RemoteAddr; proxy headers are never
// trusted here) is in AllowedNetworks, or when it sends "Authorization: Bearer <Token>" and a
// Token is configured. Anything else gets 403 (401 for a wrong token).
type Options struct {
	// Enabled serves /metrics (default true).
	Enabled bool `koanf:"enabled"`
	// Listen, if set, serves /metrics on this separate address only (e.g. an internal
	// interface) instead of on the main listener.
	Listen string `koanf:"listen"`
	// AllowedNetworks are the CIDR networks that may scrape without a token.
	AllowedNetworks []string `koanf:"allowed_networks"`
	// Token, if set, lets a scraper from any address in with "Authorization: Bearer <Token>".
	Token string `koanf:"token"`
}

// Validate returns every problem with the options at once.
func (o Options) Validate() error {
	_, err := netlist.Parse("metrics.allowed_networks", o.AllowedNetworks)
	if o.Token != "" && len(o.Token) < 16 {
		err = errors.Join(err, errors.New("metrics.token: must be at least 16 characters"))
	}
	return err
}

// Protect wraps h (usually Handler()) with the access rule of Options.
func Protect(h http.Handler, o Options) http.Handler {
	nets, _ := netlist.Parse("metrics.allowed_networks", o.AllowedNetworks) // Validate reported bad entries at startup
	token := []byte(o.Token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if auth := r.Header.Get("Authorization"); auth != "" && len(token) > 0 {
			scheme, got, _ := strings.Cut(auth, " ")
			if strings.EqualFold(scheme, "Bearer") && subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), token) == 1 {
				h.ServeHTTP(w, r)
				return
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="patchward metrics"`)
			http.Error(w, "invalid metrics token", http.StatusUnauthorized)
			return
		}
		if a := peer(r); a.IsValid() && netlist.Contains(nets, a) {
			h.ServeHTTP(w, r)
			return
		}
		http.Error(w, "metrics are served to metrics.allowed_networks or with metrics.token only", http.StatusForbidden)
	})
}

func peer(r *http.Request) netip.Addr {
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		return ap.Addr().Unmap()
	}
	a, _ := netip.ParseAddr(r.RemoteAddr)
	return a.Unmap()
}

// Area classifies a request into a small fixed set, so that metric labels stay bounded
// whatever paths clients send. Only a POST is intake: GET /api/v1/reports is the API's list of
// reports, a read like any other page.
func Area(method, path string) string {
	p := strings.TrimPrefix(path, "/patchman")
	switch {
	case method == http.MethodPost && (strings.HasPrefix(p, "/reports/upload") || strings.HasPrefix(p, "/api/report") ||
		p == "/api/v1/reports" || p == "/api/v1/enroll"):
		return "intake"
	case strings.HasPrefix(path, "/static/"):
		return "static"
	case path == "/healthz":
		return "health"
	case path == "/metrics":
		return "metrics"
	}
	return "ui"
}

// statusWriter remembers the status code and body size of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer (flush, deadlines).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Middleware counts and times every request and logs it with method, path, status, took,
// bytes and remote_addr. It deliberately logs only the URL path: never the query string,
// headers (Authorization, Cookie), or bodies, which may carry tokens, API keys or passwords.
// Health checks, static files and scrapes are logged at debug level, the rest at info (server
// errors at warn).
func Middleware(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		took := time.Since(start)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		area := Area(r.Method, r.URL.Path)
		httpRequests.WithLabelValues(area, method(r.Method), fmt.Sprint(sw.status)).Inc()
		httpSeconds.WithLabelValues(area).Observe(took.Seconds())
		level := slog.LevelInfo
		switch {
		case sw.status >= 500:
			level = slog.LevelWarn
		case area == "static" || area == "health" || area == "metrics":
			level = slog.LevelDebug
		}
		log.Log(r.Context(), level, "http request", "method", r.Method, "path", clipPath(r.URL.Path),
			"status", sw.status, "took", took, "bytes", sw.bytes, "remote_addr", r.RemoteAddr)
	})
}

// method bounds the method label to the standard methods.
func method(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return m
	}
	return "other"
}

// clipPath keeps hostile, huge paths from flooding the log.
func clipPath(p string) string {
	if len(p) > 256 {
		return p[:256] + "..."
	}
	return p
}
