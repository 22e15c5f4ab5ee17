// Package collect gathers what the patchward agent reports about a host: identity, OS, kernel,
// installed packages (dpkg, rpm, pacman, apk), repositories with their priorities (apt, dnf/yum,
// zypper, pacman, apk) and enabled dnf module streams. Files are read directly wherever the
// package manager keeps them in a readable form; tools are run only where no file will do (rpm's
// database), and a missing tool is not an error.
//
// Every path is taken relative to Options.Root so that tests can point the collector at a
// fixture tree. The report it returns is the native wire format (ingest/wire), shared with the server.
package collect

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"patchward/ingest/wire"
)

// Options says where and how to collect.
type Options struct {
	Root     string   // file system root; "" means "/"
	Hostname string   // overrides the FQDN lookup
	Tags     []string // sent as they are
	Agent    string   // agent name/version, e.g. "patchward-agent/1.2"
	// Kernel and Machine override uname -r and uname -m (tests on fixture roots).
	Kernel, Machine string
	// Commands lets the collector run rpm, apt-cache and needs-restarting where no file will do.
	// When Root is not "/" commands are run with the tool's own root option where it has one.
	Commands bool
	Now      func() time.Time
}

// path returns p (an absolute path on the host) under the root.
func (o Options) path(p string) string {
	if o.Root == "" || o.Root == "/" {
		return p
	}
	return filepath.Join(o.Root, p)
}

func (o Options) realRoot() bool { return o.Root == "" || o.Root == "/" }

// Collect gathers a full report. Only a failure to identify the host is an error; a package
// manager or repo file that cannot be read becomes a warning in the report.
func Collect(ctx context.Context, o Options) (wire.Report, error) {
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	r := wire.Report{Version: 1, Tags: o.Tags, Agent: o.Agent, Collected: now().UTC().Truncate(time.Second)}
	c := &collector{o: o, ctx: ctx, r: &r}
	var err error
	if r.Hostname, err = c.hostname(); err != nil {
		return r, err
	}
	r.Kernel, r.Arch = c.uname()
	r.OSRelease = c.osRelease()
	r.OS = c.osString(r.OSRelease)
	c.packages()
	c.repos()
	r.Modules = c.modules()
	r.RebootRequired = c.rebootRequired()
	switch {
	case c.pkgErr:
		r.Packages = nil
	case r.Packages == nil:
		r.Packages = []wire.Package{}
	}
	switch {
	case c.repoErr:
		r.Repos = nil
	case r.Repos == nil:
		r.Repos = []wire.Repo{}
	}
	return r, nil
}

// collector carries one collection run.
type collector struct {
	o       Options
	ctx     context.Context
	r       *wire.Report
	dpkgArc string // dpkg's native architecture, from its own status entry
	// pkgErr and repoErr record that a package database or repo file could not be read: the
	// list is then incomplete and is not sent (null), so the server keeps what it had rather
	// than dropping what we failed to read.
	pkgErr, repoErr bool
}

// repoWarn records a repo configuration that could not be read.
func (c *collector) repoWarn(format string, args ...any) {
	c.warn(format, args...)
	c.repoErr = true
}

func (c *collector) warn(format string, args ...any) {
	c.r.Warnings = append(c.r.Warnings, fmt.Sprintf(format, args...))
}

// readFile reads a file under the root; a missing file is (nil, nil).
func (c *collector) readFile(p string) ([]byte, error) {
	b, err := os.ReadFile(c.o.path(p))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return b, err
}

func (c *collector) exists(p string) bool {
	_, err := os.Stat(c.o.path(p))
	return err == nil
}

// glob lists files under the root matching pattern (an absolute host path pattern), sorted, as
// host paths.
func (c *collector) glob(pattern string) []string {
	m, _ := filepath.Glob(c.o.path(pattern)) // the only error is a bad pattern, and ours are constants
	out := make([]string, 0, len(m))
	for _, p := range m {
		if !c.o.realRoot() {
			p = "/" + strings.TrimPrefix(strings.TrimPrefix(p, c.o.Root), "/")
		}
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// run runs a tool if it is installed; (nil, nil) when it is not.
func (c *collector) run(name string, args ...string) ([]byte, error) {
	if !c.o.Commands {
		return nil, nil
	}
	path, err := exec.LookPath(name)
	if err != nil {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(c.ctx, 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("%s: %w: %s", name, err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

// keyValues parses KEY=VALUE lines (os-release style, values optionally quoted).
func keyValues(b []byte) map[string]string {
	m := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			v = v[1 : len(v)-1]
			v = strings.NewReplacer(`\"`, `"`, `\\`, `\`, "\\$", "$", "\\`", "`").Replace(v)
		}
		m[strings.TrimSpace(k)] = v
	}
	return m
}
