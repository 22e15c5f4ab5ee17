package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// completionScript writes `patchward completion SHELL` to a file and returns its path.
func completionScript(t *testing.T, shell string) string {
	t.Helper()
	var out, errOut strings.Builder
	if err := run(t.Context(), []string{"completion", shell}, nil, strings.NewReader(""), &out, &errOut); err != nil {
		t.Fatalf("completion %s: %v\n%s", shell, err, errOut.String())
	}
	path := filepath.Join(t.TempDir(), "patchward."+shell)
	must(t, os.WriteFile(path, []byte(out.String()), 0o644))
	return path
}

// TestCompletionBash: bash accepts the script, and with it sourced completes command names,
// verbs of a command group and a command's flags (taken from its --help).
func TestCompletionBash(t *testing.T) {
	requireTools(t, "bash")
	script := completionScript(t, "bash")
	if out, err := exec.Command("bash", "-n", script).CombinedOutput(); err != nil {
		t.Fatalf("bash -n: %v\n%s", err, out)
	}
	for _, tt := range []struct {
		words string
		want  string
	}{
		{"patchward dbc", "dbcheck"},
		{"patchward d", "dbcheck diff dns-check"},
		{"patchward hosts del", "delete"},
		{"patchward enroll-token ap", "approve"},
		{"patchward dbcheck --f", "--fix"},
		{"patchward hosts delete --m", "--match"},
		{"patchward host web1 --j", "--json"},
		{"patchward dns-check --dns", "--dns-server"},
	} {
		words := strings.Fields(tt.words)
		if strings.HasSuffix(tt.words, " ") {
			words = append(words, "")
		}
		var arr []string
		for _, w := range words {
			arr = append(arr, "'"+w+"'")
		}
		prog := ". " + script + "\nCOMP_WORDS=(" + strings.Join(arr, " ") + ")\nCOMP_CWORD=" +
			strconv.Itoa(len(words)-1) + "\n_patchward\necho \"${COMPREPLY[*]}\"\n"
		out, err := exec.Command("bash", "--norc", "--noprofile", "-c", prog).CombinedOutput()
		if err != nil {
			t.Fatalf("%q: %v\n%s", tt.words, err, out)
		}
		if got := strings.TrimSpace(string(out)); got != tt.want {
			t.Errorf("complete %q: got %q, want %q", tt.words, got, tt.want)
		}
	}
}

// TestCompletionZsh: zsh accepts the script, and its function offers command names, verbs and
// flags (compadd stubbed to print its candidates: zsh itself filters them by prefix).
func TestCompletionZsh(t *testing.T) {
	requireTools(t, "zsh")
	script := completionScript(t, "zsh")
	if out, err := exec.Command("zsh", "-n", script).CombinedOutput(); err != nil {
		t.Fatalf("zsh -n: %v\n%s", err, out)
	}
	for _, tt := range []struct {
		words   string
		current int
		want    string
	}{
		{"patchward di", 2, " diff "},
		{"patchward hosts d", 3, "delete"},
		{"patchward dbcheck --f", 3, " --fix "},
		{"patchward hosts delete --m", 4, " --match "},
	} {
		prog := "compdef() { :; }; compadd() { shift; print -r -- \" $* \"; }; source " + script +
			"; words=(" + tt.words + "); CURRENT=" + strconv.Itoa(tt.current) + "; _patchward"
		out, err := exec.Command("zsh", "-f", "-c", prog).CombinedOutput()
		if err != nil {
			t.Fatalf("%q: %v\n%s", tt.words, err, out)
		}
		if !strings.Contains(string(out), tt.want) {
			t.Errorf("complete %q: got %q, want %q among them", tt.words, out, tt.want)
		}
	}
}

// TestCompletionShells: completion wants bash or zsh.
func TestCompletionShells(t *testing.T) {
	for _, args := range [][]string{{"completion"}, {"completion", "fish"}} {
		if err := run(t.Context(), args, nil, strings.NewReader(""), &strings.Builder{}, &strings.Builder{}); err == nil {
			t.Errorf("patchward %v: got no error", args)
		}
	}
}
