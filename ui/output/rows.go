package output

import (
	"time"

	"patchward/store"
)

// Host is one host of the host list: each item of /api/v1/hosts and of `patchward hosts
// --json`, the body of `host NAME --json` (see HostDetail) and a row of /hosts?format=csv. The
// JSON names of the README's stable `host NAME --json` fields never change. Fields are in the
// CSV's column order; those tagged csv:"-" are in JSON only.
type Host struct {
	Hostname        string
	Domain          string
	OS              string
	OSGroup         string
	Kernel          string
	Arch            string
	IP              string
	Tags            []string // every tag: reported_tags and operator_tags together
	Packages        int
	SecurityUpdates int
	BugfixUpdates   int
	RebootRequired  bool
	LastReport      time.Time // zero if never
	ID              int64     `csv:"-"`
	ClientReboot    bool      `csv:"-"`
	RebootReason    string    `csv:"-"`
	Computed        time.Time `csv:"-"`
	Dirty           bool      `csv:"-"`
	ReportedTags    []string  `csv:"-"` // the tags of the host's last report
	OperatorTags    []string  `csv:"-"` // the tags an operator set; reports leave them alone
	HostReposOnly   bool      `csv:"-"` // updates from the host's own repositories only, not also its OS group's
	CheckDNS        bool      `csv:"-"` // patchward dns-check compares its reverse DNS with its name
	// Client is the kind of client of the host's reports ("patchman-client", "patchward-agent",
	// "" before any report) and ClientVersion its version ("" when the client sends none, as
	// Patchman's clients do).
	Client        string `csv:"-"`
	ClientVersion string `csv:"-"`
	// AgentUpdate is the agent's last self-update outcome ("" if none).
	AgentUpdate string `csv:"-"`
}

// HostOf is h as a row.
func HostOf(h store.HostSummary) Host {
	tags := h.Tags
	if tags == nil {
		tags = []string{}
	}
	return Host{Hostname: h.Hostname, Domain: h.Domain, OS: h.OS, OSGroup: h.OSGroup, Kernel: h.Kernel,
		Arch: h.Arch, IP: h.IP, Tags: tags, Packages: h.Packages, SecurityUpdates: h.SecurityUpdates,
		BugfixUpdates: h.BugfixUpdates, RebootRequired: h.RebootRequired, LastReport: h.LastReport, ID: h.ID,
		ClientReboot: h.ClientReboot, RebootReason: h.RebootReason, Computed: h.Computed, Dirty: h.Dirty,
		ReportedTags: orEmpty(h.ReportedTags), OperatorTags: orEmpty(h.OperatorTags),
		HostReposOnly: h.HostReposOnly, CheckDNS: h.CheckDNS, Client: h.Client, ClientVersion: h.ClientVersion,
		AgentUpdate: h.AgentUpdate}
}

// orEmpty is s, or an empty list for nil, so JSON says [] rather than null.
func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// HostsOf is HostOf of each host.
func HostsOf(hs []store.HostSummary) []Host { return Map(hs, HostOf) }

// Update is one pending (or held) update of a host with the errata that fix it.
type Update struct {
	Name      string
	Arch      string
	Type      string
	Installed string
	Available string
	Repo      string
	RepoID    int64
	Security  bool
	Client    bool
	Held      bool // on hold: not counted in security_updates/bugfix_updates
	Errata    []store.ErratumRef
}

// UpdateOf is u with errata, the ones that fix it (nil for none).
func UpdateOf(u store.HostUpdate, errata []store.ErratumRef) Update {
	if errata == nil {
		errata = []store.ErratumRef{}
	}
	return Update{Name: u.Name, Arch: u.Arch, Type: u.Type, Installed: u.Installed, Available: u.Available,
		Repo: u.Repo, RepoID: u.RepoID, Security: u.Security, Client: u.Client, Held: u.Held, Errata: errata}
}

// UpdatesOf is UpdateOf of each update, with its errata looked up in errata (which may be nil).
func UpdatesOf(ups []store.HostUpdate, errata map[store.UpdateKey][]store.ErratumRef) []Update {
	out := make([]Update, len(ups))
	for i, u := range ups {
		out[i] = UpdateOf(u, errata[store.UpdateKey{Name: u.Name, Arch: u.Arch}])
	}
	return out
}

// HostDetail is `patchward host NAME --json`: the host's fields and its updates (always
// present, [] when none).
type HostDetail struct {
	Host
	Updates []Update
}

// HostDetailOf is h with its updates and their errata (errata may be nil).
func HostDetailOf(h store.HostSummary, ups []store.HostUpdate, errata map[store.UpdateKey][]store.ErratumRef) HostDetail {
	return HostDetail{Host: HostOf(h), Updates: UpdatesOf(ups, errata)}
}

// Mirror is one mirror of a repository with its refresh state. Packages repeats PackageCount
// under the name `patchward repos --json` has always used.
type Mirror struct {
	ID           int64
	URL          string
	Enabled      bool
	LastAttempt  time.Time // zero if never tried
	LastSuccess  time.Time // zero if never refreshed
	Freshness    time.Time // the index's own date; zero if unknown
	LastError    string
	FailCount    int
	PackageCount int
	Packages     int
}

// MirrorOf is m as a row.
func MirrorOf(m store.MirrorStatus) Mirror {
	return Mirror{ID: m.ID, URL: m.URL, Enabled: m.Enabled, LastAttempt: m.LastAttempt, LastSuccess: m.LastSuccess,
		Freshness: m.Freshness, LastError: m.LastError, FailCount: m.FailCount, PackageCount: m.PackageCount,
		Packages: m.PackageCount}
}

// Repo is one repository with its mirrors: each item of /api/v1/repos and of `patchward repos
// --json`. RepoID repeats Ident under the CLI's name. Its CSV is one row per mirror (RepoMirror).
type Repo struct {
	ID                int64
	Name              string
	Type              string
	Arch              string
	Ident             string
	RepoID            string
	Security          bool
	SecuritySetByUser bool
	Enabled           bool
	Hosts             int
	Mirrors           []Mirror
}

// RepoOf is r as a row.
func RepoOf(r store.RepoSummary) Repo {
	return Repo{ID: r.ID, Name: r.Name, Type: r.Type, Arch: r.Arch, Ident: r.Ident, RepoID: r.Ident,
		Security: r.Security, SecuritySetByUser: r.SecuritySetByUser, Enabled: r.Enabled, Hosts: r.Hosts,
		Mirrors: Map(r.Mirrors, MirrorOf)}
}

// ReposOf is RepoOf of each repository.
func ReposOf(rs []store.RepoSummary) []Repo { return Map(rs, RepoOf) }

// RepoMirror is a row of /repos?format=csv: a repository and one of its mirrors (the mirror
// fields empty for a repository without mirrors).
type RepoMirror struct {
	RepoID      int64     `csv:"repo_id"`
	Repo        string    `csv:"repo"`
	Type        string    `csv:"type"`
	Arch        string    `csv:"arch"`
	Security    bool      `csv:"security"`
	Enabled     bool      `csv:"enabled"`
	Hosts       int       `csv:"hosts"`
	Mirror      string    `csv:"mirror"`
	Status      string    `csv:"status"`
	Packages    string    `csv:"packages"` // text: empty without a mirror
	LastRefresh time.Time `csv:"last_refresh"`
	IndexDate   time.Time `csv:"index_date"`
	LastError   string    `csv:"last_error"`
}

// OSVariant is an OS variant with its group and host count (/api/v1/os/variants, /os CSV).
type OSVariant struct {
	Name    string `csv:"os_variant"`
	Group   string `csv:"os_group"`
	Hosts   int    `csv:"hosts"`
	ID      int64  `csv:"-"`
	GroupID int64  `csv:"-"`
}

// OSVariantOf is v as a row.
func OSVariantOf(v store.OSVariant) OSVariant {
	return OSVariant{Name: v.Name, Group: v.Group, Hosts: v.Hosts, ID: v.ID, GroupID: v.GroupID}
}

// Package is an installed package name with its counts (/api/v1/packages, /packages CSV).
type Package struct {
	Name     string `csv:"Package"`
	Types    string `csv:"Type"`
	Versions int    `csv:"Versions"`
	Hosts    int    `csv:"Hosts"`
}

// PackageOf is p as a row.
func PackageOf(p store.PackageName) Package {
	return Package{Name: p.Name, Types: p.Types, Versions: p.Versions, Hosts: p.Hosts}
}

// PackageVersionRow is a row of /packages/NAME?format=csv: one known version of a package.
type PackageVersionRow struct {
	Version     string `csv:"Version"`
	Arch        string `csv:"Arch"`
	Hosts       int    `csv:"Hosts"`
	InstalledOn string `csv:"Installed on"`
	OfferedBy   string `csv:"Offered by"`
}

// Erratum is an advisory with the hosts it affects (/api/v1/errata, /errata CSV).
type Erratum struct {
	Name     string    `csv:"Advisory"`
	Type     string    `csv:"Type"`
	Severity string    `csv:"Severity"`
	Title    string    `csv:"Title"`
	CVEs     []string  `csv:"CVEs"`
	Issued   time.Time `csv:"Issued"`
	Hosts    int       `csv:"Affected hosts"`
	ID       int64     `csv:"-"`
}

// ErratumOf is e as a row.
func ErratumOf(e store.Erratum) Erratum {
	cves := e.CVEs
	if cves == nil {
		cves = []string{}
	}
	return Erratum{Name: e.Name, Type: e.Type, Severity: e.Severity, Title: e.Title, CVEs: cves, Issued: e.Issued,
		Hosts: e.Hosts, ID: e.ID}
}

// CVE is a CVE with the errata that fix it (/api/v1/cves, /cves CSV).
type CVE struct {
	ID     string   `csv:"CVE"`
	Errata []string `csv:"Errata,join=comma"`
	Hosts  int      `csv:"Affected hosts"`
}

// CVEOf is c as a row.
func CVEOf(c store.CVE) CVE {
	errata := c.Errata
	if errata == nil {
		errata = []string{}
	}
	return CVE{ID: c.ID, Errata: errata, Hosts: c.Hosts}
}

// Report is a received report (/api/v1/reports, /reports CSV).
type Report struct {
	ID         int64     `csv:"Report,prefix=#"`
	Hostname   string    `csv:"Host"`
	Received   time.Time `csv:"Received"`
	Protocol   string    `csv:"Protocol"`
	Status     string    `csv:"Status"`
	Error      string    `csv:"Reason"`
	RemoteAddr string    `csv:"-"`
	UserAgent  string    `csv:"-"`
	Raw        []byte    `csv:"-"`
	Processed  time.Time `csv:"-"`
	HostID     int64     `csv:"-"`
}

// ReportOf is r as a row.
func ReportOf(r store.Report) Report {
	return Report{ID: r.ID, Hostname: r.Hostname, Received: r.Received, Protocol: r.Protocol, Status: r.Status,
		Error: r.Error, RemoteAddr: r.RemoteAddr, UserAgent: r.UserAgent, Raw: r.Raw, Processed: r.Processed,
		HostID: r.HostID}
}

// AuditEntry is one audit log entry (/api/v1/audit, /admin/audit CSV).
type AuditEntry struct {
	At     time.Time `csv:"When"`
	Actor  string    `csv:"Who"`
	Action string    `csv:"Action"`
	Detail string    `csv:"Detail"`
	ID     int64     `csv:"-"`
}

// AuditEntryOf is e as a row.
func AuditEntryOf(e store.AuditEntry) AuditEntry {
	return AuditEntry{At: e.At, Actor: e.Actor, Action: e.Action, Detail: e.Detail, ID: e.ID}
}

// Comparison is one package of a two-host comparison (/hosts/NAME/compare CSV); the A and B
// columns are renamed to the hosts' names when written.
type Comparison struct {
	Package string `csv:"package"`
	Arch    string `csv:"arch"`
	A       string `csv:"a"`
	B       string `csv:"b"`
}

// Map is f of each element of s, never nil: store values as rows.
func Map[S, T any](s []S, f func(S) T) []T {
	out := make([]T, len(s))
	for i, v := range s {
		out[i] = f(v)
	}
	return out
}

// FleetUpdate is one distinct pending update across the fleet (/updates, /api/v1/updates,
// `patchward updates`): the package, the installed and available versions, the repository,
// and the hosts that need it (within the filter).
type FleetUpdate struct {
	Name      string
	Arch      string
	Type      string
	Installed string
	Available string
	Security  bool
	Repo      string
	RepoID    int64
	HostCount int      `csv:"hosts"`
	Hosts     []string `csv:"host_names"`
}

// FleetUpdateOf is u as a row.
func FleetUpdateOf(u store.FleetUpdate) FleetUpdate { return FleetUpdateNames(-1)(u) }

// FleetUpdateNames is FleetUpdateOf naming at most n hosts of each update (all when n < 0);
// HostCount still counts them all.
func FleetUpdateNames(n int) func(store.FleetUpdate) FleetUpdate {
	return func(u store.FleetUpdate) FleetUpdate {
		return FleetUpdate{Name: u.Name, Arch: u.Arch, Type: u.Type, Installed: u.Installed, Available: u.Available,
			Security: u.Security, Repo: u.Repo, RepoID: u.RepoID, HostCount: u.HostCount, Hosts: u.HostNames(n)}
	}
}

// LocalPackage is one installed package that comes from no repository (apt's
// [installed,local]) with the hosts that have it (/packages?orphaned=1, `patchward packages
// --orphaned`).
type LocalPackage struct {
	Name      string
	Type      string
	Arch      string
	Version   string
	HostCount int      `csv:"hosts"`
	Hosts     []string `csv:"host_names"`
}

// LocalPackageOf is p as a row.
func LocalPackageOf(p store.LocalPackage) LocalPackage {
	return LocalPackage{Name: p.Key.Name, Type: p.Key.Type, Arch: p.Key.Arch, Version: p.Key.EVR(), HostCount: p.Count,
		Hosts: p.HostNames(-1)}
}

// HostDiff is one line of `patchward diff A B --json`: a package name and arch installed on
// only one of two hosts (Change "only_a" or "only_b") or at different versions ("version").
// A and B are the versions on each host, several joined by ", " (kernels), "" if none.
type HostDiff struct {
	Change string
	Name   string
	Arch   string
	A      string
	B      string
}
