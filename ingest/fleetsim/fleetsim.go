// Package fleetsim is the fleet simulator: it builds N Debian hosts from real Packages indexes
// (a few dozen base images with random drift: older versions, extra and missing packages,
// different repo sets, holds) and reports them through the real intake of a running server
// (native protocol, gzip'd, bounded concurrency), optionally serving the indexes as the mirror
// the hosts' repos point at, so the server can refresh them. `patchward simulate` runs Main.
package fleetsim

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"patchward/ingest/wire"
)

// Options configure a simulation run.
type Options struct {
	Server      string        // base URL of the patchward server
	APIKey      string        // sent as "Authorization: Bearer"; loopback needs none
	Indexes     []string      // SUITE=FILE, the first being the main suite
	Hosts       int           // hosts to report
	Images      int           // base images
	Packages    int           // packages per image
	Drift       float64       // share of hosts that drift from their image
	Seed        int64         // for reproducible fleets
	Concurrency int           // reports in flight
	Rounds      int           // times every host reports (later rounds drift anew)
	Prefix      string        // host name prefix
	Domain      string        // host domain
	Mirror      string        // base URL of the repos the hosts report ("" = the served mirror)
	Serve       string        // address to serve the indexes on as a mirror ("" = do not serve)
	Linger      time.Duration // how long to keep serving the mirror after the last report
	Timeout     time.Duration // per request
	DryRun      bool          // print the first host's report instead of sending
}

type flagList []string

func (l *flagList) String() string     { return strings.Join(*l, ",") }
func (l *flagList) Set(v string) error { *l = append(*l, v); return nil }

// parseFlags reads args into Options.
func parseFlags(args []string, stderr io.Writer) (Options, error) {
	o := Options{}
	fs := flag.NewFlagSet("simulate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var idx flagList
	fs.StringVar(&o.Server, "server", "http://127.0.0.1:8080", "patchward server base URL")
	fs.StringVar(&o.APIKey, "api-key", "", "API key (not needed from an allowed network such as loopback)")
	fs.Var(&idx, "index", "SUITE=FILE: a Debian Packages index (plain, .xz or .gz); repeat; the first is the main suite")
	fs.IntVar(&o.Hosts, "hosts", 100, "hosts to simulate")
	fs.IntVar(&o.Images, "images", 30, "base images")
	fs.IntVar(&o.Packages, "packages", 1500, "packages per base image")
	fs.Float64Var(&o.Drift, "drift", 0.3, "share of hosts that drift from their image (0..1)")
	fs.Int64Var(&o.Seed, "seed", 1, "random seed")
	fs.IntVar(&o.Concurrency, "concurrency", 4, "reports in flight")
	fs.IntVar(&o.Rounds, "rounds", 1, "times every host reports")
	fs.StringVar(&o.Prefix, "prefix", "sim", "host name prefix")
	fs.StringVar(&o.Domain, "domain", "fleet.example", "host domain")
	fs.StringVar(&o.Mirror, "mirror", "", "base URL of the repos hosts report (default: the -serve address)")
	fs.StringVar(&o.Serve, "serve", "", "serve the indexes as a mirror on this address, e.g. 127.0.0.1:8099")
	fs.DurationVar(&o.Linger, "linger", 0, "keep serving the mirror this long after the last report (until interrupted)")
	fs.DurationVar(&o.Timeout, "timeout", time.Minute, "per-request timeout")
	fs.BoolVar(&o.DryRun, "dry-run", false, "print the first host's report and exit")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	o.Indexes = idx
	var errs []error
	if len(o.Indexes) == 0 {
		errs = append(errs, errors.New("at least one -index SUITE=FILE is required"))
	}
	for _, s := range o.Indexes {
		if n, p, ok := strings.Cut(s, "="); !ok || n == "" || p == "" {
			errs = append(errs, fmt.Errorf("-index %q: want SUITE=FILE", s))
		}
	}
	if o.Hosts < 1 || o.Images < 1 || o.Packages < 1 || o.Concurrency < 1 || o.Rounds < 1 {
		errs = append(errs, errors.New("-hosts, -images, -packages, -concurrency and -rounds must be positive"))
	}
	if o.Drift < 0 || o.Drift > 1 {
		errs = append(errs, errors.New("-drift must be between 0 and 1"))
	}
	if o.Mirror == "" && o.Serve == "" {
		errs = append(errs, errors.New("give -mirror URL or -serve ADDR"))
	}
	return o, errors.Join(errs...)
}

// Main runs `patchward simulate` with args (without the command name).
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return fmt.Errorf("simulate: %w", err)
	}
	return Run(ctx, o, stdout)
}

// Run simulates the fleet described by o, printing progress and a summary to out.
func Run(ctx context.Context, o Options, out io.Writer) error {
	start := time.Now()
	var suites []suite
	for _, s := range o.Indexes {
		name, path, _ := strings.Cut(s, "=")
		st, err := readSuite(name, path)
		if err != nil {
			return fmt.Errorf("simulate: %w", err)
		}
		suites = append(suites, st)
	}
	fmt.Fprintf(out, "read %d index(es) in %s\n", len(suites), time.Since(start).Round(time.Millisecond))
	mirror := o.Mirror
	var srv *http.Server
	if o.Serve != "" {
		ln, err := net.Listen("tcp", o.Serve)
		if err != nil {
			return fmt.Errorf("simulate: serve mirror: %w", err)
		}
		srv = &http.Server{Handler: mirrorHandler(suites), ReadHeaderTimeout: 10 * time.Second}
		go srv.Serve(ln) //nolint:errcheck // Serve returns ErrServerClosed on Shutdown
		defer srv.Close()
		if mirror == "" {
			mirror = "http://" + ln.Addr().String()
		}
		fmt.Fprintf(out, "serving the indexes as a mirror at %s\n", "http://"+ln.Addr().String())
	}
	f, err := newFleet(o, suites, mirror)
	if err != nil {
		return fmt.Errorf("simulate: %w", err)
	}
	if o.DryRun {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(f.host(0, 0))
	}
	sum, err := send(ctx, o, f)
	fmt.Fprintf(out, "sent %d report(s) (%d failed, %.1f MB gzip'd) in %s: %.0f reports/s\n",
		sum.sent, sum.failed, float64(sum.bytes)/1e6, sum.took.Round(time.Millisecond),
		float64(sum.sent)/max(sum.took.Seconds(), 1e-9))
	if err != nil {
		return fmt.Errorf("simulate: %w", err)
	}
	if srv != nil && o.Linger > 0 {
		fmt.Fprintf(out, "serving the mirror for %s more (interrupt to stop)\n", o.Linger)
		t := time.NewTimer(o.Linger)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
		}
	}
	return nil
}

// mirrorHandler serves each suite's index as <archive>/dists/<suite>/main/binary-amd64/Packages[.xz|.gz].
func mirrorHandler(suites []suite) http.Handler {
	files := make(map[string][]byte)
	for _, s := range suites {
		archive := "debian"
		if strings.Contains(s.Name, "security") {
			archive = "debian-security"
		}
		name := "Packages"
		for _, ext := range []string{".xz", ".gz"} {
			if strings.HasSuffix(s.Path, ext) {
				name += ext
			}
		}
		files["/"+archive+"/dists/"+s.Name+"/main/binary-amd64/"+name] = s.Raw
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(b))
	})
}

type sendSummary struct {
	sent, failed int64
	bytes        int64
	took         time.Duration
}

// send posts every host's report, rounds times, with o.Concurrency in flight, and stops early
// when ctx is cancelled. A failed report is counted and logged once, and does not stop the run
// unless every report fails.
func send(ctx context.Context, o Options, f *fleet) (sendSummary, error) {
	start := time.Now()
	var sum sendSummary
	client := &http.Client{Timeout: o.Timeout}
	jobs := make(chan [2]int)
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	var sent, failed, nbytes atomic.Int64
	for range o.Concurrency {
		wg.Go(func() {
			for j := range jobs {
				n, err := post(ctx, client, o, f.host(j[0], j[1]))
				nbytes.Add(int64(n))
				if err != nil {
					failed.Add(1)
					once.Do(func() { firstErr = err })
					continue
				}
				sent.Add(1)
			}
		})
	}
loop:
	for round := range o.Rounds {
		for i := range o.Hosts {
			select {
			case jobs <- [2]int{i, round}:
			case <-ctx.Done():
				break loop
			}
		}
	}
	close(jobs)
	wg.Wait()
	sum.sent, sum.failed, sum.bytes, sum.took = sent.Load(), failed.Load(), nbytes.Load(), time.Since(start)
	switch {
	case ctx.Err() != nil:
		return sum, ctx.Err()
	case sum.sent == 0 && firstErr != nil:
		return sum, firstErr
	case firstErr != nil:
		return sum, fmt.Errorf("%d report(s) failed, first: %w", sum.failed, firstErr)
	}
	return sum, nil
}

// post sends one report gzip'd and returns the body size; the intake answers 202 once the
// report is committed.
func post(ctx context.Context, client *http.Client, o Options, r wire.Report) (int, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if err := json.NewEncoder(zw).Encode(r); err != nil {
		return 0, fmt.Errorf("encode report of %s: %w", r.Hostname, err)
	}
	if err := zw.Close(); err != nil {
		return 0, fmt.Errorf("encode report of %s: %w", r.Hostname, err)
	}
	n := buf.Len()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(o.Server, "/")+"/api/v1/reports", &buf)
	if err != nil {
		return n, fmt.Errorf("report %s: %w", r.Hostname, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Content-Encoding", "gzip")
	if o.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+o.APIKey)
	}
	resp, err := client.Do(req)
	if err != nil {
		return n, fmt.Errorf("report %s: %w", r.Hostname, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode != http.StatusAccepted {
		return n, fmt.Errorf("report %s: %s: %s", r.Hostname, resp.Status, strings.TrimSpace(string(body)))
	}
	return n, nil
}
