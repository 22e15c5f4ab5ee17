package ingest

import (
	"errors"
	"net/http"
	"strings"

	"patchward/store"
)

// protocol2 serves Patchman protocol 2. "Authorization: Api-Key <key>" with a valid key of kind
// 'patchman' is accepted from anywhere; an invalid or revoked key is refused; no key is accepted
// only from the allowed networks and only unless RequirePatchmanKey.
func (s *server) protocol2(w http.ResponseWriter, r *http.Request) {
	var c credential
	if key, ok := apiKey(r, "Api-Key"); ok {
		k, err := s.db.VerifyAPIKey(r.Context(), "patchman", key)
		if err != nil {
			s.authFailed(w, err, http.StatusForbidden)
			return
		}
		c.key = &k
	} else if s.opts.RequirePatchmanKey {
		writeJSON(w, http.StatusForbidden, map[string]string{"detail": "Authentication credentials were not provided: " +
			"send Authorization: Api-Key <key> (create one with patchward apikey add --kind patchman)"})
		return
	} else if a := s.clientAddr(r); !s.allowed(a) {
		writeJSON(w, http.StatusForbidden, map[string]string{"detail": s.deniedMessage(a)})
		return
	}
	s.jsonIntake(w, r, "2", ParseProtocol2, c)
}

// native serves patchward's own protocol (wire.Report). It accepts a host token
// (Authorization: Bearer pwh_..., issued by POST /api/v1/enroll) for the host name it is bound
// to; an API key of kind 'patchman' (Bearer or Api-Key) from anywhere, for hosts not bound to
// another credential; or no credential from the allowed networks, except for a bound host name.
// Keys of kind 'api' are refused.
func (s *server) native(w http.ResponseWriter, r *http.Request) {
	c := credential{native: true}
	key, ok := apiKey(r, "Bearer", "Api-Key")
	switch {
	case ok && strings.HasPrefix(key, store.HostTokenPrefix):
		t, err := s.db.VerifyHostToken(r.Context(), key)
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="patchward"`)
			s.tokenFailed(w, err, "Invalid or revoked host token.")
			return
		}
		c.hostToken = &t
	case ok && strings.HasPrefix(key, store.EnrollTokenPrefix):
		w.Header().Set("WWW-Authenticate", `Bearer realm="patchward"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"detail": "an enrollment token only enrolls: " +
			"POST /api/v1/enroll for a host token and send reports with that"})
		return
	case ok:
		// Only intake keys (kind patchman): a kind api key is a person's credential for the
		// viewer/operator/admin API and must not double as a fleet-wide write credential.
		k, err := s.db.VerifyAPIKey(r.Context(), "patchman", key)
		if errors.Is(err, store.ErrNotFound) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="patchward"`)
			writeJSON(w, http.StatusUnauthorized, map[string]string{"detail": "Invalid or revoked API key: " +
				"intake takes keys of kind patchman (patchward apikey add NAME --kind patchman), never kind api"})
			return
		}
		if err != nil {
			s.authFailed(w, err, http.StatusUnauthorized)
			return
		}
		c.key = &k
	default:
		if addr := s.clientAddr(r); !s.allowed(addr) {
			writeJSON(w, http.StatusForbidden, map[string]string{"detail": s.deniedMessage(addr)})
			return
		}
	}
	s.jsonIntake(w, r, "native", ParseNative, c)
}

// tokenFailed answers a request whose host token did not verify.
func (s *server) tokenFailed(w http.ResponseWriter, err error, detail string) {
	if errors.Is(err, store.ErrNotFound) {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"detail": detail})
		return
	}
	s.log.Error("ingest: verify host token", "err", err)
	writeJSON(w, http.StatusInternalServerError, map[string]string{"detail": "could not check the token, try again later"})
}

// authFailed answers a request whose API key did not verify.
func (s *server) authFailed(w http.ResponseWriter, err error, status int) {
	if errors.Is(err, store.ErrNotFound) {
		writeJSON(w, status, map[string]string{"detail": "Invalid or revoked API key."})
		return
	}
	s.log.Error("ingest: verify api key", "err", err)
	writeJSON(w, http.StatusInternalServerError, map[string]string{"detail": "could not check the API key, try again later"})
}

// jsonIntake reads, parses and stores a JSON report: 202 with the report id, 400 with DRF-style
// field errors (and a rejected report row kept), 413 when too large.
func (s *server) jsonIntake(w http.ResponseWriter, r *http.Request, protocol string,
	parse func([]byte) (store.HostReport, []string, error), c credential) {
	rep := s.meta(r, protocol)
	body, release, err := s.readBody(w, r)
	defer release()
	if errors.Is(err, errBusy) {
		s.busy(w)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"detail": busyMessage})
		return
	}
	if errors.Is(err, errTooLarge) {
		s.reject(r.Context(), rep, s.tooLargeMessage(), nil)
		writeJSON(w, http.StatusRequestEntityTooLarge, map[string]string{"detail": s.tooLargeMessage()})
		return
	}
	var hr store.HostReport
	var warn []string
	if err == nil {
		hr, warn, err = parse(body)
	}
	if err != nil {
		rep.Hostname = hr.Hostname
		s.reject(r.Context(), rep, err.Error(), body)
		writeJSON(w, http.StatusBadRequest, fieldErrors(err))
		return
	}
	if status, detail := s.authorized(r.Context(), c, protocol, hr.Hostname); status != 0 {
		writeJSON(w, status, map[string]string{"detail": detail})
		return
	}
	id, err := s.accept(r.Context(), rep, hr, warn)
	if err != nil {
		s.log.Error("ingest: save report", "protocol", protocol, "host", hr.Hostname, "err", err)
		writeJSON(w, http.StatusInternalServerError, map[string]string{"detail": "could not store the report, try again later"})
		return
	}
	resp := map[string]any{"status": "accepted", "report_id": id, "message": "Report queued for processing"}
	if len(warn) > 0 {
		resp["warnings"] = warn
	}
	writeJSON(w, http.StatusAccepted, resp)
}
