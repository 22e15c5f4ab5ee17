package updates

import (
	"os"
	"os/exec"
	"testing"

	"patchward/store"
)

// requireTool skips the test when the named program is missing, unless
// PATCHWARD_REQUIRE_TOOLS=1 (CI), where a missing oracle is a failure.
func requireTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("PATCHWARD_REQUIRE_TOOLS") == "1" {
			t.Fatalf("%s is required (PATCHWARD_REQUIRE_TOOLS=1): %v", name, err)
		}
		t.Skipf("%s not installed: %v", name, err)
	}
	return p
}

func TestCompareDispatch(t *testing.T) {
	deb := func(v string) store.PackageKey {
		return store.PackageKey{Type: "deb", Name: "x", Arch: "all", Version: v}
	}
	rpm := func(e, v, r string) store.PackageKey {
		return store.PackageKey{Type: "rpm", Name: "x", Arch: "noarch", Epoch: e, Version: v, Release: r}
	}
	arch := func(v, r string) store.PackageKey {
		return store.PackageKey{Type: "arch", Name: "x", Arch: "any", Version: v, Release: r}
	}
	tests := []struct {
		name string
		a, b store.PackageKey
		want int
	}{
		{"deb tilde", deb("1.0~rc1"), deb("1.0"), -1},
		{"deb epoch", store.PackageKey{Type: "deb", Epoch: "1", Version: "0.1"}, deb("9"), 1},
		{"rpm caret", rpm("", "1.0^git1", "1"), rpm("", "1.0", "1"), 1},
		{"rpm missing epoch is 0", rpm("0", "1.0", "1"), rpm("", "1.0", "1"), 0},
		{"arch tilde is no pre-release", arch("1.0~rc", "1"), arch("1.0", "1"), 1},
		{"arch pkgrel", arch("1.0", "1"), arch("1.0", "2"), -1},
		{"gentoo uses rpm rules", store.PackageKey{Type: "gentoo", Version: "1.2"}, store.PackageKey{Type: "gentoo", Version: "1.10"}, -1},
		{"mixed types ordered by type", deb("9"), rpm("", "1", "1"), -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Compare(tt.a, tt.b); got != tt.want {
				t.Errorf("Compare(%v, %v): got %d, want %d", tt.a, tt.b, got, tt.want)
			}
		})
	}
}

func TestCompareAPKDispatch(t *testing.T) {
	// Compare dispatches apk packages to it (version and -rN release as the agent splits them).
	a := store.PackageKey{Type: "apk", Name: "musl", Arch: "x86_64", Version: "1.2.5", Release: "r0"}
	b := a
	b.Version = "1.2.5_git20240101"
	if got := Compare(a, b); got != -1 {
		t.Errorf("Compare apk %s vs %s: got %d, want -1", a.EVR(), b.EVR(), got)
	}
}
