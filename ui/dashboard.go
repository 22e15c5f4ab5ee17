package ui

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"time"

	"patchward/store"
)

func hostLink(it store.DashboardItem) string   { return "/hosts/" + url.PathEscape(it.Name) }
func repoLink(it store.DashboardItem) string   { return "/repos#repo-" + id64(it.ID) }
func reportLink(it store.DashboardItem) string { return "/reports/" + id64(it.ID) }

// dashResult is a cached dashboard.
type dashResult struct {
	d    store.Dashboard
	hist []store.HistoryPoint
}

// dashboardData gathers the dashboard for the page and the API, cached until the data
// changes (or the minute does, since its lists depend on the time).
func (s *server) dashboardData(ctx context.Context) (store.Dashboard, []store.HistoryPoint, error) {
	now := s.db.Now().Truncate(time.Minute)
	v, err := s.cache.get(ctx, "dashboard "+now.Format(time.RFC3339), func(ctx context.Context) (any, error) {
		d, hist, err := s.loadDashboard(ctx, now)
		return dashResult{d, hist}, err
	})
	if err != nil {
		return store.Dashboard{}, nil, err
	}
	res := v.(dashResult)
	return res.d, slices.Clone(res.hist), nil
}

// behindText says a duration in days, as the dashboard titles do.
func behindText(d time.Duration) string {
	return plural(int(d.Hours()/24), "day")
}

func (s *server) loadDashboard(ctx context.Context, now time.Time) (store.Dashboard, []store.HistoryPoint, error) {
	d, err := s.db.DashboardWith(ctx, store.DashboardOptions{
		StaleBefore:       now.Add(-staleAfter(s.opts.StaleDays)),
		MirrorStaleBefore: now.Add(-staleAfter(s.opts.MirrorStaleDays)),
		SecurityBefore:    now.Add(-staleAfter(s.opts.SecurityDays)),
		MirrorBehindBefore: func() time.Time {
			if s.opts.MirrorBehind <= 0 {
				return time.Time{}
			}
			return now.Add(-s.opts.MirrorBehind)
		}(),
	})
	if err != nil {
		return d, nil, err
	}
	hist, err := s.db.SecurityHistory(ctx, 90)
	return d, hist, err
}

func (s *server) dashboard(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "Dashboard", "dashboard")
	d, hist, err := s.dashboardData(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	sections := []dashSection{
		{Key: "security", Title: "Hosts with security updates", Empty: "No host has security updates.",
			More: "/hosts?security=yes&sort=security&dir=desc", Link: hostLink, Kind: "security", List: d.Security},
		{Key: "longsecurity", Title: "Security updates pending over " + plural(s.opts.SecurityDays, "day"),
			Empty: "No security update has waited that long.", Link: hostLink, Kind: "security", List: d.LongSecurity},
		{Key: "bugfix", Title: "Hosts with only bugfix updates", Empty: "No host has only bugfix updates.",
			More: "/hosts?security=no&sort=bugfix&dir=desc", Link: hostLink, Kind: "bugfix", List: d.BugfixOnly},
		{Key: "reboot", Title: "Hosts needing a reboot", Empty: "No host needs a reboot.",
			More: "/hosts?reboot=yes", Link: hostLink, Kind: "warn", List: d.Reboot},
		{Key: "stale", Title: "Hosts not reporting for " + plural(s.opts.StaleDays, "day"), Empty: "Every host reported recently.",
			More: "/hosts?stale=yes&sort=report", Link: hostLink, Kind: "warn", List: d.Stale},
		{Key: "norepos", Title: "Hosts without repositories", Empty: "Every host has repositories.",
			Link: hostLink, Kind: "warn", List: d.NoRepos},
		{Key: "pending", Title: "Reports waiting to be processed", Empty: "No report is waiting.",
			More: "/reports?status=pending", Link: reportLink, Kind: "neutral", List: d.Pending},
		{Key: "rejected", Title: "Reports rejected in the last day", Empty: "No report was rejected.",
			More: "/reports?status=rejected", Link: reportLink, Kind: "security", List: d.Rejected},
		{Key: "failing", Title: "Failing mirrors", Empty: "Every mirror refreshed fine.",
			Link: repoLink, Kind: "security", List: d.FailingMirrors},
		{Key: "stalemirrors", Title: "Mirrors not refreshed for " + plural(s.opts.MirrorStaleDays, "day"),
			Empty: "Every mirror is fresh.", Link: repoLink, Kind: "warn", List: d.StaleMirrors},
		{Key: "behind", Title: "Mirrors behind (metadata older than " + behindText(s.opts.MirrorBehind) + ")",
			Empty: "Every mirror's metadata is current.", Link: repoLink, Kind: "warn", List: d.BehindMirrors},
		{Key: "unrefreshed", Title: "Mirrors never refreshed", Empty: "Every mirror has been refreshed.",
			Link: repoLink, Kind: "warn", List: d.NeverRefreshed},
		{Key: "disabled", Title: "Disabled mirrors", Empty: "No mirror is disabled.",
			Link: repoLink, Kind: "warn", List: d.DisabledMirrors},
		{Key: "nomirrors", Title: "Repositories without mirrors", Empty: "Every repository has a mirror.",
			Link: repoLink, Kind: "warn", List: d.NoMirrors},
	}
	outdated, err := s.outdatedAgents(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	sections = append(sections, dashSection{Key: "outdatedagents", Title: "Agents older than the server (" + s.serverVersion() + ")",
		Empty: "No patchward agent is older than the server.", More: "/hosts?agent_outdated=yes",
		Link: hostLink, Kind: "warn", List: outdated})
	s.render(w, r, http.StatusOK, dashboardView(p, d, sections, newChart(hist, d), outdated.Count))
}

// outdatedAgents are the hosts whose patchward agent is older than the server (by
// wire.Outdated: dev and unknown versions never count), the first few with their versions.
func (s *server) outdatedAgents(ctx context.Context) (store.DashboardList, error) {
	snap, err := s.hostSnapshot(ctx)
	if err != nil {
		return store.DashboardList{}, err
	}
	hosts, total := snap.Hosts(store.HostFilter{OutdatedThan: s.serverVersion(), Sort: "name", Limit: 5})
	l := store.DashboardList{Count: total}
	for _, h := range hosts {
		l.Items = append(l.Items, store.DashboardItem{ID: h.ID, Name: h.Hostname, Detail: h.ClientVersion, At: h.ClientSeen})
	}
	return l, nil
}
