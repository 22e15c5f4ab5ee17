package agent

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/pelletier/go-toml"
)

// DefaultConfigPath is where the agent looks for its TOML config when --config is not given.
const DefaultConfigPath = "/etc/patchward/agent.toml"

// DefaultStateDir holds the host token and the spooled report.
const DefaultStateDir = "/var/lib/patchward-agent"

// Config is the agent's configuration: /etc/patchward/agent.toml, then PATCHWARD_AGENT_*
// environment variables (PATCHWARD_AGENT_SERVER, PATCHWARD_AGENT_TAGS=a,b ...), then flags.
type Config struct {
	Server          string   `toml:"server"`            // base URL, e.g. https://patchward.example.org
	Tags            []string `toml:"tags"`              // sent with every report
	Hostname        string   `toml:"hostname"`          // overrides the FQDN lookup
	StateDir        string   `toml:"state_dir"`         // token and spool; default /var/lib/patchward-agent
	TokenFile       string   `toml:"token_file"`        // host token; default <state_dir>/token
	EnrollToken     string   `toml:"enroll_token"`      // site enrollment token, used once
	EnrollTokenFile string   `toml:"enroll_token_file"` // or read from this file
	APIKey          string   `toml:"api_key"`           // fleet API key (kind patchman), instead of enrollment
	CAFile          string   `toml:"ca_file"`           // extra CA certificates (PEM) for the server
	Retries         int      `toml:"retries"`           // attempts after the first; default 3
	Timeout         string   `toml:"timeout"`           // per request; default 60s
	Root            string   `toml:"root"`              // file system root to collect from; default /
	// AutoUpdate lets the agent replace its own binary with a newer one the server offers,
	// signed by the server key pinned at enrolment. Off by default.
	AutoUpdate bool `toml:"auto_update"`
}

func (c *Config) defaults() {
	if c.StateDir == "" {
		c.StateDir = DefaultStateDir
	}
	if c.TokenFile == "" {
		c.TokenFile = filepath.Join(c.StateDir, "token")
	}
	if c.Timeout == "" {
		c.Timeout = "60s"
	}
	if c.Root == "" {
		c.Root = "/"
	}
}

func (c *Config) timeout() time.Duration {
	d, err := time.ParseDuration(c.Timeout)
	if err != nil || d <= 0 {
		return 60 * time.Second
	}
	return d
}

// keyPath holds the server's update key, pinned at enrolment; updatePath the outcome of the
// last self-update, sent with the next report.
func (c *Config) keyPath() string    { return filepath.Join(c.StateDir, "server-update-key") }
func (c *Config) updatePath() string { return filepath.Join(c.StateDir, "self-update.json") }

// spoolPath is where an unsent report waits for the next run.
func (c *Config) spoolPath() string { return filepath.Join(c.StateDir, "spool.json.gz") }

// loadConfig reads the config file (a missing default file is fine), then the environment.
// Flags are applied by the caller on top.
func loadConfig(path string, explicit bool, environ []string) (Config, error) {
	c := Config{Retries: 3}
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist) && !explicit:
	case err != nil:
		return c, fmt.Errorf("read agent config: %w", err)
	default:
		tree, err := toml.LoadBytes(b)
		if err != nil {
			return c, fmt.Errorf("agent config %s: %w", path, err)
		}
		// Every key goes through set, as environment and flags do, so an unknown key is an
		// error rather than silently ignored.
		for _, k := range tree.Keys() {
			v := tree.Get(k)
			var s string
			switch v := v.(type) {
			case []any:
				parts := make([]string, len(v))
				for i, x := range v {
					parts[i] = fmt.Sprint(x)
				}
				s = strings.Join(parts, ",")
			default:
				s = fmt.Sprint(v)
			}
			if err := c.set(k, s); err != nil {
				return c, fmt.Errorf("agent config %s: %w", path, err)
			}
		}
	}
	for _, kv := range environ {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(k, "PATCHWARD_AGENT_") {
			continue
		}
		if err := c.set(strings.ToLower(strings.TrimPrefix(k, "PATCHWARD_AGENT_")), v); err != nil {
			return c, fmt.Errorf("environment %s: %w", k, err)
		}
	}
	return c, nil
}

// set sets one option by its config-file key; flags and environment share it.
func (c *Config) set(key, v string) error {
	switch key {
	case "server":
		c.Server = v
	case "tags":
		c.Tags = nil
		for _, t := range strings.Split(v, ",") {
			if t = strings.TrimSpace(t); t != "" {
				c.Tags = append(c.Tags, t)
			}
		}
	case "hostname":
		c.Hostname = v
	case "state_dir":
		c.StateDir = v
	case "token_file":
		c.TokenFile = v
	case "enroll_token":
		c.EnrollToken = v
	case "enroll_token_file":
		c.EnrollTokenFile = v
	case "api_key":
		c.APIKey = v
	case "ca_file":
		c.CAFile = v
	case "timeout":
		c.Timeout = v
	case "root":
		c.Root = v
	case "auto_update":
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("auto_update %q: want true or false", v)
		}
		c.AutoUpdate = b
	case "retries":
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return fmt.Errorf("retries %q: want a number >= 0", v)
		}
		c.Retries = n
	default:
		return fmt.Errorf("unknown option %q", key)
	}
	return nil
}

// configFlags registers the config options as flags (underscores become dashes) and returns a
// function that applies the ones given on the command line.
func configFlags(fs *flag.FlagSet) func(*Config) error {
	keys := []string{"server", "tags", "hostname", "state_dir", "token_file", "enroll_token",
		"enroll_token_file", "api_key", "ca_file", "timeout", "root", "retries", "auto_update"}
	vals := map[string]*string{}
	for _, k := range keys {
		vals[k] = fs.String(strings.ReplaceAll(k, "_", "-"), "", "see "+DefaultConfigPath+" key "+k)
	}
	return func(c *Config) error {
		var err error
		fs.Visit(func(f *flag.Flag) {
			k := strings.ReplaceAll(f.Name, "-", "_")
			if p, ok := vals[k]; ok && err == nil {
				err = c.set(k, *p)
			}
		})
		return err
	}
}
