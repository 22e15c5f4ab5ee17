// Command patchward is patch status monitoring for Linux fleets: one binary that takes host
// reports (Patchman protocols 1 and 2, and its own), reads the hosts' repositories, finds the
// updates each host needs and shows them in a web UI, a JSON API and this CLI.
package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"golang.org/x/term"

	"patchward/ingest"
	"patchward/ingest/agent"
	"patchward/ingest/fleetsim"
	"patchward/repo"
	"patchward/store"
	"patchward/updates"
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

const usage = `usage: patchward COMMAND [flags]

Server:
  serve [--config FILE] [--data DIR] [--listen ADDR]   run the server (UI, API, report intake, jobs)

Agent (on monitored hosts):
  report [--server URL] [--dry-run] [--output FILE] ...   collect and send this host's report
  agent install | agent uninstall                          timer and package-manager hooks

Benchmarking:
  simulate --server URL [flags]   report a simulated fleet built from real indexes (see --help)

Jobs (safe while the server runs):
  process                      process pending reports
  ingest FILE...               load report files carried across an air gap
  refresh [--force] [--repo ID]  refresh repository metadata
  find-updates [--host NAME] [--force]  find updates for hosts

Queries:
  hosts [--json]               list hosts with update counts
  host NAME [--json]           one host with its updates
  repos [--json]               repositories and mirror status

Admin:
  user add NAME [--role admin|operator|viewer] [--password-stdin]
  user passwd NAME [--password-stdin]     set a password (random if not given)
  apikey add NAME [--kind patchman|api]   create an API key (printed once)
  enroll-token add NAME [--allow-existing] | list | revoke ID  site tokens agents enroll with
  enroll-token pending | approve HOSTNAME  enrollments of names that already report
  repo import DIR              load repository metadata from removable media (air gap)
  repo link [--apply]          link Debian mirrors that serve identical indexes
  host-token revoke HOSTNAME               make an enrolled host enroll again
  version

Operations:
  backup FILE                  write a consistent copy of the database (safe while the server runs)
  restore FILE                 replace the database with a backup (stop the server first)

Every command takes --config FILE and --data DIR; PATCHWARD_DATA, PATCHWARD_LISTEN and
PATCHWARD_SECTION__KEY variables override the file.
`

// run is the whole program: main only adds the process environment and exits on error.
func run(ctx context.Context, args, environ []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stdout, usage)
		return nil
	}
	cmd, rest := args[0], args[1:]
	if cmd == "version" {
		fmt.Fprintln(stdout, "patchward", buildVersion())
		return nil
	}
	if cmd == "simulate" {
		// The fleet simulator only talks HTTP to a running server, like real hosts.
		return fleetsim.Main(ctx, rest, stdout, stderr)
	}
	if cmd == "report" || cmd == "agent" {
		// The agent runs on monitored hosts: it needs no database and has its own flags.
		return agent.Run(ctx, args, environ, stdin, stdout, stderr)
	}
	if sub, ok := subcommands[cmd]; ok {
		if len(rest) == 0 || !slices.Contains(sub, rest[0]) {
			return fmt.Errorf("%s: want one of: %s", cmd, strings.Join(sub, ", "))
		}
		cmd, rest = cmd+" "+rest[0], rest[1:]
	}
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := cliOptions{}
	fs.StringVar(&o.config, "config", "", "TOML config file")
	fs.StringVar(&o.data, "data", "", "data directory")
	switch cmd {
	case "serve":
		fs.StringVar(&o.listen, "listen", "", "listen address")
	case "refresh":
		fs.BoolVar(&o.force, "force", false, "ignore stored checksums and validators")
		fs.Int64Var(&o.repoID, "repo", 0, "refresh only this repository id")
		fs.BoolVar(&o.quiet, "quiet", false, "no progress bar")
	case "find-updates":
		fs.StringVar(&o.host, "host", "", "only this host")
		fs.BoolVar(&o.force, "force", false, "recompute everything")
	case "hosts", "host", "repos":
		fs.BoolVar(&o.json, "json", false, "JSON output")
	case "user passwd":
		fs.BoolVar(&o.passwordStdin, "password-stdin", false, "read the new password from standard input")
	case "user add":
		fs.StringVar(&o.role, "role", "admin", "admin, operator or viewer")
		fs.BoolVar(&o.passwordStdin, "password-stdin", false, "read the password from standard input")
	case "apikey add":
		fs.StringVar(&o.kind, "kind", "patchman", "patchman (protocol 2 uploads) or api (/api/v1)")
		fs.StringVar(&o.role, "role", "viewer", "role of an api key")
	case "backup", "restore":
	case "repo link":
		fs.BoolVar(&o.apply, "apply", false, "link every suggested pair (otherwise only list them)")
	case "repo import":
	case "enroll-token add":
		fs.BoolVar(&o.allowExisting, "allow-existing", false, "may enroll names that already report, without approval")
	case "process", "ingest", "enroll-token list", "enroll-token revoke", "enroll-token pending",
		"enroll-token approve", "host-token revoke":
	default:
		return fmt.Errorf("unknown command %q (see 'patchward help')", cmd)
	}
	if err := fs.Parse(interleave(fs, rest)); err != nil {
		return err
	}
	o.args = fs.Args()
	cfg, err := loadConfig(o.config, environ, o.flagMap())
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	if cmd == "restore" {
		// Before Open: restore needs the database closed by everyone, this process included.
		return cliRestore(ctx, cfg, o, stdout)
	}
	db, err := store.Open(ctx, cfg.DBPath())
	if err != nil {
		return err
	}
	defer db.Close()
	a := &app{cfg: cfg, db: db, log: log, stdout: stdout, stderr: stderr}
	a.finder = updates.NewFinder(db, log)
	a.processor = ingest.NewProcessor(db, log, a.afterReport)
	a.refresher = repo.NewRefresher(db, cfg.Repo, log)
	switch cmd {
	case "serve":
		return a.serve(ctx)
	case "backup":
		return a.cliBackup(ctx, o)
	case "process":
		return a.cliProcess(ctx)
	case "ingest":
		return a.cliIngest(ctx, o)
	case "refresh":
		return a.cliRefresh(ctx, o)
	case "find-updates":
		return a.cliFindUpdates(ctx, o)
	case "hosts":
		return a.cliHosts(ctx, o)
	case "host":
		return a.cliHost(ctx, o)
	case "repos":
		return a.cliRepos(ctx, o)
	case "user add":
		return a.cliUserAdd(ctx, o, stdin)
	case "user passwd":
		return a.cliUserPasswd(ctx, o, stdin)
	case "apikey add":
		return a.cliAPIKeyAdd(ctx, o)
	case "repo import":
		return a.cliRepoImport(ctx, o)
	case "repo link":
		return a.cliRepoLink(ctx, o)
	default:
		return a.cliTokens(ctx, cmd, o)
	}
}

// subcommands lists the commands that take a verb.
var subcommands = map[string][]string{
	"user":         {"add", "passwd"},
	"apikey":       {"add"},
	"enroll-token": {"add", "list", "revoke", "pending", "approve"},
	"repo":         {"import", "link"},
	"host-token":   {"revoke"},
}

type cliOptions struct {
	config, data, listen, host, role, kind   string
	force, json, quiet, passwordStdin, apply bool
	allowExisting                            bool
	repoID                                   int64
	args                                     []string
}

// flagMap holds only the flags that were given, so they override file and environment.
func (o cliOptions) flagMap() map[string]any {
	m := map[string]any{}
	if o.data != "" {
		m["data"] = o.data
	}
	if o.listen != "" {
		m["listen"] = o.listen
	}
	return m
}

// interleave lets flags follow positional arguments ("host web1 --json"), which the flag
// package alone does not allow.
func interleave(fs *flag.FlagSet, args []string) []string {
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			pos = append(pos, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimLeft(a, "-")
		if strings.Contains(name, "=") {
			continue
		}
		if f := fs.Lookup(name); f != nil {
			if bf, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && bf.IsBoolFlag() {
				continue
			}
			if i+1 < len(args) {
				flags = append(flags, args[i+1])
				i++
			}
		}
	}
	return append(flags, pos...)
}

// app holds what every command shares.
type app struct {
	cfg            Config
	db             *store.DB
	log            *slog.Logger
	stdout, stderr io.Writer
	processor      *ingest.Processor
	refresher      *repo.Refresher
	finder         *updates.Finder
}

func newLogger(cfg Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func buildVersion() string {
	if version != "" {
		return version
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "dev"
	}
	if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			return "dev-" + s.Value[:12]
		}
	}
	return "dev"
}

func (a *app) cliProcess(ctx context.Context) error {
	n, err := a.processReports(ctx)
	fmt.Fprintf(a.stdout, "processed %d report(s)\n", n)
	return err
}

// cliIngest stores report files written by `patchward report --output` (carried across an air
// gap) as pending reports, then processes them.
func (a *app) cliIngest(ctx context.Context, o cliOptions) error {
	if len(o.args) == 0 {
		return errors.New("ingest: want one or more report files")
	}
	n, err := ingest.ImportFiles(ctx, a.db, a.log, o.args)
	fmt.Fprintf(a.stdout, "stored %d report(s)\n", n)
	if err != nil {
		return err
	}
	return a.cliProcess(ctx)
}

func (a *app) cliRefresh(ctx context.Context, o cliOptions) error {
	progress := newProgress(a.stderr, o.quiet)
	sum, err := a.refresh(ctx, repo.Request{Force: o.force, RepoID: o.repoID, Progress: progress.update})
	progress.finish()
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "refreshed %d mirror(s): %d changed, %d unchanged, %d failed, %d packages, took %s\n",
		sum.Mirrors, sum.Changed, sum.Unchanged, sum.Failed, sum.Packages, sum.Took.Round(time.Millisecond))
	if sum.Failed > 0 {
		return fmt.Errorf("%d mirror(s) failed (see 'patchward repos')", sum.Failed)
	}
	return nil
}

func (a *app) cliFindUpdates(ctx context.Context, o cliOptions) error {
	if o.host != "" {
		h, err := a.db.HostByName(ctx, o.host)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("no host named %q", o.host)
		} else if err != nil {
			return err
		}
		if err := a.finder.FindForHost(ctx, h.ID); err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "found updates for %s\n", h.Hostname)
		return nil
	}
	sum, err := a.finder.FindAll(ctx, o.force)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "computed %d distinct host state(s): %d updates (%d security), took %s\n",
		sum.Computations, sum.Updates, sum.Security, sum.Took.Round(time.Millisecond))
	return nil
}

// hostJSON is the stable shape of `host NAME --json` (and each row of `hosts --json`):
// fields are added, never renamed.
type hostJSON struct {
	Hostname        string       `json:"hostname"`
	Domain          string       `json:"domain"`
	OS              string       `json:"os"`
	Kernel          string       `json:"kernel"`
	Arch            string       `json:"arch"`
	Tags            []string     `json:"tags"`
	LastReport      *time.Time   `json:"last_report"`
	RebootRequired  bool         `json:"reboot_required"`
	RebootReason    string       `json:"reboot_reason,omitempty"`
	Packages        int          `json:"packages"`
	SecurityUpdates int          `json:"security_updates"`
	BugfixUpdates   int          `json:"bugfix_updates"`
	Updates         []updateJSON `json:"updates,omitempty"`
}

type updateJSON struct {
	Name      string `json:"name"`
	Arch      string `json:"arch"`
	Installed string `json:"installed"`
	Available string `json:"available"`
	Security  bool   `json:"security"`
	Repo      string `json:"repo"`
	Held      bool   `json:"held"` // on hold: not counted in security_updates/bugfix_updates
}

func toHostJSON(h store.HostSummary) hostJSON {
	j := hostJSON{Hostname: h.Hostname, Domain: h.Domain, OS: h.OS, Kernel: h.Kernel, Arch: h.Arch,
		Tags: h.Tags, RebootRequired: h.RebootRequired, RebootReason: h.RebootReason, Packages: h.Packages,
		SecurityUpdates: h.SecurityUpdates, BugfixUpdates: h.BugfixUpdates}
	if j.Tags == nil {
		j.Tags = []string{}
	}
	if !h.LastReport.IsZero() {
		t := h.LastReport.UTC()
		j.LastReport = &t
	}
	return j
}

func (a *app) cliHosts(ctx context.Context, o cliOptions) error {
	hosts, _, err := a.db.Hosts(ctx, store.HostFilter{Sort: "hostname"})
	if err != nil {
		return err
	}
	if o.json {
		out := make([]hostJSON, len(hosts))
		for i, h := range hosts {
			out[i] = toHostJSON(h)
		}
		return writeJSON(a.stdout, out)
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "HOST\tOS\tKERNEL\tPACKAGES\tSECURITY\tBUGFIX\tREBOOT\tLAST REPORT")
	for _, h := range hosts {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%s\t%s\n", h.Hostname, h.OS, h.Kernel, h.Packages,
			h.SecurityUpdates, h.BugfixUpdates, yesNo(h.RebootRequired), fmtTime(h.LastReport))
	}
	return tw.Flush()
}

func (a *app) cliHost(ctx context.Context, o cliOptions) error {
	if len(o.args) != 1 {
		return errors.New("host: want exactly one host name")
	}
	h, err := a.db.HostByName(ctx, o.args[0])
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no host named %q", o.args[0])
	} else if err != nil {
		return err
	}
	ups, err := a.db.HostUpdates(ctx, h.ID)
	if err != nil {
		return err
	}
	j := toHostJSON(h)
	j.Updates = make([]updateJSON, len(ups))
	for i, u := range ups {
		j.Updates[i] = updateJSON{Name: u.Name, Arch: u.Arch, Installed: u.Installed, Available: u.Available,
			Security: u.Security, Repo: u.Repo, Held: u.Held}
	}
	if o.json {
		if len(j.Updates) == 0 {
			j.Updates = []updateJSON{} // always present in JSON, even when empty
		}
		return writeJSON(a.stdout, j)
	}
	fmt.Fprintf(a.stdout, "%s\n  os: %s\n  kernel: %s\n  arch: %s\n  packages: %d\n  reboot required: %s\n  last report: %s\n  updates: %d security, %d bugfix\n",
		h.Hostname, h.OS, h.Kernel, h.Arch, h.Packages, yesNo(h.RebootRequired), fmtTime(h.LastReport),
		h.SecurityUpdates, h.BugfixUpdates)
	if len(ups) == 0 {
		return nil
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "\nPACKAGE\tARCH\tINSTALLED\tAVAILABLE\tSECURITY\tREPO")
	for _, u := range j.Updates {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", u.Name, u.Arch, u.Installed, u.Available, yesNo(u.Security), u.Repo)
	}
	return tw.Flush()
}

type mirrorJSON struct {
	ID           int64      `json:"id"`
	URL          string     `json:"url"`
	Enabled      bool       `json:"enabled"`
	LastAttempt  *time.Time `json:"last_attempt"`
	LastSuccess  *time.Time `json:"last_success"`
	Freshness    *time.Time `json:"freshness"`
	LastError    string     `json:"last_error"`
	FailCount    int        `json:"fail_count"`
	PackageCount int        `json:"packages"`
}

type repoJSON struct {
	ID       int64        `json:"id"`
	Name     string       `json:"name"`
	Type     string       `json:"type"`
	Arch     string       `json:"arch"`
	RepoID   string       `json:"repo_id"`
	Security bool         `json:"security"`
	Enabled  bool         `json:"enabled"`
	Hosts    int          `json:"hosts"`
	Mirrors  []mirrorJSON `json:"mirrors"`
}

func (a *app) cliRepos(ctx context.Context, o cliOptions) error {
	repos, err := a.db.Repos(ctx)
	if err != nil {
		return err
	}
	out := make([]repoJSON, len(repos))
	for i, r := range repos {
		out[i] = repoJSON{ID: r.ID, Name: r.Name, Type: r.Type, Arch: r.Arch, RepoID: r.Ident,
			Security: r.Security, Enabled: r.Enabled, Hosts: r.Hosts, Mirrors: []mirrorJSON{}}
		for _, m := range r.Mirrors {
			out[i].Mirrors = append(out[i].Mirrors, mirrorJSON{ID: m.ID, URL: m.URL, Enabled: m.Enabled,
				LastAttempt: timePtr(m.LastAttempt), LastSuccess: timePtr(m.LastSuccess), Freshness: timePtr(m.Freshness),
				LastError: m.LastError, FailCount: m.FailCount, PackageCount: m.PackageCount})
		}
	}
	if o.json {
		return writeJSON(a.stdout, out)
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTYPE\tSECURITY\tENABLED\tHOSTS\tPACKAGES\tLAST SUCCESS\tMIRROR\tERROR")
	for _, r := range out {
		for _, m := range r.Mirrors {
			last := "never"
			if m.LastSuccess != nil {
				last = fmtTime(*m.LastSuccess)
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%d\t%s\t%s\t%s\n", r.ID, r.Type, yesNo(r.Security), yesNo(r.Enabled && m.Enabled),
				r.Hosts, m.PackageCount, last, m.URL, m.LastError)
		}
	}
	return tw.Flush()
}

func (a *app) cliUserAdd(ctx context.Context, o cliOptions, stdin io.Reader) error {
	if len(o.args) != 1 {
		return errors.New("user add: want exactly one user name")
	}
	password, err := cliPassword(o, stdin)
	if err != nil {
		return fmt.Errorf("user add: %w", err)
	}
	u, err := a.db.CreateUser(ctx, o.args[0], password, o.role)
	if errors.Is(err, store.ErrConflict) {
		return fmt.Errorf("user %q already exists", o.args[0])
	} else if err != nil {
		return err
	}
	if o.passwordStdin {
		fmt.Fprintf(a.stdout, "created %s user %s\n", u.Role, u.Name)
	} else {
		fmt.Fprintf(a.stdout, "created %s user %s with password: %s\n", u.Role, u.Name, password)
	}
	return nil
}

// cliPassword reads a password from stdin (--password-stdin) or makes a random one.
func cliPassword(o cliOptions, stdin io.Reader) (string, error) {
	if !o.passwordStdin {
		return randomPassword(), nil
	}
	b, err := io.ReadAll(io.LimitReader(stdin, 4096))
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	password := strings.TrimRight(string(b), "\r\n")
	if len(password) < 8 {
		return "", errors.New("password must be at least 8 characters")
	}
	return password, nil
}

// cliUserPasswd sets a user's password (ending their sessions).
func (a *app) cliUserPasswd(ctx context.Context, o cliOptions, stdin io.Reader) error {
	if len(o.args) != 1 {
		return errors.New("user passwd: want exactly one user name")
	}
	password, err := cliPassword(o, stdin)
	if err != nil {
		return fmt.Errorf("user passwd: %w", err)
	}
	if err := a.db.SetPassword(ctx, o.args[0], password); errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no user named %q", o.args[0])
	} else if err != nil {
		return err
	}
	if o.passwordStdin {
		fmt.Fprintf(a.stdout, "password of %s changed\n", o.args[0])
	} else {
		fmt.Fprintf(a.stdout, "password of %s changed to: %s\n", o.args[0], password)
	}
	return nil
}

func (a *app) cliAPIKeyAdd(ctx context.Context, o cliOptions) error {
	if len(o.args) != 1 {
		return errors.New("apikey add: want exactly one key name")
	}
	if o.kind != "patchman" && o.kind != "api" {
		return fmt.Errorf("apikey add: --kind %q: want patchman or api", o.kind)
	}
	plain, k, err := a.db.CreateAPIKey(ctx, o.args[0], o.kind, o.role)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "created %s key %s (prefix %s); it is shown only once:\n%s\n", k.Kind, k.Name, k.Prefix, plain)
	return nil
}

// cliRepoImport loads repository metadata carried into an air-gapped site on removable media,
// then recomputes the updates it changed.
func (a *app) cliRepoImport(ctx context.Context, o cliOptions) error {
	if len(o.args) != 1 {
		return errors.New("repo import: want exactly one directory")
	}
	sum, err := repo.Import(ctx, a.db, o.args[0], a.cfg.Repo, a.log)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "imported %d mirror(s): %d changed, %d unchanged, %d failed, %d skipped, %d packages\n",
		sum.Mirrors, sum.Changed, sum.Unchanged, sum.Failed, sum.Skipped, sum.Packages)
	if err := a.findUpdates(ctx); err != nil {
		return err
	}
	if sum.Failed > 0 {
		return fmt.Errorf("%d mirror(s) could not be imported (see 'patchward repos')", sum.Failed)
	}
	return nil
}

// cliRepoLink lists Debian mirrors in different repos that serve identical indexes (the same
// repository reached by two URLs) and, with --apply, links each pair into one repo.
func (a *app) cliRepoLink(ctx context.Context, o cliOptions) error {
	sugg, err := a.db.SuggestMirrorLinks(ctx)
	if err != nil {
		return err
	}
	if len(sugg) == 0 {
		fmt.Fprintln(a.stdout, "no mirrors to link: no two repos serve identical indexes")
		return nil
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "REPO\tMIRROR\tSAME AS REPO\tMIRROR\tPACKAGES")
	for _, s := range sugg {
		fmt.Fprintf(tw, "%d\t%s\t%d\t%s\t%d\n", s.RepoID, s.MirrorURL, s.OtherRepoID, s.OtherMirrorURL, s.Packages)
	}
	if err := tw.Flush(); err != nil || !o.apply {
		if err == nil {
			fmt.Fprintln(a.stdout, "run 'patchward repo link --apply' to link them")
		}
		return err
	}
	moved := map[int64]bool{}
	for _, s := range sugg {
		if moved[s.OtherMirrorID] {
			continue
		}
		if err := a.db.MoveMirror(ctx, s.OtherMirrorID, s.RepoID); errors.Is(err, store.ErrNotFound) {
			continue // an earlier link of this run folded that repo away
		} else if err != nil {
			return err
		}
		moved[s.OtherMirrorID] = true
		_ = a.db.Audit(ctx, "cli", "mirror.link", fmt.Sprintf("mirror %d into repo %d", s.OtherMirrorID, s.RepoID))
	}
	fmt.Fprintf(a.stdout, "linked %d mirror(s)\n", len(moved))
	return a.findUpdates(ctx)
}

// cliTokens manages agent enrollment tokens and host tokens.
func (a *app) cliTokens(ctx context.Context, cmd string, o cliOptions) error {
	switch cmd {
	case "enroll-token add":
		if len(o.args) != 1 {
			return errors.New("enroll-token add: want exactly one token name")
		}
		plain, _, err := a.db.CreateEnrollTokenWith(ctx, store.EnrollTokenSpec{Name: o.args[0], AllowExisting: o.allowExisting})
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "created enrollment token %s; it is shown only once:\n%s\n", o.args[0], plain)
		return nil
	case "enroll-token list":
		toks, err := a.db.EnrollTokens(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tPREFIX\tCREATED\tLAST USED\tHOSTS\tREVOKED")
		for _, t := range toks {
			revoked := "no"
			if !t.Revoked.IsZero() {
				revoked = fmtTime(t.Revoked)
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\t%s\n", t.ID, t.Name, t.Prefix, fmtTime(t.Created), fmtTime(t.LastUsed), t.Uses, revoked)
		}
		return tw.Flush()
	case "enroll-token revoke":
		if len(o.args) != 1 {
			return errors.New("enroll-token revoke: want exactly one token id")
		}
		id, err := strconv.ParseInt(o.args[0], 10, 64)
		if err != nil {
			return fmt.Errorf("enroll-token revoke: %q is not a token id", o.args[0])
		}
		if err := a.db.RevokeEnrollToken(ctx, id); errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("no enrollment token with id %d", id)
		} else if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "revoked enrollment token %d\n", id)
		return nil
	case "enroll-token pending":
		reqs, err := a.db.PendingEnrollments(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "HOSTNAME\tTOKEN\tREQUESTED\tAPPROVED")
		for _, r := range reqs {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Hostname, r.TokenName, fmtTime(r.Requested), fmtTime(r.Approved))
		}
		return tw.Flush()
	case "enroll-token approve":
		if len(o.args) != 1 {
			return errors.New("enroll-token approve: want exactly one host name")
		}
		if err := a.db.ApproveEnrollment(ctx, o.args[0]); errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("no enrollment of %q waits for approval (see patchward enroll-token pending)", o.args[0])
		} else if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "approved the enrollment of %s; its agent enrolls on its next run\n", o.args[0])
		return nil
	default: // host-token revoke
		if len(o.args) != 1 {
			return errors.New("host-token revoke: want exactly one host name")
		}
		if err := a.db.RevokeHostToken(ctx, o.args[0]); errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("no host token for %q", o.args[0])
		} else if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "revoked the token of %s; its agent enrolls again on its next run\n", o.args[0])
		return nil
	}
}

func randomPassword() string {
	b := make([]byte, 15)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format("2006-01-02 15:04:05Z")
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

// progress draws a one-line progress bar on a terminal and logs plain lines otherwise.
type progress struct {
	w     io.Writer
	tty   bool
	quiet bool
	last  int
}

func newProgress(w io.Writer, quiet bool) *progress {
	p := &progress{w: w, quiet: quiet}
	if f, ok := w.(*os.File); ok {
		p.tty = term.IsTerminal(int(f.Fd()))
	}
	return p
}

func (p *progress) update(done, total int, mirror string) {
	if p.quiet {
		return
	}
	if !p.tty {
		fmt.Fprintf(p.w, "refresh %d/%d %s\n", done, total, mirror)
		return
	}
	const width = 30
	fill := 0
	if total > 0 {
		fill = done * width / total
	}
	line := fmt.Sprintf("\r[%s%s] %d/%d %s", strings.Repeat("#", fill), strings.Repeat(".", width-fill), done, total, mirror)
	if len(line) > 100 {
		line = line[:100]
	}
	pad := max(0, p.last-len(line))
	p.last = len(line)
	fmt.Fprint(p.w, line+strings.Repeat(" ", pad))
}

func (p *progress) finish() {
	if p.tty && !p.quiet && p.last > 0 {
		fmt.Fprintln(p.w)
	}
}
