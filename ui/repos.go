package ui

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"patchward/store"
)

func (s *server) repos(w http.ResponseWriter, r *http.Request) {
	repos, err := s.db.Repos(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, reposView(s.page(r, "Repositories", "repos"), repos))
}

// repoID parses the {id} path value; ok is false (and a 404 written) when it is not an id.
func (s *server) repoID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.errorPage(w, r, http.StatusNotFound, "There is no such repository.")
		return 0, false
	}
	return id, true
}

// audit records an action by the request's user; a failure is logged, not shown, because
// the action itself already happened.
func (s *server) audit(r *http.Request, action, detail string) {
	u, _ := userFrom(r.Context())
	if err := s.db.Audit(r.Context(), u.Name, action, detail); err != nil {
		s.log.Error("write audit log", "action", action, "err", err)
	}
}

func isHTMX(r *http.Request) bool { return r.Header.Get("HX-Request") == "true" }

func (s *server) toggleSecurity(w http.ResponseWriter, r *http.Request) {
	id, ok := s.repoID(w, r)
	if !ok {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	if err := r.ParseForm(); err != nil {
		s.errorPage(w, r, http.StatusBadRequest, "The form could not be read.")
		return
	}
	var want bool
	switch r.PostForm.Get("security") {
	case "1":
		want = true
	case "0":
	default:
		s.errorPage(w, r, http.StatusBadRequest, "The form did not say whether to set or clear the flag.")
		return
	}
	err := s.db.SetRepoSecurity(r.Context(), id, want)
	if errors.Is(err, store.ErrNotFound) {
		s.errorPage(w, r, http.StatusNotFound, "There is no such repository.")
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	repo, err := s.db.Repo(r.Context(), id)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.audit(r, "repo.security", fmt.Sprintf("repo %d (%s) security=%t", id, repo.Name, want))
	if isHTMX(r) {
		s.render(w, r, http.StatusOK, securityToggle(repo, true))
		return
	}
	msg := "security-off"
	if want {
		msg = "security-on"
	}
	http.Redirect(w, r, "/repos?msg="+msg+"#repo-"+id64(id), http.StatusSeeOther)
}

func (s *server) refreshRepo(w http.ResponseWriter, r *http.Request) {
	id, ok := s.repoID(w, r)
	if !ok {
		return
	}
	if _, err := s.db.Repo(r.Context(), id); errors.Is(err, store.ErrNotFound) {
		s.errorPage(w, r, http.StatusNotFound, "There is no such repository.")
		return
	} else if err != nil {
		s.serverError(w, r, err)
		return
	}
	var run func(context.Context) error
	if s.act.RefreshRepo != nil {
		run = func(ctx context.Context) error { return s.act.RefreshRepo(ctx, id) }
	}
	msg := s.runAction(r, "repo.refresh", "repo "+id64(id), run, "refreshed", "refresh-failed")
	http.Redirect(w, r, "/repos?msg="+msg+"#repo-"+id64(id), http.StatusSeeOther)
}

func (s *server) findUpdates(w http.ResponseWriter, r *http.Request) {
	msg := s.runAction(r, "updates.find", "", s.act.FindUpdates, "updates-found", "updates-failed")
	http.Redirect(w, r, "/?msg="+msg, http.StatusSeeOther)
}

func (s *server) processReports(w http.ResponseWriter, r *http.Request) {
	msg := s.runAction(r, "reports.process", "", s.act.ProcessReports, "reports-processed", "reports-failed")
	http.Redirect(w, r, "/?msg="+msg, http.StatusSeeOther)
}

// runAction runs a job a person started, audits it and returns the flash key to show. The
// job runs within the request (bounded by actionTimeout) so the person sees how it ended.
func (s *server) runAction(r *http.Request, action, detail string, run func(context.Context) error, okMsg, failMsg string) string {
	if run == nil {
		return "action-unavailable"
	}
	s.audit(r, action, detail)
	ctx, cancel := context.WithTimeout(r.Context(), actionTimeout)
	defer cancel()
	if err := run(ctx); err != nil {
		s.log.Error("ui action failed", "action", action, "detail", detail, "err", err)
		return failMsg
	}
	return okMsg
}
