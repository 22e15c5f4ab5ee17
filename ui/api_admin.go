package ui

import (
	"context"
	"net/http"

	"patchward/store"
	"patchward/ui/output"
)

func (s *server) apiRepos(w http.ResponseWriter, r *http.Request) {
	repos, err := s.db.Repos(r.Context())
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	repos = filterRepos(repos, r.URL.Query().Get("q"))
	s.apiJSON(w, http.StatusOK, list(output.ReposOf(repos), len(repos)))
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

// repoPatchRequest is the body of PATCH /api/v1/repos/{id}; a field left out is not changed.
type repoPatchRequest struct {
	Security *bool `json:"security"`
	Enabled  *bool `json:"enabled"`
}

func (s *server) apiRepoPatch(w http.ResponseWriter, r *http.Request) {
	var in repoPatchRequest
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

// actionAnswer is the answer of a job run from the API: the action that ran.
type actionAnswer struct {
	Done string `json:"done"`
}

// apiAction runs a job and answers 200, 501 (not wired on this server) or 500.
func (s *server) apiAction(w http.ResponseWriter, r *http.Request, action, detail string, run func(context.Context) error) {
	switch s.runAction(r, action, detail, run, "ok", "failed") {
	case "ok":
		s.apiJSON(w, http.StatusOK, actionAnswer{Done: action})
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

// mirrorPatchRequest is the body of PATCH /api/v1/mirrors/{id}; a field left out is not changed.
type mirrorPatchRequest struct {
	Enabled *bool  `json:"enabled"`
	RepoID  *int64 `json:"repo_id"` // move the mirror to this repository
}

func (s *server) apiMirrorPatch(w http.ResponseWriter, r *http.Request) {
	var in mirrorPatchRequest
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
	s.apiJSON(w, http.StatusOK, doneAnswer{ID: id, Done: "updated"})
}

func (s *server) apiOSVariants(w http.ResponseWriter, r *http.Request) {
	vs, err := s.db.OSVariants(r.Context())
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.apiJSON(w, http.StatusOK, list(output.Map(vs, output.OSVariantOf), len(vs)))
}

// variantGroupRequest is the body of PATCH /api/v1/os-variants/{id}; group_id 0 takes the
// variant out of its group.
type variantGroupRequest struct {
	GroupID int64 `json:"group_id"`
}

// variantGroupAnswer is the answer of PATCH /api/v1/os-variants/{id}.
type variantGroupAnswer struct {
	ID      int64 `json:"id"`
	GroupID int64 `json:"group_id"`
}

func (s *server) apiOSVariantPatch(w http.ResponseWriter, r *http.Request) {
	var in variantGroupRequest
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
	s.apiJSON(w, http.StatusOK, variantGroupAnswer{ID: id, GroupID: in.GroupID})
}

func (s *server) apiOSGroups(w http.ResponseWriter, r *http.Request) {
	gs, err := s.db.OSGroups(r.Context())
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.apiJSON(w, http.StatusOK, list(gs, len(gs)))
}

// groupCreateRequest is the body of POST /api/v1/os-groups.
type groupCreateRequest struct {
	Name string `json:"name" openapi:"required"`
}

// groupAnswer is the answer of POST /api/v1/os-groups.
type groupAnswer struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

func (s *server) apiOSGroupCreate(w http.ResponseWriter, r *http.Request) {
	var in groupCreateRequest
	err := apiDecode(w, r, &in)
	var id int64
	if err == nil {
		id, err = s.createGroup(r, in.Name)
	}
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.apiJSON(w, http.StatusCreated, groupAnswer{ID: id, Name: in.Name})
}

// groupReposRequest is the body of PUT /api/v1/os-groups/{id}/repos: the group's whole list of
// repositories.
type groupReposRequest struct {
	RepoIDs []int64 `json:"repo_ids"`
}

// groupReposAnswer is the answer of PUT /api/v1/os-groups/{id}/repos.
type groupReposAnswer struct {
	ID      int64   `json:"id"`
	RepoIDs []int64 `json:"repo_ids"`
}

func (s *server) apiOSGroupRepos(w http.ResponseWriter, r *http.Request) {
	var in groupReposRequest
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
	s.apiJSON(w, http.StatusOK, groupReposAnswer{ID: id, RepoIDs: in.RepoIDs})
}

func (s *server) apiUsers(w http.ResponseWriter, r *http.Request) {
	us, err := s.db.Users(r.Context())
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.apiJSON(w, http.StatusOK, list(us, len(us)))
}

// userCreateRequest is the body of POST /api/v1/users.
type userCreateRequest struct {
	Name     string `json:"name" openapi:"required"`
	Password string `json:"password" openapi:"required"` // at least 12 characters
	Role     string `json:"role" openapi:"required,enum=admin|operator|viewer"`
}

func (s *server) apiUserCreate(w http.ResponseWriter, r *http.Request) {
	var in userCreateRequest
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

// userRoleRequest is the body of PATCH /api/v1/users/{id}: a role, a new password, or both;
// role may be left out only when password is given.
type userRoleRequest struct {
	Role     string  `json:"role" openapi:"enum=admin|operator|viewer"`
	Password *string `json:"password"` // sets the password and ends every session of the user
}

// userRoleAnswer is the answer of PATCH /api/v1/users/{id}: the user's role as it is now.
type userRoleAnswer struct {
	ID            int64  `json:"id"`
	Role          string `json:"role"`
	PasswordSet   bool   `json:"password_set"`
	SessionsEnded int    `json:"sessions_ended"`
}

func (s *server) apiUserPatch(w http.ResponseWriter, r *http.Request) {
	var in userRoleRequest
	id, err := pathID(r)
	if err == nil {
		err = apiDecode(w, r, &in)
	}
	if err == nil && in.Password != nil {
		err = checkPasswordReset(r, id, *in.Password) // before the role changes, so a refusal changes nothing
	}
	if err == nil && (in.Role != "" || in.Password == nil) {
		err = s.setUserRole(r, id, in.Role)
	}
	out := userRoleAnswer{ID: id, Role: in.Role}
	if err == nil && in.Password != nil {
		var u store.User
		u, out.SessionsEnded, err = s.setUserPassword(r, id, *in.Password)
		out.Role, out.PasswordSet = u.Role, err == nil
	}
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.apiJSON(w, http.StatusOK, out)
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
	s.apiJSON(w, http.StatusOK, doneAnswer{ID: id, Done: "deleted"})
}

func (s *server) apiKeys(w http.ResponseWriter, r *http.Request) {
	ks, err := s.db.APIKeys(r.Context())
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.apiJSON(w, http.StatusOK, list(ks, len(ks)))
}

// apiKeyCreateRequest is the body of POST /api/v1/api-keys; a patchman key is always viewer.
type apiKeyCreateRequest struct {
	Name string `json:"name" openapi:"required"`
	Kind string `json:"kind" openapi:"required,enum=api|patchman"`
	Role string `json:"role" openapi:"enum=admin|operator|viewer"` // required for kind api
}

// apiKeyCreated is the answer of POST /api/v1/api-keys: the key and its secret, shown only here.
type apiKeyCreated struct {
	Key    store.APIKey `json:"key"`
	Secret string       `json:"secret"`
}

func (s *server) apiKeyCreateJSON(w http.ResponseWriter, r *http.Request) {
	var in apiKeyCreateRequest
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
	s.apiJSON(w, http.StatusCreated, apiKeyCreated{Key: k, Secret: secret})
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
	s.apiJSON(w, http.StatusOK, doneAnswer{ID: id, Done: "revoked"})
}

func (s *server) apiEnrollTokens(w http.ResponseWriter, r *http.Request) {
	ts, err := s.db.EnrollTokens(r.Context())
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.apiJSON(w, http.StatusOK, list(ts, len(ts)))
}

// enrollCreateRequest is the body of POST /api/v1/enroll-tokens.
type enrollCreateRequest struct {
	Name string `json:"name" openapi:"required"`
	// AllowExisting lets the token enroll a name that already reports without an admin's
	// approval (rebuilding hosts that reported keyless before).
	AllowExisting bool `json:"allow_existing"`
}

// enrollTokenCreated is the answer of POST /api/v1/enroll-tokens: the token and its secret,
// shown only here.
type enrollTokenCreated struct {
	Token  store.EnrollToken `json:"token"`
	Secret string            `json:"secret"`
}

func (s *server) apiEnrollCreate(w http.ResponseWriter, r *http.Request) {
	var in enrollCreateRequest
	err := apiDecode(w, r, &in)
	var secret string
	var t store.EnrollToken
	if err == nil {
		secret, t, err = s.createEnrollToken(r, in.Name, in.AllowExisting)
	}
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.apiJSON(w, http.StatusCreated, enrollTokenCreated{Token: t, Secret: secret})
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
	s.apiJSON(w, http.StatusOK, doneAnswer{ID: id, Done: "revoked"})
}

func (s *server) apiAudit(w http.ResponseWriter, r *http.Request) {
	f, err := auditFilter(r.URL.Query(), auditLimit)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	es, err := s.db.AuditEntries(r.Context(), f)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.apiJSON(w, http.StatusOK, list(output.Map(es, output.AuditEntryOf), len(es)))
}
