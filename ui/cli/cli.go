// Package cli holds patchward's commands, one file per command or command group. A command is a
// Command row in the table of package main; each parses its own flags, so `patchward CMD --help`
// prints that command's usage. Commands that need the server side open it through ui/app.
package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"patchward/ui/app"
)

// Command is one row of the command table: Name as typed (a sub-command is "user add"), a
// one-line Summary for `patchward help`, and the function that runs it with the arguments after
// its name.
type Command struct {
	Name    string
	Summary string
	Run     func(ctx context.Context, env *Env, args []string) error
}

// Section is a titled group of commands in `patchward help`.
type Section struct {
	Title    string
	Commands []Command
}

// Env is what one run of a command gets from the process. Package main fills it, so that koanf
// (LoadConfig) and the table of scheduled jobs (Jobs) stay in main.
type Env struct {
	Name, Summary  string // of the command being run, for its usage text
	Environ        []string
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Version is the version stamped at build time, or empty.
	Version string
	// LoadConfig builds the configuration from defaults, file, environ and the flags given.
	LoadConfig func(path string, environ []string, flags map[string]any) (app.Config, error)
	// Jobs is the table of scheduled jobs of a server.
	Jobs func(*app.App) []app.Job
	// Commands is the command table, for shell completion.
	Commands []Section
}

// Find looks up the command args start with: its name, or its name and verb ("user add").
// It returns the command and the arguments after its name.
func Find(table []Section, args []string) (Command, []string, error) {
	name := args[0]
	// Two words first: "hosts delete" is a command of its own although "hosts" is one too.
	if len(args) > 1 {
		for _, s := range table {
			for _, c := range s.Commands {
				if c.Name == name+" "+args[1] {
					return c, args[2:], nil
				}
			}
		}
	}
	var verbs []string
	for _, s := range table {
		for _, c := range s.Commands {
			if c.Name == name {
				return c, args[1:], nil
			}
			if verb, ok := strings.CutPrefix(c.Name, name+" "); ok {
				if len(args) > 1 && args[1] == verb {
					return c, args[2:], nil
				}
				verbs = append(verbs, verb)
			}
		}
	}
	if len(verbs) > 0 {
		return Command{}, nil, fmt.Errorf("%s: want one of: %s", name, strings.Join(verbs, ", "))
	}
	return Command{}, nil, fmt.Errorf("unknown command %q (see 'patchward help')", name)
}

// Usage prints the table of commands by section.
func Usage(w io.Writer, table []Section) error {
	width := 0
	for _, s := range table {
		for _, c := range s.Commands {
			width = max(width, len(c.Name))
		}
	}
	var b strings.Builder
	b.WriteString("usage: patchward COMMAND [flags]\n")
	for _, s := range table {
		fmt.Fprintf(&b, "\n%s:\n", s.Title)
		for _, c := range s.Commands {
			fmt.Fprintf(&b, "  %-*s   %s\n", width, c.Name, c.Summary)
		}
	}
	b.WriteString("\n'patchward COMMAND --help' lists a command's flags. Server commands take --config FILE and\n" +
		"--data DIR; PATCHWARD_DATA, PATCHWARD_LISTEN and PATCHWARD_SECTION__KEY variables override the file.\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// flags is one command's flag set, with the options server commands share.
type flags struct {
	*flag.FlagSet
	env                  *Env
	config, data, listen string
	quiet                bool
}

// newFlags starts the flags of env's command; synopsis names its arguments in the usage text.
func newFlags(env *Env, synopsis string) *flags {
	f := &flags{FlagSet: flag.NewFlagSet(env.Name, flag.ContinueOnError), env: env}
	f.SetOutput(env.Stderr)
	f.Usage = func() {
		fmt.Fprintf(f.Output(), "usage: patchward %s [flags] %s\n\n%s\n\nflags:\n", env.Name, synopsis, env.Summary)
		f.PrintDefaults()
	}
	return f
}

// dataFlags is newFlags with --config and --data, for commands that work on the database.
func dataFlags(env *Env, synopsis string) *flags {
	f := newFlags(env, synopsis)
	f.StringVar(&f.config, "config", "", "TOML config file")
	f.StringVar(&f.data, "data", "", "data directory")
	return f
}

// quietFlag adds --quiet: for cron, the command then prints nothing but errors (its standard
// output is dropped and its log shows warnings and errors only).
func (f *flags) quietFlag() *bool {
	f.BoolVar(&f.quiet, "quiet", false, "print nothing but errors (for cron)")
	return &f.quiet
}

// parse parses args, flags anywhere among them, and returns the positional arguments.
func (f *flags) parse(args []string) ([]string, error) {
	if err := f.Parse(interleave(f.FlagSet, args)); err != nil {
		return nil, err
	}
	if f.quiet {
		f.env.Stdout = io.Discard
	}
	return f.Args(), nil
}

// loadConfig loads the configuration with the flags that were given on top.
func (f *flags) loadConfig() (app.Config, error) {
	// Only the flags that were given, so they override file and environment.
	m := map[string]any{}
	if f.data != "" {
		m["data"] = f.data
	}
	if f.listen != "" {
		m["listen"] = f.listen
	}
	return f.env.LoadConfig(f.config, f.env.Environ, m)
}

// open loads the configuration and opens the App on its database; the caller closes it.
func (f *flags) open(ctx context.Context) (*app.App, error) {
	cfg, err := f.loadConfig()
	if err != nil {
		return nil, err
	}
	if f.quiet && (cfg.LogLevel == "" || strings.EqualFold(cfg.LogLevel, "info") || strings.EqualFold(cfg.LogLevel, "debug")) {
		cfg.LogLevel = "warn"
	}
	return app.New(ctx, cfg, app.NewLogger(cfg, f.env.Stderr))
}

// withApp parses args, checks that there is exactly one positional argument if want names it
// ("host name"), opens the App, runs fn with the positional arguments and closes the App.
func (f *flags) withApp(ctx context.Context, args []string, want string, fn func(a *app.App, args []string) error) error {
	args, err := f.parse(args)
	if err != nil {
		return err
	}
	if want != "" && len(args) != 1 {
		return fmt.Errorf("%s: want exactly one %s", f.env.Name, want)
	}
	a, err := f.open(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	return fn(a, args)
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

// Locked makes w safe for the goroutines of one command: refresh workers log to stderr while
// the progress line is drawn there. An *os.File is safe already; a caller's buffer is not.
func Locked(w io.Writer) io.Writer {
	if _, ok := w.(*os.File); ok || w == nil {
		return w // kept as it is: the progress line asks it whether it is a terminal
	}
	return &lockedWriter{w: w}
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
