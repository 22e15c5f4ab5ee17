package ingest

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"patchward/store"
)

// credential is what a report came with, decided before the body is read; authorize then
// applies the rules that need the report's host name.
type credential struct {
	hostToken *store.HostToken // a host token was presented
	key       *store.APIKey    // a Patchman API key was presented
	native    bool             // the native protocol, which refuses keyless reports for enrolled names even unbound
}

// authorize refuses a report for hostname that its credential does not cover. A host token
// covers only its own name. With Options.BindHosts, a host bound to a credential (its host token,
// or the Patchman key it first reported with) takes reports only with that credential, and a
// key reporting for an unbound name binds it; anyone on an allowed network could otherwise
// replace a host's package list. hostname is normalised by the parsers.
func (s *server) authorize(ctx context.Context, c credential, hostname string) (int, string, error) {
	if c.hostToken != nil {
		if c.hostToken.Hostname != hostname {
			return http.StatusForbidden, fmt.Sprintf("this host token belongs to %s, not %s", c.hostToken.Hostname, hostname), nil
		}
		return 0, "", nil
	}
	if !s.opts.BindHosts && !(c.native && c.key == nil) {
		return 0, "", nil
	}
	b, err := s.db.HostBinding(ctx, hostname)
	if errors.Is(err, store.ErrNotFound) {
		if c.key != nil && s.opts.BindHosts {
			err = s.db.BindHostKey(ctx, hostname, c.key.ID)
		} else {
			err = nil
		}
	}
	if err != nil {
		return http.StatusInternalServerError, "could not check the host, try again later", err
	}
	rebind := fmt.Sprintf("(to re-bind it, run patchward host-token revoke %s on the server)", hostname)
	switch {
	case b.HostToken:
		return http.StatusForbidden, fmt.Sprintf("host %s is enrolled: only its host token may report for it "+
			"(to re-bind it, run patchward host-token revoke %s on the server, or revoke its token on its host page)",
			hostname, hostname), nil
	case b.APIKeyID != 0 && (c.key == nil || c.key.ID != b.APIKeyID):
		return http.StatusForbidden, fmt.Sprintf("host %s is bound to the API key %q it reported with: send that key %s",
			hostname, b.APIKeyName, rebind), nil
	}
	return 0, "", nil
}

// authorized is authorize with its error logged.
func (s *server) authorized(ctx context.Context, c credential, protocol, hostname string) (int, string) {
	status, detail, err := s.authorize(ctx, c, hostname)
	if err != nil {
		s.log.Error("ingest: authorize report", "protocol", protocol, "host", hostname, "err", err)
	}
	return status, detail
}
