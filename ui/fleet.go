package ui

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"patchward/store"
	"patchward/ui/output"
)

// The admin's fleet questions (issue 17): which hosts need an update of P, which have P
// installed, which packages come from no repository, which hosts have repositories without
// metadata. Every answer comes from the FleetView of the current data version.

// hostQuestions are the host-list parameters that ask a fleet question; each narrows the list
// to the hosts that answer it (several: all of them).
var hostQuestions = []string{"package", "pending", "pending_security", "repo", "unreliable", "local"}

// narrowHosts adds the fleet questions of q to f as a host id list.
func (s *server) narrowHosts(ctx context.Context, q url.Values, f *store.HostFilter) error {
	asked := false
	for _, k := range hostQuestions {
		asked = asked || q.Get(k) != ""
	}
	if !asked {
		return nil
	}
	v, err := s.fleetView(ctx)
	if err != nil {
		return err
	}
	var sets [][]int64
	if name := q.Get("package"); name != "" {
		ids, err := s.db.PackageIDs(ctx, name)
		if err != nil {
			return err
		}
		sets = append(sets, v.InstalledHostIDs(ids))
	}
	if name := q.Get("pending"); name != "" {
		sets = append(sets, v.PendingHostIDs(name, false))
	}
	if name := q.Get("pending_security"); name != "" {
		sets = append(sets, v.PendingHostIDs(name, true))
	}
	if r := q.Get("repo"); r != "" {
		id, err := strconv.ParseInt(r, 10, 64)
		if err != nil || id <= 0 {
			return badRequest("repo must be a repository id.")
		}
		sets = append(sets, v.RepoHostIDs(id))
	}
	if q.Get("unreliable") == "yes" {
		sets = append(sets, v.UnreliableHostIDs())
	}
	if q.Get("local") == "yes" {
		sets = append(sets, v.LocalHostIDs())
	}
	ids := sets[0]
	for _, other := range sets[1:] {
		ids = slices.DeleteFunc(slices.Clone(ids), func(id int64) bool { _, ok := slices.BinarySearch(other, id); return !ok })
	}
	if ids == nil {
		ids = []int64{}
	}
	f.HostIDs = ids
	return nil
}

// updatesFilter reads /updates' filters: package, security, tag, os, repo.
func (s *server) updatesFilter(ctx context.Context, q url.Values, v *store.FleetView) (store.UpdateFilter, error) {
	f := store.UpdateFilter{Package: strings.TrimSpace(q.Get("package")), Security: yesNo(q.Get("security"))}
	if r := q.Get("repo"); r != "" {
		id, err := strconv.ParseInt(r, 10, 64)
		if err != nil || id <= 0 {
			return f, badRequest("repo must be a repository id.")
		}
		f.RepoID = id
	}
	if q.Get("tag") != "" || q.Get("os") != "" {
		snap, err := s.hostSnapshot(ctx)
		if err != nil {
			return f, err
		}
		// The host list's own tag and OS filters (several tags, -tag), every host.
		hf, _ := s.hostFilter(url.Values{"tag": q["tag"], "os": q["os"]})
		hf.Limit, hf.Offset = 0, 0
		f.LoadHosts = func() store.HostSet { // only when the view has no answer for this filter yet
			hosts, _ := snap.Hosts(hf)
			return v.HostSetOfHosts(hosts)
		}
		f.HostsKey = url.Values{"tag": q["tag"], "os": q["os"]}.Encode()
	}
	return f, nil
}

// fleetUpdates answers /updates and /api/v1/updates: the filtered fleet updates, with the
// view and the filter.
func (s *server) fleetUpdates(r *http.Request) ([]store.FleetUpdate, *store.FleetView, store.UpdateFilter, error) {
	v, err := s.fleetView(r.Context())
	if err != nil {
		return nil, nil, store.UpdateFilter{}, err
	}
	f, err := s.updatesFilter(r.Context(), r.URL.Query(), v)
	if err != nil {
		return nil, nil, f, err
	}
	return v.Updates(f), v, f, nil
}

// updatesPerPage is the page size of /api/v1/updates; the /updates page shows
// updatesPerUIPage rows, as the host list does.
const (
	updatesPerPage   = 100
	updatesPerUIPage = 50
)

// apiHostNames is how many host names each item of a page of /api/v1/updates carries; all=1
// (or /api/v1/hosts?pending=NAME) has them all, and host_count always counts them all.
const apiHostNames = 100

// hostsShown is how many host names an update row of /updates lists before "and N more".
const hostsShown = 8

func (s *server) updates(w http.ResponseWriter, r *http.Request) {
	ups, v, f, err := s.fleetUpdates(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	if wantCSV(r) {
		writeCSV(s, w, "updates", output.Rows(ups, output.FleetUpdateOf))
		return
	}
	snap, err := s.hostSnapshot(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	security := 0
	for _, u := range ups {
		if u.Security {
			security++
		}
	}
	pageNo, off := pageOf(q, updatesPerUIPage)
	shown := ups[min(off, len(ups)):min(off+updatesPerUIPage, len(ups))]
	l := listPage{Heading: "Updates", TestID: "updates-table", RowID: "update-row",
		Sub: plural(len(ups), "pending update") + " (" + num(security) + " security) on " +
			plural(v.UpdatesHosts(f), "host") + ". Each row is one package version update; Hosts lists who needs it.",
		Columns: []column{{Label: "Package"}, {Label: "Arch", Class: "hide-sm"}, {Label: "Installed", Class: "hide-sm"},
			{Label: "Available"}, {Label: "Type"}, {Label: "Repository", Class: "hide-sm"}, {Label: "Hosts", Class: "num"}, {Label: "On"}},
		Empty: "No pending update matches.", CSV: csvLink("/updates", q),
		Filters: updatesFilters(q, snap.Facets(), v.Repos()),
		Page:    pageNo, Pages: pagesFor(len(ups), updatesPerUIPage), PageLink: pageLink("/updates", q)}
	for _, u := range shown {
		kind, label := "bugfix", "bugfix"
		if u.Security {
			kind, label = "security", "security"
		}
		on := shownHosts(u.HostNames(hostsShown), u.HostCount)
		pending := "/hosts?" + url.Values{"pending": {u.Name}}.Encode()
		if u.Security {
			pending = "/hosts?" + url.Values{"pending_security": {u.Name}}.Encode()
		}
		l.Rows = append(l.Rows, []cell{link(u.Name, "/packages/"+url.PathEscape(u.Name)), txt(u.Arch), mono(u.Installed),
			mono(u.Available), badge(label, kind), txt(orDash(u.Repo)), {Text: num(u.HostCount), Href: pending, Class: "num"}, txt(on)})
	}
	s.list(w, r, s.page(r, "Updates", "updates"), l)
}

func (s *server) apiUpdates(w http.ResponseWriter, r *http.Request) {
	ups, v, _, err := s.fleetUpdates(r)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.apiFleetJSON(w, r, v, func() (any, error) {
		total, names := len(ups), -1
		if q := r.URL.Query(); q.Get("all") != "1" {
			_, off := pageOf(q, updatesPerPage)
			ups, names = ups[min(off, len(ups)):min(off+updatesPerPage, len(ups))], apiHostNames
		}
		return list(output.Map(ups, output.FleetUpdateNames(names)), total), nil
	})
}

// localPackages answers /packages?orphaned=1 and /api/v1/packages?orphaned=1: the packages
// from no repository, on the hosts of ?host= (one host) or every host.
func (s *server) localPackages(ctx context.Context, q url.Values) ([]store.LocalPackage, error) {
	v, err := s.fleetView(ctx)
	if err != nil {
		return nil, err
	}
	var hosts store.HostSet
	if name := q.Get("host"); name != "" {
		h, err := s.db.HostByName(ctx, name)
		if err != nil {
			return nil, err
		}
		hosts = v.HostSetOf([]int64{h.ID})
	}
	return v.Local(hosts), nil
}

func (s *server) apiLocalPackages(w http.ResponseWriter, r *http.Request) {
	pkgs, err := s.localPackages(r.Context(), r.URL.Query())
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.apiJSON(w, http.StatusOK, list(output.Map(pkgs, output.LocalPackageOf), len(pkgs)))
}

// newestOfArch reports whether vs[i] is the first (newest) version of its type and arch in
// vs, which is sorted newest first.
func newestOfArch(vs []store.PackageVersion, i int) bool {
	for _, v := range vs[:i] {
		if v.Key.Type == vs[i].Key.Type && v.Key.Arch == vs[i].Key.Arch {
			return false
		}
	}
	return true
}

// repoHealthText is "2 of 5 repositories have no metadata".
func repoHealthText(total int, missing []store.RepoHealth) string {
	verb := " have"
	if len(missing) == 1 {
		verb = " has"
	}
	repos := " repositories"
	if total == 1 {
		repos = " repository"
	}
	return itoa(len(missing)) + " of " + num(total) + repos + verb + " no metadata"
}

// hostPageEvents is how many history events the host page shows.
const hostPageEvents = 25

func (s *server) apiHostHistory(w http.ResponseWriter, r *http.Request) {
	h, err := s.db.HostByName(r.Context(), r.PathValue("name"))
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	limit := 1000
	if l := r.URL.Query().Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n <= 0 {
			s.apiFail(w, r, badRequest("limit must be a positive number."))
			return
		}
		limit = n
	}
	evs, err := s.db.HostEvents(r.Context(), h.ID, limit)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.apiJSON(w, http.StatusOK, list(evs, len(evs)))
}

// eventText is a history event in words.
func eventText(e store.HostEvent) string {
	switch e.Kind {
	case store.EventFirst:
		return "first report (" + e.New + ")"
	case store.EventInstalled:
		return e.Name + " " + e.New + " installed"
	case store.EventRemoved:
		return e.Name + " " + e.Old + " removed"
	case store.EventUpgraded, store.EventDowngraded:
		return e.Name + " " + e.Old + " → " + e.New + " (" + e.Kind + ")"
	case store.EventKernel:
		return "kernel " + e.Old + " → " + e.New
	case store.EventOS:
		return "OS " + e.Old + " → " + e.New
	}
	return e.Kind
}

// shownHosts is the first host names of a row and how many more there are of total.
func shownHosts(names []string, total int) string {
	s := strings.Join(names, ", ")
	if total > len(names) {
		s += " and " + num(total-len(names)) + " more"
	}
	return s
}
