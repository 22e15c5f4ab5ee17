package ui

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"patchward/store"
	"patchward/ui/output"
)

// hostsPerPage is the host list's page size (Patchman's is 50 too).
const hostsPerPage = 50

// hostsData is everything the host list shows.
type hostsData struct {
	Query    url.Values // the request's query, for building sort, filter and page links
	Hosts    []store.HostSummary
	Total    int
	Page     int
	Pages    int
	Facets   store.HostFacets
	Sort     string
	Desc     bool
	Filtered bool
	// StaleBefore marks hosts whose last report is older as not reporting.
	StaleBefore time.Time
	tagURLs     map[string]string // tagURL's answers: a page shows few tags on many rows
	// Unreliable says, for the shown hosts with repositories without metadata, how many.
	Unreliable map[int64]string
	// ServerVersion is this server's version: agents older than it are marked.
	ServerVersion string
}

// tagURL is the host list filtered by tag t.
func (d hostsData) tagURL(t string) string {
	if u, ok := d.tagURLs[t]; ok {
		return u
	}
	u := d.with("tag", t, "page", "")
	if d.tagURLs != nil {
		d.tagURLs[t] = u
	}
	return u
}

// yesNo parses a tri-state filter value: "yes", "no", or anything else for "either".
func yesNo(v string) *bool {
	switch v {
	case "yes":
		b := true
		return &b
	case "no":
		b := false
		return &b
	}
	return nil
}

// tagFilter reads the tag filter: tag=a&tag=b or tag=a,b means both a and b; a tag written
// -old or !old means without old. Tags match reported and operator tags alike.
func tagFilter(values []string) (with, without []string) {
	for _, v := range values {
		for t := range strings.SplitSeq(v, ",") {
			t = strings.TrimSpace(t)
			switch {
			case strings.HasPrefix(t, "-") || strings.HasPrefix(t, "!"):
				if t = strings.TrimSpace(t[1:]); t != "" {
					without = append(without, t)
				}
			case t != "":
				with = append(with, t)
			}
		}
	}
	return with, without
}

// tagQuery is the tag filter of q as one comma-separated field value.
func tagQuery(q url.Values) string { return strings.Join(q["tag"], ", ") }

// hostFilter reads the host list's filters from a query (the page, CSV and API share them).
func (s *server) hostFilter(q url.Values) (store.HostFilter, int) {
	f := store.HostFilter{
		Search: q.Get("q"), OS: q.Get("os"), Arch: q.Get("arch"), Domain: q.Get("domain"),
		Reboot: yesNo(q.Get("reboot")), HasSecurity: yesNo(q.Get("security")), Stale: yesNo(q.Get("stale")),
		StaleBefore: s.db.Now().Add(-staleAfter(s.opts.StaleDays)),
		Sort:        q.Get("sort"), Desc: q.Get("dir") == "desc", Limit: hostsPerPage,
	}
	f.Tags, f.NotTags = tagFilter(q["tag"])
	f.Client = q.Get("client")
	if q.Get("agent_outdated") == "yes" {
		f.OutdatedThan = s.serverVersion()
	}
	if f.Sort == "" {
		f.Sort = "name"
	}
	pageNo, _ := strconv.Atoi(q.Get("page"))
	pageNo = max(pageNo, 1)
	f.Offset = (pageNo - 1) * hostsPerPage
	return f, pageNo
}

func (s *server) hosts(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f, pageNo := s.hostFilter(q)
	if err := s.narrowHosts(r.Context(), q, &f); err != nil {
		s.fail(w, r, err)
		return
	}
	if wantCSV(r) {
		s.hostsCSV(w, r, f)
		return
	}
	snap, err := s.hostSnapshot(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	hosts, total := snap.Hosts(f)
	facets := snap.Facets()
	d := hostsData{Query: q, Hosts: hosts, Total: total, Page: pageNo, Pages: max(1, (total+hostsPerPage-1)/hostsPerPage),
		Facets: facets, Sort: f.Sort, Desc: f.Desc, Filtered: f.Narrows(), tagURLs: map[string]string{}}
	v, err := s.fleetView(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d.Unreliable = map[int64]string{}
	for _, h := range hosts {
		if total, missing := v.HostRepos(h.ID); len(missing) > 0 {
			d.Unreliable[h.ID] = repoHealthText(total, missing) + ": counts may be low"
		}
	}
	p := s.page(r, "Hosts", "hosts")
	d.StaleBefore = f.StaleBefore
	d.ServerVersion = s.serverVersion()
	s.render(w, r, http.StatusOK, hostsView(p, d))
}

// hostsCSV exports every host matching the filters, not just one page.
func (s *server) hostsCSV(w http.ResponseWriter, r *http.Request, f store.HostFilter) {
	f.Limit, f.Offset = 0, 0
	snap, err := s.hostSnapshot(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	hosts, _ := snap.Hosts(f)
	writeCSV(s, w, "hosts", output.Rows(hosts, output.HostOf))
}

// filterQuery is the list's filter as a query, without paging, sorting or a message: what the
// bulk form's "all matching" acts on.
func (d hostsData) filterQuery() string {
	q := url.Values{}
	for k, v := range d.Query {
		switch k {
		case "page", "sort", "dir", "msg", "format":
		default:
			q[k] = v
		}
	}
	return q.Encode()
}

// csvURL is the current list as CSV.
func (d hostsData) csvURL() string { return d.with("format", "csv", "page", "") }

// with returns the host list URL for q with the given key/value pairs replaced ("" deletes).
func (d hostsData) with(kv ...string) string {
	q := url.Values{}
	for k, v := range d.Query {
		q[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			q.Del(kv[i])
		} else {
			q.Set(kv[i], kv[i+1])
		}
	}
	if enc := q.Encode(); enc != "" {
		return "/hosts?" + enc
	}
	return "/hosts"
}

// sortURL sorts by key, flipping the direction when the list is already sorted by key.
// Counts sort descending first: the hosts with the most updates are the interesting ones.
func (d hostsData) sortURL(key string) string {
	dir := ""
	switch {
	case d.Sort == key && !d.Desc:
		dir = "desc"
	case d.Sort == key:
		dir = ""
	case key == "security" || key == "bugfix" || key == "packages":
		dir = "desc"
	}
	return d.with("sort", key, "dir", dir, "page", "")
}

// sortMark is the arrow shown next to the active sort column.
func (d hostsData) sortMark(key string) string {
	if d.Sort != key {
		return ""
	}
	if d.Desc {
		return " ↓"
	}
	return " ↑"
}

// ariaSort is the aria-sort value of a column header.
func (d hostsData) ariaSort(key string) string {
	switch {
	case d.Sort != key:
		return "none"
	case d.Desc:
		return "descending"
	}
	return "ascending"
}

// hostData is everything the host page shows.
type hostData struct {
	Host     store.HostSummary
	Updates  []store.HostUpdate
	Errata   map[store.UpdateKey][]store.ErratumRef
	Packages []store.PackageKey
	ShowPkgs bool // the installed packages are listed (?packages=1 or the htmx fragment)
	Repos    []store.HostRepo
	Reports  []store.Report
	Stale    bool
	Agent    agentTokenState // the host's agent token (page only, not the API's host)
	// RepoTotal repositories feed its updates; RepoMissing of them have no metadata yet, so
	// its counts may be low. Local are its packages from no repository; LocalOnly: the
	// package table shows only those (?local=1).
	Events      []store.HostEvent // the newest hostPageEvents changes
	RepoTotal   int
	RepoMissing []store.RepoHealth
	Local       []store.PackageKey
	LocalOnly   bool
	// ServerVersion is this server's version, which the host's agent is compared with.
	ServerVersion string
}

// loadHost gathers the host page in one read transaction (one consistent snapshot); packages
// only when asked, since they are ~1,500 rows.
func (s *server) loadHost(ctx context.Context, name string, pkgs bool) (hostData, error) {
	var d hostData
	err := s.db.ReadTx(ctx, func(ctx context.Context) error {
		h, err := s.db.HostByName(ctx, name)
		if err != nil {
			return err
		}
		d = hostData{Host: h, ShowPkgs: pkgs}
		if d.Updates, err = s.db.HostUpdates(ctx, h.ID); err != nil {
			return err
		}
		if d.Errata, err = s.db.UpdateErrata(ctx, h.ID); err != nil {
			return err
		}
		if d.Repos, err = s.db.HostRepos(ctx, h.ID); err != nil {
			return err
		}
		if d.Events, err = s.db.HostEvents(ctx, h.ID, hostPageEvents); err != nil {
			return err
		}
		if d.Reports, err = s.db.HostReports(ctx, h.ID, 10); err != nil {
			return err
		}
		if pkgs {
			d.Packages, err = s.db.HostPackages(ctx, h.ID)
		}
		return err
	})
	return d, err
}

func (s *server) host(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if isHTMX(r) && q.Get("fragment") == "packages" {
		h, err := s.db.HostByName(r.Context(), r.PathValue("name"))
		if err != nil {
			s.fail(w, r, noHost(err, r.PathValue("name")))
			return
		}
		pkgs, err := s.db.HostPackages(r.Context(), h.ID)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		s.render(w, r, http.StatusOK, packagesTable(pkgs))
		return
	}
	d, err := s.loadHost(r.Context(), r.PathValue("name"), q.Get("packages") == "1")
	if err != nil {
		s.fail(w, r, noHost(err, r.PathValue("name")))
		return
	}
	if d.Agent, err = s.agentTokenOf(r, d.Host.Hostname); err != nil {
		s.serverError(w, r, err)
		return
	}
	v, err := s.fleetView(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d.RepoTotal, d.RepoMissing = v.HostRepos(d.Host.ID)
	for _, lp := range v.Local(v.HostSetOf([]int64{d.Host.ID})) {
		d.Local = append(d.Local, lp.Key)
	}
	if yes(q.Get("local")) {
		d.Packages, d.ShowPkgs, d.LocalOnly = d.Local, true, true
	}
	p := s.page(r, d.Host.Hostname, "hosts")
	d.Stale = s.isStale(d.Host, p)
	d.ServerVersion = s.serverVersion()
	s.render(w, r, http.StatusOK, hostView(p, d))
}

// isStale reports whether a host has not reported for StaleDays.
func (s *server) isStale(h store.HostSummary, p page) bool {
	return h.LastReport.IsZero() || p.Now.Sub(h.LastReport) > staleAfter(s.opts.StaleDays)
}

// serverVersion is this server's version, which agents are compared with ("dev" if unset:
// then no agent counts as outdated).
func (s *server) serverVersion() string {
	if s.opts.ServerVersion == "" {
		return "dev"
	}
	return s.opts.ServerVersion
}
