package version

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	debversion "github.com/knqyf263/go-deb-version"
	rpmversion "github.com/knqyf263/go-rpm-version"
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

// oraclePairs is how many random pairs each oracle test checks; the tools' own run time
// dominates, not Go's, so -race does not need a smaller number.
const oraclePairs = 2000

func randPart(r *rand.Rand, alphabet string, maxLen int) string {
	n := 1 + r.IntN(maxLen)
	var b strings.Builder
	for range n {
		switch r.IntN(10) {
		case 0: // leading zeros and long numbers
			b.WriteString(strings.Repeat("0", r.IntN(3)) + strconv.Itoa(r.IntN(1000)))
		case 1:
			if r.IntN(4) == 0 {
				b.WriteString("123456789012345678901234") // overflows any int
			} else {
				b.WriteString(strconv.Itoa(r.IntN(20)))
			}
		default:
			b.WriteByte(alphabet[r.IntN(len(alphabet))])
		}
	}
	return b.String()
}

// randDeb makes [epoch:]upstream[-revision] strings that dpkg parses (possibly warning).
func randDeb(r *rand.Rand) string {
	var s string
	if r.IntN(4) == 0 {
		s = strconv.Itoa(r.IntN(3)) + ":"
	}
	up := randPart(r, "0123456789abzAZ.+~", 6)
	if r.IntN(8) != 0 && !isDigit(up[0]) {
		up = strconv.Itoa(r.IntN(10)) + up
	}
	s += up
	if r.IntN(3) != 0 {
		s += "-" + randPart(r, "0129abz.+~", 4)
	}
	return s
}

func randRPM(r *rand.Rand) EVR {
	k := EVR{}
	if r.IntN(4) == 0 {
		k.Epoch = strconv.Itoa(r.IntN(3))
	}
	k.Version = randPart(r, "0123456789abzZ.+~^_", 6)
	k.Release = randPart(r, "0129abz.~^_", 4)
	return k
}

func randArch(r *rand.Rand) string {
	var s string
	if r.IntN(4) == 0 {
		s = strconv.Itoa(r.IntN(3)) + ":"
	}
	s += randPart(r, "0123456789abzZ.+_~", 6)
	if r.IntN(4) != 0 {
		s += "-" + randPart(r, "0129.", 2)
	}
	return s
}

// mutate makes b close to a so that the pairs exercise the deep branches, not only the
// first segment.
func mutate(r *rand.Rand, a, b string) string {
	if r.IntN(2) == 0 || len(a) < 2 {
		return b
	}
	cut := 1 + r.IntN(len(a)-1)
	return a[:cut] + b[min(cut, len(b)):]
}

var trickyDeb = [][2]string{
	{"1.0~rc1", "1.0"}, {"1.0", "1.0+b1"}, {"1:0.9", "1.0"}, {"0:1.0", "1.0"}, {"1.0-1", "1.0-1+deb12u1"},
	{"1.0-1~bpo12+1", "1.0-1"}, {"1.0a", "1.0"}, {"1.0.", "1.0"}, {"1.0~~", "1.0~"}, {"a1.0", "1.0"},
	{"1.0-0ubuntu1", "1.0-0ubuntu1.1"}, {"2.30-1", "2.3-1"}, {"1.001", "1.1"}, {"1.0+dfsg-1", "1.0-1"},
	{"10.1.0-1", "9.99-1"}, {"1.0-1", "1.0-1."}, {"1:2", "2:1"}, {"1.0~", "1.0"}, {"1.2.3-4-5", "1.2.3-4"},
	{"99999999999999999999", "100000000000000000000"}, {"1_0", "1.0"},
}

var trickyRPM = [][2]string{
	{"1.0~rc1-1", "1.0-1"}, {"1.0^git1-1", "1.0-1"}, {"1.0^git1-1", "1.0.1-1"}, {"1.0^-1", "1.0-1"},
	{"1:1.0-1", "2.0-1"}, {"0:1.0-1", "1.0-1"}, {"1.0a-1", "1.0-1"}, {"1.0-1.el9", "1.0-1.el9_2"},
	{"1.0-1", "1.0-1.1"}, {"1.001-1", "1.1-1"}, {"2.30-1", "2.3-1"}, {"1.0~~-1", "1.0~-1"},
	{"1.0_1-1", "1.0.1-1"}, {"1.0-1^", "1.0-1"}, {"1.0~rc1^git-1", "1.0~rc1-1"}, {"a-1", "1-1"},
}

var trickyArch = [][2]string{
	{"1.0", "1.0."}, {"1.0a", "1.0"}, {"1..0", "1.0"}, {"1.0~rc", "1.0"}, {"1:1", "2"}, {"1.0-1", "1.0"},
	{"1.0-1", "1.0-2"}, {"1.0.1", "1.0a"}, {"1.0rc1", "1.0"}, {"2.0", "2.0-1"}, {"1:2.0-1", "2.0-1"},
	{"1.0_1", "1.0.1"}, {"20240101.abc", "20240101"},
}

// runBatched runs script once per shard of lines (in parallel) and returns the output lines
// in input order. Shards keep a slow tool (one dpkg process per pair) fast on 2 cores.
func runBatched(t *testing.T, lines []string, shards int, cmd func(input string) *exec.Cmd) []string {
	t.Helper()
	per := (len(lines) + shards - 1) / shards
	outs := make([][]string, shards)
	errs := make([]error, shards)
	var wg sync.WaitGroup
	for s := range shards {
		part := lines[min(s*per, len(lines)):min((s+1)*per, len(lines))]
		wg.Go(func() {
			c := cmd(strings.Join(part, "\n") + "\n")
			var stderr bytes.Buffer
			c.Stderr = &stderr
			out, err := c.Output()
			if err != nil {
				errs[s] = fmt.Errorf("%v: %s", err, stderr.String())
				return
			}
			sc := bufio.NewScanner(bytes.NewReader(out))
			for sc.Scan() {
				if l := strings.TrimSpace(sc.Text()); l != "" {
					outs[s] = append(outs[s], l)
				}
			}
			if len(outs[s]) != len(part) {
				errs[s] = fmt.Errorf("got %d results, want %d (stderr %s)", len(outs[s]), len(part), stderr.String())
			}
		})
	}
	wg.Wait()
	var all []string
	for s := range shards {
		if errs[s] != nil {
			t.Fatalf("oracle: %v", errs[s])
		}
		all = append(all, outs[s]...)
	}
	return all
}

func TestCompareDebAgainstDpkg(t *testing.T) {
	requireTool(t, "dpkg")
	r := rand.New(rand.NewPCG(1, 2))
	pairs := append([][2]string{}, trickyDeb...)
	for len(pairs) < oraclePairs {
		a := randDeb(r)
		pairs = append(pairs, [2]string{a, mutate(r, a, randDeb(r))})
	}
	lines := make([]string, len(pairs))
	for i, p := range pairs {
		lines[i] = p[0] + " " + p[1]
	}
	// dpkg exits 1 for "false" and 2 for a version it refuses (E): those pairs are skipped.
	const script = `while read a b; do
	dpkg --compare-versions "$a" lt "$b" 2>/dev/null; rc=$?
	if [ $rc = 0 ]; then echo -1
	elif [ $rc = 1 ]; then
		if dpkg --compare-versions "$a" eq "$b" 2>/dev/null; then echo 0; else echo 1; fi
	else echo E; fi
done`
	got := runBatched(t, lines, 4, func(in string) *exec.Cmd {
		c := exec.Command("sh", "-c", script)
		c.Stdin = strings.NewReader(in)
		return c
	})
	bad, refused := 0, 0
	for i, p := range pairs {
		if got[i] == "E" {
			refused++
			continue
		}
		if want, _ := strconv.Atoi(got[i]); CompareDeb(p[0], p[1]) != want {
			t.Errorf("CompareDeb(%q, %q): got %d, want %d (dpkg)", p[0], p[1], CompareDeb(p[0], p[1]), want)
			if bad++; bad > 20 {
				t.Fatal("too many mismatches")
			}
		}
	}
	if refused > len(pairs)/4 {
		t.Errorf("dpkg refused %d of %d pairs: the generator is off", refused, len(pairs))
	}
}

func TestCompareRPMAgainstRpm(t *testing.T) {
	requireTool(t, "rpm")
	r := rand.New(rand.NewPCG(3, 4))
	var pairs [][2]EVR
	for _, p := range trickyRPM {
		pairs = append(pairs, [2]EVR{rpmKey(p[0]), rpmKey(p[1])})
	}
	for len(pairs) < 5*oraclePairs { // one rpm process for all: cheap
		a, b := randRPM(r), randRPM(r)
		b.Version = mutate(r, a.Version, b.Version)
		if r.IntN(2) == 0 {
			b.Release = a.Release
		}
		pairs = append(pairs, [2]EVR{a, b})
	}
	var lua strings.Builder
	lua.WriteString("local p = {\n")
	for _, p := range pairs {
		fmt.Fprintf(&lua, "{[==[%s]==],[==[%s]==]},\n", rpmEVR(p[0]), rpmEVR(p[1]))
	}
	// rpm's lua print appends to the macro expansion without a newline: separate by spaces.
	lua.WriteString("}\nfor _, x in ipairs(p) do print(rpm.vercmp(x[1], x[2]) .. \" \") end\n")
	f := filepath.Join(t.TempDir(), "pairs.lua")
	if err := os.WriteFile(f, []byte(lua.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("rpm", "--eval", `%{lua: dofile("`+f+`")}`).CombinedOutput()
	if err != nil {
		t.Fatalf("rpm --eval: %v: %s", err, out)
	}
	got := strings.Fields(string(out))
	if len(got) != len(pairs) {
		t.Fatalf("rpm printed %d results, want %d", len(got), len(pairs))
	}
	bad := 0
	for i, p := range pairs {
		if want, _ := strconv.Atoi(got[i]); CompareRPM(p[0], p[1]) != want {
			t.Errorf("CompareRPM(%s, %s): got %d, want %d (rpm)", rpmEVR(p[0]), rpmEVR(p[1]), CompareRPM(p[0], p[1]), want)
			if bad++; bad > 20 {
				t.Fatal("too many mismatches")
			}
		}
	}
}

// rpmEVR is the string rpm.vercmp parses: the epoch only when there is one, since rpm treats
// a missing epoch like 0.
func rpmEVR(k EVR) string { return k.String() }

func rpmKey(evr string) EVR {
	k := EVR{}
	if i := strings.IndexByte(evr, ':'); i >= 0 {
		k.Epoch, evr = evr[:i], evr[i+1:]
	}
	k.Version, k.Release, _ = strings.Cut(evr, "-")
	return k
}

// TestCompareArchAgainstLibalpm uses libalpm itself through python3's ctypes: Debian's
// pacman-package-manager ships libalpm but not the vercmp program.
func TestCompareArchAgainstLibalpm(t *testing.T) {
	py := requireTool(t, "python3")
	const script = `import ctypes, sys
l = ctypes.CDLL("libalpm.so.13")
f = l.alpm_pkg_vercmp
f.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
f.restype = ctypes.c_int
for line in sys.stdin:
    a, b = line.split()
    print(f(a.encode(), b.encode()))
`
	if err := exec.Command(py, "-c", `import ctypes; ctypes.CDLL("libalpm.so.13")`).Run(); err != nil {
		if os.Getenv("PATCHWARD_REQUIRE_TOOLS") == "1" {
			t.Fatalf("libalpm.so.13 is required (PATCHWARD_REQUIRE_TOOLS=1): %v", err)
		}
		t.Skipf("libalpm.so.13 not loadable (install pacman-package-manager): %v", err)
	}
	r := rand.New(rand.NewPCG(5, 6))
	pairs := append([][2]string{}, trickyArch...)
	for len(pairs) < 5*oraclePairs {
		a := randArch(r)
		pairs = append(pairs, [2]string{a, mutate(r, a, randArch(r))})
	}
	lines := make([]string, len(pairs))
	for i, p := range pairs {
		lines[i] = p[0] + " " + p[1]
	}
	got := runBatched(t, lines, 1, func(in string) *exec.Cmd {
		c := exec.Command(py, "-c", script)
		c.Stdin = strings.NewReader(in)
		return c
	})
	bad := 0
	for i, p := range pairs {
		want, _ := strconv.Atoi(got[i])
		if CompareArch(p[0], p[1]) != sign(want) {
			t.Errorf("CompareArch(%q, %q): got %d, want %d (libalpm)", p[0], p[1], CompareArch(p[0], p[1]), sign(want))
			if bad++; bad > 20 {
				t.Fatal("too many mismatches")
			}
		}
	}
}

// TestCompareAgreesWithLibraries cross-checks the ports against go-deb-version and
// go-rpm-version wherever those libraries accept the input and cannot overflow.
func TestCompareAgreesWithLibraries(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for range 20000 {
		a, b := randDeb(r), randDeb(r)
		b = mutate(r, a, b)
		va, errA := debversion.NewVersion(a)
		vb, errB := debversion.NewVersion(b)
		if errA != nil || errB != nil || strings.Contains(a+b, "123456789012") {
			continue
		}
		if got, want := CompareDeb(a, b), sign(va.Compare(vb)); got != want {
			t.Errorf("CompareDeb(%q, %q): got %d, want %d (go-deb-version)", a, b, got, want)
		}
	}
	for range 20000 {
		a, b := randRPM(r), randRPM(r)
		b.Version = mutate(r, a.Version, b.Version)
		got := CompareRPM(a, b)
		want := rpmversion.NewVersion(a.String()).Compare(rpmversion.NewVersion(b.String()))
		if got != want {
			t.Errorf("CompareRPM(%s, %s): got %d, want %d (go-rpm-version)", a.String(), b.String(), got, want)
		}
	}
}

// TestCompareDebAcceptsWhatDpkgAccepts pins strings go-deb-version rejects but dpkg compares
// (with a warning), so a host reporting them still gets an answer.
func TestCompareDebAcceptsWhatDpkgAccepts(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"a1.0", "b1.0", -1},     // does not start with a digit
		{"1.0-1", "1.0-1_1", -1}, // '_' is invalid in a revision for dpkg, warned only
		{"1.0@2", "1.0@1", 1},
		{"1.0 ", "1.0", 0}, // trailing blank trimmed
		{"x:1.0", "1.0", 1},
		{"", "1.0", -1},
		{"1.0-", "1.0", 0},
	}
	for _, tt := range tests {
		t.Run(tt.a+"_"+tt.b, func(t *testing.T) {
			if got := CompareDeb(tt.a, tt.b); got != tt.want {
				t.Errorf("CompareDeb(%q, %q): got %d, want %d", tt.a, tt.b, got, tt.want)
			}
			if got := CompareDeb(tt.b, tt.a); got != -tt.want {
				t.Errorf("CompareDeb(%q, %q): got %d, want %d", tt.b, tt.a, got, -tt.want)
			}
		})
	}
}

func FuzzCompare(f *testing.F) {
	for _, p := range trickyDeb {
		f.Add(p[0], p[1])
	}
	for _, p := range trickyRPM {
		f.Add(p[0], p[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		// Every comparator must be total and antisymmetric, whatever the input.
		if x, y := CompareDeb(a, b), CompareDeb(b, a); x != -y {
			t.Errorf("CompareDeb(%q, %q) = %d but reversed = %d", a, b, x, y)
		}
		if x, y := CompareArch(a, b), CompareArch(b, a); x != -y {
			t.Errorf("CompareArch(%q, %q) = %d but reversed = %d", a, b, x, y)
		}
		ka, kb := rpmKey(a), rpmKey(b)
		if x, y := CompareRPM(ka, kb), CompareRPM(kb, ka); x != -y {
			t.Errorf("CompareRPM(%q, %q) = %d but reversed = %d", a, b, x, y)
		}
	})
}

func BenchmarkCompareDeb(b *testing.B) {
	for b.Loop() {
		CompareDeb("1:2.36.1-8+deb12u1", "1:2.36.1-8+deb12u2")
	}
}

func TestParseEVR(t *testing.T) {
	tests := []struct {
		in   string
		want EVR
	}{
		{"1.0", EVR{Version: "1.0"}},
		{"1:1.0-2", EVR{Epoch: "1", Version: "1.0", Release: "2"}},
		{"5.14.0-362.8.1.el9_3", EVR{Version: "5.14.0", Release: "362.8.1.el9_3"}},
		{"a:1.0-1-2", EVR{Version: "a:1.0-1", Release: "2"}}, // no digits before ':': no epoch
		{":1.0", EVR{Version: "1.0"}},
	}
	for _, tt := range tests {
		if got := ParseEVR(tt.in); got != tt.want {
			t.Errorf("ParseEVR(%q): got %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func TestCompareUnknownTypeIsDeb(t *testing.T) {
	a, b := EVR{Version: "1.0~rc1"}, EVR{Version: "1.0"}
	if got := Compare("slackware", a, b); got != -1 {
		t.Errorf("Compare(slackware, %v, %v): got %d, want -1 (dpkg rules)", a, b, got)
	}
	if got := Compare("rpm", a, b); got != -1 {
		t.Errorf("Compare(rpm, %v, %v): got %d, want -1", a, b, got)
	}
}
