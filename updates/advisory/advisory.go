// Package advisory is the home of advisory (erratum) data: the domain types every source
// produces, the Source interface a feed or file format implements, and the list of sources.
// rpm updateinfo.xml is the first source; OSV, the Debian security tracker, USN, Alma/Rocky
// errata, Arch ASA and Debian changelogs join it here (issue 11), each as one file with one
// entry in Sources. See docs/advisory-sources.md.
//
// A source only parses: fetching (conditional GET, proxies, size caps on the wire) stays with
// repo's fetcher or a local file, and storing stays with store, which converts from these
// types. So a source can be fuzzed and tested on a file alone. It imports nothing of patchward
// but the leaf XML walker.
package advisory

import (
	"context"
	"io"
	"time"
)

// Reference is one reference of an advisory: a CVE, a bug, the advisory's own page.
type Reference struct {
	Type  string // cve, bugzilla, self, other
	ID    string // CVE-2024-0001, a bug number
	URL   string
	Title string
}

// Package is a fixed package version an advisory names.
type Package struct {
	Name    string
	Arch    string
	Epoch   string // "" for none (an explicit "0" is normalised to "")
	Version string
	Release string
}

// Advisory is one advisory as a source reports it.
type Advisory struct {
	ID       string // FEDORA-2024-abc, RHSA-2024:1234, DSA-5555-1, USN-6000-1
	Type     string // security, bugfix, enhancement, newpackage
	Severity string
	Title    string
	Issued   time.Time // zero if absent or unparsable
	Updated  time.Time
	Refs     []Reference
	Packages []Package // the fixed versions it names
}

// CVEs returns the CVE IDs among the advisory's references, in order.
func (a Advisory) CVEs() []string {
	var out []string
	for _, r := range a.Refs {
		if r.Type == "cve" && r.ID != "" {
			out = append(out, r.ID)
		}
	}
	return out
}

// Source is one kind of advisory data. Parse streams: it calls emit for every advisory as it
// is read, so memory holds one advisory at a time whatever the input's size; an error from
// emit stops it and is returned. The caller caps the input's size (decompressed) before Parse.
type Source interface {
	// Name is the source's stable name (configuration keys, logs, the errata origin).
	Name() string
	// Parse reads the source's format from r.
	Parse(ctx context.Context, r io.Reader, emit func(Advisory) error) error
}

// Sources lists every advisory source by name. Adding a source is one file and one entry.
var Sources = map[string]Source{
	Updateinfo.Name(): Updateinfo,
}
