package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"patchward/ingest/wire"
)

// get fetches path once with the host token, reading at most max bytes of the answer.
func (cl *client) get(ctx context.Context, path, auth string, max int64) ([]byte, http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, cl.base+path, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("get %s: %w", path, err)
	}
	req.Header.Set("User-Agent", cl.ua)
	req.Header.Set("Authorization", "Bearer "+auth)
	resp, err := cl.http.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("get %s: %w", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return nil, nil, fmt.Errorf("get %s: read answer: %w", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, nil, &HTTPError{Status: resp.StatusCode, Detail: detail(b)}
	}
	if int64(len(b)) > max {
		return nil, nil, fmt.Errorf("get %s: answer larger than %d bytes", path, max)
	}
	return b, resp.Header, nil
}

// selfUpdate replaces the running binary with the server's when the server offers a newer
// version whose checksum and signature (by the key pinned at enrolment) check. Whatever it
// decides about an offered newer version is kept for the next report. It returns an error
// only when it could not ask (the server is away): the report was sent already.
func (s *sender) selfUpdate(ctx context.Context, version, auth string) error {
	body, _, err := s.cl.get(ctx, "/api/v1/agent/update", auth, 64<<10)
	if err != nil {
		return fmt.Errorf("self-update: %w", err)
	}
	var m wire.UpdateManifest
	if err := json.Unmarshal(body, &m); err != nil {
		return fmt.Errorf("self-update: malformed manifest: %w", err)
	}
	if c, ok := wire.CompareVersions(m.Version, version); !ok || c <= 0 {
		return nil // not newer, or a dev build on either side: nothing to do
	}
	u := wire.SelfUpdate{At: time.Now().UTC(), From: version, To: m.Version}
	if err := s.replaceBinary(ctx, auth, m); err != nil {
		u.Error = err.Error()
		fmt.Fprintf(s.stderr, "patchward report: self-update to %s refused, keeping %s: %v\n", m.Version, version, err)
	} else {
		u.OK = true
		fmt.Fprintf(s.stderr, "patchward report: updated itself from %s to %s\n", version, m.Version)
	}
	b, _ := json.Marshal(u)
	if err := writeFileAtomic(s.cfg.updatePath(), b, 0o600); err != nil {
		return fmt.Errorf("self-update: keep outcome: %w", err)
	}
	return nil
}

// replaceBinary downloads the binary m announces, checks it and puts it in place of the
// running executable.
func (s *sender) replaceBinary(ctx context.Context, auth string, m wire.UpdateManifest) error {
	key, err := readSecret(s.cfg.keyPath())
	if err != nil {
		return fmt.Errorf("read pinned server key: %w", err)
	}
	pub, err := wire.DecodeKey(key)
	if err != nil {
		return fmt.Errorf("no pinned server key in %s (the host enrolled before self-update: "+
			"revoke its host token and enroll again)", s.cfg.keyPath())
	}
	if m.Size <= 0 || m.Size > wire.MaxAgentBinary {
		return fmt.Errorf("offered binary of %d bytes: over the %d-byte limit", m.Size, wire.MaxAgentBinary)
	}
	bin, hdr, err := s.cl.get(ctx, "/api/v1/agent/binary", auth, m.Size)
	if err != nil {
		return fmt.Errorf("download: %w", err)
	}
	got := wire.UpdateManifest{Version: hdr.Get("X-Patchward-Version"), SHA256: hdr.Get("X-Patchward-SHA256"),
		Size: int64(len(bin)), Signature: hdr.Get("X-Patchward-Signature")}
	if got.Version != m.Version {
		return fmt.Errorf("download: version %q, the manifest said %q", got.Version, m.Version)
	}
	if err := wire.VerifyUpdate(pub, got, bin); err != nil {
		return err
	}
	exe, err := os.Executable()
	if err == nil {
		exe, err = filepath.EvalSymlinks(exe)
	}
	if err != nil {
		return fmt.Errorf("find own executable: %w", err)
	}
	return replaceFile(exe, bin)
}

// replaceFile writes b beside p and renames it over p, keeping p's mode: a crash leaves the
// old binary or the new one, never half of one.
func replaceFile(p string, b []byte) error {
	st, err := os.Stat(p)
	if err != nil {
		return err
	}
	dir := filepath.Dir(p)
	f, err := os.CreateTemp(dir, "."+filepath.Base(p)+".new.*")
	if err != nil {
		return fmt.Errorf("write new binary: %w", err)
	}
	defer os.Remove(f.Name())
	_, err = f.Write(b)
	if err == nil {
		err = f.Chmod(st.Mode().Perm())
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), p)
	}
	if err != nil {
		return fmt.Errorf("write new binary: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync() // the rename itself survives a crash; best effort, as not every file system allows it
		d.Close()
	}
	return nil
}

// pendingUpdate is the outcome of the last self-update, not yet reported (nil if none).
func pendingUpdate(cfg Config) *wire.SelfUpdate {
	b, err := os.ReadFile(cfg.updatePath())
	if err != nil {
		return nil
	}
	var u wire.SelfUpdate
	if json.Unmarshal(b, &u) != nil {
		return nil
	}
	return &u
}

// clearPendingUpdate forgets the reported outcome.
func clearPendingUpdate(cfg Config) error {
	if err := os.Remove(cfg.updatePath()); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove reported self-update outcome: %w", err)
	}
	return nil
}
