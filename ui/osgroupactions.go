package ui

import (
	"fmt"
	"net/http"
	"strings"

	"patchward/store"
)

func (s *server) renameGroup(r *http.Request, id int64, name string) error {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 {
		return badRequest("Give the group a name of up to 100 characters.")
	}
	if err := s.db.RenameOSGroup(r.Context(), id, name); err != nil {
		return err
	}
	s.audit(r, "osgroup.rename", fmt.Sprintf("group %d to %q", id, name))
	return nil
}

func (s *server) deleteGroup(r *http.Request, id int64) error {
	if err := s.db.DeleteOSGroup(r.Context(), id); err != nil {
		return err
	}
	s.audit(r, "osgroup.delete", "group "+id64(id))
	return nil
}

func (s *server) osGroupRename(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = parseForm(w, r)
	}
	if err == nil {
		err = s.renameGroup(r, id, r.PostForm.Get("name"))
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/os?msg=group-renamed#group-"+id64(id), http.StatusSeeOther)
}

func (s *server) osGroupDelete(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = s.deleteGroup(r, id)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/os?msg=group-deleted", http.StatusSeeOther)
}

// groupDeleteConfirm names what deleting g changes: its variants, hosts and repositories.
func groupDeleteConfirm(g store.OSGroup) confirm {
	return confirm{Action: "/os/groups/" + id64(g.ID) + "/delete", Summary: "Delete group…", TestID: "group-delete",
		What: fmt.Sprintf("Deletes the OS group %s: its %s (%s) are left in no group and its %s detached; "+
			"hosts that also use their group's repositories are recomputed with their own only.",
			g.Name, plural(g.Variants, "variant"), plural(g.Hosts, "host"), plural(len(g.RepoIDs), "repository")),
		Button: "Delete group " + g.Name}
}

// groupRenameRequest is the body of PATCH /api/v1/os-groups/{id}.
type groupRenameRequest struct {
	Name string `json:"name" openapi:"required"`
}

func (s *server) apiOSGroupPatch(w http.ResponseWriter, r *http.Request) {
	var in groupRenameRequest
	id, err := pathID(r)
	if err == nil {
		err = apiDecode(w, r, &in)
	}
	if err == nil {
		err = s.renameGroup(r, id, in.Name)
	}
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.apiJSON(w, http.StatusOK, groupAnswer{ID: id, Name: strings.TrimSpace(in.Name)})
}

func (s *server) apiOSGroupDelete(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = s.deleteGroup(r, id)
	}
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.apiJSON(w, http.StatusOK, doneAnswer{ID: id, Done: "deleted"})
}
