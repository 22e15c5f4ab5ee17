package agent

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// installFile is one file "agent install" writes; present says whether the package manager it
// hooks is there (a path under the root that must exist), "" for always.
type installFile struct {
	path    string
	mode    os.FileMode
	present []string
	content string
}

const marker = "# Installed by 'patchward agent install'; removed by 'patchward agent uninstall'."

// installFiles are the systemd units and the package-manager hooks. Hooks run "report --hook",
// which sends packages and repos (reading repos is cheap), so a hook never drops the host's repos.
func installFiles(bin, config string, delay time.Duration) []installFile {
	cmd := bin + " report"
	if config != "" {
		cmd += " --config " + config
	}
	hook := cmd + " --hook"
	return []installFile{
		{path: "/etc/systemd/system/patchward-report.service", mode: 0o644, content: marker + `
[Unit]
Description=Report this host's packages to patchward
Wants=network-online.target
After=network-online.target

[Service]
Type=oneshot
ExecStart=` + cmd + `
Nice=10
IOSchedulingClass=idle
`},
		{path: "/etc/systemd/system/patchward-report.timer", mode: 0o644, content: marker + `
[Unit]
Description=Daily patchward report

[Timer]
OnCalendar=daily
RandomizedDelaySec=` + fmt.Sprint(int(delay.Seconds())) + `
Persistent=true

[Install]
WantedBy=timers.target
`},
		{path: "/etc/apt/apt.conf.d/05patchward", mode: 0o644, present: []string{"/etc/apt/apt.conf.d"},
			content: "// " + strings.TrimPrefix(marker, "# ") + "\n" +
				`DPkg::Post-Invoke { "if [ -x ` + bin + ` ]; then ` + hook + ` || true; fi"; };` + "\n"},
		// dnf 4: python3-dnf-plugin-post-transaction-actions; "*:any:" runs once per transaction.
		{path: "/etc/dnf/plugins/post-transaction-actions.d/patchward.action", mode: 0o644,
			present: []string{"/etc/dnf/plugins"}, content: marker + "\n*:any:" + hook + "\n"},
		// dnf 5: libdnf5-plugin-actions; no package filter runs once after the transaction.
		{path: "/etc/dnf/libdnf5-plugins/actions.d/patchward.actions", mode: 0o644,
			present: []string{"/etc/dnf/libdnf5-plugins"}, content: marker + "\npost_transaction::::" + hook + "\n"},
		// zypper: a commit plugin speaks zypp's plugin protocol on stdin/stdout.
		{path: "/usr/lib/zypp/plugins/commit/patchward", mode: 0o755, present: []string{"/etc/zypp"},
			content: "#!/bin/sh\n" + marker + "\nexec " + bin + " agent zypp-plugin" + configArg(config) + "\n"},
		{path: "/etc/pacman.d/hooks/patchward.hook", mode: 0o644, present: []string{"/etc/pacman.conf"}, content: marker + `
[Trigger]
Operation = Install
Operation = Upgrade
Operation = Remove
Type = Package
Target = *

[Action]
Description = Reporting packages to patchward...
When = PostTransaction
Exec = /bin/sh -c '` + hook + ` || true'
`},
		// apk-tools runs executables in commit_hooks.d with pre-commit / post-commit.
		{path: "/etc/apk/commit_hooks.d/patchward.post-commit", mode: 0o755, present: []string{"/etc/apk"},
			content: "#!/bin/sh\n" + marker + "\n[ \"$1\" = post-commit ] || exit 0\n" + hook + " || true\n"},
	}
}

func configArg(config string) string {
	if config == "" {
		return ""
	}
	return " --config " + config
}

// timerLink is what "systemctl enable" creates; writing it ourselves makes an install under a
// root (an image being built) enabled too.
const timerLink = "/etc/systemd/system/timers.target.wants/patchward-report.timer"

func runInstall(ctx context.Context, args []string, stdout, stderr io.Writer, install bool) error {
	name := "agent uninstall"
	if install {
		name = "agent install"
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	root := fs.String("root", "/", "install under this root")
	bin := fs.String("binary", "", "path of the patchward binary on the host (default: this one)")
	config := fs.String("config", "", "agent config file for the units and hooks to pass")
	delay := fs.Duration("delay", time.Hour, "RandomizedDelaySec of the daily timer")
	noSystemctl := fs.Bool("no-systemctl", false, "do not run systemctl (implied when --root is not /)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *bin == "" {
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("%s: find this binary: %w (pass --binary)", name, err)
		}
		*bin = exe
	}
	systemctl := !*noSystemctl && (*root == "/" || *root == "")
	if _, err := exec.LookPath("systemctl"); err != nil {
		systemctl = false
	}
	files := installFiles(*bin, *config, *delay)
	if install {
		return doInstall(ctx, *root, files, systemctl, stdout)
	}
	return doUninstall(ctx, *root, files, systemctl, stdout)
}

func doInstall(ctx context.Context, root string, files []installFile, systemctl bool, stdout io.Writer) error {
	for _, f := range files {
		if !presentUnder(root, f.present) {
			continue
		}
		p := filepath.Join(root, f.path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("agent install: %w", err)
		}
		if err := writeFileAtomic(p, []byte(f.content), f.mode); err != nil {
			return fmt.Errorf("agent install %s: %w", f.path, err)
		}
		fmt.Fprintln(stdout, "installed", f.path)
	}
	link := filepath.Join(root, timerLink)
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		return fmt.Errorf("agent install: %w", err)
	}
	if err := os.Remove(link); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("agent install: %w", err)
	}
	if err := os.Symlink("../patchward-report.timer", link); err != nil {
		return fmt.Errorf("agent install: enable timer: %w", err)
	}
	if systemctl {
		if out, err := exec.CommandContext(ctx, "systemctl", "daemon-reload").CombinedOutput(); err != nil {
			return fmt.Errorf("systemctl daemon-reload: %w: %s", err, out)
		}
		if out, err := exec.CommandContext(ctx, "systemctl", "start", "patchward-report.timer").CombinedOutput(); err != nil {
			return fmt.Errorf("systemctl start patchward-report.timer: %w: %s", err, out)
		}
	}
	return nil
}

// doUninstall removes exactly the files install writes, and only if they carry our marker (an
// administrator's own file of the same name is left alone).
func doUninstall(ctx context.Context, root string, files []installFile, systemctl bool, stdout io.Writer) error {
	if systemctl {
		// Stopping a timer that is not loaded fails; that is fine on uninstall.
		_ = exec.CommandContext(ctx, "systemctl", "stop", "patchward-report.timer").Run()
	}
	var errs []error
	link := filepath.Join(root, timerLink)
	if err := os.Remove(link); err == nil {
		fmt.Fprintln(stdout, "removed", timerLink)
	} else if !errors.Is(err, fs.ErrNotExist) {
		errs = append(errs, err)
	}
	for _, f := range files {
		p := filepath.Join(root, f.path)
		b, err := os.ReadFile(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err == nil && !strings.Contains(string(b), strings.TrimPrefix(marker, "# ")) {
			fmt.Fprintln(stdout, "left alone (not ours)", f.path)
			continue
		}
		if err == nil {
			err = os.Remove(p)
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		fmt.Fprintln(stdout, "removed", f.path)
	}
	if systemctl {
		_ = exec.CommandContext(ctx, "systemctl", "daemon-reload").Run()
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("agent uninstall: %w", err)
	}
	return nil
}

func presentUnder(root string, paths []string) bool {
	for _, p := range paths {
		if _, err := os.Stat(filepath.Join(root, p)); err != nil {
			return false
		}
	}
	return true
}
