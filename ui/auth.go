package ui

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"path"
	"strings"
	"unicode"

	"patchward/store"
)

// sessionCookie is the name of the cookie holding the session token.
const sessionCookie = "patchward_session"

type userKey struct{}

func userFrom(ctx context.Context) (store.User, bool) {
	u, ok := ctx.Value(userKey{}).(store.User)
	return u, ok
}

// canAct reports whether u may change things (toggle flags, start jobs); viewers only look.
func canAct(u store.User) bool { return u.Role == "admin" || u.Role == "operator" }

// sessionUser returns the user of the request's session cookie, if any.
func (s *server) sessionUser(r *http.Request) (store.User, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return store.User{}, store.ErrNotFound
	}
	return s.cachedSessionUser(r.Context(), c.Value)
}

// allowed reports whether role is at least need.
func allowed(role, need string) bool { return roleRank[role] >= roleRank[need] && roleRank[role] > 0 }

// auth lets only requests with a valid session of at least role need through. A page request
// without one is sent to the login form (coming back afterwards); anything else gets 401, since
// a form post or an htmx call cannot usefully follow a redirect to a login page.
func (s *server) auth(need string, next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, err := s.sessionUser(r)
		if errors.Is(err, store.ErrNotFound) {
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			if r.Header.Get("HX-Request") == "true" {
				w.Header().Set("HX-Redirect", "/login")
			}
			http.Error(w, "login required", http.StatusUnauthorized)
			return
		}
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), userKey{}, u))
		if !allowed(u.Role, need) {
			msg := "Your account may look but not change anything."
			if need == roleAdmin {
				msg = "Only administrators may do this."
			}
			s.errorPage(w, r, http.StatusForbidden, msg)
			return
		}
		next(w, r)
	})
}

// apiAuth authenticates an API request by session cookie or by "Authorization: Bearer KEY"
// with an API key of kind 'api', whose role then applies; errors are JSON.
func (s *server) apiAuth(need string, next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var u store.User
		var err error
		if bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
			var k store.APIKey
			k, err = s.db.VerifyAPIKey(r.Context(), "api", strings.TrimSpace(bearer))
			u = store.User{ID: -k.ID, Name: "api-key:" + k.Name, Role: k.Role}
		} else {
			u, err = s.sessionUser(r)
		}
		if errors.Is(err, store.ErrNotFound) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="patchward"`)
			s.apiError(w, r, http.StatusUnauthorized, "authentication required: a session or an API key")
			return
		}
		if err != nil {
			s.apiServerError(w, r, err)
			return
		}
		if !allowed(u.Role, need) {
			s.apiError(w, r, http.StatusForbidden, "this needs the "+need+" role")
			return
		}
		next(w, r.WithContext(context.WithValue(r.Context(), userKey{}, u)))
	})
}

// safeNext returns where to go after login: a cleaned path on this site only, never another
// site. Browsers strip TABs and newlines from URLs and read a backslash as a slash, so
// "/\t/evil.example" and "/\\evil.example" would leave the site: such bytes refuse the value.
func safeNext(next string) string {
	if strings.ContainsAny(next, "\\") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" ||
		!strings.HasPrefix(u.Path, "/") || strings.IndexFunc(u.Path, unsafeInPath) >= 0 {
		return "/"
	}
	p := path.Clean(u.Path)
	if lower := strings.ToLower(p); lower == "/login" || strings.HasPrefix(lower, "/login/") {
		return "/"
	}
	out := (&url.URL{Path: p, RawQuery: u.RawQuery}).String()
	if !strings.HasPrefix(out, "/") || strings.HasPrefix(out, "//") {
		return "/"
	}
	return out
}

// unsafeInPath reports runes that browsers drop or reinterpret in a URL.
func unsafeInPath(r rune) bool { return r <= ' ' || r == 0x7f || r == '\\' || unicode.IsSpace(r) }

// clientIP is the peer address. X-Forwarded-For is not trusted: behind a proxy all clients
// share the proxy's counter, which errs on the safe side.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (s *server) loginForm(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.URL.Query().Get("next"))
	if _, err := s.sessionUser(r); err == nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, loginView(s.page(r, "Log in", ""), loginData{Next: next}))
}

func (s *server) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		s.errorPage(w, r, http.StatusBadRequest, "The form could not be read.")
		return
	}
	name, password := strings.TrimSpace(r.PostForm.Get("username")), r.PostForm.Get("password")
	d := loginData{Next: safeNext(r.PostForm.Get("next")), Username: name}
	addr := clientIP(r)
	ip, pair, account := "ip:"+addr, "user:"+strings.ToLower(name)+"@"+addr, "account:"+strings.ToLower(name)
	// The attempt counts as a failure before the password is checked, so parallel guesses
	// cannot all pass the check; a right password gives it back.
	if wait := s.throttle.reserve(ip, pair); wait > 0 {
		d.Error = "Too many failed attempts. Try again in " + waitText(wait) + "."
		s.render(w, r, http.StatusTooManyRequests, loginView(s.page(r, "Log in", ""), d))
		return
	}
	// Failures against the account from anywhere only slow its logins down: a lock would let
	// anyone lock its owner out.
	if wait := s.throttle.wait(account); wait > 0 {
		if err := s.throttle.sleep(r.Context(), min(wait, maxAccountDelay)); err != nil {
			s.throttle.refund(ip, pair)
			return
		}
	}
	if !s.gate.acquire(r.Context()) {
		s.throttle.refund(ip, pair)
		w.Header().Set("Retry-After", "2")
		d.Error = "The server is busy checking other logins. Try again in a few seconds."
		s.render(w, r, http.StatusServiceUnavailable, loginView(s.page(r, "Log in", ""), d))
		return
	}
	u, err := s.verify(r.Context(), name, password)
	s.gate.release()
	if errors.Is(err, store.ErrNotFound) {
		s.throttle.fail(account)
		s.log.Warn("login failed", "user", name, "remote", addr)
		s.auditFailedLogin(r, name, addr)
		d.Error = "Wrong user name or password."
		s.render(w, r, http.StatusUnauthorized, loginView(s.page(r, "Log in", ""), d))
		return
	}
	if err != nil {
		s.throttle.refund(ip, pair)
		s.serverError(w, r, err)
		return
	}
	s.throttle.refund(ip)
	s.throttle.succeed(pair, account)
	token, err := s.db.CreateSessionFrom(r.Context(), u.ID, s.opts.SessionTTL, addr, r.UserAgent())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if err := s.db.Audit(r.Context(), u.Name, "login", "from "+clientIP(r)); err != nil {
		s.log.Error("audit login", "user", u.Name, "err", err)
	}
	http.SetCookie(w, s.cookie(r, token, int(s.opts.SessionTTL.Seconds())))
	http.Redirect(w, r, d.Next, http.StatusSeeOther)
}

// auditFailedLogin records a wrong name or password: the name tried and the address, never
// the password. The name is whatever was typed, so it is cleaned and cut short.
func (s *server) auditFailedLogin(r *http.Request, name, addr string) {
	actor := store.CleanText(name)
	if len(actor) > 64 {
		actor = strings.ToValidUTF8(actor[:64], "")
	}
	if actor == "" {
		actor = "(no name)"
	}
	if err := s.db.Audit(r.Context(), actor, "login.failed", "from "+addr); err != nil {
		s.log.Error("audit failed login", "err", err)
	}
}

func (s *server) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := s.db.DeleteSession(r.Context(), c.Value); err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	http.SetCookie(w, s.cookie(r, "", -1))
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// cookie builds the session cookie; maxAge < 0 deletes it.
func (s *server) cookie(r *http.Request, value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name:     sessionCookie,
		Value:    value,
		Path:     "/",
		MaxAge:   maxAge,
		HttpOnly: true,
		Secure:   s.opts.SecureCookies || r.TLS != nil,
		SameSite: http.SameSiteLaxMode,
	}
}
