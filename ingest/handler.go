package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"github.com/klauspost/compress/gzip"

	"patchward/ingest/netlist"
	"patchward/store"
)

// server serves report intake.
type server struct {
	db     *store.DB
	opts   Options
	nets   []netip.Prefix
	log    *slog.Logger
	notify func()
	// proxies are opts.TrustedProxies parsed; empty means X-Forwarded-For is ignored.
	proxies []netip.Prefix
	// inflight is the memory budget of the uploads being read and parsed.
	inflight *budget
	// rejects limits rejected uploads per client address.
	rejects *rejectLimiter
	// agentBin is the agent binary on offer for self-updates.
	agentBin *agentBinary
}

// Handler serves report intake for every protocol:
//
//	POST /reports/upload/  Patchman protocol 1 (multipart form); 204, or 200 text when report=true
//	POST /api/report/      Patchman protocol 2 (JSON); 202 {"status":"accepted","report_id":N,...}
//	POST /api/v1/reports   patchward native JSON (see wire.Report); 202 {"status":"accepted",...}
//	POST /api/v1/enroll    agent enrollment: an enrollment token buys a host token; 201
//	GET  /api/v1/agent/update, /api/v1/agent/binary  the signed agent binary (host token)
//
// Protocol 1 and keyless protocol 2 uploads are accepted only from opts.AllowedNetworks (client
// address from RemoteAddr, or from X-Forwarded-For only when RemoteAddr is one of
// opts.TrustedProxies). A 2xx is sent only after the report
// row committed; notify (if not nil) is then called so that processing can start at once.
func Handler(db *store.DB, opts Options, log *slog.Logger, notify func()) http.Handler {
	if opts.AllowedNetworks == nil {
		opts.AllowedNetworks = DefaultAllowedNetworks
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.MaxInflightBytes <= 0 {
		opts.MaxInflightBytes = DefaultMaxInflightBytes
	}
	if opts.KeepRejectedCount <= 0 {
		opts.KeepRejectedCount = DefaultKeepRejectedCount
	}
	if opts.KeepRejectedBytes <= 0 {
		opts.KeepRejectedBytes = DefaultKeepRejectedBytes
	}
	if opts.MaxRejectedPerMinute <= 0 {
		opts.MaxRejectedPerMinute = DefaultMaxRejectedPerMinute
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	nets, err := netlist.Parse("allowed_networks", opts.AllowedNetworks)
	if err != nil {
		// config validation reports this at startup; here the bad entries are just left out.
		log.Error("ingest: ignoring invalid allowed networks", "err", err)
	}
	proxies, err := netlist.Parse("trusted_proxies", opts.TrustedProxies)
	if err != nil {
		log.Error("ingest: ignoring invalid trusted proxies", "err", err)
	}
	s := &server{db: db, opts: opts, nets: nets, log: log, notify: notify, proxies: proxies,
		inflight: &budget{max: opts.MaxInflightBytes}, rejects: newRejectLimiter(opts.MaxRejectedPerMinute),
		agentBin: &agentBinary{}}
	mux := http.NewServeMux()
	for _, p := range []string{"/reports/upload/{$}", "/reports/upload"} {
		mux.HandleFunc("POST "+p, measure("1", s.protocol1))
	}
	for _, p := range []string{"/api/report/{$}", "/api/report"} {
		mux.HandleFunc("POST "+p, measure("2", s.protocol2))
	}
	mux.HandleFunc("POST /api/v1/reports", measure("native", s.native))
	mux.HandleFunc("POST /api/v1/enroll", s.enroll)
	mux.HandleFunc("GET /api/v1/agent/update", s.agentUpdate)
	mux.HandleFunc("GET /api/v1/agent/binary", s.agentBinaryFile)
	return s.refuseBrowsers(s.limitRejects(mux))
}

// browserRefused is the answer to an intake request made by a web browser.
const browserRefused = "report intake refuses requests from web browsers (cross-origin Origin or " +
	"Sec-Fetch-Site header): send reports with patchman-client, curl or the patchward agent"

// refuseBrowsers refuses requests that a browser made on behalf of another site's page. A
// multipart form POST is a CORS simple request, so without this any page opened on an allowed
// network could post reports; real clients send neither Origin nor Sec-Fetch-Site and pass.
func (s *server) refuseBrowsers(h http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.log.Warn("ingest: cross-origin request refused", "path", r.URL.Path,
			"origin", r.Header.Get("Origin"), "remote_addr", s.clientAddr(r).String())
		if strings.HasPrefix(r.URL.Path, "/api/") {
			writeJSON(w, http.StatusForbidden, map[string]string{"detail": browserRefused})
			return
		}
		http.Error(w, browserRefused, http.StatusForbidden)
	}))
	return cop.Handler(h)
}

// peerAddr is the address of the TCP peer.
func peerAddr(r *http.Request) netip.Addr {
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		return ap.Addr().Unmap()
	}
	a, _ := netip.ParseAddr(r.RemoteAddr)
	return a.Unmap()
}

// clientAddr is the address a report comes from: the peer, unless the peer is a configured
// trusted proxy, in which case X-Forwarded-For is read right to left, skipping trusted proxies,
// and the first other address is the client. Patchman trusted the header blindly, which lets
// any client claim an allowed address; here it counts only when it was set by our own proxy,
// and only the entries our proxies appended (the leftmost ones are the client's to forge).
func (s *server) clientAddr(r *http.Request) netip.Addr {
	a := peerAddr(r)
	if !s.trusted(a) {
		return a
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		h, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break // a malformed hop: trust nothing further left
		}
		a = h.Unmap()
		if !s.trusted(a) {
			return a
		}
	}
	return a
}

func (s *server) trusted(a netip.Addr) bool { return netlist.Contains(s.proxies, a) }

func (s *server) allowed(a netip.Addr) bool { return netlist.Contains(s.nets, a) }

func (s *server) deniedMessage(a netip.Addr) string {
	return fmt.Sprintf("reports from %s are not accepted: add its network to ingest.allowed_networks "+
		"(PATCHWARD_INGEST_ALLOWED_NETWORKS) or send an API key", a)
}

// errTooLarge is returned by readBody when the body (or its gzip expansion) is over the limit.
var errTooLarge = errors.New("report body too large")

// readBody reads the whole body, gunzipping it when Content-Encoding says gzip, up to
// MaxBodyBytes either way. The body is read whole rather than streamed so that a malformed
// upload can be kept for the operator to see.
//
// What it reads counts against the intake memory budget until release is called (when the
// handler is done with the body); errBusy when the budget is used up. release is never nil.
func (s *server) readBody(w http.ResponseWriter, r *http.Request) (body []byte, release func(), err error) {
	max := s.opts.MaxBodyBytes
	var src io.Reader = http.MaxBytesReader(w, r.Body, max)
	if strings.EqualFold(strings.TrimSpace(r.Header.Get("Content-Encoding")), "gzip") {
		zr, err := gzip.NewReader(src)
		if err != nil {
			return nil, func() {}, fmt.Errorf("gzip body: %w", err)
		}
		defer zr.Close()
		src = io.LimitReader(zr, max+1)
	}
	br := &budgetBuffer{b: s.inflight}
	size := int64(0) // unknown: start small, the buffer doubles
	if n := r.ContentLength; n > 0 && n <= max {
		size = n + 1 // room to see the end without growing
	}
	buf, err := br.read(src, size, max+1)
	var mbe *http.MaxBytesError
	switch {
	case errors.Is(err, errBusy):
		return nil, br.release, errBusy
	case errors.As(err, &mbe) || int64(len(buf)) > max:
		return nil, br.release, errTooLarge
	case err != nil:
		return nil, br.release, fmt.Errorf("read body: %w", err)
	}
	return buf, br.release, nil
}

// busyMessage answers an upload that found the intake memory budget used up.
const busyMessage = "server busy: too many uploads in flight (ingest.max_inflight_bytes), retry later"

// busy sets Retry-After on a 503 for an upload refused for the memory budget.
func (s *server) busy(w http.ResponseWriter) {
	s.log.Warn("ingest: upload refused, memory budget in use", "max_inflight_bytes", s.opts.MaxInflightBytes)
	w.Header().Set("Retry-After", "10")
}

func (s *server) tooLargeMessage() string {
	return fmt.Sprintf("report body exceeds %d bytes: raise ingest.max_body_bytes", s.opts.MaxBodyBytes)
}

// meta is the report row for a request, before parsing.
func (s *server) meta(r *http.Request, protocol string) store.Report {
	return store.Report{Protocol: protocol, RemoteAddr: s.clientAddr(r).String(), UserAgent: r.UserAgent()}
}

// limitRejects refuses, before reading them, the uploads of an address that has had too many
// rejected lately: 429 with Retry-After.
func (s *server) limitRejects(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := s.clientAddr(r)
		ok, wait := s.rejects.allowed(a, s.db.Now())
		if ok {
			h.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		msg := fmt.Sprintf("too many rejected uploads from %s: fix the client and retry later "+
			"(ingest.max_rejected_per_minute is %d)", a, s.opts.MaxRejectedPerMinute)
		if strings.HasPrefix(r.URL.Path, "/api/") {
			writeJSON(w, http.StatusTooManyRequests, map[string]string{"detail": msg})
			return
		}
		http.Error(w, msg, http.StatusTooManyRequests)
	})
}

// reject keeps a record of an upload that could not be accepted, within the caps on what
// rejected uploads keep, and counts it against the client's address. Failing to record it is
// only logged: the client gets its 4xx either way.
func (s *server) reject(ctx context.Context, rep store.Report, reason string, raw []byte) {
	if a, err := netip.ParseAddr(rep.RemoteAddr); err == nil {
		s.rejects.rejected(a, s.db.Now())
	}
	reason = stripUserinfo(reason)
	if raw != nil {
		// Cut a little past the kept length first, so that a URL straddling the end is still
		// recognised; the store cuts to MaxRawReport.
		raw = []byte(stripUserinfo(string(raw[:min(len(raw), store.MaxRawReport+1024)])))
	}
	lim := store.RejectedLimits{Count: s.opts.KeepRejectedCount, Bytes: s.opts.KeepRejectedBytes}
	if _, err := s.db.SaveRejectedUpload(ctx, rep, reason, raw, lim); err != nil {
		s.log.Error("ingest: record rejected report", "remote_addr", rep.RemoteAddr, "err", err)
	}
}

// accept stores a parsed report, and wakes processing once it is committed.
func (s *server) accept(ctx context.Context, rep store.Report, hr store.HostReport, warn []string) (int64, error) {
	hr.RemoteIP = rep.RemoteAddr
	id, err := s.db.SaveReport(ctx, rep, hr)
	if err != nil {
		return 0, err
	}
	if len(warn) > 0 {
		s.log.Warn("ingest: report lines skipped", "report_id", id, "host", hr.Hostname,
			"skipped", len(warn), "first", stripUserinfo(warn[0]))
	}
	if s.notify != nil {
		s.notify()
	}
	return id, nil
}

func (s *server) protocol1(w http.ResponseWriter, r *http.Request) {
	rep := s.meta(r, "1")
	if a := s.clientAddr(r); !s.allowed(a) {
		http.Error(w, s.deniedMessage(a), http.StatusForbidden)
		return
	}
	body, release, err := s.readBody(w, r)
	defer release()
	switch {
	case errors.Is(err, errBusy):
		s.busy(w)
		http.Error(w, busyMessage, http.StatusServiceUnavailable)
		return
	case errors.Is(err, errTooLarge):
		s.reject(r.Context(), rep, s.tooLargeMessage(), nil)
		http.Error(w, s.tooLargeMessage(), http.StatusRequestEntityTooLarge)
		return
	}
	var fields Protocol1Fields
	if err == nil {
		fields, err = readForm(r.Header.Get("Content-Type"), body)
	}
	var hr store.HostReport
	var warn []string
	if err == nil {
		rep.Hostname = normalizeHostname(fields["host"])
		hr, warn, err = ParseProtocol1(fields)
	}
	if err != nil {
		s.reject(r.Context(), rep, err.Error(), body)
		http.Error(w, "bad report: "+err.Error(), http.StatusBadRequest)
		return
	}
	if status, detail := s.authorized(r.Context(), credential{}, "1", hr.Hostname); status != 0 {
		http.Error(w, detail, status)
		return
	}
	id, err := s.accept(r.Context(), rep, hr, warn)
	if err != nil {
		s.log.Error("ingest: save report", "protocol", "1", "host", hr.Hostname, "err", err)
		http.Error(w, "could not store the report, try again later", http.StatusInternalServerError)
		return
	}
	if !fields.WantsEcho() {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	io.WriteString(w, echoSummary(id, hr, warn))
}

// readForm parses a protocol 1 body: multipart as curl -F sends it, or urlencoded.
func readForm(contentType string, body []byte) (Protocol1Fields, error) {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return nil, &ParseError{Msg: fmt.Sprintf("bad Content-Type %q: %v", clip(contentType), err)}
	}
	switch mt {
	case "multipart/form-data":
		return ReadProtocol1Form(body, params["boundary"])
	case "application/x-www-form-urlencoded":
		v, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, &ParseError{Msg: fmt.Sprintf("malformed form body: %v", err)}
		}
		f := Protocol1Fields{}
		for k := range v {
			f[k] = v.Get(k)
		}
		return f, nil
	}
	return nil, &ParseError{Msg: fmt.Sprintf("Content-Type %s: want multipart/form-data", mt)}
}

// echoSummary is the text sent back when a protocol 1 client asks for a report (-r).
func echoSummary(id int64, hr store.HostReport, warn []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Report %d queued for processing\n\n", id)
	fmt.Fprintf(&b, "Host:     %s\nTags:     %s\nOS:       %s\nKernel:   %s\nArch:     %s\nReboot:   %t\n",
		hr.Hostname, strings.Join(hr.Tags, ","), hr.OS, hr.Kernel, hr.Arch, hr.Reboot)
	fmt.Fprintf(&b, "Packages: %d\n", len(hr.Packages))
	if hr.Repos == nil {
		b.WriteString("Repos:    not reported (kept)\n")
	} else {
		fmt.Fprintf(&b, "Repos:    %d\n", len(hr.Repos))
	}
	for _, rr := range hr.Repos {
		fmt.Fprintf(&b, "  %s %q priority %d %s\n", rr.Type, rr.Name, rr.Priority, strings.Join(rr.URLs, " "))
	}
	fmt.Fprintf(&b, "Modules:  %d\nUpdates:  %d\n", len(hr.Modules), len(hr.Updates))
	for _, w := range warn {
		fmt.Fprintf(&b, "Warning:  %s\n", w)
	}
	return b.String()
}

// apiKey returns the key presented as "Authorization: <scheme> <key>" for one of the schemes.
func apiKey(r *http.Request, schemes ...string) (string, bool) {
	scheme, key, ok := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	if !ok {
		return "", false
	}
	for _, s := range schemes {
		if strings.EqualFold(scheme, s) {
			return strings.TrimSpace(key), true
		}
	}
	return "", false
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// fieldErrors is Patchman's (DRF's) 400 body: {"status":"error","errors":{"field":["msg"]}}.
func fieldErrors(err error) map[string]any {
	field, msg := "non_field_errors", err.Error()
	var pe *ParseError
	if errors.As(err, &pe) {
		if pe.Field != "" {
			field = pe.Field
		}
		msg = pe.Msg
		if pe.Line > 0 {
			msg = fmt.Sprintf("line %d: %s", pe.Line, pe.Msg)
		}
	}
	return map[string]any{"status": "error", "errors": map[string][]string{field: {msg}}}
}
