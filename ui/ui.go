// Package ui is patchward's people-facing side: the server-rendered web UI (templ + htmx),
// login and sessions.
package ui

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/a-h/templ"

	"patchward/store"
)

// Options configures the web UI.
type Options struct {
	SessionTTL    time.Duration `koanf:"session_ttl"`
	SecureCookies bool          `koanf:"secure_cookies"`
	StaleDays     int           `koanf:"stale_days"`
	// MirrorStaleDays is when a mirror without a successful refresh counts as stale (default 2).
	MirrorStaleDays int `koanf:"mirror_stale_days"`
	// SecurityDays is when pending security updates count as overdue on the dashboard (default 7).
	SecurityDays int `koanf:"security_days"`
	// MirrorBehind is how old a mirror's own metadata may be before the dashboard says the
	// mirror is behind; main sets it from repo.stale_after. Zero lists none.
	MirrorBehind time.Duration `koanf:"-"`
	// ServerVersion is this server's version (main sets it): agents older than it are
	// "outdated" on the dashboard and in /hosts?agent_outdated=yes.
	ServerVersion string `koanf:"-"`
}

// Actions are the jobs a person can start from the UI. main wires them to the real jobs; a
// nil field makes the matching button answer "not available" instead of failing.
type Actions struct {
	RefreshRepo    func(ctx context.Context, repoID int64) error
	FindUpdates    func(ctx context.Context) error
	ProcessReports func(ctx context.Context) error
}

// actionTimeout bounds a job started from a button; it stays below the server's write timeout
// so the person always gets an answer.
const actionTimeout = 100 * time.Second

// server holds what every UI handler needs.
type server struct {
	db       *store.DB
	opts     Options
	log      *slog.Logger
	act      Actions
	throttle *throttle
	gate     *verifyGate
	// verify checks a name and password (the store's argon2 check; tests count calls).
	verify   func(ctx context.Context, name, password string) (store.User, error)
	pkgCache packageCache
	cache    *fleetCache
	fleet    *store.FleetIndex // the fleet-wide answers (updates, packages, repositories), see fleetView
	sessions sessionCache
	secrets  *oneTimeSecrets // new keys and tokens between their POST and the page that shows them
}

// Handler returns the web UI: pages, login and the static files, behind session
// authentication, cross-origin (CSRF) protection and security headers.
func Handler(db *store.DB, opts Options, log *slog.Logger, act Actions) http.Handler {
	return newServer(db, opts, log, act).routes()
}

func newServer(db *store.DB, opts Options, log *slog.Logger, act Actions) *server {
	if opts.SessionTTL <= 0 {
		opts.SessionTTL = 7 * 24 * time.Hour
	}
	if opts.StaleDays <= 0 {
		opts.StaleDays = 14
	}
	if opts.MirrorStaleDays <= 0 {
		opts.MirrorStaleDays = 2
	}
	if opts.SecurityDays <= 0 {
		opts.SecurityDays = 7
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &server{db: db, opts: opts, log: log, act: act, throttle: newThrottle(time.Now), cache: newFleetCache(db),
		fleet: db.NewFleetIndex(), secrets: newOneTimeSecrets(time.Now),
		gate: newVerifyGate(runtime.NumCPU(), 4*runtime.NumCPU()), verify: db.Authenticate}
}

// csp allows only our own files: no inline script or style, no framing. img-src allows data:
// because Pico draws its form icons as data: SVGs.
const csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'"

// SecurityHeaders sets the security headers on every answer of next; main wraps the whole
// server with it so that the intake's answers and the mux's own 404s and 405s carry them too.
func SecurityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		if r.TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

// render writes a component only after it rendered completely, so a template error becomes a
// clean 500 instead of half a page under a 200.
func (s *server) render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	var buf bytes.Buffer
	if err := c.Render(context.WithValue(r.Context(), nowKey{}, s.db.Now()), &buf); err != nil {
		s.serverError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// serverError logs err with the request and shows the person a generic message.
func (s *server) serverError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) {
		return // the client went away; nothing to tell anyone
	}
	s.log.Error("ui request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	s.errorPage(w, r, http.StatusInternalServerError, "Something went wrong on our side. The details are in the server log.")
}

// errorPage renders a status page; if even that fails it falls back to plain text.
func (s *server) errorPage(w http.ResponseWriter, r *http.Request, status int, msg string) {
	var buf bytes.Buffer
	p := s.page(r, http.StatusText(status), "")
	var find *lookup
	if status == http.StatusNotFound {
		find = lookupFor(r)
	}
	if err := errorView(p, status, msg, find).Render(r.Context(), &buf); err != nil {
		http.Error(w, msg, status)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// lookup is the search a "not found" page offers.
type lookup struct{ Action, Query, Label string }

// lookupFor searches the list the missing thing belongs in (hosts unless the address says
// otherwise), starting from the name that was not found.
func lookupFor(r *http.Request) *lookup {
	first, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	l := lookup{Action: "/hosts", Label: "Search hosts", Query: r.PathValue("name")}
	if with := r.URL.Query().Get("with"); with != "" {
		l.Query = with // the other host of a comparison
	}
	switch first {
	case "packages":
		l.Action, l.Label = "/packages", "Search packages"
	case "errata":
		l.Action, l.Label = "/errata", "Search errata"
	case "cves":
		l.Action, l.Label, l.Query = "/cves", "Search CVEs", r.PathValue("id")
	case "repos":
		l.Action, l.Label = "/repos", "Search repositories"
	}
	return &l
}

func (s *server) notFound(w http.ResponseWriter, r *http.Request) {
	s.errorPage(w, r, http.StatusNotFound, "There is no page at "+r.URL.Path+".")
}

// badInput says what is wrong with a request's path or query for checkInput, or "".
func badInput(u *url.URL) string {
	check := func(s string) string {
		switch {
		case strings.IndexByte(s, 0) >= 0:
			return "a NUL byte"
		case !utf8.ValidString(s):
			return "invalid UTF-8"
		}
		return ""
	}
	if bad := check(u.Path); bad != "" {
		return bad
	}
	q, _ := url.ParseQuery(u.RawQuery) // a malformed pair is dropped here as by every handler
	for k, vs := range q {
		if bad := check(k); bad != "" {
			return bad
		}
		for _, v := range vs {
			if bad := check(v); bad != "" {
				return bad
			}
		}
	}
	return ""
}

// checkInput refuses a request whose path or query holds a NUL byte or invalid UTF-8 with a
// 400 that says so: no name or search contains them, and a page that echoes its input (a
// search box, "no host named ...") must never carry them.
func (s *server) checkInput(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		bad := badInput(r.URL)
		if bad == "" {
			next.ServeHTTP(w, r)
			return
		}
		msg := "The address contains " + bad + ": names and searches are UTF-8 text without NUL bytes."
		if strings.HasPrefix(r.URL.Path, "/api/") {
			s.apiError(w, r, http.StatusBadRequest, msg)
			return
		}
		s.errorPage(w, r, http.StatusBadRequest, msg)
	})
}

// page is what the layout needs on every page.
type page struct {
	Title  string
	Nav    string // "dashboard", "hosts", "repos"
	User   store.User
	Now    time.Time
	Flash  string
	Error  bool // Flash reports a failure
	Path   string
	CanAct bool // the user may press buttons that change things
}

func (s *server) page(r *http.Request, title, nav string) page {
	u, _ := userFrom(r.Context())
	p := page{Title: title, Nav: nav, User: u, Now: s.db.Now(), Path: r.URL.Path, CanAct: canAct(u)}
	p.Flash, p.Error = flashMessage(r.URL.Query().Get("msg"))
	return p
}

// flashes are the only messages a redirect may ask for (?msg=key): a whitelist, so nothing a
// link carries is ever echoed into the page.
var flashes = map[string]struct {
	text string
	err  bool
}{
	"security-on":        {"Repository marked as security. The line below says whether the update counts are current.", false},
	"security-off":       {"Repository no longer marked as security. The line below says whether the update counts are current.", false},
	"refreshed":          {"Repository refreshed.", false},
	"refresh-failed":     {"Refreshing the repository failed. The details are in the server log.", true},
	"updates-found":      {"Update finding finished.", false},
	"updates-failed":     {"Update finding failed. The details are in the server log.", true},
	"reports-processed":  {"Pending reports processed.", false},
	"reports-failed":     {"Processing reports failed. The details are in the server log.", true},
	"action-unavailable": {"This action is not available on this server.", true},
	"bulk-find-updates":  {"Update finding ran for the selected hosts (or they are marked for the next run).", false},
	"bulk-tag":           {"Tag added to the selected hosts. Tags set here stay when the hosts report.", false},
	"bulk-untag":         {"Tag removed from the selected hosts. A tag a host reports itself comes back with its next report.", false},
	"session-ended":      {"Session ended.", false},
	"sessions-ended":     {"Your other sessions ended; this one stays.", false},
	"host-settings":      {"Host settings saved; its update counts follow the new repositories.", false},
	"host-tags":          {"Tags saved. Tags set here stay when the host reports.", false},
	"bulk-delete":        {"Hosts deleted.", false},
	"repo-enabled":       {"Repository enabled. The line below says whether the update counts are current.", false},
	"repo-disabled":      {"Repository disabled. The line below says whether the update counts are current.", false},
	"repo-deleted":       {"Repository deleted.", false},
	"mirror-deleted":     {"Mirror deleted.", false},
	"mirror-enabled":     {"Mirror enabled.", false},
	"mirror-disabled":    {"Mirror disabled.", false},
	"mirror-linked":      {"Mirror moved to the other repository.", false},
	"group-created":      {"OS group created.", false},
	"group-renamed":      {"OS group renamed.", false},
	"group-deleted":      {"OS group deleted; its variants are in no group now.", false},
	"group-repos":        {"Repositories of the OS group saved.", false},
	"variant-group":      {"OS variant moved.", false},
	"report-requeued":    {"Report queued for processing again.", false},
	"report-deleted":     {"Report deleted.", false},
	"user-created":       {"User created.", false},
	"user-role":          {"Role changed.", false},
	"user-deleted":       {"User deleted.", false},
	"key-revoked":        {"API key revoked.", false},
	"token-revoked":      {"Enrollment token revoked.", false},
}

func flashMessage(key string) (string, bool) {
	f, ok := flashes[key]
	if !ok {
		return "", false
	}
	return f.text, f.err
}
