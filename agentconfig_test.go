package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestAgentBinaryConfig: agent.binary comes from the config file; PATCHWARD_AGENT_* variables
// belong to the agent and never set it.
func TestAgentBinaryConfig(t *testing.T) {
	file := filepath.Join(t.TempDir(), "patchward.toml")
	must(t, os.WriteFile(file, []byte("[agent]\nbinary = \"/srv/patchward-arm64\"\n"), 0o644))
	c, err := loadConfig(file, []string{"PATCHWARD_AGENT__BINARY=/elsewhere"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Agent.Binary != "/srv/patchward-arm64" {
		t.Errorf("agent.binary: got %q, want /srv/patchward-arm64", c.Agent.Binary)
	}
	c, err = loadConfig("", []string{"PATCHWARD_AGENT__BINARY=/elsewhere"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Agent.Binary != "" {
		t.Errorf("an agent variable set agent.binary to %q", c.Agent.Binary)
	}
}
