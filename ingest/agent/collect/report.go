// Package collect gathers what the patchward agent reports about a host: identity, OS, kernel,
// installed packages (dpkg, rpm, pacman, apk), repositories with their priorities (apt, dnf/yum,
// zypper, pacman, apk) and enabled dnf module streams. Files are read directly wherever the
// package manager keeps them in a readable form; tools are run only where no file will do (rpm's
// database), and a missing tool is not an error.
//
// Every path is taken relative to Options.Root so that tests can point the collector at a
// fixture tree.
package collect

import "time"

// Report is one host report in patchward's native wire format, version 1 (the server side is
// ingest.NativeReport; ingest/PROTOCOL.md documents it). It is kept separate from the server's
// type so that the agent does not depend on server code; the end-to-end tests hold the two
// together.
type Report struct {
	Version        int               `json:"version"`
	Hostname       string            `json:"hostname"`
	OS             string            `json:"os"`
	OSRelease      map[string]string `json:"os_release,omitempty"`
	Kernel         string            `json:"kernel"`
	Arch           string            `json:"arch"`
	Tags           []string          `json:"tags,omitempty"`
	RebootRequired bool              `json:"reboot_required"`
	// RebootPackages are the packages that asked for the reboot (Debian's
	// reboot-required.pkgs); informational, the server ignores it today.
	RebootPackages []string `json:"reboot_packages,omitempty"`
	// Packages and Repos are [] when the host has none and null when they could not be read
	// completely (see Warnings): null makes the server keep the host's previous list, so a
	// run that fails to read a file (from a hook or the timer) never drops the host's repos.
	Packages  []Package `json:"packages"`
	Repos     []Repo    `json:"repos"`
	Modules   []Module  `json:"modules,omitempty"`
	Agent     string    `json:"agent"`
	Collected time.Time `json:"collected"` // when the agent collected this; used for air-gap imports
	// Warnings are problems met while collecting (an unreadable repo file, say); the report is
	// still sent. The server ignores this member.
	Warnings []string `json:"warnings,omitempty"`
}

// Package is one installed package.
type Package struct {
	Type    string `json:"type"` // deb, rpm, arch, apk
	Name    string `json:"name"`
	Arch    string `json:"arch"`
	Epoch   string `json:"epoch,omitempty"`
	Version string `json:"version"`
	Release string `json:"release,omitempty"`
	Held    bool   `json:"held,omitempty"` // dpkg "hold ok installed"; informational
}

// Repo is one enabled repository. Priority is "higher wins": apt pins as apt computes them,
// yum/dnf/zypper priorities negated, pacman and apk 0.
type Repo struct {
	Type     string   `json:"type"`
	Name     string   `json:"name"`
	ID       string   `json:"id,omitempty"`
	Priority int      `json:"priority"`
	URLs     []string `json:"urls"`
}

// Module is one enabled dnf module stream.
type Module struct {
	Name   string `json:"name"`
	Stream string `json:"stream"`
	Arch   string `json:"arch,omitempty"`
}
