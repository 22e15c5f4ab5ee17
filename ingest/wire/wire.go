// Package wire is patchward's native report format, version 1: the JSON an agent POSTs (optionally
// with Content-Encoding: gzip) to /api/v1/reports. The intake (ingest), the agent (ingest/agent)
// and the fleet simulator (ingest/fleetsim) share these types, so the format is defined once;
// ingest/PROTOCOL.md documents it with an example. The package imports nothing of patchward.
//
// Unlike the Patchman protocols the format distinguishes "not reported" from "reported empty":
// an absent or null repos, modules or updates member keeps what the host had, while [] replaces
// it with nothing. Priorities are "higher wins" (apt pins as they are; yum/dnf/zypper priorities
// negated by the agent). Package fields are sent verbatim, without Patchman's %2b escaping.
// Unknown members are ignored by the server, so newer agents can add fields.
package wire

import "time"

// Version is the native report format version the server reads and the agent writes.
const Version = 1

// Report is one host report.
type Report struct {
	Version        int               `json:"version"`              // must be 1
	Hostname       string            `json:"hostname"`             // FQDN; lower-cased on intake
	OS             string            `json:"os"`                   // display name; derived from OSRelease if empty
	OSRelease      map[string]string `json:"os_release,omitempty"` // /etc/os-release, keys lower-cased (id, version_id, pretty_name, ...)
	Kernel         string            `json:"kernel"`               // uname -r
	Arch           string            `json:"arch"`                 // uname -m
	Tags           []string          `json:"tags,omitempty"`
	RebootRequired bool              `json:"reboot_required"`
	// RebootPackages are the packages that asked for the reboot (Debian's
	// reboot-required.pkgs); informational, the server ignores it today.
	RebootPackages []string `json:"reboot_packages,omitempty"`
	// Packages and Repos are [] when the host has none and null when they could not be read
	// completely (see Warnings): null (or absent) makes the server keep the host's previous
	// list, so a run that fails to read a file (from a hook or the timer) never drops the
	// host's repos.
	Packages []Package `json:"packages"`
	Repos    []Repo    `json:"repos"`
	Modules  []Module  `json:"modules,omitempty"` // null/absent keeps the host's modules
	Updates  []Update  `json:"updates,omitempty"` // client-computed updates; null/absent keeps
	Agent    string    `json:"agent"`             // e.g. "patchward-agent/0.1"
	// AgentVersion is the agent's own version (main.version of its build; "dev" if unset).
	// Optional: older agents send only Agent, whose part after "/" is then the version.
	AgentVersion string `json:"agent_version,omitempty"`
	// SelfUpdate is the outcome of the agent's last self-update attempt since the previous
	// report, if there was one (see auto_update in agent.toml).
	SelfUpdate *SelfUpdate `json:"self_update,omitempty"`
	// Held names packages on hold (dpkg hold, dnf versionlock, pacman IgnorePkg), in addition to
	// packages marked "held" one by one; absent means the agent cannot tell.
	Held      []string  `json:"held,omitempty"`
	Collected time.Time `json:"collected"` // when the agent collected this; used for air-gap imports
	// Warnings are problems met while collecting (an unreadable repo file, say); the report is
	// still sent. The server ignores this member.
	Warnings []string `json:"warnings,omitempty"`
}

// SelfUpdate is what happened when the agent tried to replace its binary with the server's.
type SelfUpdate struct {
	At    time.Time `json:"at"`
	From  string    `json:"from"`            // the version that ran
	To    string    `json:"to"`              // the version the server offered
	OK    bool      `json:"ok"`              // the binary was replaced
	Error string    `json:"error,omitempty"` // why it was refused (bad signature, checksum, ...)
}

// Package is one installed package.
type Package struct {
	Type    string `json:"type"` // a name in updates/version.Types: deb, rpm, arch, gentoo, apk
	Name    string `json:"name"`
	Arch    string `json:"arch"`
	Epoch   string `json:"epoch,omitempty"`
	Version string `json:"version"`
	Release string `json:"release,omitempty"`
	Held    bool   `json:"held,omitempty"` // on hold (dpkg "hold ok installed"): reported, never counted as a pending update
}

// Repo is one enabled repository. Priority is "higher wins": apt pins as apt computes them,
// yum/dnf/zypper priorities negated, pacman and apk 0.
type Repo struct {
	Type     string   `json:"type"`
	Name     string   `json:"name"`
	ID       string   `json:"id,omitempty"` // client repo id (yum id, pacman repo name)
	Priority int      `json:"priority"`     // higher wins
	URLs     []string `json:"urls"`
}

// Module is one enabled dnf module stream.
type Module struct {
	Name     string   `json:"name"`
	Stream   string   `json:"stream"`
	Version  string   `json:"version,omitempty"`
	Context  string   `json:"context,omitempty"`
	Arch     string   `json:"arch,omitempty"`
	Repo     string   `json:"repo,omitempty"`
	Packages []string `json:"packages,omitempty"` // artifact NEVRAs
}

// Update is an update the client computed itself.
type Update struct {
	Name     string `json:"name"`
	Arch     string `json:"arch"`
	Version  string `json:"version"`
	Repo     string `json:"repo,omitempty"`
	Security bool   `json:"security"`
}
