package main

import (
	"context"
	"errors"
	"flag"
	"strings"
	"testing"
)

// helpFlags lists the flags each command's --help must show. A command added to the table
// without a row here fails TestCommandHelp, so its help gets a look.
var helpFlags = map[string][]string{
	"serve":                {"config", "data", "listen"},
	"report":               {"config", "server", "dry-run", "output", "hook"},
	"agent install":        {"root", "binary", "config", "delay", "no-systemctl"},
	"agent uninstall":      {"root"},
	"agent zypp-plugin":    nil, // speaks libzypp's protocol on stdin; its arguments go to report
	"simulate":             {"server", "index", "hosts", "serve", "dry-run"},
	"process":              {"config", "data", "quiet"},
	"ingest":               {"config", "data", "quiet"},
	"refresh":              {"config", "data", "force", "repo", "quiet"},
	"find-updates":         {"config", "data", "host", "force", "quiet"},
	"clean-reports":        {"config", "data", "keep", "quiet"},
	"dbcheck":              {"config", "data", "fix", "quiet"},
	"all":                  {"config", "data", "fix", "quiet"},
	"hosts":                {"config", "data", "json"},
	"host":                 {"config", "data", "json"},
	"repos":                {"config", "data", "json"},
	"updates":              {"config", "data", "json", "package", "security", "tag", "os"},
	"history":              {"config", "data", "json", "limit"},
	"packages":             {"config", "data", "json", "orphaned", "host"},
	"diff":                 {"config", "data", "json"},
	"dns-check":            {"config", "data", "host", "dns-server"},
	"user add":             {"config", "data", "role", "password-stdin"},
	"user passwd":          {"config", "data", "password-stdin"},
	"apikey add":           {"config", "data", "kind", "role"},
	"enroll-token add":     {"config", "data", "allow-existing"},
	"enroll-token pending": {"config", "data"},
	"enroll-token approve": {"config", "data"},
	"enroll-token list":    {"config", "data"},
	"enroll-token revoke":  {"config", "data"},
	"repo import":          {"config", "data", "quiet"},
	"repo link":            {"config", "data", "apply", "quiet"},
	"host-token revoke":    {"config", "data"},
	"hosts delete":         {"config", "data", "match", "yes"},
	"version":              nil,
	"completion":           nil,
	"backup":               {"config", "data", "quiet"},
	"restore":              {"config", "data", "quiet"},
}

// TestCommandHelp runs `patchward CMD --help` for every command in the table: it must exit 0
// (main exits 0 on flag.ErrHelp) and list the command's flags, and `patchward help` lists it.
func TestCommandHelp(t *testing.T) {
	var usage strings.Builder
	if err := run(t.Context(), []string{"help"}, nil, strings.NewReader(""), &usage, &usage); err != nil {
		t.Fatalf("help: %v", err)
	}
	seen := map[string]bool{}
	for _, s := range commands {
		for _, c := range s.Commands {
			seen[c.Name] = true
			t.Run(c.Name, func(t *testing.T) {
				want, ok := helpFlags[c.Name]
				if !ok {
					t.Fatalf("%q has no row in helpFlags", c.Name)
				}
				if c.Summary == "" || strings.Contains(c.Summary, "\n") {
					t.Errorf("summary %q: want one line", c.Summary)
				}
				if !strings.Contains(usage.String(), "  "+c.Name+" ") {
					t.Errorf("patchward help does not list %q:\n%s", c.Name, usage.String())
				}
				// Should --help be ignored, the command must not touch the working directory
				// or a real port, and a cancelled context ends a server at once.
				ctx, cancel := context.WithCancel(context.Background())
				cancel()
				environ := []string{"PATCHWARD_DATA=" + t.TempDir(), "PATCHWARD_LISTEN=127.0.0.1:0"}
				var out strings.Builder
				args := append(strings.Fields(c.Name), "--help")
				err := run(ctx, args, environ, strings.NewReader(""), &out, &out)
				if err != nil && !errors.Is(err, flag.ErrHelp) {
					t.Fatalf("patchward %s: got %v, want exit 0\n%s", strings.Join(args, " "), err, out.String())
				}
				for _, f := range want {
					if !strings.Contains(out.String(), "  -"+f+" ") && !strings.Contains(out.String(), "  -"+f+"\n") {
						t.Errorf("patchward %s does not list -%s:\n%s", strings.Join(args, " "), f, out.String())
					}
				}
			})
		}
	}
	for name := range helpFlags {
		if !seen[name] {
			t.Errorf("helpFlags has %q, which is not in the command table", name)
		}
	}
}

// TestUnknownCommand: an unknown command, or an unknown verb of a command group, is an error
// that names it.
func TestUnknownCommand(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"user", "frob"}, "user: want one of: add, passwd"},
		{[]string{"enroll-token"}, "enroll-token: want one of: add, list, revoke, pending, approve"},
	} {
		err := run(t.Context(), tt.args, nil, strings.NewReader(""), &strings.Builder{}, &strings.Builder{})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("patchward %v: got %v, want an error with %q", tt.args, err, tt.want)
		}
	}
}
