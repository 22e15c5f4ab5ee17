package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/klauspost/compress/gzip"

	"patchward/store"
)

// maxImportBytes caps one report file (after gunzip), as DefaultMaxBodyBytes caps an upload.
const maxImportBytes = DefaultMaxBodyBytes

// ImportFiles stores report files written by the agent's --output (carried across an air gap)
// as pending reports, with the same validation as the native endpoint. A file that does not
// parse is recorded as a rejected report and the others are still imported; the error then
// names every bad file. It returns how many reports were stored. Importing a file twice is
// harmless: both copies carry the same collection time and content.
func ImportFiles(ctx context.Context, db *store.DB, log *slog.Logger, paths []string) (int, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	n := 0
	var errs []error
	for _, p := range paths {
		b, err := readReportFile(p)
		if err == nil {
			_, err = ImportReport(ctx, db, filepath.Base(p), b)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("import %s: %w", p, err))
			continue
		}
		n++
		log.Debug("ingest: imported report file", "file", p)
	}
	return n, errors.Join(errs...)
}

// readReportFile reads a report file, gunzipping it if it is gzip'd (by content, not name).
func readReportFile(p string) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxImportBytes+1))
	if err != nil {
		return nil, err
	}
	return maybeGunzip(b)
}

func maybeGunzip(b []byte) ([]byte, error) {
	if len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
		if len(b) > maxImportBytes {
			return nil, errTooLarge
		}
		return b, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("gunzip: %w", err)
	}
	defer zr.Close()
	out, err := io.ReadAll(io.LimitReader(zr, maxImportBytes+1))
	if err != nil {
		return nil, fmt.Errorf("gunzip: %w", err)
	}
	if len(out) > maxImportBytes {
		return nil, errTooLarge
	}
	return out, nil
}

// ImportReport stores one native report (JSON, optionally gzip'd) that arrived out of band, as
// a file carried across an air gap or uploaded in the UI; name says where it came from. The
// report is dated by the agent's "collected" member when present (and not in the future), so
// that an old file never rolls a host back past a newer report. A report that does not parse
// is kept as rejected and the parse error returned.
func ImportReport(ctx context.Context, db *store.DB, name string, body []byte) (int64, error) {
	rep := store.Report{Protocol: "native", RemoteAddr: "file", UserAgent: "import " + clip(name)}
	b, err := maybeGunzip(body)
	var hr store.HostReport
	if err == nil {
		hr, _, err = ParseNative(b)
	}
	if err != nil {
		rep.Hostname = hr.Hostname
		if _, rerr := db.SaveRejectedReport(ctx, rep, err.Error(), body); rerr != nil {
			return 0, errors.Join(err, rerr)
		}
		return 0, err
	}
	var meta struct {
		Collected time.Time `json:"collected"`
	}
	if json.Unmarshal(b, &meta) == nil && !meta.Collected.IsZero() && !meta.Collected.After(db.Now().Add(5*time.Minute)) {
		rep.Received = meta.Collected.UTC().Truncate(time.Second)
	}
	// RemoteIP stays empty: the host's address is not known from a file.
	return db.SaveReport(ctx, rep, hr)
}
