package ingest

import (
	"context"
	"errors"
	"log/slog"

	"patchward/store"
)

// ImportFiles stores report files written by the agent's --output as pending reports.
func ImportFiles(ctx context.Context, db *store.DB, log *slog.Logger, paths []string) (int, error) {
	return 0, errors.New("ingest: importing report files is not implemented yet")
}
