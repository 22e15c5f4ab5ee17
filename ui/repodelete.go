package ui

import (
	"fmt"
	"net/http"

	"patchward/store"
)

func (s *server) deleteRepo(r *http.Request, id int64) error {
	if err := s.db.DeleteRepo(r.Context(), id); err != nil {
		return err
	}
	s.audit(r, "repo.delete", "repo "+id64(id))
	s.recomputeNow(r)
	return nil
}

func (s *server) deleteMirror(r *http.Request, id int64) error {
	if err := s.db.DeleteMirror(r.Context(), id); err != nil {
		return err
	}
	s.audit(r, "mirror.delete", "mirror "+id64(id))
	s.recomputeNow(r)
	return nil
}

func (s *server) repoDelete(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = s.deleteRepo(r, id)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/repos?msg=repo-deleted", http.StatusSeeOther)
}

func (s *server) mirrorDelete(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = s.deleteMirror(r, id)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/repos?msg=mirror-deleted", http.StatusSeeOther)
}

func (s *server) apiRepoDelete(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = s.deleteRepo(r, id)
	}
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.apiJSON(w, http.StatusOK, doneAnswer{ID: id, Done: "deleted"})
}

func (s *server) apiMirrorDelete(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = s.deleteMirror(r, id)
	}
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.apiJSON(w, http.StatusOK, doneAnswer{ID: id, Done: "deleted"})
}

// repoDeleteConfirm names what deleting repo r takes: its mirrors and packages, from its hosts.
func repoDeleteConfirm(r store.RepoSummary) confirm {
	pkgs := 0
	for _, m := range r.Mirrors {
		pkgs += m.PackageCount
	}
	return confirm{Action: "/repos/" + id64(r.ID) + "/delete", Summary: "Delete…", TestID: "repo-delete",
		What: fmt.Sprintf("Deletes the repository %s with its %s (%s offered) and takes it from its %s and from OS groups; "+
			"their update counts are recomputed. A host that reports it again brings it back as a new repository.",
			r.Name, plural(len(r.Mirrors), "mirror"), plural(pkgs, "package"), plural(r.Hosts, "host")),
		Button: "Delete repository " + r.Name}
}

// mirrorDeleteConfirm names what deleting mirror m of repo r takes.
func mirrorDeleteConfirm(r store.RepoSummary, m store.MirrorStatus) confirm {
	return confirm{Action: "/mirrors/" + id64(m.ID) + "/delete", Summary: "Delete…", TestID: "mirror-delete",
		What: fmt.Sprintf("Deletes the mirror %s of %s with the %s it offered; the repository stays for its %s, "+
			"whose update counts are recomputed.", m.URL, r.Name, plural(m.PackageCount, "package"), plural(r.Hosts, "host")),
		Button: "Delete mirror"}
}
