package ui

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"patchward/store"
)

// minPasswordLen is the one strength rule for passwords set through the UI or the API (the
// store only refuses an empty one); createUser applies it too.
const minPasswordLen = 12

// checkNewPassword applies the password rules to a password about to be set.
func checkNewPassword(pw string) error {
	if len(pw) < minPasswordLen {
		return badRequest("Passwords need at least " + itoa(minPasswordLen) + " characters.")
	}
	return nil
}

// accountData is the account page.
type accountData struct {
	Sessions int // unexpired sessions of the user, this one included
	List     []store.SessionInfo
	Current  string // SessionID of the session viewing the page
}

func (s *server) account(w http.ResponseWriter, r *http.Request) {
	s.renderAccount(w, r, http.StatusOK, "", false)
}

// renderAccount shows the account page with an optional notice (isErr marks a failure).
func (s *server) renderAccount(w http.ResponseWriter, r *http.Request, status int, notice string, isErr bool) {
	p := s.page(r, "Your account", "account")
	n, err := s.db.SessionCount(r.Context(), p.User.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d := accountData{Sessions: n}
	if d.List, err = s.db.Sessions(r.Context(), p.User.ID); err != nil {
		s.serverError(w, r, err)
		return
	}
	if c, err := r.Cookie(sessionCookie); err == nil {
		d.Current = store.SessionID(c.Value)
	}
	if notice != "" {
		p.Flash, p.Error = notice, isErr
	}
	s.render(w, r, status, accountView(p, d))
}

// throttledError is a password check refused because of earlier failures.
type throttledError struct{ wait time.Duration }

func (e *throttledError) Error() string {
	return "Too many wrong passwords. Try again in " + waitText(e.wait) + "."
}

// noPasswordForKeys refuses a password change made with an API key.
const noPasswordForKeys = "An API key is not a person and has no password: log in (a session) to change your password."

// changeOwnPassword checks the current password of the request's user and sets the new one,
// ending every other session of that user; the session making the request (if any) stays.
// Wrong current passwords count against the login throttle of the address and the account, so
// a stolen session cannot be used to guess the password faster than the login form allows.
func (s *server) changeOwnPassword(r *http.Request, current, next, again string) (int, error) {
	u, _ := userFrom(r.Context())
	switch {
	case u.ID <= 0:
		return 0, &userError{http.StatusForbidden, noPasswordForKeys}
	case current == "":
		return 0, badRequest("Give your current password.")
	case next != again:
		return 0, badRequest("The two new passwords differ.")
	case next == current:
		return 0, badRequest("The new password is the same as the current one.")
	}
	if err := checkNewPassword(next); err != nil {
		return 0, err
	}
	ip, acct := "ip:"+clientIP(r), "user:"+strings.ToLower(u.Name)
	if wait := s.throttle.wait(ip, acct); wait > 0 {
		return 0, &throttledError{wait}
	}
	err := s.db.CheckPassword(r.Context(), u.ID, current)
	if errors.Is(err, store.ErrWrongPassword) {
		s.throttle.fail(ip, acct)
		s.log.Warn("password change: wrong current password", "user", u.Name, "remote", clientIP(r))
		return 0, &userError{http.StatusForbidden, "The current password is wrong."}
	}
	if err != nil {
		return 0, err
	}
	s.throttle.succeed(acct)
	var keep string
	if c, err := r.Cookie(sessionCookie); err == nil {
		keep = c.Value
	}
	ended, err := s.db.SetUserPassword(r.Context(), u.ID, next, keep)
	if err != nil {
		return 0, err
	}
	s.audit(r, "user.password", fmt.Sprintf("own password changed; %d other sessions ended", ended))
	return ended, nil
}

// passwordFailure maps a failed password change to a status and a message fit to show.
func passwordFailure(err error) (int, string, bool) {
	if te := (*throttledError)(nil); errors.As(err, &te) {
		return http.StatusTooManyRequests, te.Error(), true
	}
	return classify(err)
}

func (s *server) accountPassword(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	f := r.PostForm
	ended, err := s.changeOwnPassword(r, f.Get("current_password"), f.Get("new_password"), f.Get("new_password_again"))
	if err != nil {
		status, msg, ok := passwordFailure(err)
		if !ok {
			s.serverError(w, r, err)
			return
		}
		s.renderAccount(w, r, status, msg, true)
		return
	}
	s.renderAccount(w, r, http.StatusOK, "Password changed. "+endedText(ended, "other session")+" ended; this one stays.", false)
}

// endedText says "1 other session" / "3 other sessions" / "No other session".
func endedText(n int, what string) string {
	switch n {
	case 0:
		return "No " + what + " was"
	case 1:
		return "1 " + what + " was"
	}
	return strconv.Itoa(n) + " " + what + "s were"
}

// accountPasswordRequest is the body of POST /api/v1/account/password.
type accountPasswordRequest struct {
	CurrentPassword string `json:"current_password" openapi:"required"`
	NewPassword     string `json:"new_password" openapi:"required"`
}

// accountPasswordAnswer is the answer of POST /api/v1/account/password.
type accountPasswordAnswer struct {
	Done               string `json:"done"`
	OtherSessionsEnded int    `json:"other_sessions_ended"` // the session making the request stays
}

func (s *server) apiAccountPassword(w http.ResponseWriter, r *http.Request) {
	var in accountPasswordRequest
	if u, _ := userFrom(r.Context()); u.ID <= 0 {
		s.apiError(w, r, http.StatusForbidden, noPasswordForKeys)
		return
	}
	if err := apiDecode(w, r, &in); err != nil {
		s.apiFail(w, r, err)
		return
	}
	ended, err := s.changeOwnPassword(r, in.CurrentPassword, in.NewPassword, in.NewPassword)
	if err != nil {
		status, msg, ok := passwordFailure(err)
		if !ok {
			s.apiServerError(w, r, err)
			return
		}
		if te := (*throttledError)(nil); errors.As(err, &te) {
			w.Header().Set("Retry-After", strconv.Itoa(int((te.wait+time.Second-1)/time.Second)))
		}
		s.apiError(w, r, status, msg)
		return
	}
	s.apiJSON(w, http.StatusOK, accountPasswordAnswer{Done: "password changed", OtherSessionsEnded: ended})
}

// setUserPassword is an administrator setting another user's password: every session of that
// user ends. An administrator's own password goes through the account page, which asks for the
// current one.
func (s *server) setUserPassword(r *http.Request, id int64, password string) (store.User, int, error) {
	if err := checkPasswordReset(r, id, password); err != nil {
		return store.User{}, 0, err
	}
	users, err := s.db.Users(r.Context())
	if err != nil {
		return store.User{}, 0, err
	}
	i := 0
	for i < len(users) && users[i].ID != id {
		i++
	}
	if i == len(users) {
		return store.User{}, 0, notFoundErr("There is no user with that id.")
	}
	u := users[i]
	ended, err := s.db.SetUserPassword(r.Context(), id, password, "")
	if err != nil {
		return u, 0, err
	}
	s.throttle.succeed("user:" + strings.ToLower(u.Name)) // a reset also lifts a lockout
	s.audit(r, "user.password", fmt.Sprintf("password of %s (user %d) set by an administrator; %d sessions ended", u.Name, id, ended))
	return u, ended, nil
}

// checkPasswordReset refuses what setUserPassword would refuse before it changes anything.
func checkPasswordReset(r *http.Request, id int64, password string) error {
	if me, _ := userFrom(r.Context()); me.ID == id {
		return badRequest("Change your own password on your account page (/account): it asks for the current one.")
	}
	return checkNewPassword(password)
}

func (s *server) userPassword(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = parseForm(w, r)
	}
	var u store.User
	var ended int
	if err == nil {
		u, ended, err = s.setUserPassword(r, id, r.PostForm.Get("password"))
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderAdminNotice(w, r, "Password of "+u.Name+" set; "+endedText(ended, "session")+" ended.")
}

// renderAdminNotice shows the admin page with a notice, after an action that has no redirect
// message of its own.
func (s *server) renderAdminNotice(w http.ResponseWriter, r *http.Request, notice string) {
	d, err := s.loadAdmin(r)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	p := s.page(r, "Administration", "admin")
	p.Flash, p.Error = notice, false
	s.render(w, r, http.StatusOK, adminView(p, d))
}

// accountSessionEnd ends one of the user's own sessions (this one too, which logs out).
func (s *server) accountSessionEnd(w http.ResponseWriter, r *http.Request) {
	u, _ := userFrom(r.Context())
	id := r.PathValue("id")
	if err := s.db.EndSession(r.Context(), u.ID, id); err != nil {
		s.fail(w, r, err)
		return
	}
	s.audit(r, "session.end", "session "+id)
	if c, err := r.Cookie(sessionCookie); err == nil && store.SessionID(c.Value) == id {
		http.SetCookie(w, s.cookie(r, "", -1))
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/account?msg=session-ended", http.StatusSeeOther)
}

// accountSessionsEndOthers ends every session of the user but this one.
func (s *server) accountSessionsEndOthers(w http.ResponseWriter, r *http.Request) {
	u, _ := userFrom(r.Context())
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		s.fail(w, r, badRequest("This request has no session to keep."))
		return
	}
	n, err := s.db.EndOtherSessions(r.Context(), u.ID, c.Value)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.audit(r, "session.end-others", fmt.Sprintf("%d other sessions ended", n))
	http.Redirect(w, r, "/account?msg=sessions-ended", http.StatusSeeOther)
}
