package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"patchward/ingest/wire"
	"patchward/store"
)

// lenientString accepts a JSON string, number, boolean or null as a string: patchman-client
// builds its JSON with jq from shell output, so types are not to be trusted.
type lenientString string

// UnmarshalJSON implements json.Unmarshaler.
func (s *lenientString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) > 0 && b[0] == '"':
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = lenientString(v)
	case bytes.Equal(b, []byte("null")):
		*s = ""
	case len(b) > 0 && (b[0] == '[' || b[0] == '{'):
		return errors.New("want a string")
	default:
		*s = lenientString(b)
	}
	return nil
}

// stringList accepts a JSON list of strings or a single (comma-separated) string.
type stringList []string

// UnmarshalJSON implements json.Unmarshaler.
func (l *stringList) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '[' {
		var v []lenientString
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*l = make(stringList, len(v))
		for i, s := range v {
			(*l)[i] = string(s)
		}
		return nil
	}
	var s lenientString
	if err := s.UnmarshalJSON(b); err != nil {
		return err
	}
	*l = strings.Split(string(s), ",")
	return nil
}

type p2Package struct {
	Name, Epoch, Version, Release, Arch, Type lenientString
}

type p2Repo struct {
	Type, Name lenientString
	ID         lenientString   `json:"id"`
	Priority   json.RawMessage `json:"priority"`
	URLs       stringList      `json:"urls"`
}

type p2Module struct {
	Name, Stream, Version, Context, Arch, Repo lenientString
	Packages                                   stringList
}

type p2Update struct {
	Name, Version, Arch, Repo lenientString
}

type p2Report struct {
	Hostname       lenientString   `json:"hostname"`
	Arch           lenientString   `json:"arch"`
	Kernel         lenientString   `json:"kernel"`
	OS             lenientString   `json:"os"`
	Tags           stringList      `json:"tags"`
	RebootRequired json.RawMessage `json:"reboot_required"`
	Packages       []p2Package     `json:"packages"`
	Repos          []p2Repo        `json:"repos"`
	Modules        []p2Module      `json:"modules"`
	SecUpdates     []p2Update      `json:"sec_updates"`
	BugUpdates     []p2Update      `json:"bug_updates"`
}

// ParseProtocol2 turns a Patchman protocol 2 JSON body into a canonical report. It tolerates the
// known client defects: "%2b" left in rpm package fields, arch repos without a usable priority,
// gentoo rsync/git sync URIs. Unlike Patchman it treats an empty repos or modules list as "not
// reported" (nil), so package-manager hooks (-n) do not wipe a host's repos.
func ParseProtocol2(body []byte) (store.HostReport, []string, error) {
	var in p2Report
	if err := json.Unmarshal(body, &in); err != nil {
		return store.HostReport{}, nil, jsonError(err)
	}
	r := store.HostReport{
		Hostname: normalizeHostname(string(in.Hostname)),
		OS:       strings.TrimSpace(string(in.OS)),
		Kernel:   decodeKernel(string(in.Kernel)),
		Arch:     strings.TrimSpace(string(in.Arch)),
		Tags:     cleanTags(in.Tags),
		Reboot:   jsonTrue(in.RebootRequired),
		Agent:    "patchman-client/2",
		// Protocol 2 has no client version member either (4.0.x clients send "protocol": 2).
		Client: wire.ClientPatchman, ClientProtocol: "2",
	}
	if err := checkHost(r, "hostname", "This field is required."); err != nil {
		return r, nil, err
	}
	var warn []string
	for i, p := range in.Packages {
		k := store.PackageKey{Name: string(p.Name), Epoch: string(p.Epoch), Version: string(p.Version),
			Release: string(p.Release), Arch: string(p.Arch), Type: string(p.Type)}
		if !normalizePackage(&k) {
			continue
		}
		if msg := checkPackage(k); msg != "" {
			return r, nil, &ParseError{Field: "packages", Msg: fmt.Sprintf("item %d: %s", i, msg)}
		}
		r.Packages = append(r.Packages, k)
	}
	for i, in := range in.Repos {
		rr := store.ReportedRepo{Type: string(in.Type), Name: string(in.Name), Ident: string(in.ID), URLs: in.URLs}
		rr.Priority = jsonInt(in.Priority)
		if strings.EqualFold(strings.TrimSpace(rr.Type), "rpm") {
			rr.Priority = -rr.Priority
		}
		if msg := normalizeRepo(&rr); msg != "" {
			warn = append(warn, fmt.Sprintf("repos item %d skipped: %s", i, msg))
			continue
		}
		r.Repos = append(r.Repos, rr)
	}
	for i, m := range in.Modules {
		if m.Name == "" || m.Stream == "" {
			warn = append(warn, fmt.Sprintf("modules item %d skipped: no name or stream", i))
			continue
		}
		mod := store.ReportedModule{Name: string(m.Name), Stream: string(m.Stream), Version: string(m.Version),
			Context: string(m.Context), Arch: string(m.Arch), Repo: string(m.Repo)}
		for _, p := range m.Packages {
			if p = strings.TrimSpace(p); p != "" {
				mod.Packages = append(mod.Packages, decodePlus(p))
			}
		}
		r.Modules = append(r.Modules, mod)
	}
	var ups updateList
	for _, list := range []struct {
		items []p2Update
		sec   bool
	}{{in.SecUpdates, true}, {in.BugUpdates, false}} {
		for _, u := range list.items {
			if u.Name == "" || u.Version == "" {
				warn = append(warn, "update without name or version skipped")
				continue
			}
			ups.add(store.ClientUpdate{Name: string(u.Name), Arch: string(u.Arch), Version: string(u.Version),
				Repo: string(u.Repo), Security: list.sec})
		}
	}
	r.Updates = ups.list
	finishUpdates(&r)
	return r, warn, nil
}

// jsonError turns a decoding error into a ParseError naming the member when it can.
func jsonError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return &ParseError{Field: te.Field, Msg: fmt.Sprintf("want %s, got JSON %s", te.Type, te.Value)}
	}
	return &ParseError{Msg: fmt.Sprintf("invalid JSON: %v", err)}
}

// jsonTrue reads a boolean that may arrive as true, "true" or "True".
func jsonTrue(b json.RawMessage) bool {
	s := strings.Trim(strings.TrimSpace(string(b)), `"`)
	return strings.EqualFold(s, "true") || s == "1"
}

// jsonInt reads an integer that may be a number or a numeric string; anything else (missing,
// a URL fed to jq's --argjson by the arch repo defect) is 0.
func jsonInt(b json.RawMessage) int {
	s := strings.Trim(strings.TrimSpace(string(b)), `"`)
	if n, err := strconv.Atoi(s); err == nil {
		return n
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && f > -1e9 && f < 1e9 {
		return int(f)
	}
	return 0
}
