package ui

import (
	"net/http"
	"strings"

	"patchward/store"
	"patchward/ui/output"
)

// apiList is the envelope of every API list: the items of one page and how many match in all.
type apiList[T any] struct {
	Items []T `json:"items"`
	Total int `json:"total"`
}

func list[T any](items []T, total int) apiList[T] {
	if items == nil {
		items = []T{}
	}
	return apiList[T]{Items: items, Total: total}
}

// dashboardAnswer is GET /api/v1/dashboard: the dashboard's counts and lists and the security
// history of its chart.
type dashboardAnswer struct {
	Dashboard store.Dashboard      `json:"dashboard"`
	History   []store.HistoryPoint `json:"history"`
}

func (s *server) apiDashboard(w http.ResponseWriter, r *http.Request) {
	d, hist, err := s.dashboardData(r.Context())
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.apiJSON(w, http.StatusOK, dashboardAnswer{Dashboard: d, History: hist})
}

func (s *server) apiHosts(w http.ResponseWriter, r *http.Request) {
	f, _ := s.hostFilter(r.URL.Query())
	if err := s.narrowHosts(r.Context(), r.URL.Query(), &f); err != nil {
		s.apiFail(w, r, err)
		return
	}
	if r.URL.Query().Get("all") == "1" {
		f.Limit, f.Offset = 0, 0
	}
	snap, err := s.hostSnapshot(r.Context())
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	hosts, total := snap.Hosts(f)
	s.apiJSON(w, http.StatusOK, list(output.HostsOf(hosts), total))
}

// hostAnswer is GET /api/v1/hosts/{name}.
type hostAnswer struct {
	Host    output.Host      `json:"host"`
	Updates []output.Update  `json:"updates"`
	Repos   []store.HostRepo `json:"repos"`
}

func (s *server) apiHost(w http.ResponseWriter, r *http.Request) {
	d, err := s.loadHost(r.Context(), r.PathValue("name"), false)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.apiJSON(w, http.StatusOK, hostAnswer{Host: output.HostOf(d.Host), Updates: output.UpdatesOf(d.Updates, d.Errata),
		Repos: d.Repos})
}

func (s *server) apiHostPackages(w http.ResponseWriter, r *http.Request) {
	h, err := s.db.HostByName(r.Context(), r.PathValue("name"))
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	pkgs, err := s.db.HostPackages(r.Context(), h.ID)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.apiJSON(w, http.StatusOK, list(pkgs, len(pkgs)))
}

func (s *server) apiHostReports(w http.ResponseWriter, r *http.Request) {
	h, err := s.db.HostByName(r.Context(), r.PathValue("name"))
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	reps, err := s.db.Reports(r.Context(), store.ReportFilter{HostID: h.ID, Limit: 100})
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.apiJSON(w, http.StatusOK, list(output.Map(reps, output.ReportOf), len(reps)))
}

func (s *server) apiHostDelete(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if _, err := s.db.HostByName(r.Context(), name); err != nil {
		s.apiFail(w, r, err)
		return
	}
	res, err := s.bulkHosts(r, []string{name}, "delete", "")
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.apiJSON(w, http.StatusOK, res)
}

// hostsBulkRequest is the body of POST /api/v1/hosts/bulk.
type hostsBulkRequest struct {
	Action string   `json:"action" openapi:"required,enum=find-updates|tag|untag|delete"`
	Hosts  []string `json:"hosts"` // the hosts to act on, or:
	// Filter is a host list query as GET /api/v1/hosts takes it (e.g. "tag=web,-old&os=Debian 12"):
	// the action applies to every host it matches, on every page, instead of hosts ("" is every host).
	Filter *string `json:"filter"`
	Tag    string  `json:"tag"` // for tag and untag
}

func (s *server) apiHostsBulk(w http.ResponseWriter, r *http.Request) {
	var in hostsBulkRequest
	if err := apiDecode(w, r, &in); err != nil {
		s.apiFail(w, r, err)
		return
	}
	names := in.Hosts
	if in.Filter != nil {
		if len(in.Hosts) > 0 {
			s.apiFail(w, r, badRequest(`Give "hosts" or "filter", not both.`))
			return
		}
		var err error
		if names, err = s.matchingNames(r, *in.Filter); err != nil {
			s.apiFail(w, r, err)
			return
		}
	}
	res, err := s.bulkHosts(r, names, in.Action, in.Tag)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.apiJSON(w, http.StatusOK, res)
}

func (s *server) apiPackages(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	names, err := s.packageList(r.Context(), q)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	_, off := pageOf(q, packagesPerPage)
	s.apiJSON(w, http.StatusOK, list(output.Map(names[min(off, len(names)):min(off+packagesPerPage, len(names))], output.PackageOf), len(names)))
}

func (s *server) apiPackage(w http.ResponseWriter, r *http.Request) {
	a, v, err := s.packageData(r.Context(), r.PathValue("name"))
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.apiFleetJSON(w, r, v, func() (any, error) { return list(a.vs, len(a.vs)), nil })
}

func (s *server) apiErrata(w http.ResponseWriter, r *http.Request) {
	f, _ := s.errataFilter(r.URL.Query())
	es, total, err := s.db.Errata(r.Context(), f)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.apiJSON(w, http.StatusOK, list(output.Map(es, output.ErratumOf), total))
}

func (s *server) apiErratum(w http.ResponseWriter, r *http.Request) {
	d, err := s.db.ErratumByName(r.Context(), r.PathValue("name"))
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.apiJSON(w, http.StatusOK, d)
}

func (s *server) apiCVEs(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	_, off := pageOf(q, cvesPerPage)
	cs, total, err := s.db.CVEs(r.Context(), q.Get("q"), cvesPerPage, off)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.apiJSON(w, http.StatusOK, list(output.Map(cs, output.CVEOf), total))
}

func (s *server) apiCVE(w http.ResponseWriter, r *http.Request) {
	d, err := s.loadCVE(r, strings.ToUpper(r.PathValue("id")))
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.apiJSON(w, http.StatusOK, d)
}

func (s *server) apiReports(w http.ResponseWriter, r *http.Request) {
	f, err := reportFilter(r.URL.Query())
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	reps, err := s.db.Reports(r.Context(), f)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.apiJSON(w, http.StatusOK, list(output.Map(reps, output.ReportOf), len(reps)))
}

// reportAnswer is GET /api/v1/reports/{id}: the report and, when it was stored, the host
// report it carried.
type reportAnswer struct {
	Report  store.Report      `json:"report"`
	Payload *store.HostReport `json:"payload,omitempty"`
}

func (s *server) apiReport(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	rp, err := s.db.Report(r.Context(), id)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	out := reportAnswer{Report: rp}
	if hr, err := s.db.ReportPayload(r.Context(), id); err == nil {
		out.Payload = &hr
	}
	s.apiJSON(w, http.StatusOK, out)
}

// doneAnswer is the answer of an action on one object: its id and what was done.
type doneAnswer struct {
	ID   int64  `json:"id"`
	Done string `json:"done"`
}

func (s *server) apiReportAction(w http.ResponseWriter, r *http.Request, action string) {
	id, err := pathID(r)
	if err == nil {
		err = s.reportAction(r, id, action)
	}
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.apiJSON(w, http.StatusOK, doneAnswer{ID: id, Done: action})
}

func (s *server) apiReportRequeue(w http.ResponseWriter, r *http.Request) {
	s.apiReportAction(w, r, "requeue")
}
func (s *server) apiReportDelete(w http.ResponseWriter, r *http.Request) {
	s.apiReportAction(w, r, "delete")
}
