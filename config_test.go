package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"patchward/repo"
	"patchward/store"
)

func TestConfigPrecedence(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "patchward.toml")
	must(t, os.WriteFile(file, []byte(`data = "/from/file"
listen = "0.0.0.0:9000"
[repo]
max_failures = 5
timeout = "10s"
[ingest]
allowed_networks = ["10.1.0.0/16"]
`), 0o644))
	tests := []struct {
		name    string
		path    string
		environ []string
		flags   map[string]any
		check   func(t *testing.T, c Config)
	}{
		{"defaults", "", nil, nil, func(t *testing.T, c Config) {
			if c.Data != "data" || c.Listen != "127.0.0.1:8080" || c.Repo.MaxFailures != 28 || c.Repo.Timeout != repo.DefaultTimeout {
				t.Errorf("got %+v", c)
			}
			if len(c.Ingest.AllowedNetworks) != 7 {
				t.Errorf("allowed networks: got %v, want loopback and private ranges", c.Ingest.AllowedNetworks)
			}
		}},
		{"file", file, nil, nil, func(t *testing.T, c Config) {
			if c.Data != "/from/file" || c.Listen != "0.0.0.0:9000" || c.Repo.MaxFailures != 5 || c.Repo.Timeout != 10*time.Second {
				t.Errorf("got %+v", c)
			}
			if strings.Join(c.Ingest.AllowedNetworks, ",") != "10.1.0.0/16" {
				t.Errorf("allowed networks: got %v", c.Ingest.AllowedNetworks)
			}
			if c.Repo.Concurrency != 4 {
				t.Errorf("unset key lost its default: concurrency %d", c.Repo.Concurrency)
			}
		}},
		{"env over file", file, []string{"PATCHWARD_DATA=/from/env", "PATCHWARD_REPO__MAX_FAILURES=-1",
			"PATCHWARD_AGENT_SERVER=http://agent.example.org", // the agent's, not the server's
			"PATCHWARD_INGEST__ALLOWED_NETWORKS=127.0.0.0/8,192.168.0.0/16", "OTHER=1"}, nil, func(t *testing.T, c Config) {
			if c.Data != "/from/env" || c.Repo.MaxFailures != -1 {
				t.Errorf("got data %q max_failures %d", c.Data, c.Repo.MaxFailures)
			}
			if strings.Join(c.Ingest.AllowedNetworks, ",") != "127.0.0.0/8,192.168.0.0/16" {
				t.Errorf("allowed networks: got %v", c.Ingest.AllowedNetworks)
			}
		}},
		{"flags over env", file, []string{"PATCHWARD_DATA=/from/env", "PATCHWARD_LISTEN=127.0.0.1:1"},
			map[string]any{"data": "/from/flag"}, func(t *testing.T, c Config) {
				if c.Data != "/from/flag" || c.Listen != "127.0.0.1:1" {
					t.Errorf("got data %q listen %q", c.Data, c.Listen)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := loadConfig(tt.path, tt.environ, tt.flags)
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, c)
		})
	}
}

func TestConfigErrors(t *testing.T) {
	_, err := loadConfig("", []string{"PATCHWARD_LISTEN=nope", "PATCHWARD_SCHEDULE__REFRESH=61 * * * *",
		"PATCHWARD_INGEST__ALLOWED_NETWORKS=10.0.0.0/33", "PATCHWARD_LOG_LEVEL=loud"}, nil)
	if err == nil {
		t.Fatal("got no error for a bad config")
	}
	for _, want := range []string{"listen", "schedule.refresh", "allowed_networks", "log_level"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %s: %v", want, err)
		}
	}
	if _, err := loadConfig("", []string{"PATCHWARD_NO_SUCH_KEY=1"}, nil); err == nil {
		t.Error("an unknown key was accepted silently")
	}
	if _, err := loadConfig(filepath.Join(t.TempDir(), "missing.toml"), nil, nil); err == nil {
		t.Error("a missing config file was accepted")
	}
}

func TestCLIErrors(t *testing.T) {
	data := t.TempDir()
	for _, args := range [][]string{{"frobnicate"}, {"host"}, {"host", "nosuch.example"}, {"user", "add"},
		{"apikey", "add", "k", "--kind", "root"}, {"find-updates", "--host", "nosuch.example"},
		{"user", "passwd", "nosuch"}, {"user", "frob"}} {
		err := run(t.Context(), append(args, "--data", data), nil, strings.NewReader(""), &strings.Builder{}, &strings.Builder{})
		if err == nil {
			t.Errorf("patchward %v: got no error", args)
		}
	}
}

func TestCLIUserPasswd(t *testing.T) {
	data := t.TempDir()
	var out strings.Builder
	if err := run(t.Context(), []string{"user", "add", "ops", "--role", "operator", "--data", data}, nil, strings.NewReader(""), &out, &out); err != nil {
		t.Fatal(err)
	}
	if err := run(t.Context(), []string{"user", "passwd", "ops", "--password-stdin", "--data", data}, nil,
		strings.NewReader("a new long password\n"), &out, &out); err != nil {
		t.Fatal(err)
	}
	db := store.OpenTestFile(t, filepath.Join(data, "patchward.db"))
	if _, err := db.Authenticate(t.Context(), "ops", "a new long password"); err != nil {
		t.Errorf("the new password does not log in: %v", err)
	}
}
