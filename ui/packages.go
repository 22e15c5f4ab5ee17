package ui

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"patchward/store"
	"patchward/ui/output"
	"patchward/updates/version"
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

// packageList is the package list of /packages and /api/v1/packages: names matching ?q=,
// with pending updates only (?updates=yes) or security updates only (?security=yes), sorted by
// name or, with ?sort=hosts, by host count (most first).
func (s *server) packageList(ctx context.Context, q url.Values) ([]store.PackageName, error) {
	all, err := s.packageNames(ctx)
	if err != nil {
		return nil, err
	}
	list := filterPackages(all, q.Get("q"))
	if yes(q.Get("updates")) || yes(q.Get("security")) {
		v, err := s.fleetView(ctx)
		if err != nil {
			return nil, err
		}
		pending := v.PendingNames()
		list = slices.DeleteFunc(slices.Clone(list), func(p store.PackageName) bool {
			sec, ok := pending[p.Name]
			return !ok || (yes(q.Get("security")) && !sec)
		})
	}
	if q.Get("sort") == "hosts" {
		list = slices.Clone(list)
		slices.SortStableFunc(list, func(a, b store.PackageName) int { return cmp.Compare(b.Hosts, a.Hosts) })
	}
	return list, nil
}

// yes reports whether a query flag is on ("yes" or "1").
func yes(v string) bool { return v == "yes" || v == "1" }

func (s *server) packages(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if yes(q.Get("orphaned")) {
		s.orphanedPackages(w, r)
		return
	}
	list, err := s.packageList(r.Context(), q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
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
		Filters: packageFilters(q),
		Page:    pageNo, Pages: pagesFor(len(list), packagesPerPage), PageLink: pageLink("/packages", q)}
	for _, p := range shown {
		l.Rows = append(l.Rows, []cell{link(p.Name, "/packages/"+url.PathEscape(p.Name)), txt(p.Types),
			numCell(p.Versions), numCell(p.Hosts)})
	}
	s.list(w, r, s.page(r, "Packages", "packages"), l)
}

// orphanedPackages is /packages?orphaned=1: the installed packages from no repository.
func (s *server) orphanedPackages(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	pkgs, err := s.localPackages(r.Context(), q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if wantCSV(r) {
		writeCSV(s, w, "orphaned-packages", output.Rows(pkgs, output.LocalPackageOf))
		return
	}
	pageNo, off := pageOf(q, packagesPerPage)
	shown := pkgs[min(off, len(pkgs)):min(off+packagesPerPage, len(pkgs))]
	sub := plural(len(pkgs), "installed package") + " from no repository: no repository of the host offers the installed " +
		"version, nor a newer one (apt shows them as [installed,local])."
	if h := q.Get("host"); h != "" {
		sub = "On " + h + ": " + sub
	}
	l := listPage{Heading: "Packages from no repository", Sub: sub, TestID: "orphaned-table", RowID: "orphaned-row",
		Columns: []column{{Label: "Package"}, {Label: "Version"}, {Label: "Arch", Class: "hide-sm"}, {Label: "Hosts", Class: "num"}, {Label: "On"}},
		Empty:   "Every installed package comes from a repository.", CSV: csvLink("/packages", q), Filters: packageFilters(q),
		Crumbs: [][2]string{{"Packages", "/packages"}, {"From no repository", ""}},
		Page:   pageNo, Pages: pagesFor(len(pkgs), packagesPerPage), PageLink: pageLink("/packages", q)}
	for _, p := range shown {
		on := shownHosts(p.HostNames(hostsShown), p.Count)
		l.Rows = append(l.Rows, []cell{link(p.Key.Name, "/packages/"+url.PathEscape(p.Key.Name)), mono(p.Key.EVR()), txt(p.Key.Arch),
			{Text: num(p.Count), Href: "/hosts?" + url.Values{"package": {p.Key.Name}, "local": {"yes"}}.Encode(), Class: "num"}, txt(on)})
	}
	s.list(w, r, s.page(r, "Packages from no repository", "packages"), l)
}

// packageHost is one host with a version of the package installed, as /packages/{name} lists it.
type packageHost struct {
	Host    store.FleetHost
	Version *store.PackageVersion // the installed version
	Repos   []store.PackageRepo   // the host's repositories that offer that version
	Update  store.UpdateGroup     // the pending update, when Pending
	Pending bool
	Local   bool // from no repository
}

// packageAnswer is packageData's answer, kept per data version in the fleet view.
type packageAnswer struct {
	vs                []store.PackageVersion
	inst              []store.Installed
	pending, security int // installations with an update pending, and with a security one
}

// packageData gathers /packages/{name}: every known version, newest first by the package
// type's version rule (each with its hosts), and every installation of one of them. The
// answer is kept in the fleet view (it is the same until the data changes) and shared: callers
// must not modify it.
func (s *server) packageData(ctx context.Context, name string) (packageAnswer, *store.FleetView, error) {
	v, err := s.fleetView(ctx)
	if err != nil {
		return packageAnswer{}, nil, err
	}
	a, err := v.Memo("package\x00"+name, func() (any, error) { return s.loadPackage(ctx, v, name) })
	if err != nil {
		return packageAnswer{}, nil, err
	}
	return a.(packageAnswer), v, nil
}

func (s *server) loadPackage(ctx context.Context, v *store.FleetView, name string) (packageAnswer, error) {
	vs, err := s.db.PackageVersionsOffered(ctx, name)
	if err != nil {
		return packageAnswer{}, err
	}
	slices.SortStableFunc(vs, func(a, b store.PackageVersion) int {
		return cmp.Or(strings.Compare(a.Key.Type, b.Key.Type),
			-version.Compare(a.Key.Type, version.EVR{Epoch: a.Key.Epoch, Version: a.Key.Version, Release: a.Key.Release},
				version.EVR{Epoch: b.Key.Epoch, Version: b.Key.Version, Release: b.Key.Release}),
			strings.Compare(a.Key.Arch, b.Key.Arch))
	})
	idx := make(map[int64]int, len(vs))
	ids := make([]int64, len(vs))
	for i, pv := range vs {
		idx[pv.ID], ids[i] = i, pv.ID
	}
	slices.Sort(ids)
	a := packageAnswer{vs: vs, inst: v.InstalledOn(ids)}
	for _, in := range a.inst {
		pv := &vs[idx[in.PackageID]]
		pv.Hosts = append(pv.Hosts, in.Host.Hostname)
		if u, ok := v.PendingFor(in.Host.ID, in.PackageID); ok {
			a.pending++
			if u.Security {
				a.security++
			}
		}
	}
	return a, nil
}

// packageHostOf is installation in of vs as a row of /packages/{name}.
func packageHostOf(v *store.FleetView, vs []store.PackageVersion, in store.Installed) packageHost {
	h := packageHost{Host: in.Host, Local: v.IsLocal(in.Host.ID, in.PackageID)}
	for i := range vs {
		if vs[i].ID == in.PackageID {
			h.Version = &vs[i]
		}
	}
	for _, rp := range h.Version.Repos {
		if _, ok := slices.BinarySearch(in.Host.RepoIDs(), rp.ID); ok {
			h.Repos = append(h.Repos, rp)
		}
	}
	h.Update, h.Pending = v.PendingFor(in.Host.ID, in.PackageID)
	return h
}

// hostsPerPackagePage is how many hosts /packages/{name} lists per page.
const hostsPerPackagePage = 100

func (s *server) packageDetail(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	a, v, err := s.packageData(r.Context(), name)
	if errors.Is(err, store.ErrNotFound) {
		s.fail(w, r, notFoundErr("No package named "+name+" is installed or offered."))
		return
	} else if err != nil {
		s.fail(w, r, err)
		return
	}
	if wantCSV(r) {
		writeCSV(s, w, "package-"+name, output.Rows(a.vs, packageVersionRow))
		return
	}
	q := r.URL.Query()
	vs, inst, pending, security := a.vs, a.inst, a.pending, a.security
	pageNo, off := pageOf(q, hostsPerPackagePage)
	shown := inst[min(off, len(inst)):min(off+hostsPerPackagePage, len(inst))]
	l := listPage{Heading: name, TestID: "package-hosts-table", RowID: "package-host-row",
		Sub: plural(len(vs), "known version") + ", installed on " + plural(len(inst), "host") + "; " +
			num(pending) + " with an update pending (" + num(security) + " security).",
		Columns: []column{{Label: "Host"}, {Label: "Installed"}, {Label: "Arch", Class: "hide-sm"}, {Label: "From repository", Class: "hide-sm"},
			{Label: "Update"}},
		Crumbs: [][2]string{{"Packages", "/packages"}, {name, ""}}, CSV: csvLink("/packages/"+url.PathEscape(name), nil),
		Empty: "No host has this package installed.", Above: packageVersions(vs, v.SecurityTargets(name)),
		Page: pageNo, Pages: pagesFor(len(inst), hostsPerPackagePage), PageLink: pageLink("/packages/"+url.PathEscape(name), q)}
	for _, in := range shown {
		h := packageHostOf(v, vs, in)
		from := repoNames(store.PackageVersion{Repos: h.Repos})
		if h.Local {
			from = "none (from no repository)"
		}
		upd := badge("up to date", "zero")
		switch {
		case h.Pending && h.Update.Security:
			upd = badge("security: "+h.Update.Available, "security")
		case h.Pending:
			upd = badge("bugfix: "+h.Update.Available, "bugfix")
		}
		l.Rows = append(l.Rows, []cell{link(h.Host.Hostname, hostURL(h.Host.Hostname)), mono(h.Version.Key.EVR()),
			txt(h.Version.Key.Arch), txt(orDash(from)), upd})
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

// list renders l as a page; the CSV of a list comes from its row type in ui/output.
func (s *server) list(w http.ResponseWriter, r *http.Request, p page, l listPage) {
	s.render(w, r, http.StatusOK, listView(p, l))
}
