package ui

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"patchward/store"
	"patchward/ui/output"
)

// filterRepos keeps repos whose name, ident, type or a mirror URL contains q (case-insensitive).
func filterRepos(repos []store.RepoSummary, q string) []store.RepoSummary {
	q = strings.ToLower(strings.TrimSpace(q))
	if q == "" {
		return repos
	}
	var out []store.RepoSummary
	for _, r := range repos {
		hay := strings.ToLower(r.Name + " " + r.Ident + " " + r.Type + " " + r.Arch)
		for _, m := range r.Mirrors {
			hay += " " + strings.ToLower(m.URL)
		}
		if strings.Contains(hay, q) {
			out = append(out, r)
		}
	}
	return out
}

func (s *server) repos(w http.ResponseWriter, r *http.Request) {
	all, err := s.db.Repos(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	q := r.URL.Query().Get("q")
	repos := filterRepos(all, q)
	if yes(r.URL.Query().Get("failing")) {
		repos = slices.DeleteFunc(slices.Clone(repos), func(rp store.RepoSummary) bool {
			return !slices.ContainsFunc(rp.Mirrors, func(m store.MirrorStatus) bool { return m.Enabled && (m.FailCount > 0 || m.LastError != "") })
		})
	}
	if wantCSV(r) {
		writeCSV(s, w, "repos", repoMirrors(repos))
		return
	}
	links, err := s.db.SuggestMirrorLinks(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	waiting, err := s.db.WaitingHosts(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, reposView(s.page(r, "Repositories", "repos"), repos, q, links, s.countsNote(waiting)))
}

// repoMirrors yields the CSV rows of repos: one per mirror, one for a repo without mirrors.
func repoMirrors(repos []store.RepoSummary) iter.Seq[output.RepoMirror] {
	return func(yield func(output.RepoMirror) bool) {
		for _, rp := range repos {
			row := output.RepoMirror{RepoID: rp.ID, Repo: rp.Name, Type: rp.Type, Arch: rp.Arch, Security: rp.Security,
				Enabled: rp.Enabled, Hosts: rp.Hosts}
			if len(rp.Mirrors) == 0 && !yield(row) {
				return
			}
			for _, m := range rp.Mirrors {
				row.Mirror, row.Packages, row.LastRefresh, row.IndexDate, row.LastError = m.URL, itoa(m.PackageCount),
					m.LastSuccess, m.Freshness, m.LastError
				row.Status, _ = mirrorState(m)
				if !yield(row) {
					return
				}
			}
		}
	}
}

func urlQuery(k, v string) url.Values {
	if v == "" {
		return nil
	}
	return url.Values{k: {v}}
}

// formBool reads a "1"/"0" form field.
func formBool(r *http.Request, key string) (bool, error) {
	switch r.PostForm.Get(key) {
	case "1":
		return true, nil
	case "0":
		return false, nil
	}
	return false, badRequest("The form did not say whether to switch on or off.")
}

func (s *server) setRepoEnabled(r *http.Request, id int64, on bool) error {
	if err := s.db.SetRepoEnabled(r.Context(), id, on); err != nil {
		return err
	}
	s.audit(r, "repo.enabled", fmt.Sprintf("repo %d enabled=%t", id, on))
	return nil
}

func (s *server) repoEnabled(w http.ResponseWriter, r *http.Request) {
	s.toggleEnabled(w, r, "repo", s.setRepoEnabled)
}

func (s *server) setMirrorEnabled(r *http.Request, id int64, on bool) error {
	if err := s.db.SetMirrorEnabled(r.Context(), id, on); err != nil {
		return err
	}
	s.audit(r, "mirror.enabled", fmt.Sprintf("mirror %d enabled=%t", id, on))
	return nil
}

func (s *server) mirrorEnabled(w http.ResponseWriter, r *http.Request) {
	s.toggleEnabled(w, r, "mirror", s.setMirrorEnabled)
}

// toggleEnabled answers the form that switches a repo or a mirror on or off.
func (s *server) toggleEnabled(w http.ResponseWriter, r *http.Request, kind string, set func(*http.Request, int64, bool) error) {
	id, err := pathID(r)
	if err == nil {
		err = parseForm(w, r)
	}
	var on bool
	if err == nil {
		on, err = formBool(r, "enabled")
	}
	if err == nil {
		err = set(r, id, on)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.recomputeNow(r)
	target := "/repos?msg=" + kind + map[bool]string{true: "-enabled", false: "-disabled"}[on]
	if kind == "repo" {
		target += "#repo-" + id64(id)
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

func (s *server) moveMirror(r *http.Request, id, to int64) error {
	if err := s.db.MoveMirror(r.Context(), id, to); err != nil {
		return err
	}
	s.audit(r, "mirror.link", fmt.Sprintf("mirror %d to repo %d", id, to))
	return nil
}

func (s *server) mirrorLink(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = parseForm(w, r)
	}
	var to int64
	if err == nil {
		to, err = strconv.ParseInt(strings.TrimSpace(r.PostForm.Get("repo")), 10, 64)
		if err != nil {
			err = badRequest("Give the id of the repository to move the mirror to.")
		}
	}
	if err == nil {
		err = s.moveMirror(r, id, to)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/repos?msg=mirror-linked#repo-"+id64(to), http.StatusSeeOther)
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
	note := s.recomputeNow(r)
	if isHTMX(r) {
		s.render(w, r, http.StatusOK, securityToggle(repo, true, note))
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

// recomputeNow runs update finding right after a change that alters update counts (a
// repository's security flag, a repository or mirror switched on or off), so the counts the
// next page shows are already the new ones. It says how that went, for the page: when update
// finding is not available here or fails, the counts change at the next scheduled run.
func (s *server) recomputeNow(r *http.Request) string {
	if s.act.FindUpdates == nil {
		return laterNote
	}
	ctx, cancel := context.WithTimeout(r.Context(), actionTimeout)
	defer cancel()
	if err := s.act.FindUpdates(ctx); err != nil {
		s.log.Error("update finding after a repository change failed", "path", r.URL.Path, "err", err)
		return laterNote
	}
	return "Update counts recomputed."
}

// laterNote is said when counts were not recomputed at once.
const laterNote = "Update counts change at the next scheduled update run (or with Find updates now on the dashboard)."

// countsNote says whether the update counts are current, for the repositories page.
func (s *server) countsNote(waiting int) string {
	if waiting == 0 {
		return "Update counts are current: every change to repositories is counted."
	}
	return plural(waiting, "host") + " wait for update finding after a change; their counts change at the next " +
		"scheduled update run (or with Find updates now on the dashboard)."
}
