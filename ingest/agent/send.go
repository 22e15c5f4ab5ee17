package agent

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"strings"
	"time"
)

// HTTPError is a refusal from the server (a 4xx): sending again will not help.
type HTTPError struct {
	Status int
	Detail string
}

// Error implements error.
func (e *HTTPError) Error() string {
	return fmt.Sprintf("server answered %d: %s", e.Status, e.Detail)
}

// client posts to the patchward server with bounded retries.
type client struct {
	base    string
	http    *http.Client
	ua      string
	retries int
	backoff time.Duration // first delay; doubled each retry, capped at maxBackoff, fully jittered
	sleep   func(ctx context.Context, d time.Duration) error
}

const maxBackoff = 30 * time.Second

func newClient(c Config, ua string) (*client, error) {
	if c.Server == "" {
		return nil, errors.New("no server: set server in " + DefaultConfigPath + " or pass --server URL")
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if c.CAFile != "" {
		pem, err := os.ReadFile(c.CAFile)
		if err != nil {
			return nil, fmt.Errorf("read CA file: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("CA file %s: no PEM certificates", c.CAFile)
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &client{base: strings.TrimRight(c.Server, "/"), http: &http.Client{Transport: tr, Timeout: c.timeout()},
		ua: ua, retries: c.Retries, backoff: time.Second, sleep: sleepCtx}, nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// post sends body to path, retrying network errors, 5xx and 429 with exponential backoff and
// full jitter (so that a fleet whose server came back does not return in lockstep). A 4xx is
// returned at once as *HTTPError. On success it returns the response body.
func (cl *client) post(ctx context.Context, path, auth string, body []byte, gzipped bool) ([]byte, error) {
	var last error
	for attempt := 0; ; attempt++ {
		resp, err := cl.once(ctx, path, auth, body, gzipped)
		var he *HTTPError
		switch {
		case err == nil:
			return resp, nil
		case errors.As(err, &he) && he.Status != http.StatusTooManyRequests && he.Status < 500:
			return nil, err
		case ctx.Err() != nil:
			return nil, err
		}
		last = err
		if attempt >= cl.retries {
			return nil, last
		}
		d := min(cl.backoff<<attempt, maxBackoff)
		if err := cl.sleep(ctx, rand.N(d)+d/10); err != nil {
			return nil, last
		}
	}
}

func (cl *client) once(ctx context.Context, path, auth string, body []byte, gzipped bool) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, cl.base+path, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("post %s: %w", path, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", cl.ua)
	if gzipped {
		req.Header.Set("Content-Encoding", "gzip")
	}
	if auth != "" {
		req.Header.Set("Authorization", "Bearer "+auth)
	}
	resp, err := cl.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("post %s: %w", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("post %s: read answer: %w", path, err)
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return b, nil
	}
	return nil, &HTTPError{Status: resp.StatusCode, Detail: detail(b)}
}

// detail picks the message out of an error answer ({"detail":...} or field errors), else the
// start of the body.
func detail(b []byte) string {
	var m struct {
		Detail string              `json:"detail"`
		Errors map[string][]string `json:"errors"`
	}
	if json.Unmarshal(b, &m) == nil {
		if m.Detail != "" {
			return m.Detail
		}
		if len(m.Errors) > 0 {
			var parts []string
			for f, msgs := range m.Errors {
				parts = append(parts, f+": "+strings.Join(msgs, "; "))
			}
			return strings.Join(parts, ", ")
		}
	}
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}
