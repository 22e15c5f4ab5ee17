package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"patchward/store"
)

// CreateEnrollToken creates a site enrollment token (the `patchward enroll-token add NAME`
// command) and returns its plaintext, which is shown only once.
func CreateEnrollToken(ctx context.Context, db *store.DB, name string) (string, error) {
	plain, _, err := db.CreateEnrollToken(ctx, name)
	return plain, err
}

// EnrollRequest is the body of POST /api/v1/enroll.
type EnrollRequest struct {
	Hostname string `json:"hostname"`
}

// EnrollResponse is the 201 answer to an enrollment: the host's own token, to be kept secret
// (the agent stores it with mode 0600) and sent with every later report.
type EnrollResponse struct {
	Hostname  string `json:"hostname"`
	HostToken string `json:"host_token"`
	// UpdateKey is the server's Ed25519 public key (base64) that signs the agent binary it
	// serves: the agent pins it and self-updates only to binaries it signed.
	UpdateKey string `json:"update_key,omitempty"`
}

// enroll serves POST /api/v1/enroll: "Authorization: Bearer <enrollment token>" and
// {"hostname": NAME} give 201 with a new host token bound to NAME; 401 for a bad or revoked
// enrollment token; 403 when NAME already has a live host token (revoke it to re-enroll), or
// when NAME already reports and an admin has not approved its enrollment.
func (s *server) enroll(w http.ResponseWriter, r *http.Request) {
	token, ok := apiKey(r, "Bearer")
	if !ok || !strings.HasPrefix(token, store.EnrollTokenPrefix) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="patchward"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"detail": "send an enrollment token: " +
			"Authorization: Bearer pwe_... (create one with patchward enroll-token add NAME)"})
		return
	}
	var req EnrollRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&req); err != nil {
		writeJSON(w, http.StatusBadRequest, fieldErrors(&ParseError{Msg: "malformed enrollment request: " + err.Error()}))
		return
	}
	host := normalizeHostname(req.Hostname)
	if err := checkHost(store.HostReport{Hostname: host, OS: "-", Kernel: "-", Arch: "-"}, "hostname", "missing or empty"); err != nil {
		writeJSON(w, http.StatusBadRequest, fieldErrors(err))
		return
	}
	plain, _, err := s.db.EnrollHost(r.Context(), token, host)
	switch {
	case errors.Is(err, store.ErrNotFound):
		w.Header().Set("WWW-Authenticate", `Bearer realm="patchward"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"detail": "Invalid or revoked enrollment token."})
		return
	case errors.Is(err, store.ErrApprovalNeeded):
		s.log.Warn("ingest: enrollment of an existing host waits for approval", "host", host,
			"remote_addr", s.clientAddr(r).String())
		writeJSON(w, http.StatusForbidden, map[string]string{"detail": fmt.Sprintf("host %s already reports: "+
			"an admin must approve its enrollment (patchward enroll-token approve %s), then enroll again; "+
			"or use an enrollment token created with --allow-existing", host, host)})
		return
	case errors.Is(err, store.ErrConflict):
		writeJSON(w, http.StatusForbidden, map[string]string{"detail": fmt.Sprintf("host %s is already enrolled: "+
			"revoke its host token on the server to enroll it again", host)})
		return
	case err != nil:
		s.log.Error("ingest: enroll host", "host", host, "err", err)
		writeJSON(w, http.StatusInternalServerError, map[string]string{"detail": "could not enroll, try again later"})
		return
	}
	s.log.Info("ingest: host enrolled", "host", host, "remote_addr", s.clientAddr(r).String())
	writeJSON(w, http.StatusCreated, EnrollResponse{Hostname: host, HostToken: plain, UpdateKey: s.updateKey(r)})
}
