package ingest

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"patchward/ingest/wire"
	"patchward/store"
)

// ParseNative turns a native JSON report (wire.Report) into a canonical report. Unknown members are ignored
// so that newer agents can add fields; a different version is refused.
func ParseNative(body []byte) (store.HostReport, []string, error) {
	// The members the server ignores are shadowed by raw ones, so that a malformed value of
	// one (a "collected" that is no time) cannot refuse the report.
	var in struct {
		wire.Report
		RebootPackages json.RawMessage `json:"reboot_packages"`
		Collected      json.RawMessage `json:"collected"`
		Warnings       json.RawMessage `json:"warnings"`
		SelfUpdate     json.RawMessage `json:"self_update"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return store.HostReport{}, nil, jsonError(err)
	}
	if in.Version != wire.Version {
		return store.HostReport{}, nil, &ParseError{Field: "version", Msg: fmt.Sprintf("unsupported version %d, want %d", in.Version, wire.Version)}
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
	r.Client, r.ClientVersion = nativeClient(r.Agent, in.AgentVersion)
	r.ClientProtocol = "native"
	if r.Agent == "" {
		r.Agent = "native/1"
	}
	// A malformed self_update is left out rather than refusing the report.
	var u wire.SelfUpdate
	if len(in.SelfUpdate) > 0 && json.Unmarshal(in.SelfUpdate, &u) == nil && u.From+u.To != "" {
		r.AgentUpdate, r.AgentUpdateAt = selfUpdateText(u), u.At
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

// nativeClient is the client kind and version of a native report: the agent member is
// "NAME/VERSION" (patchward-agent/1.2.0); agent_version, when sent, is the version.
func nativeClient(agent, version string) (string, string) {
	name, v, _ := strings.Cut(agent, "/")
	if version = strings.TrimSpace(version); version != "" {
		v = version
	}
	return clipTo(strings.TrimSpace(name), 64), clipTo(strings.TrimSpace(v), 64)
}

// selfUpdateText says in one line what an agent's self-update did.
func selfUpdateText(u wire.SelfUpdate) string {
	from, to := clipTo(u.From, 64), clipTo(u.To, 64)
	if u.OK {
		return fmt.Sprintf("updated from %s to %s", from, to)
	}
	return fmt.Sprintf("refused update from %s to %s: %s", from, to, clipTo(u.Error, 300))
}

// clipTo cuts s to at most n bytes, at a rune boundary.
func clipTo(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
