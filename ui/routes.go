package ui

import (
	"net/http"

	"patchward/assets"
)

// Roles, least to most powerful; a route names the least role it needs.
const (
	rolePublic   = ""
	roleViewer   = "viewer"
	roleOperator = "operator"
	roleAdmin    = "admin"
)

// roleRank orders roles so that "at least operator" is a comparison.
var roleRank = map[string]int{roleViewer: 1, roleOperator: 2, roleAdmin: 3}

// route is one entry of the route table: every page, form action and API endpoint is here, so
// authorization is decided in one place and the authorization test walks them all.
type route struct {
	Method  string
	Path    string
	Role    string // least role needed; rolePublic for the login page and static files
	API     bool   // JSON under /api/v1: errors are JSON, and API keys are accepted
	Summary string // what it does (the OpenAPI document's summary)
	h       http.HandlerFunc
}

// routeTable lists every route the UI serves.
func (s *server) routeTable() []route {
	v, o, a := roleViewer, roleOperator, roleAdmin
	return []route{
		{"GET", "/login", rolePublic, false, "Login form", s.loginForm},
		{"POST", "/login", rolePublic, false, "Log in", s.login},
		{"POST", "/logout", rolePublic, false, "Log out", s.logout},
		{"GET", "/account", v, false, "Your account: sessions and password", s.account},
		{"POST", "/account/password", v, false, "Change your own password", s.accountPassword},
		{"POST", "/account/sessions/{id}/end", v, false, "End one of your sessions", s.accountSessionEnd},
		{"POST", "/account/sessions/end-others", v, false, "End all your other sessions", s.accountSessionsEndOthers},

		{"GET", "/{$}", v, false, "Dashboard", s.dashboard},
		{"GET", "/hosts", v, false, "Host list (format=csv for CSV)", s.hosts},
		{"POST", "/hosts/bulk", o, false, "Bulk action on hosts", s.hostsBulk},
		{"GET", "/hosts/{name}", v, false, "Host page", s.host},
		{"GET", "/hosts/{name}/compare", v, false, "Compare two hosts' packages", s.hostCompare},
		{"POST", "/hosts/{name}/delete", o, false, "Delete a host", s.hostDelete},
		{"POST", "/hosts/{name}/tags", o, false, "Add or remove operator tags of a host", s.hostTags},
		{"POST", "/hosts/{name}/settings", o, false, "Change a host's own settings (use only its own repositories)", s.hostSettings},
		{"POST", "/hosts/{name}/token/revoke", a, false, "Revoke a host's agent token (the agent must enroll again)", s.hostTokenRevoke},
		{"GET", "/updates", v, false, "Pending updates across the fleet, with the hosts that need each", s.updates},
		{"GET", "/packages", v, false, "Installed packages by name", s.packages},
		{"GET", "/packages/{name}", v, false, "Versions of a package", s.packageDetail},
		{"GET", "/repos", v, false, "Repositories and mirrors", s.repos},
		{"POST", "/repos/{id}/security", o, false, "Set a repository's security flag", s.toggleSecurity},
		{"POST", "/repos/{id}/enabled", o, false, "Enable or disable a repository", s.repoEnabled},
		{"POST", "/repos/{id}/refresh", o, false, "Refresh a repository now", s.refreshRepo},
		{"POST", "/repos/{id}/delete", o, false, "Delete a repository with its mirrors", s.repoDelete},
		{"POST", "/mirrors/{id}/delete", o, false, "Delete a mirror", s.mirrorDelete},
		{"POST", "/mirrors/{id}/enabled", o, false, "Enable or disable a mirror", s.mirrorEnabled},
		{"POST", "/mirrors/{id}/link", o, false, "Move a mirror to another repository", s.mirrorLink},
		{"GET", "/os", v, false, "OS variants and groups", s.osPage},
		{"POST", "/os/groups", o, false, "Create an OS group", s.osGroupCreate},
		{"POST", "/os/groups/{id}/repos", o, false, "Attach repositories to an OS group", s.osGroupRepos},
		{"POST", "/os/groups/{id}/rename", o, false, "Rename an OS group", s.osGroupRename},
		{"POST", "/os/groups/{id}/delete", o, false, "Delete an OS group (its variants are left in no group)", s.osGroupDelete},
		{"POST", "/os/variants/{id}/group", o, false, "Put an OS variant in a group", s.osVariantGroup},
		{"GET", "/errata", v, false, "Errata", s.errata},
		{"GET", "/errata/{name}", v, false, "Erratum", s.erratum},
		{"GET", "/cves", v, false, "CVEs", s.cves},
		{"GET", "/cves/{id}", v, false, "CVE", s.cve},
		{"GET", "/reports", v, false, "Reports", s.reports},
		{"GET", "/reports/{id}", v, false, "Report", s.report},
		{"POST", "/reports/{id}/requeue", o, false, "Process a report again", s.reportRequeue},
		{"POST", "/reports/{id}/delete", o, false, "Delete a report", s.reportDelete},
		{"POST", "/actions/find-updates", o, false, "Find updates now", s.findUpdates},
		{"POST", "/actions/process-reports", o, false, "Process pending reports now", s.processReports},
		{"GET", "/admin", a, false, "Users, API keys and enrollment tokens", s.admin},
		{"GET", "/admin/audit", a, false, "Audit log", s.auditPage},
		{"POST", "/admin/users", a, false, "Create a user", s.userCreate},
		{"POST", "/admin/users/{id}/role", a, false, "Change a user's role", s.userRole},
		{"POST", "/admin/users/{id}/delete", a, false, "Delete a user", s.userDelete},
		{"POST", "/admin/users/{id}/password", a, false, "Set another user's password (their sessions end)", s.userPassword},
		{"POST", "/admin/api-keys", a, false, "Create an API key", s.apiKeyCreate},
		{"POST", "/admin/api-keys/{id}/revoke", a, false, "Revoke an API key", s.apiKeyRevoke},
		{"POST", "/admin/enroll-tokens", a, false, "Create an enrollment token", s.enrollCreate},
		{"POST", "/admin/enroll-tokens/{id}/revoke", a, false, "Revoke an enrollment token", s.enrollRevoke},
		{"POST", "/admin/enrollments/{name}/approve", a, false, "Approve the enrollment of a name that already reports", s.enrollmentApprove},
		{"POST", "/admin/enrollments/{name}/dismiss", a, false, "Dismiss a pending enrollment unapproved", s.enrollmentDismiss},

		{"GET", "/api/v1/openapi.json", v, true, "This document", s.apiOpenAPI},
		{"GET", "/api/v1/dashboard", v, true, "Dashboard counts and lists", s.apiDashboard},
		{"GET", "/api/v1/hosts", v, true, "List hosts (same filters as the UI)", s.apiHosts},
		{"POST", "/api/v1/hosts/bulk", o, true, "Bulk action on hosts", s.apiHostsBulk},
		{"GET", "/api/v1/hosts/{name}", v, true, "Host with updates and repositories", s.apiHost},
		{"GET", "/api/v1/hosts/{name}/packages", v, true, "Installed packages of a host", s.apiHostPackages},
		{"GET", "/api/v1/hosts/{name}/reports", v, true, "Reports of a host", s.apiHostReports},
		{"GET", "/api/v1/hosts/{name}/history", v, true, "A host's history: packages installed, upgraded, downgraded and removed, kernel and OS changes", s.apiHostHistory},
		{"DELETE", "/api/v1/hosts/{name}", o, true, "Delete a host", s.apiHostDelete},
		{"GET", "/api/v1/updates", v, true, "Pending updates across the fleet, with the hosts that need each", s.apiUpdates},
		{"GET", "/api/v1/orphaned-packages", v, true, "Installed packages from no repository, with their hosts", s.apiLocalPackages},
		{"PATCH", "/api/v1/hosts/{name}", o, true, "Change a host's own settings (host_repos_only)", s.apiHostPatch},
		{"PUT", "/api/v1/hosts/{name}/tags", o, true, "Set the operator tags of a host (its reported tags stay)", s.apiHostTagsPut},
		{"GET", "/api/v1/packages", v, true, "Installed package names with host counts", s.apiPackages},
		{"GET", "/api/v1/packages/{name}", v, true, "Versions of a package with hosts and repositories", s.apiPackage},
		{"GET", "/api/v1/repos", v, true, "Repositories and mirrors", s.apiRepos},
		{"GET", "/api/v1/repos/{id}", v, true, "Repository", s.apiRepo},
		{"PATCH", "/api/v1/repos/{id}", o, true, "Set security and/or enabled of a repository", s.apiRepoPatch},
		{"POST", "/api/v1/repos/{id}/refresh", o, true, "Refresh a repository now", s.apiRepoRefresh},
		{"DELETE", "/api/v1/repos/{id}", o, true, "Delete a repository with its mirrors (a host that reports it brings it back)", s.apiRepoDelete},
		{"DELETE", "/api/v1/mirrors/{id}", o, true, "Delete a mirror (its repository stays)", s.apiMirrorDelete},
		{"PATCH", "/api/v1/mirrors/{id}", o, true, "Enable/disable a mirror or move it to another repository", s.apiMirrorPatch},
		{"GET", "/api/v1/os-variants", v, true, "OS variants", s.apiOSVariants},
		{"PATCH", "/api/v1/os-variants/{id}", o, true, "Put an OS variant in a group", s.apiOSVariantPatch},
		{"GET", "/api/v1/os-groups", v, true, "OS groups", s.apiOSGroups},
		{"POST", "/api/v1/os-groups", o, true, "Create an OS group", s.apiOSGroupCreate},
		{"PUT", "/api/v1/os-groups/{id}/repos", o, true, "Set the repositories of an OS group", s.apiOSGroupRepos},
		{"PATCH", "/api/v1/os-groups/{id}", o, true, "Rename an OS group", s.apiOSGroupPatch},
		{"DELETE", "/api/v1/os-groups/{id}", o, true, "Delete an OS group (its variants are left in no group, its repositories detached)", s.apiOSGroupDelete},
		{"GET", "/api/v1/errata", v, true, "Errata", s.apiErrata},
		{"GET", "/api/v1/errata/{name}", v, true, "Erratum with references, packages and affected hosts", s.apiErratum},
		{"GET", "/api/v1/cves", v, true, "CVEs", s.apiCVEs},
		{"GET", "/api/v1/cves/{id}", v, true, "CVE with errata and affected hosts", s.apiCVE},
		{"GET", "/api/v1/reports", v, true, "Reports (status=pending|processed|rejected)", s.apiReports},
		{"GET", "/api/v1/reports/{id}", v, true, "Report", s.apiReport},
		{"POST", "/api/v1/reports/{id}/requeue", o, true, "Process a report again", s.apiReportRequeue},
		{"DELETE", "/api/v1/reports/{id}", o, true, "Delete a report", s.apiReportDelete},
		{"POST", "/api/v1/actions/find-updates", o, true, "Find updates now", s.apiFindUpdates},
		{"POST", "/api/v1/actions/process-reports", o, true, "Process pending reports now", s.apiProcessReports},
		{"GET", "/api/v1/users", a, true, "Users", s.apiUsers},
		{"POST", "/api/v1/users", a, true, "Create a user", s.apiUserCreate},
		{"PATCH", "/api/v1/users/{id}", a, true, "Change a user's role and/or set their password (their sessions end)", s.apiUserPatch},
		{"DELETE", "/api/v1/users/{id}", a, true, "Delete a user", s.apiUserDelete},
		{"GET", "/api/v1/api-keys", a, true, "API keys", s.apiKeys},
		{"POST", "/api/v1/api-keys", a, true, "Create an API key (the secret is in this answer only)", s.apiKeyCreateJSON},
		{"DELETE", "/api/v1/api-keys/{id}", a, true, "Revoke an API key", s.apiKeyRevokeJSON},
		{"GET", "/api/v1/enroll-tokens", a, true, "Enrollment tokens", s.apiEnrollTokens},
		{"POST", "/api/v1/enroll-tokens", a, true, "Create an enrollment token (the secret is in this answer only)", s.apiEnrollCreate},
		{"DELETE", "/api/v1/enroll-tokens/{id}", a, true, "Revoke an enrollment token", s.apiEnrollRevoke},
		{"GET", "/api/v1/enrollments", a, true, "Enrollments of names that already report, waiting for an admin's approval", s.apiEnrollments},
		{"POST", "/api/v1/enrollments/{name}/approve", a, true, "Approve a pending enrollment (the agent enrolls on its next run)", s.apiEnrollmentApprove},
		{"DELETE", "/api/v1/enrollments/{name}", a, true, "Dismiss a pending enrollment unapproved", s.apiEnrollmentDismiss},
		{"GET", "/api/v1/audit", a, true, "Audit log", s.apiAudit},
		{"POST", "/api/v1/account/password", v, true, "Change your own password (a session only: API keys are refused)", s.apiAccountPassword},
		{"GET", "/api/v1/host-tokens", a, true, "Agent host tokens (never their secrets)", s.apiHostTokens},
		{"DELETE", "/api/v1/host-tokens/{name}", a, true, "Revoke a host's agent token (the agent must enroll again)", s.apiHostTokenRevoke},
	}
}

func (s *server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET "+assets.Prefix, assets.Handler())
	for _, rt := range s.routeTable() {
		mux.Handle(rt.Method+" "+rt.Path, s.guard(rt))
	}
	mux.Handle("/api/", s.guard(route{Role: roleViewer, API: true, h: s.apiNotFound}))
	mux.Handle("/", s.guard(route{Role: roleViewer, h: s.notFound}))

	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.log.Warn("cross-origin request refused", "path", r.URL.Path, "origin", r.Header.Get("Origin"))
		http.Error(w, "cross-origin request refused", http.StatusForbidden)
	}))
	return SecurityHeaders(newAdmission(0).wrap(gzipPages(cop.Handler(s.checkInput(mux)))))
}

// guard wraps a route's handler with the authentication and role check it needs.
func (s *server) guard(rt route) http.Handler {
	if rt.Role == rolePublic {
		return rt.h
	}
	if rt.API {
		return s.apiAuth(rt.Role, rt.h)
	}
	return s.auth(rt.Role, rt.h)
}
