package ui

import (
	"net/http"
	"net/url"
	"time"

	"patchward/store"
)

func hostLink(it store.DashboardItem) string { return "/hosts/" + url.PathEscape(it.Name) }
func repoLink(it store.DashboardItem) string { return "/repos#repo-" + id64(it.ID) }

func (s *server) dashboard(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "Dashboard", "dashboard")
	staleBefore := p.Now.Add(-time.Duration(s.opts.StaleDays) * 24 * time.Hour)
	d, err := s.db.Dashboard(r.Context(), staleBefore)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	sections := []dashSection{
		{Key: "security", Title: "Hosts with security updates", Empty: "No host has security updates.",
			More: "/hosts?security=yes&sort=security&dir=desc", Link: hostLink, Kind: "security", List: d.Security},
		{Key: "bugfix", Title: "Hosts with only bugfix updates", Empty: "No host has only bugfix updates.",
			More: "/hosts?security=no&sort=bugfix&dir=desc", Link: hostLink, Kind: "bugfix", List: d.BugfixOnly},
		{Key: "reboot", Title: "Hosts needing a reboot", Empty: "No host needs a reboot.",
			More: "/hosts?reboot=yes", Link: hostLink, Kind: "warn", List: d.Reboot},
		{Key: "stale", Title: "Hosts not reporting for " + itoa(s.opts.StaleDays) + " days", Empty: "Every host reported recently.",
			More: "/hosts?sort=report", Link: hostLink, Kind: "warn", List: d.Stale},
		{Key: "norepos", Title: "Hosts without repositories", Empty: "Every host has repositories.",
			Link: hostLink, Kind: "warn", List: d.NoRepos},
		{Key: "pending", Title: "Reports waiting to be processed", Empty: "No report is waiting.",
			Kind: "neutral", List: d.Pending},
		{Key: "rejected", Title: "Reports rejected in the last day", Empty: "No report was rejected.",
			Kind: "security", List: d.Rejected},
		{Key: "failing", Title: "Failing mirrors", Empty: "Every mirror refreshed fine.",
			Link: repoLink, Kind: "security", List: d.FailingMirrors},
		{Key: "unrefreshed", Title: "Mirrors never refreshed", Empty: "Every mirror has been refreshed.",
			Link: repoLink, Kind: "warn", List: d.NeverRefreshed},
		{Key: "disabled", Title: "Disabled mirrors", Empty: "No mirror is disabled.",
			Link: repoLink, Kind: "warn", List: d.DisabledMirrors},
		{Key: "nomirrors", Title: "Repositories without mirrors", Empty: "Every repository has a mirror.",
			Link: repoLink, Kind: "warn", List: d.NoMirrors},
	}
	s.render(w, r, http.StatusOK, dashboardView(p, d, sections))
}
