package ingest

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"patchward/store"
)

// NativeVersion is the native report format version this server reads.
const NativeVersion = 1

// NativeReport is version 1 of patchward's own report format, POSTed as JSON (optionally with
// Content-Encoding: gzip) to /api/v1/reports. ingest/PROTOCOL.md documents it with an example.
//
// Unlike the Patchman protocols it distinguishes "not reported" from "reported empty": an absent
// or null repos, modules or updates member keeps what the host had, while [] replaces it with
// nothing. Priorities are "higher wins" (apt pins as they are; yum/dnf/zypper priorities
// negated by the agent). Package fields are sent verbatim, without Patchman's %2b escaping.
type NativeReport struct {
	Version        int               `json:"version"`              // must be 1
	Hostname       string            `json:"hostname"`             // FQDN; lower-cased on intake
	OS             string            `json:"os,omitempty"`         // display name; derived from OSRelease if empty
	OSRelease      map[string]string `json:"os_release,omitempty"` // /etc/os-release, keys lower-cased (id, version_id, pretty_name, ...)
	Kernel         string            `json:"kernel"`               // uname -r
	Arch           string            `json:"arch"`                 // uname -m
	Tags           []string          `json:"tags,omitempty"`
	RebootRequired bool              `json:"reboot_required"`
	Packages       []NativePackage   `json:"packages"`          // null/absent keeps the host's packages
	Repos          []NativeRepo      `json:"repos,omitempty"`   // null/absent keeps the host's repos
	Modules        []NativeModule    `json:"modules,omitempty"` // null/absent keeps the host's modules
	Updates        []NativeUpdate    `json:"updates,omitempty"` // client-computed updates; null/absent keeps
	Agent          string            `json:"agent,omitempty"`   // e.g. "patchward-agent/0.1"
	// Held names packages on hold (dpkg hold, dnf versionlock, pacman IgnorePkg), in addition to
	// packages marked "held" one by one; absent means the agent cannot tell.
	Held []string `json:"held,omitempty"`
}

// NativePackage is one installed package.
type NativePackage struct {
	Type    string `json:"type"` // deb, rpm, arch, gentoo, apk
	Name    string `json:"name"`
	Arch    string `json:"arch"`
	Epoch   string `json:"epoch,omitempty"`
	Version string `json:"version"`
	Release string `json:"release,omitempty"`
	Held    bool   `json:"held,omitempty"` // on hold: reported, never counted as a pending update
}

// NativeRepo is one enabled repository.
type NativeRepo struct {
	Type     string   `json:"type"`
	Name     string   `json:"name"`
	ID       string   `json:"id,omitempty"` // client repo id (yum id, pacman repo name)
	Priority int      `json:"priority"`     // higher wins
	URLs     []string `json:"urls"`
}

// NativeModule is one enabled dnf module stream.
type NativeModule struct {
	Name     string   `json:"name"`
	Stream   string   `json:"stream"`
	Version  string   `json:"version,omitempty"`
	Context  string   `json:"context,omitempty"`
	Arch     string   `json:"arch,omitempty"`
	Repo     string   `json:"repo,omitempty"`
	Packages []string `json:"packages,omitempty"` // artifact NEVRAs
}

// NativeUpdate is an update the client computed itself.
type NativeUpdate struct {
	Name     string `json:"name"`
	Arch     string `json:"arch"`
	Version  string `json:"version"`
	Repo     string `json:"repo,omitempty"`
	Security bool   `json:"security"`
}

// ParseNative turns a native JSON report into a canonical report. Unknown members are ignored
// so that newer agents can add fields; a different version is refused.
func ParseNative(body []byte) (store.HostReport, []string, error) {
	var in NativeReport
	if err := json.Unmarshal(body, &in); err != nil {
		return store.HostReport{}, nil, jsonError(err)
	}
	if in.Version != NativeVersion {
		return store.HostReport{}, nil, &ParseError{Field: "version", Msg: fmt.Sprintf("unsupported version %d, want %d", in.Version, NativeVersion)}
	}
	r := store.HostReport{
		Hostname: normalizeHostname(in.Hostname),
		OS:       strings.TrimSpace(in.OS),
		Kernel:   strings.TrimSpace(in.Kernel),
		Arch:     strings.TrimSpace(in.Arch),
		Tags:     cleanTags(in.Tags),
		Reboot:   in.RebootRequired,
		Agent:    strings.TrimSpace(in.Agent),
	}
	if len(in.OSRelease) > 0 {
		r.OSRelease = in.OSRelease
	}
	if r.OS == "" {
		r.OS = osFromRelease(in.OSRelease)
	}
	if r.Agent == "" {
		r.Agent = "native/1"
	}
	if err := checkHost(r, "hostname", "missing or empty"); err != nil {
		return r, nil, err
	}
	var warn []string
	if in.Packages != nil {
		r.Packages = make([]store.PackageKey, 0, len(in.Packages))
	}
	held := map[string]bool{}
	for _, name := range in.Held {
		if name = strings.TrimSpace(name); name != "" {
			held[name] = true
		}
	}
	for i, p := range in.Packages {
		k := store.PackageKey{Type: p.Type, Name: p.Name, Arch: p.Arch, Epoch: p.Epoch, Version: p.Version, Release: p.Release}
		if !normalizePackage(&k) {
			continue
		}
		if p.Held {
			held[k.Name] = true
		}
		if msg := checkPackage(k); msg != "" {
			return r, nil, &ParseError{Field: "packages", Msg: fmt.Sprintf("item %d: %s", i, msg)}
		}
		r.Packages = append(r.Packages, k)
	}
	if in.Repos != nil {
		r.Repos = make([]store.ReportedRepo, 0, len(in.Repos))
	}
	for i, in := range in.Repos {
		rr := store.ReportedRepo{Type: in.Type, Name: in.Name, Ident: in.ID, Priority: in.Priority, URLs: in.URLs}
		if msg := normalizeRepo(&rr); msg != "" {
			warn = append(warn, fmt.Sprintf("repos item %d skipped: %s", i, msg))
			continue
		}
		r.Repos = append(r.Repos, rr)
	}
	if in.Modules != nil {
		r.Modules = make([]store.ReportedModule, 0, len(in.Modules))
	}
	for i, m := range in.Modules {
		if strings.TrimSpace(m.Name) == "" || strings.TrimSpace(m.Stream) == "" {
			warn = append(warn, fmt.Sprintf("modules item %d skipped: no name or stream", i))
			continue
		}
		r.Modules = append(r.Modules, store.ReportedModule(m))
	}
	if in.Updates != nil {
		ups := updateList{list: make([]store.ClientUpdate, 0, len(in.Updates))}
		for i, u := range in.Updates {
			if strings.TrimSpace(u.Name) == "" || strings.TrimSpace(u.Version) == "" {
				warn = append(warn, fmt.Sprintf("updates item %d skipped: no name or version", i))
				continue
			}
			ups.add(store.ClientUpdate(u))
		}
		r.Updates = ups.list
	}
	if in.Held != nil || len(held) > 0 {
		r.Held = make([]string, 0, len(held))
		for name := range held {
			r.Held = append(r.Held, name)
		}
		slices.Sort(r.Held)
	}
	return r, warn, nil
}

// osFromRelease derives the OS display string from os-release fields the way patchman-client
// does for most distributions: PRETTY_NAME, else NAME VERSION.
func osFromRelease(rel map[string]string) string {
	if s := strings.TrimSpace(rel["pretty_name"]); s != "" {
		return s
	}
	return strings.TrimSpace(rel["name"] + " " + rel["version"])
}
