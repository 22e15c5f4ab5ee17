package agent

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestInstallUninstall(t *testing.T) {
	root := t.TempDir()
	// Every package manager present, and an administrator's own file where ours would go.
	for _, d := range []string{"/etc/apt/apt.conf.d", "/etc/dnf/plugins", "/etc/dnf/libdnf5-plugins", "/etc/zypp",
		"/etc/apk", "/etc/pacman.d/hooks"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "/etc/pacman.conf"), []byte("[options]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var out bytes.Buffer
	args := []string{"--root", root, "--binary", "/usr/local/bin/patchward", "--delay", "45m", "--config", "/etc/patchward/agent.toml"}
	if err := runInstall(ctx, args, &out, &out, true); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"/etc/systemd/system/patchward-report.service":                 "ExecStart=/usr/local/bin/patchward report --config /etc/patchward/agent.toml\n",
		"/etc/systemd/system/patchward-report.timer":                   "RandomizedDelaySec=2700\n",
		"/etc/apt/apt.conf.d/05patchward":                              `DPkg::Post-Invoke { "if [ -x /usr/local/bin/patchward ]; then /usr/local/bin/patchward report --config /etc/patchward/agent.toml --hook || true; fi"; };`,
		"/etc/dnf/plugins/post-transaction-actions.d/patchward.action": "*:any:/usr/local/bin/patchward report --config /etc/patchward/agent.toml --hook\n",
		"/etc/dnf/libdnf5-plugins/actions.d/patchward.actions":         "post_transaction::::/usr/local/bin/patchward report --config /etc/patchward/agent.toml --hook\n",
		"/usr/lib/zypp/plugins/commit/patchward":                       "exec /usr/local/bin/patchward agent zypp-plugin --config /etc/patchward/agent.toml\n",
		"/etc/pacman.d/hooks/patchward.hook":                           "When = PostTransaction\n",
		"/etc/apk/commit_hooks.d/patchward.post-commit":                "[ \"$1\" = post-commit ] || exit 0\n",
	}
	for p, fragment := range want {
		b, err := os.ReadFile(filepath.Join(root, p))
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		if !strings.Contains(string(b), fragment) {
			t.Errorf("%s: got\n%s\nwant it to contain %q", p, b, fragment)
		}
	}
	if fi, err := os.Stat(filepath.Join(root, "/usr/lib/zypp/plugins/commit/patchward")); err != nil || fi.Mode().Perm()&0o111 == 0 {
		t.Errorf("zypp plugin not executable: %v", err)
	}
	if dest, err := os.Readlink(filepath.Join(root, timerLink)); err != nil || dest != "../patchward-report.timer" {
		t.Errorf("timer enable link: got %q, %v", dest, err)
	}
	// An unrelated file in a hook directory, and a same-named file that is not ours.
	mine := filepath.Join(root, "/etc/apt/apt.conf.d/99local")
	os.WriteFile(mine, []byte("APT::Foo 1;\n"), 0o644)
	if err := runInstall(ctx, []string{"--root", root}, &out, &out, false); err != nil {
		t.Fatal(err)
	}
	var left []string
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			left = append(left, strings.TrimPrefix(p, root))
		}
		return nil
	})
	slices.Sort(left)
	if want := []string{"/etc/apt/apt.conf.d/99local", "/etc/pacman.conf"}; !slices.Equal(left, want) {
		t.Errorf("after uninstall: got files %v, want %v", left, want)
	}
}

func TestInstallOnlyWherePresent(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "/etc/apt/apt.conf.d"), 0o755)
	var out bytes.Buffer
	if err := runInstall(context.Background(), []string{"--root", root, "--binary", "/usr/bin/patchward"}, &out, &out, true); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/etc/pacman.d/hooks/patchward.hook", "/etc/dnf/plugins/post-transaction-actions.d/patchward.action",
		"/usr/lib/zypp/plugins/commit/patchward", "/etc/apk/commit_hooks.d/patchward.post-commit"} {
		if _, err := os.Stat(filepath.Join(root, p)); err == nil {
			t.Errorf("%s installed on a host without that package manager", p)
		}
	}
	if _, err := os.Stat(filepath.Join(root, "/etc/apt/apt.conf.d/05patchward")); err != nil {
		t.Errorf("apt hook: %v", err)
	}
}

func TestZyppSession(t *testing.T) {
	tests := []struct {
		name, in  string
		committed bool
		acks      int
	}{
		{"commit", "PLUGINBEGIN\nuserdata:x\n\n\x00COMMITBEGIN\n\n\x00COMMITEND\n\n{\"TransactionStepList\":[]}\x00PLUGINEND\n\n\x00", true, 4},
		{"no commit", "PLUGINBEGIN\n\n\x00PLUGINEND\n\n\x00", false, 2},
		{"eof without end", "PLUGINBEGIN\n\n\x00COMMITEND\n\n", true, 2},
		{"empty", "", false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			got, err := zyppSession(strings.NewReader(tt.in), &out)
			if err != nil || got != tt.committed {
				t.Errorf("got committed %t, %v; want %t", got, err, tt.committed)
			}
			if n := strings.Count(out.String(), "ACK\n\n\x00"); n != tt.acks {
				t.Errorf("got %d ACK frames, want %d", n, tt.acks)
			}
		})
	}
}

// TestRetryBackoff: 503 twice then 202 is retried with growing, jittered, bounded delays; a 400
// is not retried.
func TestRetryBackoff(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/bad":
			calls.Add(1)
			http.Error(w, `{"detail":"nope"}`, http.StatusBadRequest)
		case calls.Add(1) <= 2:
			http.Error(w, "busy", http.StatusServiceUnavailable)
		default:
			w.WriteHeader(http.StatusAccepted)
		}
	}))
	defer srv.Close()
	cl, err := newClient(Config{Server: srv.URL, Retries: 3, Timeout: "5s"}, "test")
	if err != nil {
		t.Fatal(err)
	}
	var delays []time.Duration
	cl.sleep = func(ctx context.Context, d time.Duration) error { delays = append(delays, d); return nil }
	if _, err := cl.post(context.Background(), "/ok", "", []byte("{}"), false); err != nil {
		t.Fatal(err)
	}
	if len(delays) != 2 || calls.Load() != 3 {
		t.Fatalf("got %d delays over %d calls, want 2 over 3", len(delays), calls.Load())
	}
	for i, d := range delays {
		lo, hi := (time.Second<<i)/10, (time.Second<<i)+(time.Second<<i)/10
		if d < lo || d > hi {
			t.Errorf("delay %d: got %v, want within [%v, %v]", i, d, lo, hi)
		}
	}
	calls.Store(0)
	_, err = cl.post(context.Background(), "/bad", "", []byte("{}"), false)
	var he *HTTPError
	if !errors.As(err, &he) || he.Status != 400 || he.Detail != "nope" || calls.Load() != 1 {
		t.Errorf("400: got %v after %d calls, want one call and HTTPError 400 nope", err, calls.Load())
	}
	if isTransient(err) || !isTransient(errors.New("dial tcp: refused")) {
		t.Errorf("isTransient: a 400 must not be spooled, a network error must")
	}
}
