package sqlstore

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCache prepares each query once, for the drivers that would parse it
// again for every run (modernc's SQLite; pgx caches statements itself). Only
// queries that come back are kept: at most maxStatements of them, after which
// new ones run unprepared, so that the varied SQL of user filters cannot
// grow it.
type stmtCache struct {
	db    *sql.DB
	mu    sync.Mutex
	stmts map[string]*sql.Stmt
	seen  map[string]bool
}

const maxStatements = 256

// get returns the prepared statement of query, preparing it the second time
// it is asked for, or nil to run it unprepared.
func (c *stmtCache) get(ctx context.Context, query string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.stmts[query]; ok {
		return s
	}
	if len(c.stmts) >= maxStatements {
		return nil
	}
	if c.seen == nil {
		c.seen = map[string]bool{}
	}
	if !c.seen[query] {
		if len(c.seen) < 4*maxStatements {
			c.seen[query] = true
		}
		return nil
	}
	s, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil // the run without it reports the error
	}
	c.stmts[query] = s
	return s
}

func (c *stmtCache) close() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.stmts {
		s.Close()
	}
	clear(c.stmts)
}

// pool returns the querier of the pool: with the cache, one that uses it.
func (c *stmtCache) pool(db *sql.DB) querier {
	if c == nil {
		return db
	}
	return cachedPool{db, c}
}

// tx returns the querier of a transaction: with the cache, one that uses it.
func (c *stmtCache) tx(tx *sql.Tx) querier {
	if c == nil {
		return tx
	}
	return cachedTx{tx, c}
}

type cachedPool struct {
	db *sql.DB
	c  *stmtCache
}

func (p cachedPool) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if s := p.c.get(ctx, query); s != nil {
		return s.ExecContext(ctx, args...)
	}
	return p.db.ExecContext(ctx, query, args...)
}

func (p cachedPool) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if s := p.c.get(ctx, query); s != nil {
		return s.QueryContext(ctx, args...)
	}
	return p.db.QueryContext(ctx, query, args...)
}

func (p cachedPool) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if s := p.c.get(ctx, query); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return p.db.QueryRowContext(ctx, query, args...)
}

// cachedTx runs a transaction's statements through the cache: database/sql
// keeps one prepared statement per connection and reuses it in a
// transaction on that connection.
type cachedTx struct {
	tx *sql.Tx
	c  *stmtCache
}

func (t cachedTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if s := t.c.get(ctx, query); s != nil {
		return t.tx.StmtContext(ctx, s).ExecContext(ctx, args...)
	}
	return t.tx.ExecContext(ctx, query, args...)
}

func (t cachedTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if s := t.c.get(ctx, query); s != nil {
		return t.tx.StmtContext(ctx, s).QueryContext(ctx, args...)
	}
	return t.tx.QueryContext(ctx, query, args...)
}

func (t cachedTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if s := t.c.get(ctx, query); s != nil {
		return t.tx.StmtContext(ctx, s).QueryRowContext(ctx, args...)
	}
	return t.tx.QueryRowContext(ctx, query, args...)
}
