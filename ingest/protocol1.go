package ingest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"strings"

	"patchward/ingest/wire"
	"patchward/store"
)

// Protocol1Fields are the form fields of a Patchman protocol 1 upload, by name. Patchman
// clients send them as multipart/form-data (curl -F); see ReadProtocol1Form.
type Protocol1Fields map[string]string

// ReadProtocol1Form reads the fields of a multipart/form-data body. Each part is read whole,
// whether curl sent it as a plain field or a file (-F name=@file). A field sent twice keeps its
// last value, as Django's QueryDict.get does.
func ReadProtocol1Form(body []byte, boundary string) (Protocol1Fields, error) {
	if boundary == "" {
		return nil, &ParseError{Msg: "multipart boundary missing from Content-Type"}
	}
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	fields := Protocol1Fields{}
	for {
		p, err := mr.NextRawPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, &ParseError{Msg: fmt.Sprintf("malformed multipart body: %v", err)}
		}
		v, err := io.ReadAll(p)
		if err != nil {
			return nil, &ParseError{Field: p.FormName(), Msg: fmt.Sprintf("malformed multipart body: %v", err)}
		}
		if name := p.FormName(); name != "" {
			fields[name] = string(v)
		}
	}
	if len(fields) == 0 {
		return nil, &ParseError{Msg: "no form fields in multipart body"}
	}
	return fields, nil
}

// WantsEcho reports whether the client asked for a text summary back (report=true; 1.x
// clients sent 1).
func (f Protocol1Fields) WantsEcho() bool {
	switch strings.ToLower(strings.TrimSpace(f["report"])) {
	case "true", "1", "yes":
		return true
	}
	return false
}

// ParseProtocol1 turns Patchman protocol 1 form fields into a canonical report. Required: host,
// os, kernel, arch. An unparseable package line is an error naming its line; odd repo, module
// and update lines are skipped and described in the returned warnings (Patchman #485). An empty
// repos or modules field gives nil (the host keeps what it had: hooks send none).
func ParseProtocol1(f Protocol1Fields) (store.HostReport, []string, error) {
	r := store.HostReport{
		Hostname: normalizeHostname(f["host"]),
		OS:       strings.TrimSpace(f["os"]),
		Kernel:   decodeKernel(f["kernel"]),
		Arch:     strings.TrimSpace(f["arch"]),
		Tags:     cleanTags(strings.Split(f["tags"], ",")),
		Reboot:   strings.EqualFold(strings.TrimSpace(f["reboot"]), "true"),
		Agent:    "patchman-client/1",
		// Protocol 1 carries no client version (only curl's User-Agent): known is the kind.
		Client: wire.ClientPatchman, ClientProtocol: "1",
	}
	if err := checkHost(r, "host", "missing or empty"); err != nil {
		return r, nil, err
	}
	var warn []string
	var err error
	if r.Packages, err = parsePackageLines(f["packages"]); err != nil {
		return r, nil, err
	}
	r.Repos, warn = parseRepoLines(f["repos"], warn)
	r.Modules, warn = parseModuleLines(f["modules"], warn)
	var ups updateList
	warn = parseUpdateLines(&ups, "sec_updates", f["sec_updates"], true, warn)
	warn = parseUpdateLines(&ups, "bug_updates", f["bug_updates"], false, warn)
	r.Updates = ups.list
	finishUpdates(&r)
	return r, warn, nil
}

// forLines calls fn with each non-blank line and its 1-based number.
func forLines(text string, fn func(n int, line string) error) error {
	n := 0
	for line := range strings.Lines(text) {
		n++
		if line = strings.TrimSpace(line); line != "" {
			if err := fn(n, line); err != nil {
				return err
			}
		}
	}
	return nil
}

// parsePackageLines parses 'NAME' 'EPOCH' 'VERSION' 'RELEASE' 'ARCH' 'TYPE' lines (gentoo adds
// 'CATEGORY' 'REPO', ignored). An empty field gives nil: the host keeps its packages.
func parsePackageLines(text string) ([]store.PackageKey, error) {
	var out []store.PackageKey
	if strings.TrimSpace(text) != "" {
		out = make([]store.PackageKey, 0, strings.Count(text, "\n")+1)
	}
	var f []string
	err := forLines(text, func(n int, line string) error {
		var err error
		f, err = quotedFields(f, line)
		if err != nil {
			return &ParseError{Field: "packages", Line: n, Msg: err.Error()}
		}
		if len(f) < 6 {
			return &ParseError{Field: "packages", Line: n, Msg: fmt.Sprintf("want 6 quoted fields, got %d in %q", len(f), clip(line))}
		}
		k := store.PackageKey{Name: f[0], Epoch: f[1], Version: f[2], Release: f[3], Arch: f[4], Type: f[5]}
		if !normalizePackage(&k) {
			return nil
		}
		if msg := checkPackage(k); msg != "" {
			return &ParseError{Field: "packages", Line: n, Msg: msg}
		}
		out = append(out, k)
		return nil
	})
	return out, err
}

// parseRepoLines parses repo lines per type: deb NAME PRIORITY URL...; rpm NAME ID PRIORITY
// URL... (priority negated: yum/dnf prefer the lowest, we store "higher wins" like apt pins);
// arch NAME ID URL... (no priority); gentoo NAME ID PRIORITY URL.
func parseRepoLines(text string, warn []string) ([]store.ReportedRepo, []string) {
	var out []store.ReportedRepo
	forLines(text, func(n int, line string) error {
		r, msg := repoFromFields(line)
		if msg == "" {
			msg = normalizeRepo(&r)
		}
		if msg != "" {
			warn = append(warn, fmt.Sprintf("repos line %d skipped: %s", n, msg))
			return nil
		}
		out = append(out, r)
		return nil
	})
	return out, warn
}

func repoFromFields(line string) (store.ReportedRepo, string) {
	f, err := quotedFields(nil, line)
	if err != nil {
		return store.ReportedRepo{}, err.Error()
	}
	if len(f) < 3 {
		return store.ReportedRepo{}, fmt.Sprintf("too few fields in %q", clip(line))
	}
	r := store.ReportedRepo{Type: strings.ToLower(f[0]), Name: f[1]}
	var prio string
	switch r.Type {
	case "deb":
		prio, r.URLs = f[2], f[3:]
	case "rpm", "gentoo":
		if len(f) < 4 {
			return r, fmt.Sprintf("too few fields in %q", clip(line))
		}
		r.Ident, prio, r.URLs = f[2], f[3], f[4:]
	case "arch":
		r.Ident, r.URLs = f[2], f[3:]
		return r, ""
	default:
		return r, fmt.Sprintf("unknown repo type %q", r.Type)
	}
	p, ok := parsePriority(prio)
	if !ok {
		return r, fmt.Sprintf("priority %q is not a number", clip(prio))
	}
	if r.Type == "rpm" {
		p = -p
	}
	r.Priority = p
	return r, ""
}

// parseModuleLines parses 'NAME' 'STREAM' 'VERSION' 'CONTEXT' 'ARCH' 'REPO' 'NEVRA'... lines.
func parseModuleLines(text string, warn []string) ([]store.ReportedModule, []string) {
	var out []store.ReportedModule
	forLines(text, func(n int, line string) error {
		f, err := quotedFields(nil, line)
		if err == nil && (len(f) < 6 || f[0] == "" || f[1] == "") {
			err = fmt.Errorf("want at least 6 fields with name and stream in %q", clip(line))
		}
		if err != nil {
			warn = append(warn, fmt.Sprintf("modules line %d skipped: %v", n, err))
			return nil
		}
		m := store.ReportedModule{Name: f[0], Stream: f[1], Version: f[2], Context: f[3], Arch: f[4], Repo: f[5]}
		for _, p := range f[6:] {
			if p = strings.TrimSpace(p); p != "" {
				m.Packages = append(m.Packages, decodePlus(p))
			}
		}
		out = append(out, m)
		return nil
	})
	return out, warn
}

// parseUpdateLines parses "NAME.ARCH VERSION REPO" lines, and apt's two-field
// "NAME.ARCH VERSION" lines that Patchman's triple-based parser mangles.
func parseUpdateLines(ups *updateList, field, text string, security bool, warn []string) []string {
	forLines(text, func(n int, line string) error {
		f := strings.Fields(line)
		if len(f) != 2 && len(f) != 3 {
			warn = append(warn, fmt.Sprintf("%s line %d skipped: want NAME.ARCH VERSION [REPO]", field, n))
			return nil
		}
		name, arch, ok := splitNameArch(f[0])
		if !ok {
			warn = append(warn, fmt.Sprintf("%s line %d skipped: %q is not NAME.ARCH", field, n, clip(f[0])))
			return nil
		}
		u := store.ClientUpdate{Name: name, Arch: arch, Version: f[1], Security: security}
		if len(f) == 3 {
			u.Repo = f[2]
		}
		ups.add(u)
		return nil
	})
	return warn
}
