package ui

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"patchward/store"
	"patchward/ui/output"
)

// isOperatorTag reports whether t is one of h's operator tags (the UI marks them apart).
func isOperatorTag(h store.HostSummary, t string) bool {
	return slices.ContainsFunc(h.OperatorTags, func(o string) bool { return strings.EqualFold(o, t) })
}

// maxOperatorTags bounds one host's operator tags.
const maxOperatorTags = 50

// setHostTags replaces the operator tags of the named host and returns it as it is now.
func (s *server) setHostTags(r *http.Request, name string, tags []string) (store.HostSummary, error) {
	h, err := s.db.HostByName(r.Context(), name)
	if err != nil {
		return h, err
	}
	clean := make([]string, 0, len(tags))
	for _, t := range tags {
		t = strings.TrimSpace(t)
		if !store.ValidTag(t) {
			return h, badRequest(badTagMessage)
		}
		if !slices.ContainsFunc(clean, func(c string) bool { return strings.EqualFold(c, t) }) {
			clean = append(clean, t)
		}
	}
	if len(clean) > maxOperatorTags {
		return h, badRequest(fmt.Sprintf("A host takes at most %d tags of its own.", maxOperatorTags))
	}
	if err := s.db.SetOperatorTags(r.Context(), h.ID, clean); err != nil {
		return h, err
	}
	s.audit(r, "host.tags", fmt.Sprintf("%s: %s", h.Hostname, strings.Join(clean, ", ")))
	return s.db.HostByName(r.Context(), h.Hostname)
}

// hostTags is the host page's tag editor: add= (comma-separated) adds operator tags, remove=
// takes one off.
func (s *server) hostTags(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	h, err := s.db.HostByName(r.Context(), r.PathValue("name"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	tags := h.OperatorTags
	for t := range strings.SplitSeq(r.PostForm.Get("add"), ",") {
		if t = strings.TrimSpace(t); t != "" {
			tags = append(tags, t)
		}
	}
	if rm := strings.TrimSpace(r.PostForm.Get("remove")); rm != "" {
		tags = slices.DeleteFunc(tags, func(t string) bool { return strings.EqualFold(t, rm) })
	}
	if _, err := s.setHostTags(r, h.Hostname, tags); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, withMsg(hostURL(h.Hostname), "host-tags"), http.StatusSeeOther)
}

// hostTagsRequest is the body of PUT /api/v1/hosts/{name}/tags.
type hostTagsRequest struct {
	Tags []string `json:"tags" openapi:"required"` // the host's operator tags from now on; [] removes them all
}

func (s *server) apiHostTagsPut(w http.ResponseWriter, r *http.Request) {
	var in hostTagsRequest
	if err := apiDecode(w, r, &in); err != nil {
		s.apiFail(w, r, err)
		return
	}
	if in.Tags == nil {
		s.apiFail(w, r, badRequest(`Give "tags": a list of tags, [] for none.`))
		return
	}
	h, err := s.setHostTags(r, r.PathValue("name"), in.Tags)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.apiJSON(w, http.StatusOK, output.HostOf(h))
}
