package ui

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"patchward/store"
	"patchward/ui/output"
)

// packageNamesTTL bounds how stale the package list's host counts may be: counting decodes
// every distinct package set, too much for every page view of a big fleet.
const packageNamesTTL = time.Minute

// packageCache holds the last PackageNames result.
type packageCache struct {
	mu    sync.Mutex
	at    time.Time
	names []store.PackageName
}

func (s *server) packageNames(ctx context.Context) ([]store.PackageName, error) {
	c := &s.pkgCache
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.names != nil && time.Since(c.at) < packageNamesTTL {
		return c.names, nil
	}
	names, err := s.db.PackageNames(ctx)
	if err != nil {
		return nil, err
	}
	c.names, c.at = names, time.Now()
	return names, nil
}

const packagesPerPage = 100

// filterPackages keeps the names containing search (case-insensitive).
func filterPackages(all []store.PackageName, search string) []store.PackageName {
	search = strings.ToLower(strings.TrimSpace(search))
	if search == "" {
		return all
	}
	var out []store.PackageName
	for _, p := range all {
		if strings.Contains(strings.ToLower(p.Name), search) {
			out = append(out, p)
		}
	}
	return out
}

func (s *server) packages(w http.ResponseWriter, r *http.Request) {
	all, err := s.packageNames(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	q := r.URL.Query()
	list := filterPackages(all, q.Get("q"))
	if wantCSV(r) {
		writeCSV(s, w, "packages", output.Rows(list, output.PackageOf))
		return
	}
	pageNo, off := pageOf(q, packagesPerPage)
	shown := list[min(off, len(list)):min(off+packagesPerPage, len(list))]
	l := listPage{Heading: "Packages", Sub: plural(len(list), "installed package name"), TestID: "packages-table",
		RowID: "package-name-row", Columns: []column{{Label: "Package"}, {Label: "Type", Class: "hide-sm"},
			{Label: "Versions", Class: "num"}, {Label: "Hosts", Class: "num"}},
		Empty: "No installed package matches.", CSV: csvLink("/packages", q),
		Filters: searchForm("/packages", q.Get("q"), "Search package names"),
		Page:    pageNo, Pages: pagesFor(len(list), packagesPerPage), PageLink: pageLink("/packages", q)}
	for _, p := range shown {
		l.Rows = append(l.Rows, []cell{link(p.Name, "/packages/"+url.PathEscape(p.Name)), txt(p.Types),
			numCell(p.Versions), numCell(p.Hosts)})
	}
	s.list(w, r, s.page(r, "Packages", "packages"), l)
}

func (s *server) packageDetail(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	vs, err := s.db.PackageVersions(r.Context(), name)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if wantCSV(r) {
		writeCSV(s, w, "package-"+name, output.Rows(vs, packageVersionRow))
		return
	}
	l := listPage{Heading: name, Sub: plural(len(vs), "known version"), TestID: "versions-table", RowID: "version-row",
		Columns: []column{{Label: "Version"}, {Label: "Arch"}, {Label: "Hosts", Class: "num"},
			{Label: "Installed on"}, {Label: "Offered by"}},
		Crumbs: [][2]string{{"Packages", "/packages"}, {name, ""}}, CSV: csvLink("/packages/"+url.PathEscape(name), nil),
		Empty: "No version of this package is known."}
	for _, v := range vs {
		hosts := strings.Join(firstN(v.Hosts, 20), ", ")
		if len(v.Hosts) > 20 {
			hosts += " and " + num(len(v.Hosts)-20) + " more"
		}
		l.Rows = append(l.Rows, []cell{mono(v.Key.EVR()), txt(v.Key.Arch), numCell(len(v.Hosts)),
			txt(orDash(hosts)), txt(orDash(repoNames(v)))})
	}
	s.list(w, r, s.page(r, name, "packages"), l)
}

func repoNames(v store.PackageVersion) string {
	var repos []string
	for _, rp := range v.Repos {
		repos = append(repos, rp.Name)
	}
	return strings.Join(repos, ", ")
}

// packageVersionRow is v as a row of the package's CSV: every host, not the page's first 20.
func packageVersionRow(v store.PackageVersion) output.PackageVersionRow {
	return output.PackageVersionRow{Version: v.Key.EVR(), Arch: v.Key.Arch, Hosts: len(v.Hosts),
		InstalledOn: orDash(strings.Join(v.Hosts, " ")), OfferedBy: orDash(repoNames(v))}
}

func firstN(s []string, n int) []string { return s[:min(n, len(s))] }

// list renders l as a page; the CSV of a list comes from its row type in ui/output.
func (s *server) list(w http.ResponseWriter, r *http.Request, p page, l listPage) {
	s.render(w, r, http.StatusOK, listView(p, l))
}
