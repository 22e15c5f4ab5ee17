package ui

import (
	"errors"
	"net/http"
	"strings"

	"patchward/store"
)

// adminHostTokens is how many host tokens the admin page lists; a fleet has one per enrolled
// host, so the full list is the API's (GET /api/v1/host-tokens) and each host page shows its own.
const adminHostTokens = 100

// agentTokenState is what the host page's "Agent token" block shows.
type agentTokenState struct {
	Token       *store.HostTokenView // nil: the host is not enrolled
	JustRevoked bool                 // the page follows a revocation (?token=revoked)
}

// agentTokenOf looks up the host's live agent token for the host page (one indexed row).
func (s *server) agentTokenOf(r *http.Request, hostname string) (agentTokenState, error) {
	st := agentTokenState{JustRevoked: r.URL.Query().Get("token") == "revoked"}
	t, err := s.db.HostTokenOf(r.Context(), hostname)
	switch {
	case err == nil:
		st.Token = &t
	case !errors.Is(err, store.ErrNotFound):
		return st, err
	}
	return st, nil
}

// revokeHostToken revokes a host's live agent token: the agent has to enroll again.
func (s *server) revokeHostToken(r *http.Request, name string) (string, error) {
	name = strings.ToLower(strings.TrimSpace(name))
	if err := s.db.RevokeHostToken(r.Context(), name); errors.Is(err, store.ErrNotFound) {
		return name, notFoundErr("Host " + name + " has no agent token to revoke.")
	} else if err != nil {
		return name, err
	}
	s.audit(r, "hosttoken.revoke", "host "+name+": agent token revoked, the agent must enroll again")
	return name, nil
}

func (s *server) hostTokenRevoke(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	name, err := s.revokeHostToken(r, r.PathValue("name"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if r.PostForm.Get("from") == "admin" {
		s.renderAdminNotice(w, r, "Agent token of "+name+" revoked. Its agent must enroll again before its reports are accepted.")
		return
	}
	http.Redirect(w, r, hostURL(name)+"?token=revoked#agent-token", http.StatusSeeOther)
}

func (s *server) apiHostTokens(w http.ResponseWriter, r *http.Request) {
	ts, total, err := s.db.HostTokenViews(r.Context(), 0)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.apiJSON(w, http.StatusOK, list(ts, total))
}

// hostTokenRevoked is the answer of DELETE /api/v1/host-tokens/{name}.
type hostTokenRevoked struct {
	Hostname string `json:"hostname"`
	Done     string `json:"done"`
}

func (s *server) apiHostTokenRevoke(w http.ResponseWriter, r *http.Request) {
	name, err := s.revokeHostToken(r, r.PathValue("name"))
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.apiJSON(w, http.StatusOK, hostTokenRevoked{Hostname: name, Done: "revoked"})
}
