package ui

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"patchward/store"
	"patchward/ui/output"
)

// adminData is the admin page. Secret is a new key or token, shown this once.
type adminData struct {
	Users       []store.User
	Keys        []store.APIKey
	Tokens      []store.EnrollToken
	HostTokens  []store.HostTokenView // the newest adminHostTokens
	HostTotal   int                   // host tokens in all
	Pending     []store.EnrollRequest // enrollments of existing names waiting for approval
	Secret      string
	SecretLabel string
}

func (s *server) loadAdmin(r *http.Request) (adminData, error) {
	var d adminData
	var err error
	if d.Users, err = s.db.Users(r.Context()); err != nil {
		return d, err
	}
	if d.Keys, err = s.db.APIKeys(r.Context()); err != nil {
		return d, err
	}
	if d.Tokens, err = s.db.EnrollTokens(r.Context()); err != nil {
		return d, err
	}
	if d.Pending, err = s.db.PendingEnrollments(r.Context()); err != nil {
		return d, err
	}
	d.HostTokens, d.HostTotal, err = s.db.HostTokenViews(r.Context(), adminHostTokens)
	return d, err
}

func (s *server) admin(w http.ResponseWriter, r *http.Request) {
	var label, secret string
	if id := r.URL.Query().Get("show"); id != "" {
		u, _ := userFrom(r.Context())
		label, secret, _ = s.secrets.take(id, u.ID)
	}
	s.renderAdmin(w, r, label, secret)
}

// showSecret redirects to the admin page that shows a new secret once (Post/Redirect/Get).
func (s *server) showSecret(w http.ResponseWriter, r *http.Request, label, secret string) {
	u, _ := userFrom(r.Context())
	id := s.secrets.put(u.ID, label, secret)
	http.Redirect(w, r, "/admin?show="+id, http.StatusSeeOther)
}

func (s *server) renderAdmin(w http.ResponseWriter, r *http.Request, label, secret string) {
	d, err := s.loadAdmin(r)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d.Secret, d.SecretLabel = secret, label
	s.render(w, r, http.StatusOK, adminView(s.page(r, "Administration", "admin"), d))
}

func (s *server) createUser(r *http.Request, name, password, role string) (store.User, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 64 {
		return store.User{}, badRequest("Give a user name of up to 64 characters.")
	}
	if err := checkNewPassword(password); err != nil {
		return store.User{}, err
	}
	u, err := s.db.CreateUser(r.Context(), name, password, role)
	if err != nil {
		return u, err
	}
	s.audit(r, "user.create", fmt.Sprintf("%s as %s", name, role))
	return u, nil
}

func (s *server) userCreate(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	f := r.PostForm
	if _, err := s.createUser(r, f.Get("name"), f.Get("password"), f.Get("role")); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin?msg=user-created", http.StatusSeeOther)
}

func (s *server) setUserRole(r *http.Request, id int64, role string) error {
	if err := s.db.SetUserRole(r.Context(), id, role); err != nil {
		return err
	}
	s.audit(r, "user.role", fmt.Sprintf("user %d role %s", id, role))
	return nil
}

func (s *server) userRole(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = parseForm(w, r)
	}
	if err == nil {
		err = s.setUserRole(r, id, r.PostForm.Get("role"))
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin?msg=user-role", http.StatusSeeOther)
}

func (s *server) deleteUser(r *http.Request, id int64) error {
	if u, _ := userFrom(r.Context()); u.ID == id {
		return badRequest("You cannot delete your own account.")
	}
	if err := s.db.DeleteUser(r.Context(), id); err != nil {
		return err
	}
	s.audit(r, "user.delete", "user "+id64(id))
	return nil
}

func (s *server) userDelete(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = s.deleteUser(r, id)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin?msg=user-deleted", http.StatusSeeOther)
}

func (s *server) createAPIKey(r *http.Request, name, kind, role string) (string, store.APIKey, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 {
		return "", store.APIKey{}, badRequest("Give the key a name of up to 100 characters.")
	}
	if kind != "api" && kind != "patchman" {
		return "", store.APIKey{}, badRequest("The kind must be api or patchman.")
	}
	if kind == "patchman" {
		role = roleViewer
	}
	if roleRank[role] == 0 {
		return "", store.APIKey{}, badRequest("The role must be admin, operator or viewer.")
	}
	secret, k, err := s.db.CreateAPIKey(r.Context(), name, kind, role)
	if err != nil {
		return "", k, err
	}
	s.audit(r, "apikey.create", fmt.Sprintf("%s key %q (%s) role %s", kind, name, k.Prefix, role))
	return secret, k, nil
}

func (s *server) apiKeyCreate(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	f := r.PostForm
	secret, k, err := s.createAPIKey(r, f.Get("name"), f.Get("kind"), f.Get("role"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.showSecret(w, r, "API key "+k.Name, secret)
}

func (s *server) revokeAPIKey(r *http.Request, id int64) error {
	if err := s.db.RevokeAPIKey(r.Context(), id); err != nil {
		return err
	}
	s.audit(r, "apikey.revoke", "key "+id64(id))
	return nil
}

func (s *server) apiKeyRevoke(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = s.revokeAPIKey(r, id)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin?msg=key-revoked", http.StatusSeeOther)
}

func (s *server) createEnrollToken(r *http.Request, name string, allowExisting bool) (string, store.EnrollToken, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 {
		return "", store.EnrollToken{}, badRequest("Give the token a name of up to 100 characters.")
	}
	secret, t, err := s.db.CreateEnrollTokenWith(r.Context(), store.EnrollTokenSpec{Name: name, AllowExisting: allowExisting})
	if err != nil {
		return "", t, err
	}
	detail := fmt.Sprintf("%q (%s)", name, t.Prefix)
	if allowExisting {
		detail += ", may enroll names that already report"
	}
	s.audit(r, "enrolltoken.create", detail)
	return secret, t, nil
}

func (s *server) enrollCreate(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	secret, t, err := s.createEnrollToken(r, r.PostForm.Get("name"), r.PostForm.Get("allow_existing") == "on")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.showSecret(w, r, "Enrollment token "+t.Name, secret)
}

func (s *server) revokeEnroll(r *http.Request, id int64) error {
	if err := s.db.RevokeEnrollToken(r.Context(), id); err != nil {
		return err
	}
	s.audit(r, "enrolltoken.revoke", "token "+id64(id))
	return nil
}

func (s *server) enrollRevoke(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = s.revokeEnroll(r, id)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin?msg=token-revoked", http.StatusSeeOther)
}

// auditLimit is how many audit entries the page shows (and the CSV exports).
const auditLimit = 500

// auditFilter reads the audit log's filters from a query (the page, its CSV and the API share
// them): user, action (a dot at the end matches a prefix: "hosts."), since and until as
// YYYY-MM-DD dates (until includes its whole day) or RFC 3339 times.
func auditFilter(q url.Values, limit int) (store.AuditFilter, error) {
	f := store.AuditFilter{Actor: strings.TrimSpace(q.Get("user")), Action: strings.TrimSpace(q.Get("action")), Limit: limit}
	for _, d := range []struct {
		key   string
		dst   *time.Time
		until bool
	}{{"since", &f.Since, false}, {"until", &f.Until, true}} {
		v := strings.TrimSpace(q.Get(d.key))
		if v == "" {
			continue
		}
		if t, err := time.Parse(time.DateOnly, v); err == nil {
			if d.until {
				t = t.AddDate(0, 0, 1)
			}
			*d.dst = t
		} else if t, err := time.Parse(time.RFC3339, v); err == nil {
			*d.dst = t
		} else {
			return f, badRequest("Give " + d.key + " as a date (2026-11-21) or a time (2026-11-21T12:00:00Z).")
		}
	}
	return f, nil
}

func (s *server) auditPage(w http.ResponseWriter, r *http.Request) {
	limit := auditLimit
	if wantCSV(r) {
		limit = 1 << 30
	}
	q := r.URL.Query()
	f, err := auditFilter(q, limit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	entries, err := s.db.AuditEntries(r.Context(), f)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if wantCSV(r) {
		writeCSV(s, w, "audit", output.Rows(entries, output.AuditEntryOf))
		return
	}
	csvQ := url.Values{}
	for _, k := range []string{"user", "action", "since", "until"} {
		if v := q.Get(k); v != "" {
			csvQ.Set(k, v)
		}
	}
	csvQ.Set("format", "csv")
	l := listPage{Heading: "Audit log", Sub: "Every change made through the UI or the API, and every failed login, newest first.", TestID: "audit-table",
		RowID: "audit-row", Columns: []column{{Label: "When"}, {Label: "Who"}, {Label: "Action"}, {Label: "Detail", Class: "hide-sm"}},
		Empty: "Nothing recorded yet.", CSV: "/admin/audit?" + csvQ.Encode(), Crumbs: [][2]string{{"Administration", "/admin"}, {"Audit log", ""}},
		Filters: auditFilters(q)}
	if f.Actor != "" || f.Action != "" || !f.Since.IsZero() || !f.Until.IsZero() {
		l.Empty = "No entry matches these filters."
	}
	for _, e := range entries {
		l.Rows = append(l.Rows, []cell{timeCell(e.At), txt(e.Actor), mono(e.Action), txt(e.Detail)})
	}
	s.list(w, r, s.page(r, "Audit log", "admin"), l)
}
