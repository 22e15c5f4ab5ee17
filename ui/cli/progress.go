package cli

import (
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"
)

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
