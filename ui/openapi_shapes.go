package ui

import (
	"net/http"
	"reflect"
	"strconv"

	"patchward/store"
	"patchward/ui/output"
)

// apiShape is what one API route reads and answers, for the OpenAPI document. The types are
// the ones the handler really decodes and encodes: TestOpenAPIAnswersMatch checks live
// answers against the schemas made from them.
type apiShape struct {
	Status int          // the success status; 0 is 200
	Answer reflect.Type // what the handler passes to apiJSON on success; nil for an answer without a body
	Body   reflect.Type // the JSON body it decodes with apiDecode; nil when it reads none
	Query  []apiParam   // the query parameters it reads
	// Errors are the failures it can answer besides 401 and 403, which every route can give;
	// 404 is added for routes with path values and 400 for routes with a JSON body.
	Errors map[int]string
	Note   string // the operation's description
}

func typeOf[T any]() reflect.Type { return reflect.TypeFor[T]() }

// pageParam is ?page= as pageOf reads it, for pages of per items.
func pageParam(per int, what string) apiParam {
	return apiParam{Name: "page", Type: "integer", Desc: "1-based page of " + strconv.Itoa(per) + " " + what + " (default 1)"}
}

func searchParam(what string) apiParam {
	return apiParam{Name: "q", Type: "string", Desc: "case-insensitive search in " + what}
}

var yesNoEnum = []string{"yes", "no"}

// Errors of the action routes, which run a job within the request.
var actionErrors = map[int]string{
	http.StatusInternalServerError: "The job failed; the details are in the server log",
	http.StatusNotImplemented:      "This action is not available on this server",
}

// apiShapes has one entry per API route of the route table, keyed "METHOD PATH".
var apiShapes = map[string]apiShape{
	"GET /api/v1/openapi.json": {Answer: typeOf[map[string]any](), Note: "This OpenAPI 3.0 document."},
	"GET /api/v1/dashboard":    {Answer: typeOf[dashboardAnswer]()},
	"GET /api/v1/hosts": {Answer: typeOf[apiList[output.Host]](), Query: []apiParam{
		searchParam("hostname, domain and OS; space-separated terms must all match"),
		{Name: "os", Type: "string", Desc: "OS variant or OS group name"},
		{Name: "tag", Type: "string", Desc: "tags the host must all have, comma-separated or repeated (reported or operator tags); " +
			"-tag or !tag: the host must not have it. tag=web,-old is web hosts not tagged old"},
		{Name: "arch", Type: "string"},
		{Name: "domain", Type: "string"},
		{Name: "reboot", Type: "string", Enum: yesNoEnum, Desc: "reboot required"},
		{Name: "security", Type: "string", Enum: yesNoEnum, Desc: "has pending security updates"},
		{Name: "stale", Type: "string", Enum: yesNoEnum, Desc: "has not reported for the stale period"},
		{Name: "sort", Type: "string", Enum: store.HostSorts(), Desc: "sort key (default name)"},
		{Name: "dir", Type: "string", Enum: []string{"asc", "desc"}},
		pageParam(hostsPerPage, "hosts"),
		{Name: "all", Type: "string", Enum: []string{"1"}, Desc: "1: every matching host, not one page"},
		{Name: "package", Type: "string", Desc: "has this package (name) installed"},
		{Name: "pending", Type: "string", Desc: "has an update of this package (name) pending"},
		{Name: "pending_security", Type: "string", Desc: "has a security update of this package (name) pending"},
		{Name: "repo", Type: "integer", Desc: "its updates come from this repository id"},
		{Name: "unreliable", Type: "string", Enum: yesNoEnum, Desc: "yes: some of its repositories have no metadata"},
		{Name: "local", Type: "string", Enum: yesNoEnum, Desc: "yes: has packages from no repository"},
		{Name: "client", Type: "string", Enum: []string{"patchman-client", "patchward-agent"}, Desc: "its reports come from this kind of client"},
		{Name: "agent_outdated", Type: "string", Enum: []string{"yes"}, Desc: "yes: a patchward agent older than the server (dev and unknown versions never are)"},
	}},
	"POST /api/v1/hosts/bulk": {Answer: typeOf[bulkResult](), Body: typeOf[hostsBulkRequest](),
		Note: "Give hosts (names), or filter (a host list query) to act on every host that matches. " +
			"Hosts that do not exist are skipped; hosts in the answer counts those acted on."},
	"GET /api/v1/hosts/{name}":          {Answer: typeOf[hostAnswer]()},
	"GET /api/v1/hosts/{name}/packages": {Answer: typeOf[apiList[store.PackageKey]]()},
	"GET /api/v1/hosts/{name}/reports":  {Answer: typeOf[apiList[output.Report]](), Note: "The newest 100."},
	"GET /api/v1/hosts/{name}/history": {Answer: typeOf[apiList[store.HostEvent]](), Query: []apiParam{
		{Name: "limit", Type: "integer", Desc: "at most this many events (default 1000)"},
	}, Note: "Newest report first. kind is first (the host's first report: new names its package count), installed, upgraded, " +
		"downgraded, removed (name, arch, old and new versions), kernel or os (old and new values); report_id is 0 once the report is pruned or unknown."},
	"DELETE /api/v1/hosts/{name}": {Answer: typeOf[bulkResult]()},
	"GET /api/v1/updates": {Answer: typeOf[apiList[output.FleetUpdate]](), Query: []apiParam{
		{Name: "package", Type: "string", Desc: "exact package name"},
		{Name: "security", Type: "string", Enum: yesNoEnum, Desc: "security (yes) or bugfix (no) updates only"},
		{Name: "tag", Type: "string", Desc: "only hosts with this tag"},
		{Name: "os", Type: "string", Desc: "only hosts of this OS variant or OS group"},
		{Name: "repo", Type: "integer", Desc: "only updates from this repository id"},
		pageParam(updatesPerPage, "updates"),
		{Name: "all", Type: "string", Enum: []string{"1"}, Desc: "1: every matching update, not one page"},
	}, Note: "One item per distinct update (package, arch, installed and available version, repository), most hosts first; " +
		"hosts names the hosts that need it (held packages excluded): on a page at most 100 of them, by name " +
		"(host_count counts them all; all=1 names every host, and /api/v1/hosts?pending=NAME lists them)."},
	"GET /api/v1/orphaned-packages": {Answer: typeOf[apiList[output.LocalPackage]](), Query: []apiParam{
		{Name: "host", Type: "string", Desc: "only this host's"},
	}, Note: "Installed packages that no repository of their host offers in that version, with no newer version offered " +
		"either: what apt list --installed marks [installed,local]. Counts are only as good as the repositories' metadata."},
	"PATCH /api/v1/hosts/{name}": {Answer: typeOf[output.Host](), Body: typeOf[hostPatchRequest](),
		Note: "host_repos_only true: the host's updates come from its own repositories only (the default); false: also from its OS group's. " +
			"Update finding runs at once where the server can. Answers the host as it is now."},
	"PUT /api/v1/hosts/{name}/tags": {Answer: typeOf[output.Host](), Body: typeOf[hostTagsRequest](),
		Note: "Replaces the operator tags (reported tags stay; a host's next report changes only those). Answers the host as it is now."},
	"GET /api/v1/packages": {Answer: typeOf[apiList[output.Package]](),
		Query: []apiParam{searchParam("package names"), pageParam(packagesPerPage, "names"),
			{Name: "updates", Type: "string", Enum: yesNoEnum, Desc: "yes: only names with an update pending on some host"},
			{Name: "security", Type: "string", Enum: yesNoEnum, Desc: "yes: only names with a security update pending on some host"},
			{Name: "sort", Type: "string", Enum: []string{"name", "hosts"}, Desc: "name (default) or host count, most first"}}},
	"GET /api/v1/packages/{name}": {Answer: typeOf[apiList[store.PackageVersion]]()},
	"GET /api/v1/repos": {Answer: typeOf[apiList[output.Repo]](),
		Query: []apiParam{searchParam("name, ident, type, arch and mirror URLs")}},
	"GET /api/v1/repos/{id}":          {Answer: typeOf[store.RepoSummary]()},
	"PATCH /api/v1/repos/{id}":        {Answer: typeOf[store.RepoSummary](), Body: typeOf[repoPatchRequest](), Note: "Answers the repository as it is now."},
	"POST /api/v1/repos/{id}/refresh": {Answer: typeOf[actionAnswer](), Errors: actionErrors},
	"DELETE /api/v1/repos/{id}": {Answer: typeOf[doneAnswer](),
		Note: "Its hosts and OS groups lose it, and update finding runs at once where the server can; GET /api/v1/repos/{id} gives hosts and mirrors (with package_count) first."},
	"DELETE /api/v1/mirrors/{id}": {Answer: typeOf[doneAnswer](), Note: "Update finding runs at once where the server can."},
	"PATCH /api/v1/mirrors/{id}": {Answer: typeOf[doneAnswer](), Body: typeOf[mirrorPatchRequest](),
		Note: "404 also when repo_id names no repository."},
	"GET /api/v1/os-variants":        {Answer: typeOf[apiList[output.OSVariant]]()},
	"PATCH /api/v1/os-variants/{id}": {Answer: typeOf[variantGroupAnswer](), Body: typeOf[variantGroupRequest]()},
	"GET /api/v1/os-groups":          {Answer: typeOf[apiList[store.OSGroup]]()},
	"POST /api/v1/os-groups": {Status: http.StatusCreated, Answer: typeOf[groupAnswer](), Body: typeOf[groupCreateRequest](),
		Errors: map[int]string{http.StatusConflict: "The name is taken"}},
	"PUT /api/v1/os-groups/{id}/repos": {Answer: typeOf[groupReposAnswer](), Body: typeOf[groupReposRequest]()},
	"PATCH /api/v1/os-groups/{id}": {Answer: typeOf[groupAnswer](), Body: typeOf[groupRenameRequest](),
		Errors: map[int]string{http.StatusConflict: "The name is taken"}},
	"DELETE /api/v1/os-groups/{id}": {Answer: typeOf[doneAnswer](),
		Note: "Its variants are left in no group and its repositories detached; hosts that used the group's repositories are recomputed without them."},
	"GET /api/v1/errata": {Answer: typeOf[apiList[output.Erratum]](), Query: []apiParam{
		searchParam("advisory names and titles"),
		{Name: "type", Type: "string", Enum: []string{"security", "bugfix", "enhancement", "newpackage"}},
		{Name: "cve", Type: "string", Desc: "advisories referencing this CVE"},
		{Name: "affected", Type: "string", Enum: []string{"yes"}, Desc: "yes: only advisories with affected hosts"},
		pageParam(errataPerPage, "advisories"),
	}},
	"GET /api/v1/errata/{name}": {Answer: typeOf[store.ErratumDetail]()},
	"GET /api/v1/cves": {Answer: typeOf[apiList[output.CVE]](),
		Query: []apiParam{searchParam("CVE ids"), pageParam(cvesPerPage, "CVEs")}},
	"GET /api/v1/cves/{id}": {Answer: typeOf[cveData]()},
	"GET /api/v1/reports": {Answer: typeOf[apiList[output.Report]](), Query: []apiParam{
		{Name: "status", Type: "string", Enum: []string{store.ReportPending, store.ReportProcessed, store.ReportRejected}},
		{Name: "host", Type: "string", Desc: "hostname"},
		{Name: "before", Type: "integer", Desc: "only reports with a smaller id (paging back)"},
	}, Errors: map[int]string{http.StatusBadRequest: "Unknown status or invalid before"},
		Note: "The newest 100 matching reports; total is the number in this answer."},
	"GET /api/v1/reports/{id}":             {Answer: typeOf[reportAnswer](), Note: "payload is there when the report's body was stored."},
	"POST /api/v1/reports/{id}/requeue":    {Answer: typeOf[doneAnswer]()},
	"DELETE /api/v1/reports/{id}":          {Answer: typeOf[doneAnswer]()},
	"POST /api/v1/actions/find-updates":    {Answer: typeOf[actionAnswer](), Errors: actionErrors},
	"POST /api/v1/actions/process-reports": {Answer: typeOf[actionAnswer](), Errors: actionErrors},
	"GET /api/v1/users":                    {Answer: typeOf[apiList[store.User]]()},
	"POST /api/v1/users": {Status: http.StatusCreated, Answer: typeOf[store.User](), Body: typeOf[userCreateRequest](),
		Errors: map[int]string{http.StatusConflict: "The name is taken"}},
	"PATCH /api/v1/users/{id}": {Answer: typeOf[userRoleAnswer](), Body: typeOf[userRoleRequest](),
		Errors: map[int]string{http.StatusConflict: "That would leave no admin"},
		Note: "role, password or both (role may be left out only with password). A new password needs 12+ characters, " +
			"ends every session of the user and cannot be your own (use POST /api/v1/account/password); " +
			"nothing changes when any part is refused."},
	"DELETE /api/v1/users/{id}": {Answer: typeOf[doneAnswer](), Errors: map[int]string{
		http.StatusBadRequest: "You cannot delete your own account", http.StatusConflict: "That would leave no admin"}},
	"GET /api/v1/api-keys": {Answer: typeOf[apiList[store.APIKey]]()},
	"POST /api/v1/api-keys": {Status: http.StatusCreated, Answer: typeOf[apiKeyCreated](), Body: typeOf[apiKeyCreateRequest](),
		Note: "The secret is in this answer only."},
	"DELETE /api/v1/api-keys/{id}":      {Answer: typeOf[doneAnswer]()},
	"GET /api/v1/enroll-tokens":         {Answer: typeOf[apiList[store.EnrollToken]]()},
	"POST /api/v1/enroll-tokens":        {Status: http.StatusCreated, Answer: typeOf[enrollTokenCreated](), Body: typeOf[enrollCreateRequest](), Note: "The secret is in this answer only."},
	"DELETE /api/v1/enroll-tokens/{id}": {Answer: typeOf[doneAnswer]()},
	"GET /api/v1/enrollments": {Answer: typeOf[apiList[store.EnrollRequest]](),
		Note: "An enrollment token used for a name that already reports (and never enrolled) waits here until approved, " +
			"unless the token was made with allow_existing. approved is null until an admin approves."},
	"POST /api/v1/enrollments/{name}/approve": {Answer: typeOf[enrollmentDecided](),
		Note: "The host's agent enrolls on its next attempt; from then on the name's keyless reports are refused (404 when none waits)."},
	"DELETE /api/v1/enrollments/{name}": {Answer: typeOf[enrollmentDecided](), Note: "404 when none waits."},
	"GET /api/v1/audit": {Answer: typeOf[apiList[output.AuditEntry]](), Note: "The newest 500 matching entries.",
		Query: []apiParam{
			{Name: "user", Type: "string", Desc: "who (case-insensitive); a failed login is recorded under the name that was tried"},
			{Name: "action", Type: "string", Desc: "what, e.g. login.failed; ending in a dot it is a prefix (hosts. is every hosts action)"},
			{Name: "since", Type: "string", Desc: "from this date (YYYY-MM-DD) or RFC 3339 time on"},
			{Name: "until", Type: "string", Desc: "up to this date (YYYY-MM-DD, the whole day included) or before this RFC 3339 time"},
		}, Errors: map[int]string{http.StatusBadRequest: "since or until is not a date or time"}},
	"POST /api/v1/account/password": {Answer: typeOf[accountPasswordAnswer](), Body: typeOf[accountPasswordRequest](),
		Errors: map[int]string{
			http.StatusForbidden:       "The request used an API key (a key is not a person and has no password), or the current password is wrong",
			http.StatusTooManyRequests: "Too many wrong passwords for this account or address; Retry-After says when to try again",
		},
		Note: "Needs a session: API keys are refused. new_password needs 12+ characters and must differ from the current one. " +
			"Every other session of the user ends; the calling one stays. Wrong current passwords count against the login throttle."},
	"GET /api/v1/host-tokens": {Answer: typeOf[apiList[store.HostTokenView]](),
		Note: "Every agent host token, revoked ones included, newest first; never a secret or a hash. A null revoked time means live."},
	"DELETE /api/v1/host-tokens/{name}": {Answer: typeOf[hostTokenRevoked](),
		Note: "Revokes the host's live token (404 when it has none); the agent must enroll again before its reports are accepted."},
}

// answerEnums lists the values some answer fields can take, keyed "package.Type.Field".
var answerEnums = map[string][]string{
	"store.Report.Status": {store.ReportPending, store.ReportProcessed, store.ReportRejected},
	"store.User.Role":     {roleAdmin, roleOperator, roleViewer},
	"store.APIKey.Role":   {roleAdmin, roleOperator, roleViewer},
	"store.APIKey.Kind":   {"api", "patchman"},
}
