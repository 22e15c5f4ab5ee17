package cli

import (
	"time"

	"patchward/store"
)

// HostJSON is the stable shape of `host NAME --json` (and each row of `hosts --json`):
// fields are added, never renamed.
type HostJSON struct {
	Hostname        string       `json:"hostname"`
	Domain          string       `json:"domain"`
	OS              string       `json:"os"`
	Kernel          string       `json:"kernel"`
	Arch            string       `json:"arch"`
	Tags            []string     `json:"tags"`
	LastReport      *time.Time   `json:"last_report"`
	RebootRequired  bool         `json:"reboot_required"`
	RebootReason    string       `json:"reboot_reason,omitempty"`
	Packages        int          `json:"packages"`
	SecurityUpdates int          `json:"security_updates"`
	BugfixUpdates   int          `json:"bugfix_updates"`
	Updates         []UpdateJSON `json:"updates,omitempty"`
}

// UpdateJSON is one update of a host in `host NAME --json`.
type UpdateJSON struct {
	Name      string `json:"name"`
	Arch      string `json:"arch"`
	Installed string `json:"installed"`
	Available string `json:"available"`
	Security  bool   `json:"security"`
	Repo      string `json:"repo"`
	Held      bool   `json:"held"` // on hold: not counted in security_updates/bugfix_updates
}

func toHostJSON(h store.HostSummary) HostJSON {
	j := HostJSON{Hostname: h.Hostname, Domain: h.Domain, OS: h.OS, Kernel: h.Kernel, Arch: h.Arch,
		Tags: h.Tags, RebootRequired: h.RebootRequired, RebootReason: h.RebootReason, Packages: h.Packages,
		SecurityUpdates: h.SecurityUpdates, BugfixUpdates: h.BugfixUpdates}
	if j.Tags == nil {
		j.Tags = []string{}
	}
	if !h.LastReport.IsZero() {
		t := h.LastReport.UTC()
		j.LastReport = &t
	}
	return j
}

// MirrorJSON is one mirror of a repository in `repos --json`.
type MirrorJSON struct {
	ID           int64      `json:"id"`
	URL          string     `json:"url"`
	Enabled      bool       `json:"enabled"`
	LastAttempt  *time.Time `json:"last_attempt"`
	LastSuccess  *time.Time `json:"last_success"`
	Freshness    *time.Time `json:"freshness"`
	LastError    string     `json:"last_error"`
	FailCount    int        `json:"fail_count"`
	PackageCount int        `json:"packages"`
}

// RepoJSON is one repository in `repos --json`.
type RepoJSON struct {
	ID       int64        `json:"id"`
	Name     string       `json:"name"`
	Type     string       `json:"type"`
	Arch     string       `json:"arch"`
	RepoID   string       `json:"repo_id"`
	Security bool         `json:"security"`
	Enabled  bool         `json:"enabled"`
	Hosts    int          `json:"hosts"`
	Mirrors  []MirrorJSON `json:"mirrors"`
}
