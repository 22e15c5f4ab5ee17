package ui

import (
	"context"
	"net/http"

	"patchward/store"
)

func (s *server) apiRepos(w http.ResponseWriter, r *http.Request) {
	repos, err := s.db.Repos(r.Context())
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	repos = filterRepos(repos, r.URL.Query().Get("q"))
	s.apiJSON(w, http.StatusOK, list(repos, len(repos)))
}

func (s *server) apiRepo(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	repo, err := s.db.Repo(r.Context(), id)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.apiJSON(w, http.StatusOK, repo)
}

func (s *server) apiRepoPatch(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Security *bool `json:"security"`
		Enabled  *bool `json:"enabled"`
	}
	id, err := pathID(r)
	if err == nil {
		err = apiDecode(w, r, &in)
	}
	if err == nil && in.Security != nil {
		if err = s.db.SetRepoSecurity(r.Context(), id, *in.Security); err == nil {
			s.audit(r, "repo.security", "repo "+id64(id)+" security="+boolStr(*in.Security))
		}
	}
	if err == nil && in.Enabled != nil {
		err = s.setRepoEnabled(r, id, *in.Enabled)
	}
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.apiRepo(w, r)
}

func (s *server) apiRepoRefresh(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		_, err = s.db.Repo(r.Context(), id)
	}
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	var run func(context.Context) error
	if s.act.RefreshRepo != nil {
		run = func(ctx context.Context) error { return s.act.RefreshRepo(ctx, id) }
	}
	s.apiAction(w, r, "repo.refresh", "repo "+id64(id), run)
}

// apiAction runs a job and answers 200, 501 (not wired on this server) or 500.
func (s *server) apiAction(w http.ResponseWriter, r *http.Request, action, detail string, run func(context.Context) error) {
	switch s.runAction(r, action, detail, run, "ok", "failed") {
	case "ok":
		s.apiJSON(w, http.StatusOK, map[string]string{"done": action})
	case "failed":
		s.apiError(w, r, http.StatusInternalServerError, action+" failed; the details are in the server log")
	default:
		s.apiError(w, r, http.StatusNotImplemented, "this action is not available on this server")
	}
}

func (s *server) apiFindUpdates(w http.ResponseWriter, r *http.Request) {
	s.apiAction(w, r, "updates.find", "", s.act.FindUpdates)
}

func (s *server) apiProcessReports(w http.ResponseWriter, r *http.Request) {
	s.apiAction(w, r, "reports.process", "", s.act.ProcessReports)
}

func (s *server) apiMirrorPatch(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Enabled *bool  `json:"enabled"`
		RepoID  *int64 `json:"repo_id"`
	}
	id, err := pathID(r)
	if err == nil {
		err = apiDecode(w, r, &in)
	}
	if err == nil && in.Enabled != nil {
		err = s.setMirrorEnabled(r, id, *in.Enabled)
	}
	if err == nil && in.RepoID != nil {
		err = s.moveMirror(r, id, *in.RepoID)
	}
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.apiJSON(w, http.StatusOK, map[string]any{"id": id, "done": "updated"})
}

func (s *server) apiOSVariants(w http.ResponseWriter, r *http.Request) {
	vs, err := s.db.OSVariants(r.Context())
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.apiJSON(w, http.StatusOK, list(vs, len(vs)))
}

func (s *server) apiOSVariantPatch(w http.ResponseWriter, r *http.Request) {
	var in struct {
		GroupID int64 `json:"group_id"`
	}
	id, err := pathID(r)
	if err == nil {
		err = apiDecode(w, r, &in)
	}
	if err == nil {
		err = s.setVariantGroup(r, id, in.GroupID)
	}
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.apiJSON(w, http.StatusOK, map[string]any{"id": id, "group_id": in.GroupID})
}

func (s *server) apiOSGroups(w http.ResponseWriter, r *http.Request) {
	gs, err := s.db.OSGroups(r.Context())
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.apiJSON(w, http.StatusOK, list(gs, len(gs)))
}

func (s *server) apiOSGroupCreate(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name string `json:"name"`
	}
	err := apiDecode(w, r, &in)
	var id int64
	if err == nil {
		id, err = s.createGroup(r, in.Name)
	}
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.apiJSON(w, http.StatusCreated, map[string]any{"id": id, "name": in.Name})
}

func (s *server) apiOSGroupRepos(w http.ResponseWriter, r *http.Request) {
	var in struct {
		RepoIDs []int64 `json:"repo_ids"`
	}
	id, err := pathID(r)
	if err == nil {
		err = apiDecode(w, r, &in)
	}
	if err == nil {
		err = s.setGroupRepos(r, id, in.RepoIDs)
	}
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.apiJSON(w, http.StatusOK, map[string]any{"id": id, "repo_ids": in.RepoIDs})
}

func (s *server) apiUsers(w http.ResponseWriter, r *http.Request) {
	us, err := s.db.Users(r.Context())
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.apiJSON(w, http.StatusOK, list(us, len(us)))
}

func (s *server) apiUserCreate(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name     string `json:"name"`
		Password string `json:"password"`
		Role     string `json:"role"`
	}
	err := apiDecode(w, r, &in)
	var u store.User
	if err == nil {
		u, err = s.createUser(r, in.Name, in.Password, in.Role)
	}
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.apiJSON(w, http.StatusCreated, u)
}

func (s *server) apiUserPatch(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Role string `json:"role"`
	}
	id, err := pathID(r)
	if err == nil {
		err = apiDecode(w, r, &in)
	}
	if err == nil {
		err = s.setUserRole(r, id, in.Role)
	}
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.apiJSON(w, http.StatusOK, map[string]any{"id": id, "role": in.Role})
}

func (s *server) apiUserDelete(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = s.deleteUser(r, id)
	}
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.apiJSON(w, http.StatusOK, map[string]any{"id": id, "done": "deleted"})
}

func (s *server) apiKeys(w http.ResponseWriter, r *http.Request) {
	ks, err := s.db.APIKeys(r.Context())
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.apiJSON(w, http.StatusOK, list(ks, len(ks)))
}

func (s *server) apiKeyCreateJSON(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name string `json:"name"`
		Kind string `json:"kind"`
		Role string `json:"role"`
	}
	err := apiDecode(w, r, &in)
	var secret string
	var k store.APIKey
	if err == nil {
		secret, k, err = s.createAPIKey(r, in.Name, in.Kind, in.Role)
	}
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.apiJSON(w, http.StatusCreated, map[string]any{"key": k, "secret": secret})
}

func (s *server) apiKeyRevokeJSON(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = s.revokeAPIKey(r, id)
	}
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.apiJSON(w, http.StatusOK, map[string]any{"id": id, "done": "revoked"})
}

func (s *server) apiEnrollTokens(w http.ResponseWriter, r *http.Request) {
	ts, err := s.db.EnrollTokens(r.Context())
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.apiJSON(w, http.StatusOK, list(ts, len(ts)))
}

func (s *server) apiEnrollCreate(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name string `json:"name"`
	}
	err := apiDecode(w, r, &in)
	var secret string
	var t store.EnrollToken
	if err == nil {
		secret, t, err = s.createEnrollToken(r, in.Name)
	}
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.apiJSON(w, http.StatusCreated, map[string]any{"token": t, "secret": secret})
}

func (s *server) apiEnrollRevoke(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = s.revokeEnroll(r, id)
	}
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.apiJSON(w, http.StatusOK, map[string]any{"id": id, "done": "revoked"})
}

func (s *server) apiAudit(w http.ResponseWriter, r *http.Request) {
	es, err := s.db.AuditLog(r.Context(), auditLimit)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.apiJSON(w, http.StatusOK, list(es, len(es)))
}
