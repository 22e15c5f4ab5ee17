// Package loose reads directories of loose package files (no repodata/, no Packages index):
// a vendor's update bundle on removable media, a `dnf download` or `apt-get download` result.
// It reads each package's own header, .rpm with github.com/cavaliergopher/rpm and .deb from its
// ar and control tar members, and returns what a repository index would have said. A corrupt
// or truncated file is reported by name and skipped. It imports nothing of patchward.
package loose

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Package is one package file's identity.
type Package struct {
	Type    string // "rpm" or "deb"
	Name    string
	Epoch   string // "" when none
	Version string
	Release string // rpm release or deb revision; "" when none
	Arch    string
	Source  string   // source rpm file name, or the deb's Source field (source package name)
	CVEs    []string // CVE IDs its changelog names (rpm), sorted
	File    string   // base name of the file
}

// Problem is a file that could not be read, and why.
type Problem struct {
	File string
	Err  error
}

func (p Problem) Error() string { return p.File + ": " + p.Err.Error() }

// Dir is what a directory holds: its packages (sorted by type, name, arch, version) and the
// files that were not readable packages.
type Dir struct {
	Path     string
	Packages []Package
	Problems []Problem
	// Digest identifies the directory's contents (names, sizes, modification times), so that
	// an unchanged directory is not read again.
	Digest string
}

// MaxFile bounds the size of one package file read; its header must lie in the first
// MaxHeader bytes.
const (
	MaxFile   = 4 << 30
	MaxHeader = 64 << 20
)

// Types reports which package types dir holds loose files of (without reading them), and
// whether it has any.
func Types(dir string) (rpm, deb bool) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return false, false
	}
	for _, e := range ents {
		if !e.Type().IsRegular() {
			continue
		}
		switch {
		case strings.HasSuffix(e.Name(), ".rpm") && !strings.HasSuffix(e.Name(), ".src.rpm"):
			rpm = true
		case strings.HasSuffix(e.Name(), ".deb"):
			deb = true
		}
	}
	return rpm, deb
}

// Read reads every .rpm (source rpms excepted) and .deb file directly in dir.
func Read(dir string) (Dir, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return Dir{}, err
	}
	d := Dir{Path: dir}
	h := sha256.New()
	for _, e := range ents {
		name := e.Name()
		isRPM := strings.HasSuffix(name, ".rpm") && !strings.HasSuffix(name, ".src.rpm")
		isDeb := strings.HasSuffix(name, ".deb")
		if !e.Type().IsRegular() || (!isRPM && !isDeb) {
			continue
		}
		path := filepath.Join(dir, name)
		st, err := os.Stat(path)
		if err != nil {
			d.Problems = append(d.Problems, Problem{name, err})
			continue
		}
		fmt.Fprintf(h, "%s\x00%d\x00%d\n", name, st.Size(), st.ModTime().UnixNano())
		var p Package
		if isRPM {
			p, err = ReadRPM(path)
		} else {
			p, err = ReadDeb(path)
		}
		if err != nil {
			d.Problems = append(d.Problems, Problem{name, err})
			continue
		}
		p.File = name
		d.Packages = append(d.Packages, p)
	}
	slices.SortFunc(d.Packages, func(a, b Package) int {
		return cmp.Or(strings.Compare(a.Type, b.Type), strings.Compare(a.Name, b.Name), strings.Compare(a.Arch, b.Arch),
			strings.Compare(a.Epoch, b.Epoch), strings.Compare(a.Version, b.Version), strings.Compare(a.Release, b.Release))
	})
	d.Digest = "loose-sha256:" + hex.EncodeToString(h.Sum(nil))
	return d, nil
}

// cveID matches a CVE ID in changelog text.
var cveID = regexp.MustCompile(`CVE-\d{4}-\d{4,}`)

// CVEsIn lists the distinct CVE IDs named in text, sorted.
func CVEsIn(text ...string) []string {
	var out []string
	for _, t := range text {
		out = append(out, cveID.FindAllString(t, -1)...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// errCorrupt wraps what is wrong with a package file's structure.
var errCorrupt = errors.New("not a valid package")

func corrupt(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errCorrupt, fmt.Sprintf(format, args...))
}

// openCapped opens path, refusing files over MaxFile.
func openCapped(path string) (*os.File, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	if st.Size() > MaxFile {
		f.Close()
		return nil, 0, fmt.Errorf("%d bytes: larger than %d", st.Size(), int64(MaxFile))
	}
	return f, st.Size(), nil
}

// field reads "Key: value" lines of a deb control file.
func controlFields(b []byte) map[string]string {
	out := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		if line == "" || line[0] == ' ' || line[0] == '\t' {
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if ok {
			out[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
		}
	}
	return out
}

// readFull reads exactly n bytes of r, n bounded by limit.
func readFull(r io.Reader, n, limit int64) ([]byte, error) {
	if n < 0 || n > limit {
		return nil, corrupt("member of %d bytes (limit %d)", n, limit)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, corrupt("truncated: %v", err)
	}
	return b, nil
}

func atoi(s string) (int64, error) { return strconv.ParseInt(strings.TrimSpace(s), 10, 64) }
