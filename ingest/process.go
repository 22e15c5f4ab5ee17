package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"patchward/store"
	"patchward/ui/metrics"
)

// Processor applies pending reports to their hosts. It is safe to use from several goroutines
// and processes at once (CLI and server): the store's single writer serialises the work, and a
// report another process already handled is skipped.
type Processor struct {
	db          *store.DB
	log         *slog.Logger
	onProcessed func(ctx context.Context, hostID int64)
}

// NewProcessor returns a Processor. onProcessed, if not nil, is called after each report that
// changed a host (e.g. to find its updates at once).
func NewProcessor(db *store.DB, log *slog.Logger, onProcessed func(ctx context.Context, hostID int64)) *Processor {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Processor{db: db, log: log, onProcessed: onProcessed}
}

// processBatch is how many pending ids are fetched at a time.
const processBatch = 200

// ProcessPending processes pending reports oldest first until none is left, and returns how
// many it processed (skipped and rejected ones not counted). A report that cannot be applied is
// rejected with the reason, never left pending; only database or context errors stop the run.
// When ctx ends, the report being applied is finished (its transaction is not cut short, so a
// shutdown does not waste the work) and the run stops before the next one.
func (p *Processor) ProcessPending(ctx context.Context) (int, error) {
	n := 0
	tried := map[int64]bool{}
	for {
		ids, err := p.db.PendingReportIDs(ctx, processBatch)
		if err != nil {
			return n, err
		}
		progress := false
		for _, id := range ids {
			if tried[id] {
				continue // still pending after a failed reject: do not spin on it
			}
			if err := ctx.Err(); err != nil {
				return n, err
			}
			tried[id], progress = true, true
			ok, err := p.process(context.WithoutCancel(ctx), id)
			if err != nil {
				return n, err
			}
			if ok {
				n++
			}
		}
		if !progress {
			return n, nil
		}
	}
}

// ProcessReport processes one report. It is a no-op for a report that is not pending.
func (p *Processor) ProcessReport(ctx context.Context, id int64) error {
	_, err := p.process(ctx, id)
	return err
}

// process applies one report; ok says whether a host was updated from it.
func (p *Processor) process(ctx context.Context, id int64) (ok bool, err error) {
	start := time.Now()
	rejected := false
	defer func() {
		switch {
		case ok:
			metrics.ReportProcessed(metrics.Applied, time.Since(start))
		case rejected:
			metrics.ReportProcessed(metrics.Rejected, time.Since(start))
		case err == nil:
			metrics.ReportProcessed(metrics.Skipped, time.Since(start))
		}
	}()
	defer func() {
		// Input must never take the server down; a panic here is a bug, recorded on the report.
		if v := recover(); v != nil {
			err = p.rejectReport(ctx, id, fmt.Sprintf("internal error processing report: %v", v))
			ok, rejected = false, true
		}
	}()
	hr, err := p.db.ReportPayload(ctx, id)
	if errors.Is(err, store.ErrBadPayload) {
		rejected = true
		return false, p.rejectReport(ctx, id, err.Error())
	}
	if errors.Is(err, store.ErrNotFound) {
		return false, nil // deleted meanwhile, or a rejected upload without payload
	}
	if err != nil {
		return false, fmt.Errorf("process report %d: %w", id, err)
	}
	hostID, err := p.db.ApplyHostReport(ctx, id, hr)
	switch {
	case errors.Is(err, store.ErrNotPending), errors.Is(err, store.ErrNotFound):
		return false, nil
	case err != nil && ctx.Err() != nil:
		return false, ctx.Err()
	case err != nil:
		rejected = true
		return false, p.rejectReport(ctx, id, err.Error())
	}
	p.log.Debug("report processed", "report_id", id, "host_id", hostID, "host", hr.Hostname)
	if p.onProcessed != nil {
		p.onProcessed(ctx, hostID)
	}
	return true, nil
}

func (p *Processor) rejectReport(ctx context.Context, id int64, reason string) error {
	p.log.Warn("report rejected", "report_id", id, "reason", reason)
	if err := p.db.RejectReport(ctx, id, reason); err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("process report %d: %w", id, err)
	}
	return nil
}

// Run processes pending reports at start and whenever wake receives, until ctx is done. Errors
// are logged and retried on the next wake.
func (p *Processor) Run(ctx context.Context, wake <-chan struct{}) {
	for {
		if n, err := p.ProcessPending(ctx); err != nil && ctx.Err() == nil {
			p.log.Error("process reports", "processed", n, "err", err)
		} else if n > 0 {
			p.log.Info("reports processed", "processed", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-wake:
		}
	}
}
