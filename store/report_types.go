package store

import "time"

// PackageKey identifies a package version exactly; it is the natural key of the packages table.
// Epoch is "" when the package has none (a "0" epoch is normalised to "" on intake).
type PackageKey struct {
	Type    string `json:"type"` // deb, rpm, arch, gentoo, apk
	Name    string `json:"name"`
	Arch    string `json:"arch"`
	Epoch   string `json:"epoch,omitempty"`
	Version string `json:"version"`
	Release string `json:"release,omitempty"`
}

// EVR is the package's full version as its package manager prints it: [epoch:]version[-release].
func (k PackageKey) EVR() string {
	s := k.Version
	if k.Epoch != "" {
		s = k.Epoch + ":" + s
	}
	if k.Release != "" {
		s += "-" + k.Release
	}
	return s
}

// ReportedRepo is one repository as a host reported it.
type ReportedRepo struct {
	Type     string   `json:"type"`
	Name     string   `json:"name"`
	Ident    string   `json:"id,omitempty"` // client repo id (yum id, pacman repo name)
	Priority int      `json:"priority"`     // higher wins (rpm priorities already negated)
	URLs     []string `json:"urls"`
}

// ReportedModule is one enabled dnf module stream.
type ReportedModule struct {
	Name     string   `json:"name"`
	Stream   string   `json:"stream"`
	Version  string   `json:"version,omitempty"`
	Context  string   `json:"context,omitempty"`
	Arch     string   `json:"arch,omitempty"`
	Repo     string   `json:"repo,omitempty"`
	Packages []string `json:"packages,omitempty"`
}

// ClientUpdate is an update the client computed itself (Patchman -u).
type ClientUpdate struct {
	Name     string `json:"name"`
	Arch     string `json:"arch"`
	Version  string `json:"version"`
	Repo     string `json:"repo,omitempty"`
	Security bool   `json:"security"`
}

// HostReport is a report in canonical form, whatever protocol carried it. It is what the
// reports.payload column holds (as JSON) and what processing applies to a host.
//
// Nil slices mean "not reported, keep what the host had" (a package-manager hook that sends no
// repos must not wipe them); empty non-nil slices mean "reported empty".
type HostReport struct {
	Hostname string           `json:"hostname"`
	OS       string           `json:"os"`
	Kernel   string           `json:"kernel"`
	Arch     string           `json:"arch"`
	Tags     []string         `json:"tags,omitempty"`
	Reboot   bool             `json:"reboot_required"`
	Packages []PackageKey     `json:"packages"`
	Repos    []ReportedRepo   `json:"repos"`
	Modules  []ReportedModule `json:"modules"`
	Updates  []ClientUpdate   `json:"updates,omitempty"`
	// Held names the packages on hold (dpkg hold, dnf versionlock, pacman IgnorePkg); nil when
	// the client cannot tell (Patchman clients).
	Held []string `json:"held,omitempty"`
	// OSRelease holds /etc/os-release fields when the client sent them (native protocol).
	OSRelease map[string]string `json:"os_release,omitempty"`
	Agent     string            `json:"agent,omitempty"` // e.g. "patchman-client/1", "patchward/0.1"
	// Client is the kind of client (wire.ClientPatchman, wire.ClientAgent, or another native
	// client's name), ClientVersion its version when it says ("" when unknown: Patchman's
	// clients send none) and ClientProtocol the protocol it spoke ("1", "2", "native").
	Client         string `json:"client,omitempty"`
	ClientVersion  string `json:"client_version,omitempty"`
	ClientProtocol string `json:"client_protocol,omitempty"`
	// AgentUpdate is the agent's last self-update outcome as text ("" when it sent none) and
	// AgentUpdateAt when it happened.
	AgentUpdate   string    `json:"agent_update,omitempty"`
	AgentUpdateAt time.Time `json:"agent_update_at,omitzero"`
	Received      time.Time `json:"received"`
	RemoteIP      string    `json:"remote_ip,omitempty"`
}
