package store

import (
	"context"
	"database/sql"
	"testing"
)

// TestReadTxSnapshot: reads made with ReadTx's context see one snapshot, whatever is committed
// meanwhile; the same reads outside it see the commit.
func TestReadTxSnapshot(t *testing.T) {
	ctx := context.Background()
	db, _ := openUITestDB(t)
	count := func(ctx context.Context) int {
		var n int
		if err := db.cachedQueryRow(ctx, nil, `SELECT count(*) FROM audit_log`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := count(ctx)
	err := db.ReadTx(ctx, func(rctx context.Context) error {
		if n := count(rctx); n != before {
			t.Errorf("in the transaction: %d entries, want %d", n, before)
		}
		if err := db.Audit(ctx, "t", "test", "written meanwhile"); err != nil {
			return err
		}
		if n := count(rctx); n != before {
			t.Errorf("after a commit elsewhere, in the transaction: %d entries, want still %d", n, before)
		}
		var inner int
		if err := db.withReadTx(rctx, func(tx *sql.Tx) error {
			return tx.QueryRowContext(rctx, `SELECT count(*) FROM audit_log`).Scan(&inner)
		}); err != nil {
			return err
		}
		if inner != before {
			t.Errorf("withReadTx inside ReadTx: %d entries, want the snapshot's %d", inner, before)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := count(ctx); n != before+1 {
		t.Errorf("after the transaction: %d entries, want %d", n, before+1)
	}
}
