// Package sqlite implements store.Store on an embedded SQLite database
// (modernc.org/sqlite, no cgo).
//
// Encoding: times are INTEGER unix microseconds in UTC (so a backend such as
// PostgreSQL, whose timestamps have microsecond precision, behaves the same) and
// are returned in UTC; durations are INTEGER nanoseconds; Access, RedirectURIs,
// Emails, role Scopes and identity provider Certificates (as base64) are JSON
// arrays in TEXT columns; user roles are a child table, and so are user e-mail
// addresses, lower-cased, for lookups (the JSON stays the record). Empty lists
// come back as nil. Case-insensitive uniqueness uses COLLATE NOCASE, which
// folds ASCII letters only.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/appintegration/appintegration/store"
)

// DB is a store.Store kept in one SQLite database. It is safe for concurrent
// use, also by several processes sharing one database file.
type DB struct {
	db *sql.DB
}

var _ store.Store = (*DB)(nil)

// dsnParams are applied by the driver to every pooled connection. busy_timeout
// lets a writer wait for another (also in another process) instead of failing;
// _txlock=immediate makes every read-write transaction take the write lock at
// BEGIN, so two transactions never deadlock upgrading a read lock.
const dsnParams = "_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)" +
	"&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate"

// Memory is the path Open takes for a private in-memory database.
const Memory = ":memory:"

//go:embed migrations/*.sql
var migrations embed.FS

// Open opens (creating it and its parent directory if needed) the SQLite
// database at path, or a private in-memory database when path is ":memory:",
// and applies the migrations it has not applied yet. It is safe for several
// processes to open one new file at once. On failure it returns an error and
// leaves nothing open.
func Open(ctx context.Context, path string) (*DB, error) {
	if path == "" {
		return nil, errors.New("sqlite: open: empty path")
	}
	// The driver splits the DSN at the first '?'.
	if strings.Contains(path, "?") {
		return nil, fmt.Errorf("sqlite: open %q: path must not contain '?'", path)
	}
	memory := path == Memory
	if !memory {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("sqlite: open: %w", err)
		}
	}
	sdb, err := sql.Open("sqlite", path+"?"+dsnParams)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %q: %w", path, err)
	}
	if memory {
		// Every connection to ":memory:" is its own database: keep exactly one.
		sdb.SetMaxOpenConns(1)
		sdb.SetMaxIdleConns(1)
		sdb.SetConnMaxLifetime(0)
		sdb.SetConnMaxIdleTime(0)
	}
	db := &DB{db: sdb}
	if err := connect(ctx, sdb); err != nil {
		sdb.Close()
		return nil, fmt.Errorf("sqlite: open %q: %w", path, err)
	}
	if err := db.migrate(ctx); err != nil {
		sdb.Close()
		return nil, fmt.Errorf("sqlite: open %q: %w", path, err)
	}
	return db, nil
}

// busyTimeout is how long a connection waits for another one's lock; it
// matches the busy_timeout pragma.
const busyTimeout = 10 * time.Second

// connect makes the pool's first connection, retrying while it fails with
// SQLITE_BUSY. Switching a new file to WAL (the journal_mode pragma run on
// every new connection) needs an exclusive lock and fails at once, without
// waiting busy_timeout, while another connection (also in another process)
// holds a lock; once the file is in WAL mode the pragma changes nothing.
func connect(ctx context.Context, sdb *sql.DB) error {
	deadline := time.Now().Add(busyTimeout)
	for {
		err := sdb.PingContext(ctx)
		if err == nil || !isBusy(err) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// isBusy reports whether err is SQLITE_BUSY (or one of its extended codes).
func isBusy(err error) bool {
	se := (*sqlite.Error)(nil)
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_BUSY
}

// Close closes the connection pool. It returns the driver's error, if any.
func (db *DB) Close() error {
	if err := db.db.Close(); err != nil {
		return fmt.Errorf("sqlite: close: %w", err)
	}
	return nil
}

// IntegrityCheck runs PRAGMA integrity_check and returns an error listing the
// problems it reports, or the error that kept it from running.
func (db *DB) IntegrityCheck(ctx context.Context) error {
	rows, err := db.db.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		return wrap("integrity check", err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return wrap("integrity check", err)
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	if err := rows.Err(); err != nil {
		return wrap("integrity check", err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("sqlite: integrity check: %s", strings.Join(problems, "; "))
	}
	return nil
}

// migrate applies, in order, every embedded migration not yet recorded in
// schema_migrations, each in its own write transaction.
func (db *DB) migrate(ctx context.Context) error {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	sort.Strings(names)
	for _, name := range names {
		base := filepath.Base(name)
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

// applyMigration applies one migration unless it is recorded already. The check
// and the apply share one BEGIN IMMEDIATE transaction, so of two processes
// opening a new file at once only one applies it.
func (db *DB) applyMigration(ctx context.Context, version int, name string) error {
	text, err := migrations.ReadFile(name)
	if err != nil {
		return err
	}
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		applied_at TEXT NOT NULL
	)`); err != nil {
		return err
	}
	var applied bool
	if err := tx.QueryRowContext(ctx,
		`SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = ?)`, version,
	).Scan(&applied); err != nil {
		return err
	}
	if applied {
		return nil
	}
	if _, err := tx.ExecContext(ctx, string(text)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx,
		`INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`,
		version, time.Now().UTC().Format(time.RFC3339Nano),
	); err != nil {
		return err
	}
	return tx.Commit()
}

// querier is what the helpers need of a *sql.Tx (or of the *sql.DB for
// single-statement reads).
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface {
	Scan(dest ...any) error
}

// wrap adds the operation to err and maps sql.ErrNoRows to store.ErrNotFound
// and UNIQUE / PRIMARY KEY constraint violations to store.ErrConflict.
func wrap(op string, err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("sqlite: %s: %w", op, store.ErrNotFound)
	}
	if se := (*sqlite.Error)(nil); errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return fmt.Errorf("sqlite: %s: %w: %w", op, store.ErrConflict, err)
		}
	}
	return fmt.Errorf("sqlite: %s: %w", op, err)
}

// mustAffect returns store.ErrNotFound when res changed no row.
func mustAffect(res sql.Result) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return store.ErrNotFound
	}
	return nil
}

// zeroMicros is time.Time{} in unix microseconds.
var zeroMicros = time.Time{}.UnixMicro()

// encodeTime returns t as unix microseconds.
func encodeTime(t time.Time) int64 { return t.UnixMicro() }

// decodeTime is the inverse of encodeTime; it returns UTC times and the
// time.Time zero value for the zero time.
func decodeTime(us int64) time.Time {
	if us == zeroMicros {
		return time.Time{}
	}
	return time.UnixMicro(us).UTC()
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

// decodeJSON is the inverse of encodeJSON; an empty array comes back as nil.
func decodeJSON[T any](text string) ([]T, error) {
	var list []T
	if err := json.Unmarshal([]byte(text), &list); err != nil {
		return nil, err
	}
	return nilIfEmpty(list), nil
}
