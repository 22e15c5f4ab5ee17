package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// latencies collects request durations and outcomes from many goroutines.
type latencies struct {
	mu     sync.Mutex
	d      []time.Duration
	status map[int]int
	errs   []string
	slow   map[string]int // requests over 2 s by path family
}

func (l *latencies) add(d time.Duration, status int, errText string) {
	l.addPath("", d, status, errText)
}

func (l *latencies) addPath(path string, d time.Duration, status int, errText string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.status == nil {
		l.status, l.slow = map[int]int{}, map[string]int{}
	}
	if d > 2*time.Second {
		l.slow[path]++
	}
	l.d = append(l.d, d)
	l.status[status]++
	if errText != "" && len(l.errs) < 10 {
		l.errs = append(l.errs, errText)
	}
}

// summary is "n=.. p50=.. p90=.. p99=.. max=..".
func (l *latencies) summary() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	d := slices.Clone(l.d)
	slices.Sort(d)
	if len(d) == 0 {
		return "n=0"
	}
	p := func(q float64) time.Duration {
		return d[min(len(d)-1, int(q*float64(len(d))))].Round(time.Microsecond * 100)
	}
	return fmt.Sprintf("n=%d p50=%s p90=%s p99=%s max=%s statuses=%v over_2s=%v", len(d), p(0.50), p(0.90), p(0.99),
		d[len(d)-1].Round(time.Microsecond*100), l.status, l.slow)
}

func (l *latencies) over(limit time.Duration) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, d := range l.d {
		if d > limit {
			n++
		}
	}
	return n
}

// metricValue reads one sample from the server's /metrics (loopback is allowed by default).
func metricValue(t *testing.T, base, sample string) float64 {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatalf("metrics: %v", err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), sample+" "); ok {
			f, _ := strconv.ParseFloat(v, 64)
			return f
		}
	}
	return 0
}

// procStatus reads a field of /proc/PID/status in kB.
func procStatus(pid int, field string) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return -1
	}
	m := regexp.MustCompile(field + `:\s+(\d+) kB`).FindSubmatch(b)
	if m == nil {
		return -1
	}
	n, _ := strconv.ParseInt(string(m[1]), 10, 64)
	return n
}

// browse logs in as admin and GETs pages until stop closes.
func browse(t *testing.T, base, password string, hosts func() string, stop <-chan struct{}, lat *latencies) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	resp, err := c.PostForm(base+"/login", url.Values{"username": {"admin"}, "password": {password}})
	if err != nil {
		t.Errorf("login: %v", err)
		return
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	pages := []string{"/", "/hosts", "/repos", "/reports", "/packages", "/hosts/" + hosts()}
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		default:
		}
		page := pages[i%len(pages)]
		if strings.HasPrefix(page, "/hosts/") {
			page = "/hosts/" + hosts()
		}
		start := time.Now()
		resp, err := c.Get(base + page)
		if err != nil {
			lat.add(time.Since(start), -1, err.Error())
			continue
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		d := time.Since(start)
		errText := ""
		if resp.StatusCode != http.StatusOK && !(resp.StatusCode == http.StatusNotFound && strings.HasPrefix(page, "/hosts/")) {
			errText = fmt.Sprintf("GET %s: %d %.200s", page, resp.StatusCode, body)
		}
		if strings.Contains(string(body), "/login") && strings.Contains(string(body), `name="password"`) {
			errText = fmt.Sprintf("GET %s: got the login form, session lost", page)
		}
		family := page
		if strings.HasPrefix(page, "/hosts/") {
			family = "/hosts/NAME"
		}
		lat.addPath(family, d, resp.StatusCode, errText)
	}
}

// TestLoad is a burst of N hosts reporting (captured protocol 1 uploads with varied host names
// and 20 package-set variants) with bounded concurrency, while scheduled refreshes rewrite a
// loopback mirror, update finding runs and logged-in users browse. Every upload must get a 2xx,
// no request may take over 2 s, and "database is locked" must appear nowhere. It logs reports/s
// accepted and processed, latency percentiles, the server's peak RSS and the database size.
// Small by default; PATCHWARD_LOAD=1 runs 10,000 hosts (PATCHWARD_LOAD_HOSTS,
// PATCHWARD_LOAD_CONCURRENCY override). Run with -v to see the figures.
func TestLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("load test skipped under -short")
	}
	hosts, conc, refresh := 100, 8, "@every 1s"
	if os.Getenv("PATCHWARD_LOAD") == "1" {
		hosts, conc, refresh = 10000, 32, "@every 10s"
	}
	hosts, conc = envInt("PATCHWARD_LOAD_HOSTS", hosts), envInt("PATCHWARD_LOAD_CONCURRENCY", conc)
	bin := buildBinary(t)
	// A real mirror changes a few packages between refreshes; PATCHWARD_LOAD_CHURN=5000 makes
	// every refresh rewrite every package (the worst case).
	mirror := changingMirror(5000, envInt("PATCHWARD_LOAD_CHURN", 100))
	defer mirror.Close()
	up := loadProtocol1(t, mirror.URL)
	data := t.TempDir()
	p := startProc(t, bin, data, "PATCHWARD_SCHEDULE__REFRESH="+refresh, "PATCHWARD_SCHEDULE__FIND_UPDATES=@every 3s",
		"PATCHWARD_SCHEDULE__PROCESS=@every 10s")
	m := regexp.MustCompile(`created user "admin" with password (\S+)`).FindStringSubmatch(p.logs.String())
	if m == nil {
		t.Fatalf("no admin password in the logs:\n%s", p.logs.String())
	}

	var uploads, pages latencies
	var lastHost atomic.Value
	lastHost.Store("load0.example.org")
	stopBrowse := make(chan struct{})
	var bwg sync.WaitGroup
	for range 3 {
		bwg.Add(1)
		go func() {
			defer bwg.Done()
			browse(t, p.base, m[1], func() string { return lastHost.Load().(string) }, stopBrowse, &pages)
		}()
	}

	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: conc}}
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= hosts {
					return
				}
				host := fmt.Sprintf("load%d.example.org", i)
				req := up.request(p.base, host)
				b, _ := io.ReadAll(req.Body)
				b = []byte(strings.Replace(string(b), "'adduser' '' '3.134' ''", fmt.Sprintf("'adduser' '' '3.134+v%d' ''", i%20), 1))
				req, _ = http.NewRequest(http.MethodPost, req.URL.String(), strings.NewReader(string(b)))
				req.Header.Set("Content-Type", up.ctype)
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					uploads.add(time.Since(t0), -1, err.Error())
					continue
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				errText := ""
				if resp.StatusCode/100 != 2 {
					errText = fmt.Sprintf("%s: %d %.200s", host, resp.StatusCode, body)
				} else {
					lastHost.Store(host)
				}
				uploads.add(time.Since(t0), resp.StatusCode, errText)
			}
		}()
	}
	wg.Wait()
	acceptedIn := time.Since(start)
	deadline := time.Now().Add(time.Duration(hosts)*50*time.Millisecond + time.Minute)
	var processedIn time.Duration
	for {
		applied := metricValue(t, p.base, `patchward_reports_processed_total{outcome="applied"}`)
		if applied >= float64(hosts) {
			processedIn = time.Since(start)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %v of %d reports processed by the deadline", applied, hosts)
		}
		time.Sleep(100 * time.Millisecond)
	}
	close(stopBrowse)
	bwg.Wait()
	rss := procStatus(p.cmd.Process.Pid, "VmHWM")
	refreshes := metricValue(t, p.base, `patchward_job_runs_total{job="refresh",outcome="ok"}`)
	finds := metricValue(t, p.base, `patchward_job_runs_total{job="find_updates",outcome="ok"}`)
	// Server-side view of the same uploads: time from the handler's start to its answer,
	// without the client's connection and queueing time.
	intakeCount := metricValue(t, p.base, `patchward_report_intake_seconds_count{protocol="1"}`)
	intakeUnder2 := metricValue(t, p.base, `patchward_report_intake_seconds_bucket{protocol="1",le="2.048"}`)
	processCount := metricValue(t, p.base, `patchward_report_process_seconds_count`)
	processSum := metricValue(t, p.base, `patchward_report_process_seconds_sum`)
	p.stop(t, syscall.SIGTERM)
	var dbSize int64
	for _, f := range []string{"patchward.db", "patchward.db-wal"} {
		if fi, err := os.Stat(filepath.Join(data, f)); err == nil {
			dbSize += fi.Size()
		}
	}

	t.Logf("hosts=%d concurrency=%d browsers=3 refresh=%q mirror churn=%d of 5000 packages per refresh", hosts, conc, refresh,
		envInt("PATCHWARD_LOAD_CHURN", 100))
	t.Logf("accepted: %d in %s = %.0f reports/s", hosts, acceptedIn.Round(time.Millisecond), float64(hosts)/acceptedIn.Seconds())
	t.Logf("processed: %d in %s = %.0f reports/s (from the first upload)", hosts, processedIn.Round(time.Millisecond), float64(hosts)/processedIn.Seconds())
	t.Logf("upload latency: %s", uploads.summary())
	t.Logf("page latency: %s", pages.summary())
	t.Logf("refresh runs ok: %v, find_updates runs ok: %v", refreshes, finds)
	t.Logf("server side: %v of %v uploads handled in over 2.048 s; processing %.1f ms per report on average",
		intakeCount-intakeUnder2, intakeCount, 1000*processSum/max(processCount, 1))
	t.Logf("server peak RSS (VmHWM): %d MiB; database size after shutdown: %.1f MiB", rss/1024, float64(dbSize)/(1<<20))

	for _, e := range append(uploads.errs, pages.errs...) {
		t.Errorf("request failed: %s", e)
	}
	if n := uploads.over(2 * time.Second); n > 0 {
		t.Errorf("%d uploads took over 2 s", n)
	}
	if n := pages.over(2 * time.Second); n > 0 {
		t.Errorf("%d page requests took over 2 s", n)
	}
	if strings.Contains(p.logs.String(), "database is locked") {
		t.Error(`"database is locked" in the server log`)
	}
	if refreshes < 1 {
		t.Log("note: no refresh completed during the burst")
	}
}

// TestSlowClients opens connections that trickle their headers (slowloris) or their body, and
// checks that the server cuts each off within its timeouts while an ordinary client is still
// served at once.
func TestSlowClients(t *testing.T) {
	data := t.TempDir()
	base, logs, stop := serveInProcess(t, data, "PATCHWARD_HTTP__READ_HEADER_TIMEOUT=300ms", "PATCHWARD_HTTP__READ_TIMEOUT=1s")
	addr := strings.TrimPrefix(base, "http://")
	tests := []struct {
		name  string
		head  string
		drip  string
		limit time.Duration
	}{
		{"headers trickled", "POST /reports/upload/ HTTP/1.1\r\nHost: x\r\n", "X-Slow: a\r\n", 3 * time.Second},
		{"body trickled", "POST /reports/upload/ HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\n" +
			"Content-Length: 1000000\r\n\r\n", "a", 4 * time.Second},
	}
	var wg sync.WaitGroup
	for _, tt := range tests {
		for range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				conn, err := net.Dial("tcp", addr)
				if err != nil {
					t.Errorf("%s: dial: %v", tt.name, err)
					return
				}
				defer conn.Close()
				start := time.Now()
				stopDrip := make(chan struct{})
				go func() {
					if _, err := io.WriteString(conn, tt.head); err != nil {
						return
					}
					tick := time.NewTicker(50 * time.Millisecond)
					defer tick.Stop()
					for {
						select {
						case <-stopDrip:
							return
						case <-tick.C:
							if _, err := io.WriteString(conn, tt.drip); err != nil {
								return
							}
						}
					}
				}()
				conn.SetReadDeadline(time.Now().Add(15 * time.Second))
				io.Copy(io.Discard, conn) // returns when the server closes the connection
				close(stopDrip)
				if took := time.Since(start); took > tt.limit {
					t.Errorf("%s: connection cut after %s, want within %s", tt.name, took.Round(time.Millisecond), tt.limit)
				}
			}()
		}
	}
	// Twenty slow connections do not stop an ordinary request.
	start := time.Now()
	get(t, base+"/healthz", http.StatusOK)
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("healthz beside slow clients took %s", took)
	}
	wg.Wait()
	if err := stop(); err != nil {
		t.Fatalf("serve: %v\n%s", err, logs.String())
	}
}

// TestMetricsAndRequestLogs checks /metrics in serve (on the main listener, and alone on its own
// listener when metrics.listen is set), and that request logs carry method, path, status and
// took but never a credential.
func TestMetricsAndRequestLogs(t *testing.T) {
	const apiKey = "pwk_NOTAREALKEY0123456789abcdef"
	up := loadProtocol1(t, "http://mirror.example.org")
	t.Run("main listener", func(t *testing.T) {
		data := t.TempDir()
		base, logs, stop := serveInProcess(t, data)
		if resp := do(t, up.request(base, "metrics.example.org")); resp.StatusCode != http.StatusNoContent {
			t.Fatalf("upload: got %d, want 204", resp.StatusCode)
		}
		req, _ := http.NewRequest(http.MethodPost, base+"/api/report/?token=QUERYSECRET", strings.NewReader(`{"protocol":2}`))
		req.Header.Set("Authorization", "Api-Key "+apiKey)
		req.Header.Set("Cookie", "patchward_session=COOKIESECRET")
		if resp := do(t, req); resp.StatusCode != http.StatusForbidden {
			t.Errorf("protocol 2 with an unknown key: got %d, want 403", resp.StatusCode)
		}
		resp, err := http.Get(base + "/metrics")
		must(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /metrics from loopback: got %d, want 200", resp.StatusCode)
		}
		for _, want := range []string{`patchward_reports_received_total{outcome="accepted",protocol="1"}`,
			`patchward_reports_received_total{outcome="denied",protocol="2"}`, "patchward_report_intake_seconds_bucket",
			"patchward_http_requests_total", "patchward_reports_pending ", "go_goroutines", "process_resident_memory_bytes"} {
			if !strings.Contains(string(body), want) {
				t.Errorf("/metrics lacks %s", want)
			}
		}
		must(t, stop())
		l := logs.String()
		for _, want := range []string{`msg="http request" method=POST path=/reports/upload/ status=204 took=`,
			`msg="http request" method=POST path=/api/report/ status=403`} {
			if !strings.Contains(l, want) {
				t.Errorf("logs lack %q:\n%s", want, l)
			}
		}
		for _, secret := range []string{apiKey, "QUERYSECRET", "COOKIESECRET"} {
			if strings.Contains(l, secret) {
				t.Errorf("logs leak %s", secret)
			}
		}
	})
	t.Run("own listener", func(t *testing.T) {
		data := t.TempDir()
		base, logs, stop := serveInProcess(t, data, "PATCHWARD_METRICS__LISTEN=127.0.0.1:0")
		m := regexp.MustCompile(`msg="metrics listening" url=(\S+)`).FindStringSubmatch(logs.String())
		if m == nil {
			t.Fatalf("no metrics listener in the logs:\n%s", logs.String())
		}
		get(t, m[1], http.StatusOK)
		noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := noRedirect.Get(base + "/metrics")
		must(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(body), "go_goroutines") {
			t.Errorf("/metrics is also served on the main listener when metrics.listen is set (status %d)", resp.StatusCode)
		}
		must(t, stop())
	})
}
