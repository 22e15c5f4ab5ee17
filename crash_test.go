package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"patchward/store"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// buildBinary builds patchward once per test run, as it ships (CGO_ENABLED=0).
func buildBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "patchward-bin-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "patchward")
		cmd := exec.Command("go", "build", "-o", binPath, ".")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// proc is one `patchward serve` process.
type proc struct {
	cmd  *exec.Cmd
	base string
	logs *syncBuffer
	done chan error
}

// startProc starts `patchward serve` on a loopback port and waits until it listens.
func startProc(t *testing.T, bin, data string, env ...string) *proc {
	t.Helper()
	p := &proc{logs: &syncBuffer{}, done: make(chan error, 1)}
	p.cmd = exec.Command(bin, "serve", "--data", data, "--listen", "127.0.0.1:0")
	p.cmd.Env = append(append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + data}, testEnviron()...), env...)
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			p.cmd.Process.Kill()
			<-p.done
		}
	})
	re := regexp.MustCompile(`msg="patchward listening" url=(http://127\.0\.0\.1:\d+)`)
	waitFor(t, "server to listen", func() bool {
		select {
		case err := <-p.done:
			t.Fatalf("serve ended early: %v\n%s", err, p.logs.String())
		default:
		}
		if m := re.FindStringSubmatch(p.logs.String()); m != nil {
			p.base = m[1]
		}
		return p.base != ""
	})
	return p
}

// stop ends the process with sig and waits for it.
func (p *proc) stop(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.done:
	case <-time.After(60 * time.Second):
		p.cmd.Process.Signal(syscall.SIGQUIT) // the Go runtime prints every goroutine's stack
		<-p.done
		t.Fatalf("server did not exit within 60 s of %v; goroutines:\n%s", sig, p.logs.String())
	}
}

// protocol1Upload is the captured patchman-client request with its host name and mirror host
// replaced.
type protocol1Upload struct {
	body  []byte
	ctype string
}

func loadProtocol1(t *testing.T, mirrorURL string) protocol1Upload {
	t.Helper()
	body, err := os.ReadFile("ingest/testdata/patchman-protocol1-debian12.body")
	must(t, err)
	body = bytes.ReplaceAll(body, []byte("http://mirror.example.org"), []byte(mirrorURL))
	hdr := readHeaders(t, "ingest/testdata/patchman-protocol1-debian12.headers")
	return protocol1Upload{body: body, ctype: hdr.Get("Content-Type")}
}

func (u protocol1Upload) request(base, host string) *http.Request {
	b := bytes.Replace(u.body, []byte("\r\ntesthost.example.org\r\n"), []byte("\r\n"+host+"\r\n"), 1)
	if bytes.Equal(b, u.body) {
		b = bytes.Replace(u.body, []byte("\ntesthost.example.org\n"), []byte("\n"+host+"\n"), 1)
	}
	req, _ := http.NewRequest(http.MethodPost, base+"/reports/upload/", bytes.NewReader(b))
	req.Header.Set("Content-Type", u.ctype)
	req.Header.Set("User-Agent", "curl/7.88.1")
	return req
}

// changingMirror serves a Debian Packages index (no Release) of packages entries whose first
// changed entries get new versions on every fetch, so each scheduled refresh replaces every
// mirror's package list: a kill can land in the middle of that write.
func changingMirror(packages, changed int) *httptest.Server {
	var gen atomic.Int64
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/Packages") {
			http.NotFound(w, r)
			return
		}
		g := gen.Add(1)
		bw := bufio.NewWriter(w)
		for i := range packages {
			v := int64(0)
			if i < changed {
				v = g
			}
			fmt.Fprintf(bw, "Package: pkg%d\nVersion: 1.%d-%d\nArchitecture: amd64\nFilename: pool/p/pkg%d.deb\nSize: 100\n\n", i, v, i%7, i)
		}
		bw.Flush()
	}))
}

// TestCrashSafety kills the server with SIGKILL at random moments while hosts upload reports
// and a refresh keeps rewriting mirrors, restarts it, and repeats. Afterwards every report that
// got a 2xx must be there and processed, the database must pass integrity_check, and no mirror
// may be half-written. PATCHWARD_CRASH_CYCLES and PATCHWARD_CRASH_UPLOADS make a longer run.
func TestCrashSafety(t *testing.T) {
	cycles, uploads := envInt("PATCHWARD_CRASH_CYCLES", 3), envInt("PATCHWARD_CRASH_UPLOADS", 50)
	bin := buildBinary(t)
	mirror := changingMirror(1500, 1500)
	defer mirror.Close()
	up := loadProtocol1(t, mirror.URL)
	data := t.TempDir()
	env := []string{"PATCHWARD_SCHEDULE__REFRESH=@every 1s", "PATCHWARD_SCHEDULE__FIND_UPDATES=@every 1s"}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	client := &http.Client{Timeout: 30 * time.Second}

	var accepted []string
	for c := range cycles {
		p := startProc(t, bin, data, env...)
		var mu sync.Mutex
		var wg sync.WaitGroup
		next := atomic.Int64{}
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := int(next.Add(1)) - 1
					if i >= uploads {
						return
					}
					host := fmt.Sprintf("crash%d-%d.example.org", c, i)
					resp, err := client.Do(up.request(p.base, host))
					if err != nil {
						continue // killed mid-request: no 2xx, no promise
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode/100 == 2 {
						mu.Lock()
						accepted = append(accepted, host)
						mu.Unlock()
					}
				}
			}()
		}
		// Kill at a random moment of the burst, processing and refresh.
		time.Sleep(time.Duration(50+rng.IntN(700)) * time.Millisecond)
		p.stop(t, syscall.SIGKILL)
		wg.Wait()
		if strings.Contains(p.logs.String(), "database is locked") {
			t.Errorf("cycle %d: \"database is locked\" in the logs", c)
		}
	}
	if len(accepted) == 0 {
		t.Fatal("no upload was accepted in any cycle: the kills came too early to prove anything")
	}

	// Final clean run: start, let the processor pick up what was accepted, stop cleanly, and
	// process what is left with the CLI.
	p := startProc(t, bin, data)
	p.stop(t, syscall.SIGTERM)
	proc := exec.Command(bin, "process", "--data", data)
	proc.Env = []string{"PATH=" + os.Getenv("PATH")} // not this test's PATCHWARD_CRASH_* settings
	out, err := proc.CombinedOutput()
	if err != nil {
		t.Fatalf("process: %v\n%s", err, out)
	}

	ctx := context.Background()
	db := store.OpenTestFile(t, filepath.Join(data, "patchward.db"))
	if err := db.IntegrityCheck(ctx); err != nil {
		t.Errorf("after %d kills: %v", cycles, err)
	}
	for _, h := range accepted {
		if _, err := db.HostByName(ctx, h); err != nil {
			t.Errorf("host %s got a 2xx but is missing after the kills: %v", h, err)
		}
	}
	pending, err := db.Reports(ctx, store.ReportFilter{Status: store.ReportPending})
	must(t, err)
	rejected, err := db.Reports(ctx, store.ReportFilter{Status: store.ReportRejected})
	must(t, err)
	if len(pending) != 0 || len(rejected) != 0 {
		t.Errorf("reports left pending: %d, rejected: %d (first rejected: %+v)", len(pending), len(rejected), first(rejected))
	}
	repos, err := db.Repos(ctx)
	must(t, err)
	refreshed := 0
	for _, r := range repos {
		for _, m := range r.Mirrors {
			pkgs, err := db.MirrorPackages(ctx, m.ID)
			must(t, err)
			if len(pkgs) != m.PackageCount {
				t.Errorf("mirror %s half-written: package_count %d, members %d", m.URL, m.PackageCount, len(pkgs))
			}
			if m.PackageCount > 0 {
				refreshed++
			}
		}
	}
	t.Logf("%d cycles: %d uploads accepted, %d hosts, %d of the mirrors refreshed at least once",
		cycles, len(accepted), len(accepted), refreshed)
}

func first(rs []store.Report) any {
	if len(rs) == 0 {
		return nil
	}
	return rs[0]
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// serveInProcess runs `patchward serve` through run() with environ and returns its base URL,
// its logs and a function that shuts it down (as SIGTERM does) and returns run's error.
func serveInProcess(t *testing.T, data string, environ ...string) (string, *syncBuffer, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logs := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--data", data, "--listen", "127.0.0.1:0"}, append(testEnviron(), environ...), strings.NewReader(""), io.Discard, logs)
	}()
	var once sync.Once
	var runErr error
	stop := func() error {
		once.Do(func() { cancel(); runErr = <-done })
		return runErr
	}
	t.Cleanup(func() { stop() })
	re := regexp.MustCompile(`msg="patchward listening" url=(http://127\.0\.0\.1:\d+)`)
	var base string
	waitFor(t, "server to listen", func() bool {
		select {
		case err := <-done:
			t.Fatalf("serve ended early: %v\n%s", err, logs.String())
		default:
		}
		if m := re.FindStringSubmatch(logs.String()); m != nil {
			base = m[1]
		}
		return base != ""
	})
	return base, logs, stop
}

// TestShutdownFinishesInFlight starts an upload, lets the server begin its shutdown while the
// body is still arriving, then sends the rest: the upload must be stored and answered 204, and
// run must return without error.
func TestShutdownFinishesInFlight(t *testing.T) {
	data := t.TempDir()
	base, logs, stop := serveInProcess(t, data)
	up := loadProtocol1(t, "http://mirror.example.org")
	req := up.request(base, "inflight.example.org")
	body, _ := io.ReadAll(req.Body)
	addr := strings.TrimPrefix(base, "http://")
	conn, err := net.Dial("tcp", addr)
	must(t, err)
	defer conn.Close()
	// Expect: 100-continue makes the server say when the handler starts reading the body, so the
	// shutdown below surely finds the request in flight (not still queued in the listener).
	fmt.Fprintf(conn, "POST /reports/upload/ HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n"+
		"Expect: 100-continue\r\n\r\n", addr, up.ctype, len(body))
	br := bufio.NewReader(conn)
	conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	if line, err := br.ReadString('\n'); err != nil || !strings.HasPrefix(line, "HTTP/1.1 100") {
		t.Fatalf("waiting for 100 Continue: got %q, %v", line, err)
	}
	br.ReadString('\n') // the blank line ending the interim response
	half := len(body) / 2
	_, err = conn.Write(body[:half])
	must(t, err)

	stopped := make(chan error, 1)
	go func() { stopped <- stop() }()
	// The listener closes first: once new connections are refused, the shutdown is under way.
	waitFor(t, "the listener to close", func() bool {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return false
		}
		return true
	})
	if _, err := conn.Write(body[half:]); err != nil {
		t.Fatalf("rest of the body after shutdown began: %v\n%s", err, logs.String())
	}
	status, err := br.ReadString('\n')
	if err != nil {
		t.Fatalf("response to the in-flight upload: %v\n%s", err, logs.String())
	}
	if !strings.HasPrefix(status, "HTTP/1.1 204") {
		t.Fatalf("in-flight upload during shutdown: got %q, want 204", status)
	}
	if err := <-stopped; err != nil {
		t.Fatalf("serve: %v\n%s", err, logs.String())
	}
	db := store.OpenTestFile(t, filepath.Join(data, "patchward.db"))
	rs, err := db.Reports(context.Background(), store.ReportFilter{Hostname: "inflight.example.org"})
	must(t, err)
	if len(rs) != 1 {
		t.Errorf("reports of the in-flight upload: got %d, want 1", len(rs))
	}
}

// TestBackupRestoreCLI takes a backup while the server runs, checks that restore refuses while
// the server holds the database, and restores after it stopped.
func TestBackupRestoreCLI(t *testing.T) {
	data := t.TempDir()
	base, logs, stop := serveInProcess(t, data)
	up := loadProtocol1(t, "http://mirror.example.org")
	upload := func(host string) {
		t.Helper()
		if resp := do(t, up.request(base, host)); resp.StatusCode != http.StatusNoContent {
			t.Fatalf("upload %s: got %d, want 204", host, resp.StatusCode)
		}
		waitFor(t, host+" to be processed", func() bool { return strings.Contains(runCLI(t, data, "hosts"), host) })
	}
	upload("before.example.org")
	backup := filepath.Join(t.TempDir(), "patchward-backup.db")
	if out := runCLI(t, data, "backup", backup); !strings.Contains(out, "integrity ok") {
		t.Errorf("backup output: %q", out)
	}
	upload("after.example.org")

	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"restore", backup, "--data", data}, nil, strings.NewReader(""), &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "in use") {
		t.Errorf("restore while serving: got %v, want a database-in-use error", err)
	}
	if err := stop(); err != nil {
		t.Fatalf("serve: %v\n%s", err, logs.String())
	}
	if out := runCLI(t, data, "restore", backup); !strings.Contains(out, "restored") {
		t.Errorf("restore output: %q", out)
	}
	hosts := runCLI(t, data, "hosts")
	if !strings.Contains(hosts, "before.example.org") || strings.Contains(hosts, "after.example.org") {
		t.Errorf("hosts after restore: want before.example.org only, got:\n%s", hosts)
	}
}
