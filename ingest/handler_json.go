package ingest

import (
	"errors"
	"net/http"

	"patchward/store"
)

// protocol2 serves Patchman protocol 2. "Authorization: Api-Key <key>" with a valid key of kind
// 'patchman' is accepted from anywhere; an invalid or revoked key is refused; no key is accepted
// only from the allowed networks and only unless RequirePatchmanKey.
func (s *server) protocol2(w http.ResponseWriter, r *http.Request) {
	if key, ok := apiKey(r, "Api-Key"); ok {
		if _, err := s.db.VerifyAPIKey(r.Context(), "patchman", key); err != nil {
			s.authFailed(w, err, http.StatusForbidden)
			return
		}
	} else if s.opts.RequirePatchmanKey {
		writeJSON(w, http.StatusForbidden, map[string]string{"detail": "Authentication credentials were not provided: " +
			"send Authorization: Api-Key <key> (create one with patchward apikey add --kind patchman)"})
		return
	} else if a := clientAddr(r); !s.allowed(a) {
		writeJSON(w, http.StatusForbidden, map[string]string{"detail": s.deniedMessage(a)})
		return
	}
	s.jsonIntake(w, r, "2", ParseProtocol2)
}

// native serves patchward's own protocol (NativeReport). It accepts an API key of kind 'api' or
// 'patchman' (Authorization: Bearer <key> or Api-Key <key>) from anywhere, or no key from the
// allowed networks. Host tokens are to come.
func (s *server) native(w http.ResponseWriter, r *http.Request) {
	if key, ok := apiKey(r, "Bearer", "Api-Key"); ok {
		_, err := s.db.VerifyAPIKey(r.Context(), "api", key)
		if errors.Is(err, store.ErrNotFound) {
			_, err = s.db.VerifyAPIKey(r.Context(), "patchman", key)
		}
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="patchward"`)
			s.authFailed(w, err, http.StatusUnauthorized)
			return
		}
	} else if a := clientAddr(r); !s.allowed(a) {
		writeJSON(w, http.StatusForbidden, map[string]string{"detail": s.deniedMessage(a)})
		return
	}
	s.jsonIntake(w, r, "native", ParseNative)
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
	parse func([]byte) (store.HostReport, []string, error)) {
	rep := meta(r, protocol)
	body, err := s.readBody(w, r)
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
