// Package agent is the patchward agent: the same binary run on a monitored host collects the
// host's packages and repositories (package collect) and reports them to the server in the
// native protocol, enrolling once for a host token, retrying, and spooling a report the server
// could not take. "agent install" sets up a systemd timer and package-manager hooks.
package agent

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime/debug"
	"strings"
	"time"

	"patchward/ingest/agent/collect"
	"patchward/ingest/wire"
)

const usage = `usage:
  patchward report [--server URL] [--dry-run] [--output FILE] [--hook] [flags]
  patchward agent install [--root DIR] [--binary PATH] [--config FILE] [--delay DURATION]
  patchward agent uninstall [--root DIR]
Config: ` + DefaultConfigPath + ` (TOML), PATCHWARD_AGENT_<KEY> variables, then flags`

// errUsage is returned for an unknown or incomplete agent command; it carries the usage text.
var errUsage = errors.New(usage)

// Run runs the agent commands: args[0] is "report" or "agent" (install, uninstall, zypp-plugin).
// version is the binary's stamped version (-ldflags "-X main.version=..."), "" if none.
func Run(ctx context.Context, version string, args, environ []string, stdin io.Reader, stdout, stderr io.Writer) error {
	version = Version(version)
	if len(args) == 0 {
		return errUsage
	}
	switch args[0] {
	case "report":
		return runReport(ctx, version, args[1:], environ, stdout, stderr)
	case "agent":
		if len(args) < 2 {
			return errUsage
		}
		switch args[1] {
		case "install":
			return runInstall(ctx, args[2:], stdout, stderr, true)
		case "uninstall":
			return runInstall(ctx, args[2:], stdout, stderr, false)
		case "zypp-plugin":
			return runZyppPlugin(ctx, version, args[2:], environ, stdin, stdout, stderr)
		}
	}
	return errUsage
}

// Version is the agent's version as sent in reports: the stamped one, else the module version
// or VCS revision ("dev-<revision>"), else "dev". Dev versions are never updated nor counted
// as outdated (wire.CompareVersions).
func Version(stamped string) string {
	if stamped != "" {
		return stamped
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v := bi.Main.Version; v != "" && v != "(devel)" {
			return v
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				return "dev-" + s.Value[:12]
			}
		}
	}
	return "dev"
}

// reportFlags are the report command's own switches (besides the config options).
type reportFlags struct {
	dryRun bool
	output string
	hook   bool
}

func runReport(ctx context.Context, version string, args, environ []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", DefaultConfigPath, "agent config file (TOML)")
	var rf reportFlags
	fs.BoolVar(&rf.dryRun, "dry-run", false, "print the report as JSON instead of sending it")
	fs.StringVar(&rf.output, "output", "", "write the report to FILE (.gz: gzip'd) for 'patchward ingest' across an air gap")
	fs.BoolVar(&rf.hook, "hook", false, "run from a package-manager hook: one quick attempt, spool on failure, never fail the hook")
	applyFlags := configFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	explicit := false
	fs.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "config" })
	cfg, err := loadConfig(*configPath, explicit, environ)
	if err == nil {
		err = applyFlags(&cfg)
	}
	if err != nil {
		return err
	}
	cfg.defaults()
	err = report(ctx, cfg, version, rf, stdout, stderr)
	if err != nil && rf.hook {
		// A hook must not make the package manager report a failure: say so and carry on.
		fmt.Fprintln(stderr, "patchward report:", err)
		return nil
	}
	return err
}

func report(ctx context.Context, cfg Config, version string, rf reportFlags, stdout, stderr io.Writer) error {
	ua := wire.ClientAgent + "/" + version
	r, err := collect.Collect(ctx, collect.Options{Root: cfg.Root, Hostname: cfg.Hostname, Tags: cfg.Tags,
		Agent: ua, Commands: true, Now: time.Now})
	if err != nil {
		return err
	}
	r.AgentVersion = version
	for _, w := range r.Warnings {
		fmt.Fprintln(stderr, "patchward report: warning:", w)
	}
	switch {
	case rf.dryRun:
		return writeJSON(stdout, r)
	case rf.output != "":
		return writeReportFile(rf.output, r, stdout)
	}
	wait := 10 * time.Minute
	if rf.hook {
		wait = 20 * time.Second
	}
	unlock, err := lock(cfg.StateDir, wait)
	if err != nil {
		return err
	}
	defer unlock()
	if rf.hook {
		cfg.Retries = 0
		cfg.Timeout = "15s"
	}
	cl, err := newClient(cfg, ua)
	if err != nil {
		return err
	}
	s := &sender{cfg: cfg, cl: cl, stderr: stderr}
	r.SelfUpdate = pendingUpdate(cfg)
	if err := s.send(ctx, r); err != nil {
		return err
	}
	if r.SelfUpdate != nil {
		if err := clearPendingUpdate(cfg); err != nil {
			return err
		}
	}
	if !cfg.AutoUpdate || rf.hook {
		return nil
	}
	auth, err := s.credential(ctx, r.Hostname)
	if err != nil || auth == "" || !strings.HasPrefix(auth, "pwh_") {
		return err // self-update needs a host token: enrolled agents only
	}
	return s.selfUpdate(ctx, version, auth)
}
