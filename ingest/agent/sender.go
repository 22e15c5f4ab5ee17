package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/klauspost/compress/gzip"

	"patchward/ingest/wire"
)

// sender delivers reports: credentials first (enrolling if needed), then any spooled report,
// then the new one; whatever the server could not take is spooled for the next run.
type sender struct {
	cfg    Config
	cl     *client
	stderr io.Writer
}

func (s *sender) send(ctx context.Context, r wire.Report) error {
	body, err := encodeReport(r)
	if err != nil {
		return err
	}
	auth, err := s.credential(ctx, r.Hostname)
	if err != nil {
		if isTransient(err) {
			return s.spool(body, err)
		}
		return err
	}
	if err := s.sendSpooled(ctx, auth); err != nil {
		return s.spool(body, err) // the server is still away: keep only the newest
	}
	_, err = s.cl.post(ctx, "/api/v1/reports", auth, body, true)
	if s.revoked(err, auth) {
		// The server no longer knows our host token (revoked so that the host may enroll
		// again): enroll anew with the site token and send once more.
		fmt.Fprintf(s.stderr, "patchward report: host token refused, enrolling again\n")
		if err = os.Remove(s.cfg.TokenFile); err != nil {
			return fmt.Errorf("remove refused host token: %w", err)
		}
		if auth, err = s.credential(ctx, r.Hostname); err != nil {
			return err
		}
		_, err = s.cl.post(ctx, "/api/v1/reports", auth, body, true)
	}
	if err != nil && isTransient(err) {
		return s.spool(body, err)
	}
	if err != nil {
		return fmt.Errorf("send report: %w", err)
	}
	return nil
}

// revoked reports whether err is the server refusing our stored host token while an enrollment
// token is at hand to get a new one.
func (s *sender) revoked(err error, auth string) bool {
	var he *HTTPError
	return errors.As(err, &he) && he.Status == http.StatusUnauthorized &&
		strings.HasPrefix(auth, "pwh_") && (s.cfg.EnrollToken != "" || s.cfg.EnrollTokenFile != "")
}

// isTransient reports whether err may go away by itself (network, 5xx, 429): such reports are
// spooled. A refusal (bad token, bad report) is not: sending the same again would not help.
func isTransient(err error) bool {
	var he *HTTPError
	if errors.As(err, &he) {
		return he.Status >= 500 || he.Status == http.StatusTooManyRequests
	}
	return true
}

// sendSpooled sends the report spooled by an earlier run, and removes it once accepted (or
// refused for good, which is logged). It returns an error only when the server is unreachable.
func (s *sender) sendSpooled(ctx context.Context, auth string) error {
	p := s.cfg.spoolPath()
	body, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read spooled report: %w", err)
	}
	_, err = s.cl.post(ctx, "/api/v1/reports", auth, body, true)
	if err != nil && isTransient(err) {
		return err
	}
	if err != nil {
		fmt.Fprintf(s.stderr, "patchward report: spooled report dropped: %v\n", err)
	}
	if err := os.Remove(p); err != nil {
		return fmt.Errorf("remove spooled report: %w", err)
	}
	return nil
}

// spool keeps body for the next run, replacing any older spooled report (newest wins), and
// returns why it had to.
func (s *sender) spool(body []byte, cause error) error {
	p := s.cfg.spoolPath()
	if err := writeFileAtomic(p, body, 0o600); err != nil {
		return fmt.Errorf("send report: %w (and spooling it failed: %v)", cause, err)
	}
	return fmt.Errorf("send report: %w: spooled to %s for the next run", cause, p)
}

// credential returns the bearer credential: the host token if there is one; otherwise an
// enrollment (which stores the new host token); otherwise the API key; otherwise none (the
// server accepts keyless reports from its allowed networks).
func (s *sender) credential(ctx context.Context, hostname string) (string, error) {
	tok, err := readSecret(s.cfg.TokenFile)
	if err != nil {
		return "", fmt.Errorf("read host token: %w", err)
	}
	if tok != "" {
		return tok, nil
	}
	enroll := s.cfg.EnrollToken
	if enroll == "" && s.cfg.EnrollTokenFile != "" {
		if enroll, err = readSecret(s.cfg.EnrollTokenFile); err != nil {
			return "", fmt.Errorf("read enrollment token: %w", err)
		}
	}
	if enroll == "" {
		return s.cfg.APIKey, nil
	}
	req, _ := json.Marshal(map[string]string{"hostname": hostname})
	resp, err := s.cl.post(ctx, "/api/v1/enroll", enroll, req, false)
	if err != nil {
		return "", fmt.Errorf("enroll %s: %w", hostname, err)
	}
	var er struct {
		HostToken string `json:"host_token"`
		UpdateKey string `json:"update_key"`
	}
	if err := json.Unmarshal(resp, &er); err != nil || er.HostToken == "" {
		return "", fmt.Errorf("enroll %s: answer without a host token", hostname)
	}
	// The update key is pinned now, over the channel the host token came on, and never
	// replaced by a later answer: a binary signed by another key is refused.
	if _, err := wire.DecodeKey(er.UpdateKey); err == nil {
		if err := writeFileAtomic(s.cfg.keyPath(), []byte(er.UpdateKey+"\n"), 0o600); err != nil {
			return "", fmt.Errorf("store server update key: %w", err)
		}
	}
	if err := writeFileAtomic(s.cfg.TokenFile, []byte(er.HostToken+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("store host token: %w", err)
	}
	fmt.Fprintf(s.stderr, "patchward report: enrolled %s; host token stored in %s\n", hostname, s.cfg.TokenFile)
	return er.HostToken, nil
}

// readSecret reads a one-line secret file; a missing file is "".
func readSecret(p string) (string, error) {
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	return strings.TrimSpace(string(b)), err
}

// writeFileAtomic writes via a temporary file and rename, so a crash never leaves half a token
// or half a report; the directory is created (0700) if needed.
func writeFileAtomic(p string, b []byte, mode os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(p), "."+filepath.Base(p)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if err := f.Chmod(mode); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), p)
}

// encodeReport is the gzip'd JSON body sent to the server.
func encodeReport(r wire.Report) ([]byte, error) {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed) // only fails for a bad level
	if err := json.NewEncoder(zw).Encode(r); err != nil {
		return nil, fmt.Errorf("encode report: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("encode report: %w", err)
	}
	return buf.Bytes(), nil
}

func writeJSON(w io.Writer, r wire.Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// writeReportFile writes the report for an air-gap transfer: JSON, gzip'd if the name ends in
// .gz. "-" is standard output.
func writeReportFile(p string, r wire.Report, stdout io.Writer) error {
	if p == "-" {
		return writeJSON(stdout, r)
	}
	var b []byte
	var err error
	if strings.HasSuffix(p, ".gz") {
		b, err = encodeReport(r)
	} else {
		var buf bytes.Buffer
		err = writeJSON(&buf, r)
		b = buf.Bytes()
	}
	if err != nil {
		return err
	}
	if err := writeFileAtomic(p, b, 0o644); err != nil {
		return fmt.Errorf("write report file: %w", err)
	}
	return nil
}

// lock takes an exclusive lock in the state directory so that a hook firing during the timer's
// run does not race it over the spool and token files. It waits at most wait (a package
// manager must not hang behind a report stuck on an unreachable server).
func lock(dir string, wait time.Duration) (func(), error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("state directory: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(dir, "lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock: %w", err)
	}
	deadline := time.Now().Add(wait)
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { f.Close() }, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) || time.Now().After(deadline) {
			f.Close()
			return nil, fmt.Errorf("lock %s: another report is running: %w", dir, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
