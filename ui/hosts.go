package ui

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"patchward/store"
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

func (s *server) hosts(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := store.HostFilter{
		Search: q.Get("q"), OS: q.Get("os"), Tag: q.Get("tag"), Arch: q.Get("arch"),
		Reboot: yesNo(q.Get("reboot")), HasSecurity: yesNo(q.Get("security")),
		Sort: q.Get("sort"), Desc: q.Get("dir") == "desc", Limit: hostsPerPage,
	}
	if f.Sort == "" {
		f.Sort = "name"
	}
	pageNo, _ := strconv.Atoi(q.Get("page"))
	pageNo = max(pageNo, 1)
	f.Offset = (pageNo - 1) * hostsPerPage
	hosts, total, err := s.db.Hosts(r.Context(), f)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	facets, err := s.db.HostFacets(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d := hostsData{Query: q, Hosts: hosts, Total: total, Page: pageNo, Pages: max(1, (total+hostsPerPage-1)/hostsPerPage),
		Facets: facets, Sort: f.Sort, Desc: f.Desc,
		Filtered: f.Search != "" || f.OS != "" || f.Tag != "" || f.Arch != "" || f.Reboot != nil || f.HasSecurity != nil}
	p := s.page(r, "Hosts", "hosts")
	d.StaleBefore = p.Now.Add(-staleAfter(s.opts.StaleDays))
	s.render(w, r, http.StatusOK, hostsView(p, d))
}

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
	Packages []store.PackageKey
	Repos    []store.HostRepo
	Stale    bool
}

func (s *server) host(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	h, err := s.db.HostByName(ctx, r.PathValue("name"))
	if errors.Is(err, store.ErrNotFound) {
		s.errorPage(w, r, http.StatusNotFound, "There is no host with that name.")
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d := hostData{Host: h}
	if d.Updates, err = s.db.HostUpdates(ctx, h.ID); err != nil {
		s.serverError(w, r, err)
		return
	}
	if d.Packages, err = s.db.HostPackages(ctx, h.ID); err != nil {
		s.serverError(w, r, err)
		return
	}
	if d.Repos, err = s.db.HostRepos(ctx, h.ID); err != nil {
		s.serverError(w, r, err)
		return
	}
	p := s.page(r, h.Hostname, "hosts")
	d.Stale = s.isStale(h, p)
	s.render(w, r, http.StatusOK, hostView(p, d))
}

// isStale reports whether a host has not reported for StaleDays.
func (s *server) isStale(h store.HostSummary, p page) bool {
	return h.LastReport.IsZero() || p.Now.Sub(h.LastReport) > staleAfter(s.opts.StaleDays)
}
