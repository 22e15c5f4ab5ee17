package wire

import "testing"

func TestCompareVersions(t *testing.T) {
	tests := []struct {
		a, b string
		want int
		ok   bool
	}{
		{"1.0.0", "1.1.0", -1, true},
		{"1.1.0", "1.0.0", 1, true},
		{"v1.2.3", "1.2.3", 0, true},
		{"1.2", "1.2.0", 0, true},
		{"1.10.0", "1.9.0", 1, true},
		{"1.1.0-rc.1", "1.1.0", -1, true},
		{"1.1.0-rc.2", "1.1.0-rc.10", -1, true},
		{"1.1.0-rc.1", "1.1.0-beta", 1, true},
		{"1.1.0-alpha", "1.1.0-alpha.1", -1, true},
		{"1.1.0+build5", "1.1.0", 0, true},
		{"dev", "1.0.0", 0, false},
		{"1.0.0", "dev-0123456789ab", 0, false},
		{"(devel)", "1.0.0", 0, false},
		{"", "1.0.0", 0, false},
		{"1", "2", 0, false},
		{"1.02.0", "1.2.0", 0, false},
		{"1.2.3.4", "1.2.3", 0, false},
		{"1.2.x", "1.2.3", 0, false},
		{"1.2.3-", "1.2.3", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.a+"_"+tt.b, func(t *testing.T) {
			got, ok := CompareVersions(tt.a, tt.b)
			if got != tt.want || ok != tt.ok {
				t.Errorf("CompareVersions(%q, %q) = %d, %v; want %d, %v", tt.a, tt.b, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestOutdated(t *testing.T) {
	tests := []struct {
		agent, server string
		want          bool
	}{
		{"1.0.0", "1.1.0", true},
		{"1.1.0", "1.1.0", false},
		{"1.2.0", "1.1.0", false}, // newer agent than server: not outdated
		{"dev", "1.1.0", false},   // dev agent: unknown, never outdated
		{"1.0.0", "dev", false},   // dev server: nothing is older than it
		{"", "1.1.0", false},
		{"1.1.0-rc.1", "1.1.0", true},
	}
	for _, tt := range tests {
		if got := Outdated(tt.agent, tt.server); got != tt.want {
			t.Errorf("Outdated(%q, %q) = %v, want %v", tt.agent, tt.server, got, tt.want)
		}
	}
}

// FuzzCompareVersions: versions come from reports (outside input). Comparing never panics,
// is antisymmetric, and a version that orders equals itself.
func FuzzCompareVersions(f *testing.F) {
	for _, s := range [][2]string{{"1.0.0", "1.1.0"}, {"v1.2.3-rc.1+b", "1.2.3"}, {"dev", "1.0"}, {"1.0.0-", ""},
		{"1.0.0-a.1.b", "1.0.0-a.01"}, {"99999999999999999999.0.0", "1.0.0"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		c1, ok1 := CompareVersions(a, b)
		c2, ok2 := CompareVersions(b, a)
		if ok1 != ok2 || c1 != -c2 {
			t.Errorf("CompareVersions(%q, %q) = %d, %v but reversed %d, %v", a, b, c1, ok1, c2, ok2)
		}
		if ok1 {
			if c, ok := CompareVersions(a, a); !ok || c != 0 {
				t.Errorf("CompareVersions(%q, itself) = %d, %v", a, c, ok)
			}
		}
		if Outdated(a, b) && Outdated(b, a) {
			t.Errorf("%q and %q both older than the other", a, b)
		}
	})
}
