package agent_test

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"

	"patchward/ingest"
	"patchward/ingest/wire"
)

// wireRenamed maps wire fields to the store.HostReport (or element) field of another name.
var wireRenamed = map[string]string{"Report.RebootRequired": "Reboot", "Repo.ID": "Ident"}

// wireNotStored are the wire fields with no same-valued counterpart in store.HostReport, each
// with where it goes instead. A new wire field must be added to the intake or listed here.
var wireNotStored = map[string]string{
	"Report.Version":        "checked by the parser, which refuses anything but wire.Version",
	"Report.RebootPackages": "informational; the server ignores it",
	"Report.Collected":      "dates an air-gap import (ingest.ImportFiles), not the parsed report",
	"Report.Warnings":       "the server ignores it",
	"Report.Held":           "merged with Package.Held into HostReport.Held, checked on its own",
	"Package.Held":          "merged into HostReport.Held, checked on its own",
	"Report.AgentVersion":   "becomes HostReport.ClientVersion (ingest.TestClientOfReports)",
	"Report.SelfUpdate":     "becomes the text HostReport.AgentUpdate (ingest.TestClientOfReports)",
}

// TestAgentOutputRoundTripsThroughIntake runs the agent on its Debian fixture tree, parses its
// output with the intake's parser and compares every field of the wire types, found by
// reflection so that a field added to ingest/wire cannot go unchecked. A second round adds the
// members the Debian fixture cannot produce (modules, client updates, held names).
func TestAgentOutputRoundTripsThroughIntake(t *testing.T) {
	s := &server{addr: "127.0.0.1:1"} // --dry-run never connects
	stdout, stderr, err := runAgent(t, reportArgs(s, debianRoot(t), t.TempDir(), "wire.example.org", "--dry-run", "--tags", "web")...)
	if err != nil {
		t.Fatalf("agent: %v (%s)", err, stderr)
	}
	var in wire.Report
	if err := json.Unmarshal([]byte(stdout), &in); err != nil {
		t.Fatalf("agent output is not a wire.Report: %v", err)
	}
	if len(in.Packages) == 0 || len(in.Repos) == 0 || in.OS == "" || in.Collected.IsZero() {
		t.Fatalf("agent output lacks packages, repos, os or collected: %+v", in)
	}
	roundTrip(t, in, []byte(stdout))

	in.Modules = []wire.Module{{Name: "nodejs", Stream: "20", Version: "9040020240716", Context: "rhel9", Arch: "x86_64",
		Repo: "appstream", Packages: []string{"nodejs-1:20.14.0-1.module+el9.4.0+21905+4db9e6c1.x86_64"}}}
	in.Updates = []wire.Update{{Name: "dpkg", Arch: "amd64", Version: "1.21.23", Repo: "main", Security: true}}
	in.Held = []string{"dpkg"}
	body, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	roundTrip(t, in, body)
}

func roundTrip(t *testing.T, in wire.Report, body []byte) {
	t.Helper()
	hr, warn, err := ingest.ParseNative(body)
	if err != nil || len(warn) > 0 {
		t.Fatalf("ParseNative: %v, warnings %q", err, warn)
	}
	matchFields(t, "Report", reflect.ValueOf(in), reflect.ValueOf(hr))
	want := slices.Clone(in.Held)
	for _, p := range in.Packages {
		if p.Held && !slices.Contains(want, p.Name) {
			want = append(want, p.Name)
		}
	}
	slices.Sort(want)
	if !slices.Equal(hr.Held, want) || len(want) == 0 {
		t.Errorf("Held: got %q, want %q (held packages and held names)", hr.Held, want)
	}
}

// matchFields compares every field of the wire value w with its counterpart in the
// store.HostReport (or element) value s.
func matchFields(t *testing.T, typeName string, w, s reflect.Value) {
	t.Helper()
	for i := range w.NumField() {
		key := typeName + "." + w.Type().Field(i).Name
		if _, ok := wireNotStored[key]; ok {
			continue
		}
		name := w.Type().Field(i).Name
		if n, ok := wireRenamed[key]; ok {
			name = n
		}
		sf := s.FieldByName(name)
		if !sf.IsValid() {
			t.Errorf("%s has no field %s in %s: carry it through the intake or list it in wireNotStored", key, name, s.Type())
			continue
		}
		wf := w.Field(i)
		if wf.Kind() == reflect.Slice && wf.Type().Elem().Kind() == reflect.Struct {
			if wf.Len() != sf.Len() || wf.IsNil() != sf.IsNil() {
				t.Errorf("%s: got %d items (nil %v), want %d (nil %v)", key, sf.Len(), sf.IsNil(), wf.Len(), wf.IsNil())
				continue
			}
			for j := range wf.Len() {
				matchFields(t, wf.Type().Elem().Name(), wf.Index(j), sf.Index(j))
			}
			continue
		}
		if !reflect.DeepEqual(wf.Interface(), sf.Interface()) {
			t.Errorf("%s: got %#v, want %#v", key, sf.Interface(), wf.Interface())
		}
	}
}
