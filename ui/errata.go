package ui

import (
	"net/http"
	"net/url"
	"strings"

	"patchward/store"
	"patchward/ui/output"
)

const errataPerPage = 100

var errataTypes = [][2]string{{"", "Any type"}, {"security", "Security"}, {"bugfix", "Bugfix"},
	{"enhancement", "Enhancement"}, {"newpackage", "New package"}}

func severityKind(sev, typ string) string {
	switch strings.ToLower(sev) {
	case "critical", "important", "high":
		return "security"
	case "moderate", "medium":
		return "warn"
	}
	if typ == "security" {
		return "warn"
	}
	return "zero"
}

func cveLinks(cves []string) string { return strings.Join(cves, " ") }

func (s *server) errataFilter(q url.Values) (store.ErrataFilter, int) {
	pageNo, off := pageOf(q, errataPerPage)
	return store.ErrataFilter{Search: q.Get("q"), Type: q.Get("type"), CVE: q.Get("cve"),
		Affected: q.Get("affected") == "yes", Limit: errataPerPage, Offset: off}, pageNo
}

func (s *server) errata(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f, pageNo := s.errataFilter(q)
	if wantCSV(r) {
		f.Limit, f.Offset = 1<<30, 0
	}
	es, total, err := s.db.Errata(r.Context(), f)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if wantCSV(r) {
		writeCSV(s, w, "errata", output.Rows(es, output.ErratumOf))
		return
	}
	l := listPage{Heading: "Errata", Sub: plural(total, "advisory", "advisories"), TestID: "errata-table", RowID: "erratum-row",
		Columns: []column{{Label: "Advisory"}, {Label: "Type"}, {Label: "Severity", Class: "hide-sm"},
			{Label: "Title", Class: "hide-md"}, {Label: "CVEs", Class: "hide-sm"}, {Label: "Issued", Class: "hide-sm"},
			{Label: "Affected hosts", Class: "num"}},
		Empty: "No advisory matches. Errata come from repository metadata (updateinfo) at refresh.",
		CSV:   csvLink("/errata", q), Filters: choiceFilter("/errata", q.Get("q"), "type", q.Get("type"), errataTypes),
		Page: pageNo, Pages: pagesFor(total, errataPerPage), PageLink: pageLink("/errata", q)}
	for _, e := range es {
		l.Rows = append(l.Rows, []cell{link(e.Name, "/errata/"+url.PathEscape(e.Name)), txt(e.Type),
			badge(orDash(e.Severity), severityKind(e.Severity, e.Type)), txt(e.Title), mono(cveLinks(e.CVEs)),
			timeCell(e.Issued), numCell(e.Hosts)})
	}
	s.list(w, r, s.page(r, "Errata", "errata"), l)
}

func (s *server) erratum(w http.ResponseWriter, r *http.Request) {
	d, err := s.db.ErratumByName(r.Context(), r.PathValue("name"))
	if err != nil {
		s.fail(w, r, notFoundAs(err, "There is no erratum named "+r.PathValue("name")+"."))
		return
	}
	s.render(w, r, http.StatusOK, erratumView(s.page(r, d.Name, "errata"), d))
}

const cvesPerPage = 100

func (s *server) cves(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	pageNo, off := pageOf(q, cvesPerPage)
	limit := cvesPerPage
	if wantCSV(r) {
		limit, off = 1<<30, 0
	}
	cs, total, err := s.db.CVEs(r.Context(), q.Get("q"), limit, off)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if wantCSV(r) {
		writeCSV(s, w, "cves", output.Rows(cs, output.CVEOf))
		return
	}
	l := listPage{Heading: "CVEs", Sub: plural(total, "CVE") + " referenced by errata", TestID: "cves-table", RowID: "cve-row",
		Columns: []column{{Label: "CVE"}, {Label: "Errata"}, {Label: "Affected hosts", Class: "num"}},
		Empty:   "No CVE matches.", CSV: csvLink("/cves", q), Filters: searchForm("/cves", q.Get("q"), "Search CVE ids"),
		Page: pageNo, Pages: pagesFor(total, cvesPerPage), PageLink: pageLink("/cves", q)}
	for _, c := range cs {
		l.Rows = append(l.Rows, []cell{link(c.ID, "/cves/"+url.PathEscape(c.ID)), txt(strings.Join(c.Errata, ", ")),
			numCell(c.Hosts)})
	}
	s.list(w, r, s.page(r, "CVEs", "errata"), l)
}

// cveData is the CVE page: the errata that fix it and the hosts still exposed.
type cveData struct {
	ID       string
	Errata   []store.Erratum
	Affected []string
}

func (s *server) loadCVE(r *http.Request, id string) (cveData, error) {
	d := cveData{ID: id}
	es, _, err := s.db.Errata(r.Context(), store.ErrataFilter{CVE: id, Limit: 1000})
	if err != nil {
		return d, err
	}
	if len(es) == 0 {
		return d, notFoundErr("No erratum references this CVE.")
	}
	d.Errata = es
	seen := map[string]bool{}
	for _, e := range es {
		if e.Hosts == 0 {
			continue
		}
		full, err := s.db.ErratumByName(r.Context(), e.Name)
		if err != nil {
			return d, err
		}
		for _, h := range full.Affected {
			if !seen[h] {
				seen[h] = true
				d.Affected = append(d.Affected, h)
			}
		}
	}
	slicesSortStrings(d.Affected)
	return d, nil
}

func (s *server) cve(w http.ResponseWriter, r *http.Request) {
	d, err := s.loadCVE(r, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, cveView(s.page(r, d.ID, "errata"), d))
}
