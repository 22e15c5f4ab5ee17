package version

import (
	"testing"
)

// TestCompareAPK checks apk's version rules (no apk binary exists here to act as oracle):
// numeric components, leading zeros as fractions, one letter after a number, pre-release
// suffixes below the release and post-release ones above it, several suffixes, and -rN.
func TestCompareAPK(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"1.0", "1.0", 0},
		{"1.2.3-r0", "1.2.3-r0", 0},
		{"1.0", "1.1", -1},
		{"1.9", "1.10", -1},                        // numeric, not string order
		{"1.2", "1.2.1", -1},                       // more components is newer
		{"1.2.10", "1.2.9.9", 1},                   // component by component
		{"1.01", "1.1", -1},                        // leading zero: a fraction
		{"1.001", "1.01", -1},                      // more zeros, smaller
		{"2.10", "02.9", 1},                        // leading zeros in the first component do not count
		{"1.0a", "1.0", 1},                         // a letter after a number is newer
		{"1.0a", "1.0b", -1},                       // letters in order
		{"1.0b", "1.0.1", -1},                      // letter before a further component
		{"1.0_alpha", "1.0", -1},                   // pre-release suffixes sort before the release
		{"1.0_alpha1", "1.0_alpha2", -1},           // suffix numbers
		{"1.0_alpha9", "1.0_beta1", -1},            // alpha < beta < pre < rc
		{"1.0_beta", "1.0_pre", -1},                //
		{"1.0_pre5", "1.0_rc1", -1},                //
		{"1.0_rc9", "1.0", -1},                     //
		{"1.0", "1.0_p1", -1},                      // post-release suffixes sort after it
		{"1.0_cvs", "1.0_svn", -1},                 // cvs < svn < git < hg < p
		{"1.0_git20240101", "1.0_git20240202", -1}, //
		{"1.0_hg", "1.0_p", -1},                    //
		{"1.0_p9", "1.0_p10", -1},                  //
		{"1.0_alpha_pre2", "1.0_alpha", -1},        // a second pre-release suffix sorts lower still
		{"1.0_rc1", "1.0_p1", -1},                  //
		{"1.0-r1", "1.0-r2", -1},                   // revisions
		{"1.0-r9", "1.0-r10", -1},                  //
		{"1.0-r1", "1.0", 1},                       // a revision is newer than none
		{"1.0-r100", "1.0.1-r0", -1},               // the version decides before the revision
		{"1.0_p1-r0", "1.0-r5", 1},                 // suffix before revision
		{"3.0.20060720", "20060720", -1},           // date-like versions are plain numbers
		{"1.0", "1.0bc", -1},                       // invalid after a valid prefix: the prefix loses
	}
	for _, tt := range tests {
		if got := CompareAPK(tt.a, tt.b); got != tt.want {
			t.Errorf("CompareAPK(%q, %q): got %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := CompareAPK(tt.b, tt.a); got != -tt.want {
			t.Errorf("CompareAPK(%q, %q): got %d, want %d", tt.b, tt.a, got, -tt.want)
		}
	}
}
