package agent

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestConfigPrecedence(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "agent.toml")
	os.WriteFile(p, []byte("server = \"https://file.example.org\"\ntags = [\"web\", \"dmz\"]\nhostname = \"h.example.org\"\n"+
		"ca_file = \"/etc/ssl/ca.pem\"\nretries = 5\n"), 0o644)
	c, err := loadConfig(p, true, []string{"PATCHWARD_AGENT_SERVER=https://env.example.org", "PATCHWARD_AGENT_TAGS=a, b", "OTHER=x"})
	if err != nil {
		t.Fatal(err)
	}
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	apply := configFlags(fs)
	if err := fs.Parse([]string{"--server", "https://flag.example.org", "--state-dir", dir}); err != nil {
		t.Fatal(err)
	}
	if err := apply(&c); err != nil {
		t.Fatal(err)
	}
	c.defaults()
	if c.Server != "https://flag.example.org" || !slices.Equal(c.Tags, []string{"a", "b"}) || c.Hostname != "h.example.org" ||
		c.Retries != 5 || c.CAFile != "/etc/ssl/ca.pem" || c.TokenFile != filepath.Join(dir, "token") {
		t.Errorf("got %+v, want server from the flag, tags from env, the rest from the file", c)
	}

	os.WriteFile(p, []byte("sever = \"typo\"\n"), 0o644)
	if _, err := loadConfig(p, true, nil); err == nil || !strings.Contains(err.Error(), "sever") {
		t.Errorf("unknown key: got %v, want an error naming it", err)
	}
	if c, err := loadConfig(filepath.Join(dir, "missing.toml"), false, nil); err != nil || c.Retries != 3 {
		t.Errorf("missing default file: got %+v, %v; want defaults", c, err)
	}
	if _, err := loadConfig(filepath.Join(dir, "missing.toml"), true, nil); err == nil {
		t.Errorf("missing explicit file: got no error")
	}
}
