package ui

import (
	"fmt"
	"net/http"

	"patchward/store"
	"patchward/ui/output"
)

// setHostReposOnly switches the named host between its own repositories only and its own plus
// its OS group's, and recomputes its counts at once where this server can.
func (s *server) setHostReposOnly(r *http.Request, name string, only bool) (output.Host, error) {
	h, err := s.db.HostByName(r.Context(), name)
	if err != nil {
		return output.Host{}, err
	}
	if err := s.db.SetHostReposOnly(r.Context(), h.ID, only); err != nil {
		return output.Host{}, err
	}
	s.audit(r, "host.settings", fmt.Sprintf("%s host_repos_only=%t", h.Hostname, only))
	s.recomputeNow(r)
	h, err = s.db.HostByName(r.Context(), h.Hostname)
	return output.HostOf(h), err
}

// hostSettings is the host page's settings form.
func (s *server) hostSettings(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	var only bool
	switch r.PostForm.Get("host_repos_only") {
	case "1":
		only = true
	case "0":
	default:
		s.fail(w, r, badRequest("Say whether the host uses only its own repositories (1) or also its OS group's (0)."))
		return
	}
	h, err := s.setHostReposOnly(r, r.PathValue("name"), only)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, withMsg(hostURL(h.Hostname), "host-settings"), http.StatusSeeOther)
}

// hostPatchRequest is the body of PATCH /api/v1/hosts/{name}: the host's own settings, at
// least one of them.
type hostPatchRequest struct {
	// HostReposOnly: true, the host's own repositories only (the default); false, also its OS group's.
	HostReposOnly *bool `json:"host_repos_only"`
	// CheckDNS: whether `patchward dns-check` compares the host's reverse DNS with its name.
	CheckDNS *bool `json:"check_dns"`
}

func (s *server) apiHostPatch(w http.ResponseWriter, r *http.Request) {
	var in hostPatchRequest
	if err := apiDecode(w, r, &in); err != nil {
		s.apiFail(w, r, err)
		return
	}
	if in.HostReposOnly == nil && in.CheckDNS == nil {
		s.apiFail(w, r, badRequest(`Give "host_repos_only" or "check_dns": true or false.`))
		return
	}
	name := r.PathValue("name")
	if in.CheckDNS != nil {
		hs, err := s.db.HostByName(r.Context(), name)
		if err == nil {
			err = s.db.SetHostCheckDNS(r.Context(), hs.ID, *in.CheckDNS)
		}
		if err != nil {
			s.apiFail(w, r, err)
			return
		}
		s.audit(r, "host.settings", fmt.Sprintf("%s check_dns=%t", hs.Hostname, *in.CheckDNS))
	}
	var h output.Host
	var err error
	if in.HostReposOnly != nil {
		h, err = s.setHostReposOnly(r, name, *in.HostReposOnly)
	} else {
		var hs store.HostSummary
		hs, err = s.db.HostByName(r.Context(), name)
		h = output.HostOf(hs)
	}
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.apiJSON(w, http.StatusOK, h)
}
