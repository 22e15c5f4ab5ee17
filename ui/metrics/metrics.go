// Package metrics holds patchward's Prometheus metrics in its own registry (never the global
// one, so that a library cannot add series behind our back), simple functions every package
// calls to record intake, processing, refresh and update finding, and the HTTP middleware that
// counts and logs requests. It imports nothing of patchward, so any package may import it.
package metrics

import (
	"net/http"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Outcomes of a report upload, the "outcome" label of patchward_reports_received_total.
const (
	Accepted = "accepted" // stored pending, 2xx sent
	Invalid  = "invalid"  // could not be parsed, 400
	TooLarge = "too_large"
	Denied   = "denied" // not allowed network, bad or missing credential
	Failed   = "failed" // server error, 5xx
)

// Outcomes of processing one pending report, the "outcome" label of
// patchward_reports_processed_total.
const (
	Applied  = "applied"  // the host was updated from the report
	Rejected = "rejected" // the report could not be applied and was marked rejected
	Skipped  = "skipped"  // already handled elsewhere or deleted
)

// Durations from 1 ms to ~33 s for requests and reports, 0.1 s to ~27 min for jobs.
var (
	fastBuckets = prometheus.ExponentialBuckets(0.001, 2, 16)
	jobBuckets  = prometheus.ExponentialBuckets(0.1, 2, 15)
)

var (
	registry = prometheus.NewRegistry()

	// pendingFn is set by the server (SetPendingReports); a scrape before that reads 0.
	pendingFn      atomic.Pointer[func() float64]
	reportsPending = prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "patchward_reports_pending",
		Help: "Reports received and not yet processed (a growing value means processing falls behind).",
	}, func() float64 {
		if f := pendingFn.Load(); f != nil {
			return (*f)()
		}
		return 0
	})

	reportsReceived = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "patchward_reports_received_total",
		Help: "Report uploads by protocol (1, 2, native) and outcome (accepted, invalid, too_large, denied, failed).",
	}, []string{"protocol", "outcome"})
	intakeSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "patchward_report_intake_seconds",
		Help:    "Time to read, parse and store one report upload, by protocol.",
		Buckets: fastBuckets,
	}, []string{"protocol"})
	reportsProcessed = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "patchward_reports_processed_total",
		Help: "Pending reports processed, by outcome (applied, rejected, skipped).",
	}, []string{"outcome"})
	processSeconds = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "patchward_report_process_seconds",
		Help:    "Time to apply one pending report to its host.",
		Buckets: fastBuckets,
	})
	mirrorsRefreshed = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "patchward_mirrors_refreshed_total",
		Help: "Mirror refreshes by outcome (changed, unchanged, failed).",
	}, []string{"outcome"})
	refreshSeconds = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "patchward_refresh_seconds",
		Help:    "Duration of a whole refresh run.",
		Buckets: jobBuckets,
	})
	mirrorSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "patchward_mirror_refresh_seconds",
		Help:    "Time to refresh one mirror (fetch, parse, store), by repository type (deb, rpm, arch, ...).",
		Buckets: jobBuckets,
	}, []string{"type"})
	updateComputations = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "patchward_update_computations_total",
		Help: "Distinct host states (computations) whose updates were found.",
	})
	findUpdatesSeconds = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "patchward_find_updates_seconds",
		Help:    "Duration of an update-finding run over dirty computations.",
		Buckets: jobBuckets,
	})
	jobRuns = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "patchward_job_runs_total",
		Help: "Scheduled job runs by job and outcome (ok, error).",
	}, []string{"job", "outcome"})
	httpRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "patchward_http_requests_total",
		Help: "HTTP requests by area (intake, ui, static, health, metrics), method and status code.",
	}, []string{"area", "method", "code"})
	httpSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "patchward_http_request_seconds",
		Help:    "HTTP request duration by area.",
		Buckets: fastBuckets,
	}, []string{"area"})
)

func init() {
	registry.MustRegister(reportsPending, reportsReceived, intakeSeconds, reportsProcessed, processSeconds,
		mirrorsRefreshed, refreshSeconds, mirrorSeconds, updateComputations, findUpdatesSeconds, jobRuns,
		httpRequests, httpSeconds,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
}

// ReportReceived counts one report upload with its outcome (Accepted, Invalid, ...) and the
// time it took to answer.
func ReportReceived(protocol, outcome string, d time.Duration) {
	reportsReceived.WithLabelValues(protocol, outcome).Inc()
	intakeSeconds.WithLabelValues(protocol).Observe(d.Seconds())
}

// ReportProcessed counts one processed report with its outcome (Applied, Rejected, Skipped)
// and the time it took.
func ReportProcessed(outcome string, d time.Duration) {
	reportsProcessed.WithLabelValues(outcome).Inc()
	processSeconds.Observe(d.Seconds())
}

// ObserveRefresh records one refresh run: how many mirrors changed, were unchanged or failed,
// and its duration.
func ObserveRefresh(changed, unchanged, failed int, d time.Duration) {
	mirrorsRefreshed.WithLabelValues("changed").Add(float64(changed))
	mirrorsRefreshed.WithLabelValues("unchanged").Add(float64(unchanged))
	mirrorsRefreshed.WithLabelValues("failed").Add(float64(failed))
	refreshSeconds.Observe(d.Seconds())
}

// ObserveMirror records how long one mirror's refresh took; repoType is a repository type
// (deb, rpm, arch, apk, gentoo), never a URL, to keep the label set small. Outcomes are counted
// per run by ObserveRefresh.
func ObserveMirror(repoType string, d time.Duration) {
	mirrorSeconds.WithLabelValues(repoType).Observe(d.Seconds())
}

// ObserveFindUpdates records one update-finding run: how many computations it recomputed and
// its duration.
func ObserveFindUpdates(computations int, d time.Duration) {
	updateComputations.Add(float64(computations))
	findUpdatesSeconds.Observe(d.Seconds())
}

// JobRun counts one run of a scheduled job; err nil counts as "ok".
func JobRun(job string, err error) {
	outcome := "ok"
	if err != nil {
		outcome = "error"
	}
	jobRuns.WithLabelValues(job, outcome).Inc()
}

// SetPendingReports sets the function patchward_reports_pending reads at each scrape; the
// last call wins, so a server started again in the same process (tests) replaces it.
func SetPendingReports(fn func() float64) { pendingFn.Store(&fn) }

// GaugeFunc registers a gauge whose value is read from fn at each scrape (e.g. the number of
// pending reports). fn must be cheap and safe for concurrent use. Registering the same name
// twice returns an error.
func GaugeFunc(name, help string, fn func() float64) error {
	return registry.Register(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, fn))
}

// Handler serves the registry in the Prometheus text format. It does no access control: wrap
// it with Protect.
func Handler() http.Handler {
	return promhttp.HandlerFor(registry, promhttp.HandlerOpts{})
}

// Gather returns the current metric families, for tests and diagnostics.
func Gather() (map[string]float64, error) {
	mfs, err := registry.Gather()
	if err != nil {
		return nil, err
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		var sum float64
		for _, m := range mf.GetMetric() {
			switch {
			case m.GetCounter() != nil:
				sum += m.GetCounter().GetValue()
			case m.GetGauge() != nil:
				sum += m.GetGauge().GetValue()
			case m.GetHistogram() != nil:
				sum += float64(m.GetHistogram().GetSampleCount())
			}
		}
		out[mf.GetName()] = sum
	}
	return out, nil
}
