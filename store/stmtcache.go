package store

import (
	"context"
	"database/sql"
	"sync"
)

// readStmts caches prepared read statements per DB. modernc re-parses a query's SQL on every
// un-prepared call, which was a quarter of the host page's CPU; a *sql.Stmt is prepared once
// per pooled connection and reused after that.
var readStmts sync.Map // *DB -> *stmtCache

type stmtCache struct {
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

// readStmt returns the cached prepared statement for q on the reader pool.
func (db *DB) readStmt(ctx context.Context, q string) (*sql.Stmt, error) {
	v, _ := readStmts.LoadOrStore(db, &stmtCache{m: map[string]*sql.Stmt{}})
	c := v.(*stmtCache)
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.m[q]; ok {
		return st, nil
	}
	st, err := db.read.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	c.m[q] = st
	return st, nil
}

// cachedQuery runs a read query through the statement cache, inside tx when tx is not nil.
func (db *DB) cachedQuery(ctx context.Context, tx *sql.Tx, q string, args ...any) (*sql.Rows, error) {
	if tx == nil {
		tx = db.ctxReadTx(ctx)
	}
	st, err := db.readStmt(ctx, q)
	if err != nil {
		return nil, err
	}
	if tx != nil {
		return tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return st.QueryContext(ctx, args...)
}

// cachedQueryRow is cachedQuery for one row.
func (db *DB) cachedQueryRow(ctx context.Context, tx *sql.Tx, q string, args ...any) *sql.Row {
	if tx == nil {
		tx = db.ctxReadTx(ctx)
	}
	st, err := db.readStmt(ctx, q)
	if err != nil {
		// Let the error surface from Scan, as QueryRow does, through an uncached query.
		if tx != nil {
			return tx.QueryRowContext(ctx, q, args...)
		}
		return db.read.QueryRowContext(ctx, q, args...)
	}
	if tx != nil {
		return tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return st.QueryRowContext(ctx, args...)
}
