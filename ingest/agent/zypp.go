package agent

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
)

// runZyppPlugin speaks libzypp's plugin protocol (STOMP-like frames: a command line, header
// lines, a blank line, a body ended by NUL) as a commit plugin: it acknowledges every frame and,
// once zypper has committed a transaction and ends the session, sends a report as a hook would.
func runZyppPlugin(ctx context.Context, version string, args, environ []string, stdin io.Reader, stdout, stderr io.Writer) error {
	committed, err := zyppSession(stdin, stdout)
	if err != nil {
		fmt.Fprintln(stderr, "patchward zypp plugin:", err)
		return nil // never fail zypper
	}
	if !committed {
		return nil
	}
	return runReport(ctx, version, append([]string{"--hook"}, args...), environ, io.Discard, stderr)
}

// zyppSession answers frames until PLUGINEND (or end of input) and says whether a commit
// happened.
func zyppSession(in io.Reader, out io.Writer) (committed bool, err error) {
	br := bufio.NewReader(in)
	for {
		frame, err := br.ReadString(0)
		if errors.Is(err, io.EOF) && strings.TrimSpace(frame) == "" {
			return committed, nil
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return committed, fmt.Errorf("read frame: %w", err)
		}
		cmd, _, _ := strings.Cut(strings.TrimLeft(frame, "\r\n"), "\n")
		cmd = strings.TrimSpace(cmd)
		if _, werr := io.WriteString(out, "ACK\n\n\x00"); werr != nil {
			return committed, fmt.Errorf("answer %s: %w", cmd, werr)
		}
		switch cmd {
		case "COMMITEND":
			committed = true
		case "PLUGINEND":
			return committed, nil
		}
		if err != nil { // EOF after a last frame without NUL
			return committed, nil
		}
	}
}
