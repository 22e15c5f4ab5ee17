package ui

import (
	"fmt"
	"net/http"
	"strconv"

	"patchward/store"
	"patchward/ui/output"
)

// osData is the OS page: variants, groups and the repos that can be attached to groups.
type osData struct {
	Variants []store.OSVariant
	Groups   []store.OSGroup
	Repos    []store.RepoSummary
}

func (s *server) osPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	var d osData
	var err error
	if d.Variants, err = s.db.OSVariants(ctx); err != nil {
		s.serverError(w, r, err)
		return
	}
	if d.Groups, err = s.db.OSGroups(ctx); err != nil {
		s.serverError(w, r, err)
		return
	}
	if wantCSV(r) {
		writeCSV(s, w, "os-variants", output.Rows(d.Variants, output.OSVariantOf))
		return
	}
	if d.Repos, err = s.db.Repos(ctx); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, osView(s.page(r, "Operating systems", "os"), d))
}

func (s *server) osGroupCreate(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	if _, err := s.createGroup(r, r.PostForm.Get("name")); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/os?msg=group-created", http.StatusSeeOther)
}

func (s *server) createGroup(r *http.Request, name string) (int64, error) {
	if name == "" || len(name) > 100 {
		return 0, badRequest("Give the group a name of up to 100 characters.")
	}
	id, err := s.db.CreateOSGroup(r.Context(), name)
	if err != nil {
		return 0, err
	}
	s.audit(r, "osgroup.create", fmt.Sprintf("group %d %q", id, name))
	return id, nil
}

func (s *server) setGroupRepos(r *http.Request, id int64, repos []int64) error {
	if err := s.db.SetGroupRepos(r.Context(), id, repos); err != nil {
		return err
	}
	s.audit(r, "osgroup.repos", fmt.Sprintf("group %d repos %v", id, repos))
	return nil
}

func (s *server) osGroupRepos(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = parseForm(w, r)
	}
	var repos []int64
	if err == nil {
		repos, err = formIDs(r, "repo")
	}
	if err == nil {
		err = s.setGroupRepos(r, id, repos)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/os?msg=group-repos#group-"+id64(id), http.StatusSeeOther)
}

func (s *server) setVariantGroup(r *http.Request, id, group int64) error {
	if err := s.db.SetVariantGroup(r.Context(), id, group); err != nil {
		return err
	}
	s.audit(r, "osvariant.group", fmt.Sprintf("variant %d group %d", id, group))
	return nil
}

func (s *server) osVariantGroup(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = parseForm(w, r)
	}
	if err == nil {
		var group int64
		if g := r.PostForm.Get("group"); g != "" {
			if group, err = strconv.ParseInt(g, 10, 64); err != nil {
				err = badRequest("Invalid group.")
			}
		}
		if err == nil {
			err = s.setVariantGroup(r, id, group)
		}
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/os?msg=variant-group", http.StatusSeeOther)
}

func repoAttached(g store.OSGroup, id int64) bool {
	for _, x := range g.RepoIDs {
		if x == id {
			return true
		}
	}
	return false
}
