package output

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// rowTypes are the row types of the package: each must be writable as CSV, and every field
// not explicitly left out of CSV must appear in both the JSON and the CSV.
var rowTypes = []any{Host{}, HostDetail{}, Update{}, Mirror{}, Repo{}, RepoMirror{}, OSVariant{}, Package{},
	PackageVersionRow{}, Erratum{}, CVE{}, Report{}, AuditEntry{}, Comparison{}}

// csvTypes are the row types offered as CSV (the others have nested lists and are JSON only).
var csvTypes = map[reflect.Type]bool{}

func init() {
	for _, v := range []any{Host{}, RepoMirror{}, OSVariant{}, Package{}, PackageVersionRow{}, Erratum{}, CVE{},
		Report{}, AuditEntry{}, Comparison{}} {
		csvTypes[reflect.TypeOf(v)] = true
	}
}

// TestRowFieldsInJSONAndCSV: a field added to a row type appears in its JSON and, unless
// tagged csv:"-", among its CSV columns.
func TestRowFieldsInJSONAndCSV(t *testing.T) {
	for _, v := range rowTypes {
		rt := reflect.TypeOf(v)
		t.Run(rt.Name(), func(t *testing.T) {
			b, err := json.Marshal(Value(v))
			if err != nil {
				t.Fatal(err)
			}
			var m map[string]any
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatal(err)
			}
			var cols []Column
			if csvTypes[rt] {
				if cols, err = ColumnsOf(rt); err != nil {
					t.Fatal(err)
				}
			}
			for _, f := range reflect.VisibleFields(rt) {
				if f.Anonymous || !f.IsExported() {
					continue
				}
				name := SnakeCase(f.Name)
				if _, ok := m[name]; !ok {
					t.Errorf("field %s: not in the JSON %s", f.Name, b)
				}
				if !csvTypes[rt] || f.Tag.Get("csv") == "-" {
					continue
				}
				want, _, _ := strings.Cut(f.Tag.Get("csv"), ",")
				want = cmpOr(want, name)
				if !slices.ContainsFunc(cols, func(c Column) bool { return c.Header == want }) {
					t.Errorf("field %s: no CSV column %q", f.Name, want)
				}
			}
		})
	}
}

func TestColumnsRefuseNested(t *testing.T) {
	if _, err := ColumnsOf(reflect.TypeFor[Repo]()); err == nil {
		t.Error("Repo's mirrors became a CSV column; want an error")
	}
}

func TestWriteCSV(t *testing.T) {
	when := time.Date(2026, 11, 21, 10, 0, 0, 0, time.FixedZone("CET", 3600))
	rows := []Host{{Hostname: "web1", OS: "=HYPERLINK(1)", Tags: []string{"a", "b"}, Packages: 7, RebootRequired: true, LastReport: when},
		{Hostname: "db1"}}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, slices.Values(rows)); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"hostname", "domain", "os", "os_group", "kernel", "arch", "ip", "tags", "packages", "security_updates",
			"bugfix_updates", "reboot_required", "last_report"},
		{"web1", "", "'=HYPERLINK(1)", "", "", "", "", "a b", "7", "0", "0", "true", "2026-11-21T09:00:00Z"},
		{"db1", "", "", "", "", "", "", "", "0", "0", "0", "false", ""},
	}
	if !reflect.DeepEqual(recs, want) {
		t.Errorf("got %q\nwant %q", recs, want)
	}
}

func TestWriteCSVOptionsAndTags(t *testing.T) {
	var buf bytes.Buffer
	err := WriteCSV(&buf, slices.Values([]Comparison{{Package: "bash", Arch: "amd64", A: "5.2", B: "5.1"}}),
		RenameColumn("a", "b"), RenameColumn("b", "web2"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := buf.String(), "package,arch,b,web2\nbash,amd64,5.2,5.1\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	buf.Reset()
	if err := WriteCSV(&buf, slices.Values([]CVE{{ID: "CVE-1", Errata: []string{"DSA-1", "DSA-2"}, Hosts: 2}})); err != nil {
		t.Fatal(err)
	}
	if got, want := buf.String(), "CVE,Errata,Affected hosts\nCVE-1,\"DSA-1, DSA-2\",2\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	buf.Reset()
	if err := WriteCSV(&buf, slices.Values([]Report{{ID: 3, Status: "rejected"}})); err != nil {
		t.Fatal(err)
	}
	if got, want := buf.String(), "Report,Host,Received,Protocol,Status,Reason\n#3,,,,rejected,\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestWriteCSVStreams: rows reach the writer while the iterator is still producing them.
func TestWriteCSVStreams(t *testing.T) {
	var buf bytes.Buffer
	const n = 10 * csvFlushEvery
	seen := -1
	rows := func(yield func(Package) bool) {
		for i := range n {
			if i == n-1 {
				seen = strings.Count(buf.String(), "\n")
			}
			if !yield(Package{Name: "p", Hosts: i}) {
				return
			}
		}
	}
	if err := WriteCSV(&buf, rows); err != nil {
		t.Fatal(err)
	}
	if seen < n-csvFlushEvery {
		t.Errorf("before the last row: got %d lines written, want at least %d", seen, n-csvFlushEvery)
	}
	if got := strings.Count(buf.String(), "\n"); got != n+1 {
		t.Errorf("got %d lines, want %d", got, n+1)
	}
}

func TestSafe(t *testing.T) {
	for in, want := range map[string]string{"=cmd()": "'=cmd()", "-1": "-1", "+x": "'+x", "web1": "web1", "": "",
		"@SUM(A1)": "'@SUM(A1)", "\tx": "'\tx", "\rx": "'\rx", "-": "'-", "+1.5e3": "+1.5e3", "a=b": "a=b"} {
		if got := Safe(in); got != want {
			t.Errorf("Safe(%q): got %q, want %q", in, got, want)
		}
	}
}
