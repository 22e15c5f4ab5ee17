// Command patchward is patch status monitoring for Linux fleets: one binary that takes host
// reports (Patchman protocols 1 and 2, and its own), reads the hosts' repositories, finds the
// updates each host needs and shows them in a web UI, a JSON API and this CLI.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"patchward/ui/cli"
)

// version is set at build time with -ldflags "-X main.version=..."; otherwise the module
// version or VCS revision is used.
var version = ""

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Environ(), os.Stdin, os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "patchward:", err)
		os.Exit(1)
	}
}

// commands is the table of commands by section, as `patchward help` prints it. Adding a command
// is one file in ui/cli and one row here.
var commands = []cli.Section{
	{Title: "Server", Commands: []cli.Command{{Name: "serve", Summary: "run the server (UI, API, report intake, jobs)", Run: cli.Serve}}},
	{Title: "Agent (on monitored hosts)", Commands: []cli.Command{
		{Name: "report", Summary: "collect and send this host's report", Run: cli.Agent},
		{Name: "agent install", Summary: "install the timer and package-manager hooks", Run: cli.Agent},
		{Name: "agent uninstall", Summary: "remove the timer and package-manager hooks", Run: cli.Agent},
		{Name: "agent zypp-plugin", Summary: "zypper commit plugin (run by libzypp)", Run: cli.Agent},
	}},
	{Title: "Benchmarking", Commands: []cli.Command{{Name: "simulate", Summary: "report a simulated fleet built from real indexes", Run: cli.Simulate}}},
	{Title: "Jobs (safe while the server runs)", Commands: []cli.Command{
		{Name: "process", Summary: "process pending reports", Run: cli.Process},
		{Name: "ingest", Summary: "load report files carried across an air gap", Run: cli.Ingest},
		{Name: "refresh", Summary: "refresh repository metadata", Run: cli.Refresh},
		{Name: "find-updates", Summary: "find updates for hosts", Run: cli.FindUpdates},
		{Name: "clean-reports", Summary: "delete old processed and rejected reports", Run: cli.CleanReports},
		{Name: "dbcheck", Summary: "check the database and count unused rows (--fix deletes them)", Run: cli.DBCheck},
		{Name: "all", Summary: "refresh, process, find-updates, clean-reports and dbcheck, for one cron line", Run: cli.All},
	}},
	{Title: "Queries", Commands: []cli.Command{
		{Name: "hosts", Summary: "list hosts with update counts", Run: cli.Hosts},
		{Name: "host", Summary: "one host with its updates", Run: cli.Host},
		{Name: "history", Summary: "a host's history: packages installed, upgraded, removed; kernel, OS", Run: cli.History},
		{Name: "repos", Summary: "repositories and mirror status", Run: cli.Repos},
		{Name: "updates", Summary: "pending updates across the fleet, with the hosts that need each", Run: cli.Updates},
		{Name: "packages", Summary: "installed packages; --orphaned: those from no repository", Run: cli.Packages},
		{Name: "diff", Summary: "packages only on one of two hosts or at different versions", Run: cli.Diff},
		{Name: "dns-check", Summary: "reverse DNS of each host's reporting address against its name", Run: cli.DNSCheck},
	}},
	{Title: "Admin", Commands: []cli.Command{
		{Name: "user add", Summary: "create a user (random password unless --password-stdin)", Run: cli.UserAdd},
		{Name: "user passwd", Summary: "set a password (random if not given)", Run: cli.UserPasswd},
		{Name: "apikey add", Summary: "create an API key (printed once)", Run: cli.APIKeyAdd},
		{Name: "enroll-token add", Summary: "create a site token agents enroll with", Run: cli.EnrollTokenAdd},
		{Name: "enroll-token list", Summary: "list enrollment tokens", Run: cli.EnrollTokenList},
		{Name: "enroll-token revoke", Summary: "revoke an enrollment token by id", Run: cli.EnrollTokenRevoke},
		{Name: "enroll-token pending", Summary: "enrollments of names that already report, waiting for approval", Run: cli.EnrollTokenPending},
		{Name: "enroll-token approve", Summary: "approve the enrollment of a name that already reports", Run: cli.EnrollTokenApprove},
		{Name: "repo import", Summary: "load repository metadata from removable media (air gap)", Run: cli.RepoImport},
		{Name: "repo link", Summary: "link Debian mirrors that serve identical indexes", Run: cli.RepoLink},
		{Name: "host-token revoke", Summary: "make an enrolled host enroll again", Run: cli.HostTokenRevoke},
		{Name: "hosts delete", Summary: "delete the hosts matching --match GLOB (lists them; --yes deletes)", Run: cli.HostsDelete},
		{Name: "version", Summary: "print the version", Run: cli.Version},
		{Name: "completion", Summary: "print a bash or zsh completion script", Run: cli.Completion},
	}},
	{Title: "Operations", Commands: []cli.Command{
		{Name: "backup", Summary: "write a consistent copy of the database (safe while the server runs)", Run: cli.Backup},
		{Name: "restore", Summary: "replace the database with a backup (stop the server first)", Run: cli.Restore},
	}},
}

// run is the whole program: main only adds the process environment and exits on error.
func run(ctx context.Context, args, environ []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		return cli.Usage(stdout, commands)
	}
	cmd, rest, err := cli.Find(commands, args)
	if err != nil {
		return err
	}
	env := &cli.Env{Name: cmd.Name, Summary: cmd.Summary, Environ: environ, Stdin: stdin, Stdout: stdout,
		Stderr: cli.Locked(stderr), Version: version, LoadConfig: loadConfig, Jobs: scheduledJobs, Commands: commands}
	return cmd.Run(ctx, env, rest)
}
