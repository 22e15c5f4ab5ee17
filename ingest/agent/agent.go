// Package agent is the patchward agent: the same binary run on a monitored host collects the
// host's packages and repositories and reports them to the server.
package agent

import (
	"context"
	"errors"
	"io"
)

// Run runs the agent commands ("report ...", "agent install|uninstall").
func Run(ctx context.Context, args, environ []string, stdin io.Reader, stdout, stderr io.Writer) error {
	return errors.New("agent: not implemented yet")
}
