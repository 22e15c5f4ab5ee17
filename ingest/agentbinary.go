package ingest

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"

	"patchward/ingest/wire"
	"patchward/store"
)

// agentBinary is the binary the server offers agents, read and signed once.
type agentBinary struct {
	mu       sync.Mutex
	bin      []byte
	manifest wire.UpdateManifest
}

// load reads the binary (opts.AgentBinary, else the server's own executable) and signs it,
// the first time only; a failure is retried on the next request.
func (s *server) loadAgentBinary(r *http.Request) ([]byte, wire.UpdateManifest, error) {
	a := s.agentBin
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.bin != nil {
		return a.bin, a.manifest, nil
	}
	path := s.opts.AgentBinary
	if path == "" {
		exe, err := os.Executable()
		if err != nil {
			return nil, a.manifest, fmt.Errorf("find own executable: %w", err)
		}
		path = exe
	}
	bin, err := readCapped(path, wire.MaxAgentBinary)
	if err != nil {
		return nil, a.manifest, err
	}
	key, err := s.db.AgentUpdateKey(r.Context())
	if err != nil {
		return nil, a.manifest, err
	}
	a.bin, a.manifest = bin, wire.SignManifest(key, s.opts.ServerVersion, bin)
	return a.bin, a.manifest, nil
}

func readCapped(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read agent binary: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fmt.Errorf("read agent binary %s: %w", path, err)
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("agent binary %s is larger than %d bytes", path, max)
	}
	return b, nil
}

// updateKey is the public half of the server's agent-update key, for enrolment answers; ""
// (and logged) if it cannot be had, so that enrolment still works.
func (s *server) updateKey(r *http.Request) string {
	key, err := s.db.AgentUpdateKey(r.Context())
	if err != nil {
		s.log.Error("ingest: agent update key", "err", err)
		return ""
	}
	return wire.EncodeKey(key.Public().(ed25519.PublicKey))
}

// hostOfToken authenticates an agent by its host token; false (answered 401) otherwise.
func (s *server) hostOfToken(w http.ResponseWriter, r *http.Request) (string, bool) {
	token, ok := apiKey(r, "Bearer")
	if ok && strings.HasPrefix(token, store.HostTokenPrefix) {
		t, err := s.db.VerifyHostToken(r.Context(), token)
		if err == nil {
			return t.Hostname, true
		}
		if !errors.Is(err, store.ErrNotFound) {
			s.log.Error("ingest: verify host token", "err", err)
			writeJSON(w, http.StatusInternalServerError, map[string]string{"detail": "could not check the host token, try again later"})
			return "", false
		}
	}
	w.Header().Set("WWW-Authenticate", `Bearer realm="patchward"`)
	writeJSON(w, http.StatusUnauthorized, map[string]string{"detail": "send the host token: Authorization: Bearer pwh_..."})
	return "", false
}

// offered authenticates the agent and returns the binary on offer and its manifest; false
// when it answered already (401, 503).
func (s *server) offered(w http.ResponseWriter, r *http.Request) (string, []byte, wire.UpdateManifest, bool) {
	host, ok := s.hostOfToken(w, r)
	if !ok {
		return "", nil, wire.UpdateManifest{}, false
	}
	bin, m, err := s.loadAgentBinary(r)
	if err != nil {
		s.log.Error("ingest: agent binary", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"detail": "no agent binary on offer"})
		return "", nil, m, false
	}
	return host, bin, m, true
}

// agentUpdate serves GET /api/v1/agent/update: the manifest of the binary on offer.
func (s *server) agentUpdate(w http.ResponseWriter, r *http.Request) {
	if _, _, m, ok := s.offered(w, r); ok {
		writeJSON(w, http.StatusOK, m)
	}
}

// agentBinaryFile serves GET /api/v1/agent/binary: the binary, with its manifest in headers.
func (s *server) agentBinaryFile(w http.ResponseWriter, r *http.Request) {
	host, bin, m, ok := s.offered(w, r)
	if !ok {
		return
	}
	s.log.Info("ingest: agent binary sent", "host", host, "version", m.Version)
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Length", strconv.Itoa(len(bin)))
	h.Set("X-Patchward-Version", m.Version)
	h.Set("X-Patchward-SHA256", m.SHA256)
	h.Set("X-Patchward-Signature", m.Signature)
	_, _ = io.Copy(w, bytes.NewReader(bin))
}
