// Package postgres implements store.Store on PostgreSQL (github.com/jackc/pgx/v5),
// for deployments that run several server instances behind one database.
//
// Encoding: times are timestamptz (microsecond precision, returned in UTC); the
// zero time.Time is stored as its own instant (0001-01-01 UTC), as in the SQLite
// backend, and comes back as the zero time. Durations are bigint nanoseconds.
// Access, RedirectURIs, roles and role scopes are text arrays, certificates a
// bytea array, e-mail addresses jsonb. Empty lists come back as nil.
//
// Every write runs in a transaction; updates read the row with SELECT … FOR
// UPDATE, so concurrent updates from any number of processes all land. An
// update function runs while its transaction holds a pooled connection and the
// row lock: it must not call the store itself (with the pool exhausted that
// call would wait for ever).
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/appintegration/appintegration/store"
)

// DB is a store.Store kept in one PostgreSQL database (in the schemas of the
// connection's search_path). It is safe for concurrent use, also by several
// processes sharing the database.
type DB struct {
	pool *pgxpool.Pool
}

var _ store.Store = (*DB)(nil)

//go:embed migrations/*.sql
var migrations embed.FS

// Advisory lock keys (pg_advisory_xact_lock) of this package. They are
// database-wide, so they also serialize instances using different schemas of
// one database, which costs nothing but a short wait.
const (
	// lockMigrate serializes migrations: of two instances starting at once on
	// an empty database, the second waits and then finds them applied.
	lockMigrate int64 = 0x61707069_6e740001 // "appint" + 1
	// lockRoleHolder is combined with a hash of the role in
	// CreateUserIfNoneHasRole, see there.
	lockRoleHolder int32 = 0x61700002
	// lockSigningKey is combined with a hash of the algorithm in
	// CreateSigningKeyIfNoneCurrent.
	lockSigningKey int32 = 0x61700003
)

// Open connects to the PostgreSQL database at url (a postgres:// or
// postgresql:// URL, or a key=value connection string; runtime parameters such
// as search_path are passed on) and applies the migrations it has not applied
// yet. It is safe for several processes to open one empty database at once. On
// failure it returns an error, which never holds the password, and leaves
// nothing open.
func Open(ctx context.Context, url string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgx's parse errors redact the password; the URL is left out anyway.
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	db := &DB{pool: pool}
	if err := db.migrate(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	return db, nil
}

// Close closes the connection pool, waiting for connections in use to be
// returned. It always returns nil.
func (db *DB) Close() error {
	db.pool.Close()
	return nil
}

// migrate applies, in order, every embedded migration not yet recorded in
// schema_migrations, each in its own transaction.
func (db *DB) migrate(ctx context.Context) error {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	sort.Strings(names)
	for _, name := range names {
		base := path.Base(name)
		prefix, _, _ := strings.Cut(base, "_")
		version, err := strconv.Atoi(prefix)
		if err != nil {
			return fmt.Errorf("migrate: %s: bad version: %w", base, err)
		}
		if err := db.applyMigration(ctx, version, name); err != nil {
			return fmt.Errorf("migrate: %s: %w", base, err)
		}
	}
	return nil
}

// applyMigration applies one migration unless it is recorded already. The
// transaction first takes the migration advisory lock, held until it ends, so
// the check and the apply of two processes never interleave.
func (db *DB) applyMigration(ctx context.Context, version int, name string) error {
	text, err := migrations.ReadFile(name)
	if err != nil {
		return err
	}
	return db.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, lockMigrate); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    integer PRIMARY KEY,
			applied_at timestamptz NOT NULL
		)`); err != nil {
			return err
		}
		var applied bool
		if err := tx.QueryRow(ctx,
			`SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = $1)`, version,
		).Scan(&applied); err != nil {
			return err
		}
		if applied {
			return nil
		}
		// Without arguments pgx uses the simple protocol, which runs a
		// script of several statements.
		if _, err := tx.Exec(ctx, string(text)); err != nil {
			return err
		}
		_, err := tx.Exec(ctx,
			`INSERT INTO schema_migrations (version, applied_at) VALUES ($1, now())`, version)
		return err
	})
}

// inTx runs fn in a read-committed transaction and commits it when fn returns
// nil. It returns fn's error or the driver's, unwrapped.
func (db *DB) inTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// querier is what the helpers need of a pgx.Tx or of the pool.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// wrap adds the operation to err and maps pgx.ErrNoRows to store.ErrNotFound
// and unique violations (SQLSTATE 23505) to store.ErrConflict.
func wrap(op string, err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("postgres: %s: %w", op, store.ErrNotFound)
	}
	if pe := (*pgconn.PgError)(nil); errors.As(err, &pe) && pe.Code == "23505" {
		return fmt.Errorf("postgres: %s: %w: %w", op, store.ErrConflict, err)
	}
	return fmt.Errorf("postgres: %s: %w", op, err)
}

// mustAffect returns pgx.ErrNoRows when tag reports no row changed.
func mustAffect(tag pgconn.CommandTag) error {
	if tag.RowsAffected() == 0 {
		return pgx.ErrNoRows
	}
	return nil
}

// zeroTime is how the zero time.Time is stored: its own instant, in UTC.
var zeroTime = time.Time{}.UTC()

// encodeTime returns t in UTC (the zero time stays the zero instant).
func encodeTime(t time.Time) time.Time { return t.UTC() }

// decodeTime returns t in UTC, and the time.Time zero value for the zero instant.
func decodeTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}

// nullIfEmpty stores an empty string as NULL (for columns unique when set).
func nullIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// nonNil returns an empty slice for nil, so that a NOT NULL array column
// gets '{}' rather than NULL.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// nilIfEmpty returns nil for an empty slice, so that lists and byte slices
// come back the same way whatever the driver returned.
func nilIfEmpty[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}

// collect reads every row of rows with scan, closing rows. It returns nil for
// no rows.
func collect[T any](rows pgx.Rows, scan func(pgx.Row) (T, error)) ([]T, error) {
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
