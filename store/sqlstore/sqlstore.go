// Package sqlstore implements store.Store on SQL databases through
// database/sql: SQLite (modernc.org/sqlite, embedded, no cgo) and PostgreSQL
// (github.com/jackc/pgx/v5), for deployments that run several server
// instances behind one database.
//
// Every query is written once, in the SQL both engines speak ($N
// placeholders, which modernc's SQLite driver binds by number too). What
// really differs between the engines is one dialect value: how a transaction
// locks what it reads, how a lock between processes is taken, how a
// unique-constraint violation is recognised, and the migration files.
//
// Encoding: times are UTC instants with microsecond precision (SQLite:
// INTEGER unix microseconds, written by the driver; PostgreSQL: timestamptz);
// the zero time.Time is stored as its own instant (0001-01-01 UTC) and comes
// back as the zero time. Durations are nanoseconds. Lists (Access,
// RedirectURIs, role Scopes, certificates as base64, a user's e-mails and
// roles) are JSON arrays in text columns, which are the record; a user's
// roles and lower-cased e-mail addresses are also kept in child tables, which
// are what lookups use. Empty lists come back as nil. Case-insensitive
// comparisons use lower(), whose indexes both engines have; SQLite's folds
// ASCII letters only.
//
// Every write runs in a transaction. On SQLite every transaction takes the
// write lock at BEGIN (BEGIN IMMEDIATE); on PostgreSQL an update reads its row
// with SELECT … FOR UPDATE. So of concurrent updates, in any number of
// processes, none is lost. An update function runs while its transaction holds
// a connection and the lock: it must not call the store itself.
package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/appintegration/appintegration/store"
)

// DB is a store.Store kept in one SQL database. It is safe for concurrent use,
// also by several processes sharing the database.
type DB struct {
	db *sql.DB
	d  *dialect
	// q runs the queries: the pool, or tx for the store InTransaction passes.
	q  querier
	tx querier
	// stmts keeps prepared statements (SQLite), nil when the driver does.
	stmts *stmtCache
	// pending is, in the store InTransaction passes, what the writes of users
	// leave for the transaction to do before it commits.
	pending *txPending
	// closeFn releases what the *sql.DB draws on (PostgreSQL's pgx pool).
	closeFn func()
	// writes, for SQLite, lets one write transaction of this process run at
	// a time: the others wait here rather than in SQLite's busy handler,
	// which sleeps and retries (it still serves writers of other processes).
	writes *sync.Mutex
}

var _ store.Store = (*DB)(nil)

// Memory is the path Open takes for a private in-memory SQLite database.
const Memory = ":memory:"

// IsPostgresURL reports whether dsn names a PostgreSQL database (a
// postgres:// or postgresql:// URL) rather than a SQLite file.
func IsPostgresURL(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Open opens the database dsn names, a postgres:// URL or a SQLite path (see
// OpenPostgres and OpenSQLite), and applies the migrations it has not applied
// yet. On failure it returns an error, which never holds a password, and
// leaves nothing open.
func Open(ctx context.Context, dsn string) (*DB, error) {
	if IsPostgresURL(dsn) {
		return OpenPostgres(ctx, dsn)
	}
	return OpenSQLite(ctx, dsn)
}

// open finishes Open for either engine: it checks the connection and
// migrates. With cache, prepared statements are kept (see stmtCache).
func open(ctx context.Context, sdb *sql.DB, d *dialect, cache bool) (*DB, error) {
	db := &DB{db: sdb, d: d}
	if cache {
		db.stmts = &stmtCache{db: sdb, stmts: map[string]*sql.Stmt{}}
	}
	db.q = db.stmts.pool(sdb)
	if err := d.connect(ctx, sdb); err != nil {
		sdb.Close()
		return nil, fmt.Errorf("%s: open: %w", d.name, err)
	}
	if err := db.migrate(ctx); err != nil {
		sdb.Close()
		return nil, fmt.Errorf("%s: open: %w", d.name, err)
	}
	return db, nil
}

// Close closes the connection pool. It returns the driver's error, if any. The
// store InTransaction passes has nothing to close: there it does nothing.
func (db *DB) Close() error {
	if db.tx != nil {
		return nil
	}
	db.stmts.close()
	err := db.db.Close()
	if db.closeFn != nil {
		db.closeFn()
	}
	if err != nil {
		return db.wrap("close", err)
	}
	return nil
}

// querier is what the helpers need of a *sql.Tx, or of the *sql.DB for
// single-statement reads.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface {
	Scan(dest ...any) error
}

// InTransaction calls fn with a store whose every method runs inside one
// transaction, which is committed when fn returns nil and rolled back when it
// returns an error (returned as is). Each write of that store runs in a
// savepoint: one that fails changes nothing and leaves the transaction
// usable. On SQLite the transaction holds the database's write lock
// throughout; keep fn short. The store must not be used after fn returns.
func (db *DB) InTransaction(ctx context.Context, fn func(store.Store) error) error {
	if db.tx != nil {
		before := *db.pending
		err := db.savepoint(ctx, func(querier) error { return fn(db) })
		if err != nil {
			*db.pending = before // rolled back with the savepoint
		}
		return err
	}
	var fnErr error
	err := db.inTx(ctx, func(q querier) error {
		inner := *db
		inner.q, inner.tx, inner.pending = q, q, &txPending{}
		if fnErr = fn(&inner); fnErr != nil {
			return fnErr
		}
		return inner.pending.apply(ctx, db.d, q)
	})
	if fnErr != nil {
		return fnErr
	}
	if err != nil {
		return db.wrap("transaction", err)
	}
	return nil
}

// inTx runs fn in a write transaction and commits it when fn returns nil. It
// returns fn's error or the driver's, unwrapped. Inside InTransaction's
// transaction it runs fn in a savepoint of it instead.
func (db *DB) inTx(ctx context.Context, fn func(tx querier) error) error {
	if db.tx != nil {
		return db.savepoint(ctx, fn)
	}
	if db.writes != nil {
		db.writes.Lock()
		defer db.writes.Unlock()
	}
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(db.stmts.tx(tx)); err != nil {
		return err
	}
	return tx.Commit()
}

// savepoint runs fn in a savepoint of db.tx, released when fn returns nil and
// rolled back to otherwise, so that the transaction goes on (PostgreSQL
// refuses every statement of a transaction after a failed one, until then).
func (db *DB) savepoint(ctx context.Context, fn func(tx querier) error) error {
	if _, err := db.tx.ExecContext(ctx, "SAVEPOINT write"); err != nil {
		return err
	}
	if err := fn(db.tx); err != nil {
		if _, rerr := db.tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT write"); rerr != nil {
			return errors.Join(err, rerr)
		}
		if _, rerr := db.tx.ExecContext(ctx, "RELEASE SAVEPOINT write"); rerr != nil {
			return errors.Join(err, rerr)
		}
		return err
	}
	_, err := db.tx.ExecContext(ctx, "RELEASE SAVEPOINT write")
	return err
}

// errFn marks an error returned by a caller's function, which update methods
// pass on as is rather than wrapped.
type errFn struct{ err error }

func (e errFn) Error() string { return e.err.Error() }

// write runs fn in a transaction for the store operation op: a caller's
// function's error (errFn) comes back as it was, any other wrapped for op.
func (db *DB) write(ctx context.Context, op string, fn func(tx querier) error) error {
	err := db.inTx(ctx, fn)
	if e := (errFn{}); errors.As(err, &e) {
		return e.err
	}
	if err != nil {
		return db.wrap(op, err)
	}
	return nil
}

// writeUsers is write for a write of users: fn records in p what the
// transaction must do before it commits (bring the search index and the count
// of users up to date), and it is done then — once at the end of the
// transaction InTransaction runs, when there is one.
func (db *DB) writeUsers(ctx context.Context, op string, fn func(tx querier, p *txPending) error) error {
	if db.pending != nil {
		before := *db.pending
		err := db.write(ctx, op, func(tx querier) error {
			db.pending.usersChanged = true
			return fn(tx, db.pending)
		})
		if err != nil {
			*db.pending = before // rolled back with the write's savepoint
		}
		return err
	}
	return db.write(ctx, op, func(tx querier) error {
		p := &txPending{usersChanged: true}
		if err := fn(tx, p); err != nil {
			return err
		}
		return p.apply(ctx, db.d, tx)
	})
}

// updateUsers is writeUsers for update[T]: a write that changes no count.
func (db *DB) updateUsers(ctx context.Context, op string, fn func(tx querier) error) error {
	return db.writeUsers(ctx, op, func(tx querier, _ *txPending) error { return fn(tx) })
}

// txPending is what a transaction's writes of users leave to do before it
// commits: bring the search index up to date, and change the count of users.
// One change of the count, taken last, keeps concurrent transactions from
// waiting on each other's counter rows in turn (a deadlock on PostgreSQL).
type txPending struct {
	usersChanged bool
	userCount    int64
}

func (p *txPending) apply(ctx context.Context, d *dialect, tx querier) error {
	if p.userCount != 0 {
		if err := countUsers(ctx, tx, p.userCount); err != nil {
			return err
		}
	}
	if p.usersChanged {
		return d.syncSearch(ctx, tx)
	}
	return nil
}

// createUnless runs insert unless the SELECT EXISTS query found finds a row,
// in one transaction of write that first takes the dialect's lock (class, name), so
// that of concurrent callers, in any number of processes, one inserts. It
// reports whether insert ran and succeeded.
func (db *DB) createUnless(ctx context.Context, write func(context.Context, string, func(querier) error) error,
	op string, class int32, name, found string, args []any, insert func(tx querier) error) (bool, error) {
	created := false
	err := write(ctx, op, func(tx querier) error {
		if err := db.d.lock(ctx, tx, class, name); err != nil {
			return err
		}
		var exists bool
		if err := tx.QueryRowContext(ctx, found, args...).Scan(&exists); err != nil || exists {
			return err
		}
		created = true
		return insert(tx)
	})
	return created && err == nil, err
}

// update is the read-modify-write of one record for the store operation op,
// in one transaction of write (db.write or db.writeUsers): get reads the
// record (with lock, the dialect's forUpdate), fn changes it (its error is
// returned as is and nothing is written; store.ErrUnchanged writes nothing
// and returns what get read), keep restores what fn may not change, save
// writes it, and get reads it back as saved.
func update[T any](ctx context.Context, write func(context.Context, string, func(querier) error) error, db *DB,
	op string, get func(q querier, lock string) (T, error),
	fn func(T) (T, error), keep func(old T, v *T), save func(tx querier, v T) error) (T, error) {
	var saved T
	err := write(ctx, op, func(tx querier) error {
		old, err := get(tx, db.d.forUpdate)
		if err != nil {
			return err
		}
		v, err := fn(old)
		if errors.Is(err, store.ErrUnchanged) {
			saved = old
			return nil
		}
		if err != nil {
			return errFn{err}
		}
		keep(old, &v)
		if err := save(tx, v); err != nil {
			return err
		}
		saved, err = get(tx, "")
		return err
	})
	if err != nil {
		var zero T
		return zero, err
	}
	return saved, nil
}

// wrap adds the engine and the operation to err, and maps sql.ErrNoRows to
// store.ErrNotFound and unique-constraint violations to store.ErrConflict.
func (db *DB) wrap(op string, err error) error {
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("%s: %s: %w", db.d.name, op, store.ErrNotFound)
	case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrConflict):
		return fmt.Errorf("%s: %s: %w", db.d.name, op, err)
	case db.d.isUniqueViolation(err):
		return fmt.Errorf("%s: %s: %w: %w", db.d.name, op, store.ErrConflict, err)
	}
	return fmt.Errorf("%s: %s: %w", db.d.name, op, err)
}

// mustAffect returns sql.ErrNoRows when res changed no row.
func mustAffect(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return sql.ErrNoRows
	}
	return nil
}

// queryList runs query and reads every row it returns with scan. It returns
// nil for no rows.
func queryList[T any](ctx context.Context, q querier, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var list []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		list = append(list, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return list, nil
}

// ts is how a time is passed to a query: in UTC, which both drivers store as
// the same instant.
func ts(t time.Time) time.Time { return t.UTC() }

// timeCol scans a time column of either engine: SQLite's unix microseconds or
// PostgreSQL's timestamptz. The zero instant comes back as the zero time.
type timeCol struct{ t *time.Time }

func (c timeCol) Scan(src any) error {
	switch v := src.(type) {
	case int64:
		*c.t = time.UnixMicro(v).UTC()
	case time.Time:
		*c.t = v.UTC()
	case nil:
		*c.t = time.Time{}
	default:
		return fmt.Errorf("time column holds %T", src)
	}
	if c.t.IsZero() {
		*c.t = time.Time{}
	}
	return nil
}

// nullIfEmpty stores an empty string as NULL (for columns unique when set).
func nullIfEmpty(s string) sql.NullString {
	return sql.NullString{String: s, Valid: s != ""}
}

// nilIfEmpty returns nil for an empty slice, so that lists and byte slices
// come back the same way whatever the driver returned.
func nilIfEmpty[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}

// encodeJSON returns list as a JSON array ("[]" for nil).
func encodeJSON[T any](list []T) (string, error) {
	if list == nil {
		list = []T{}
	}
	b, err := json.Marshal(list)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// jsonCol scans a JSON array column into a list; an empty array comes back
// as nil.
type jsonCol[T any] struct{ list *[]T }

func (c jsonCol[T]) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case string:
		b = []byte(v)
	case []byte:
		b = v
	case nil:
		*c.list = nil
		return nil
	default:
		return fmt.Errorf("JSON column holds %T", src)
	}
	var list []T
	if err := json.Unmarshal(b, &list); err != nil {
		return fmt.Errorf("JSON column: %w", err)
	}
	*c.list = nilIfEmpty(list)
	return nil
}

// Optimize brings the query planner's statistics up to date where they are
// missing or stale, which costs little when there is nothing to do: the
// server calls it every 5 seconds. Without statistics SQLite's planner picks
// plans that read every user (a console search at 100,000 users took 136 ms
// instead of 0.8 ms). On SQLite it is PRAGMA optimize, which analyzes, from a
// sample, each table never analyzed or grown or shrunk 25-fold since; on
// PostgreSQL, whose autovacuum does the same within a minute or so, it
// analyzes the user tables of a thousand rows or more that have changed by a
// tenth since. It returns the
// driver's error, if any.
func (db *DB) Optimize(ctx context.Context) error {
	return db.write(ctx, "optimize", func(tx querier) error { return db.d.optimize(ctx, tx) })
}
