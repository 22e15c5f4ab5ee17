package cli

import (
	"context"
	"strings"

	"patchward/ingest/agent"
	"patchward/ingest/fleetsim"
)

// Agent runs the agent's commands (report, agent install, agent uninstall, agent zypp-plugin):
// they run on monitored hosts, need no database and parse their own flags and config.
func Agent(ctx context.Context, env *Env, args []string) error {
	return agent.Run(ctx, env.Version, append(strings.Fields(env.Name), args...), env.Environ, env.Stdin, env.Stdout, env.Stderr)
}

// Simulate is `patchward simulate`: the fleet simulator, which only talks HTTP to a running
// server, like real hosts.
func Simulate(ctx context.Context, env *Env, args []string) error {
	return fleetsim.Main(ctx, args, env.Stdout, env.Stderr)
}
