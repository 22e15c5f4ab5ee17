package ingest

import (
	"net/http"
	"time"

	"patchward/ui/metrics"
)

// statusRecorder remembers the status code a handler answered with.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (w *statusRecorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController and http.MaxBytesReader reach the underlying writer.
func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// measure counts each upload to h by protocol and outcome, derived from the status it answered.
func measure(protocol string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		h(rec, r)
		metrics.ReportReceived(protocol, outcome(rec.status), time.Since(start))
	}
}

func outcome(status int) string {
	switch {
	case status == 0 || status < 300:
		return metrics.Accepted
	case status == http.StatusRequestEntityTooLarge:
		return metrics.TooLarge
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return metrics.Denied
	case status >= 500:
		return metrics.Failed
	}
	return metrics.Invalid
}
