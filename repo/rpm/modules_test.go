package rpm

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseModules(t *testing.T) {
	const doc = `---
document: modulemd
version: 2
data:
    name: nodejs
    stream: 18 # unquoted
    version: 8080020230516083325
    context: '9edba152'
    arch: x86_64
    description: |
      name: not-a-field
      stream: nor-this
    artifacts:
        rpms:
        - nodejs-1:18.14.2-3.module+el8.7.0+18135+d0ab9ce7.x86_64
        - "npm-1:9.5.0-1.18.14.2.3.module+el8.7.0+18135+d0ab9ce7.x86_64"
        - nodejs-1:18.14.2-3.module+el8.7.0+18135+d0ab9ce7.src
    profiles:
        common:
            rpms:
            - not-an-artifact-1-1.x86_64
...
---
document: modulemd-defaults
version: 1
data:
  module: nodejs
  stream: "18"
...
---
document: modulemd
version: 2
data:
  name: perl
  stream: "5.32"
`
	var got []Module
	if err := ParseModules(strings.NewReader(doc), func(m Module) error { got = append(got, m); return nil }); err != nil {
		t.Fatal(err)
	}
	want := []Module{
		{Name: "nodejs", Stream: "18", Version: "8080020230516083325", Context: "9edba152", Arch: "x86_64", Artifacts: []Package{
			{Name: "nodejs", Arch: "x86_64", Epoch: "1", Version: "18.14.2", Release: "3.module+el8.7.0+18135+d0ab9ce7"},
			{Name: "npm", Arch: "x86_64", Epoch: "1", Version: "9.5.0", Release: "1.18.14.2.3.module+el8.7.0+18135+d0ab9ce7"},
		}},
		{Name: "perl", Stream: "5.32"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("modules (-want +got):\n%s", diff)
	}
}

func TestParseModulesLineTooLong(t *testing.T) {
	long := "---\ndocument: modulemd\ndata:\n  name: " + strings.Repeat("x", MaxLine+1) + "\n"
	if err := ParseModules(strings.NewReader(long), func(Module) error { return nil }); err == nil {
		t.Error("got no error for an over-long line")
	}
}

func TestParseNEVRA(t *testing.T) {
	tests := []struct {
		in   string
		want Package
		ok   bool
	}{
		{"bash-0:5.1-2.el9.x86_64", Package{Name: "bash", Epoch: "", Version: "5.1", Release: "2.el9", Arch: "x86_64"}, true},
		{"python3-pip-21.2.3-7.el9.noarch", Package{Name: "python3-pip", Version: "21.2.3", Release: "7.el9", Arch: "noarch"}, true},
		{"noversion.x86_64", Package{}, false},
		{"", Package{}, false},
	}
	for _, tt := range tests {
		got, ok := ParseNEVRA(tt.in)
		if ok != tt.ok || got != tt.want {
			t.Errorf("ParseNEVRA(%q): got %+v %v, want %+v %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}
