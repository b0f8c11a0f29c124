package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// dialect is what differs between the engines; every query is shared.
type dialect struct {
	name string
	// migrations holds the engine's numbered .sql files.
	migrations fs.FS
	// forUpdate ends a SELECT that reads a row a transaction will change:
	// PostgreSQL locks the row; SQLite's transactions hold the database's
	// write lock from BEGIN, so it needs nothing.
	forUpdate string
	// lock serialises transactions that check before they write ("create
	// unless one exists"), across processes, until the transaction ends. The
	// key is a class and a name.
	lock func(ctx context.Context, tx querier, class int32, name string) error
	// connect makes the pool's first connection.
	connect func(ctx context.Context, db *sql.DB) error
	// isUniqueViolation recognises the error of a broken UNIQUE or PRIMARY KEY.
	isUniqueViolation func(error) bool
	// position is the SQL of the 1-based position of needle in haystack, 0
	// when it is not there.
	position func(needle, haystack string) string
	// syncSearch brings a trigram index of user_values up to date at the end
	// of a transaction that changed users.
	syncSearch func(ctx context.Context, tx querier) error
	// substring returns cond, a LIKE on user_values.value_lower (alias v)
	// for a value that contains lit, with what lets the engine answer it from
	// a trigram index.
	substring func(b *builder, cond, lit string) string
	// positionalParams is for SQLite, which binds plain ? parameters by
	// position but looks up numbered ones ($1) by name, in a list: a cost
	// that grows with the square of their number, a lot for a multi-row
	// INSERT.
	positionalParams bool
	// optimize updates the planner's statistics where they are stale.
	optimize func(ctx context.Context, tx querier) error
	// unindexed makes an ORDER BY term that no index answers, and fence the
	// FROM of users that a WHERE selects, planned apart from the ORDER BY:
	// either makes the engine read what a filter selects by its index and
	// sort it (nil when the dialect does it the other way).
	unindexed func(expr string) string
	fence     func(where string) string
	// sortFoundLimit is the most users a filter may select for a page of
	// rows (its offset and limit) of all users to be read that way, rather
	// than in the sort order until enough match.
	sortFoundLimit func(rows, all int) int
}

//go:embed migrations
var migrationFiles embed.FS

func migrationsOf(engine string) fs.FS {
	sub, err := fs.Sub(migrationFiles, "migrations/"+engine)
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	return sub
}

// Lock classes of dialect.lock. PostgreSQL's advisory locks are database-wide,
// so they also serialise instances using different schemas of one database,
// which costs nothing but a short wait.
const (
	lockMigrate    int32 = 0x61700001
	lockRoleHolder int32 = 0x61700002
	lockSigningKey int32 = 0x61700003
)

// SQLite.

// sqliteParams are applied by the driver to every pooled connection.
// busy_timeout lets a writer wait for another (also in another process)
// instead of failing; each connection caches 32 MiB of pages; _txlock=immediate makes every transaction take the
// write lock at BEGIN, so two never deadlock upgrading a read lock; times are
// written as unix microseconds.
const sqliteParams = "_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)&_pragma=cache_size(-32768)&_pragma=temp_store(2)" +
	"&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate" +
	"&_time_integer_format=unix_micro"

// busyTimeout is how long a connection waits for another one's lock; it
// matches the busy_timeout pragma.
const busyTimeout = 10 * time.Second

var sqliteDialect = &dialect{
	name:       "sqlite",
	migrations: migrationsOf("sqlite"),
	lock:       func(context.Context, querier, int32, string) error { return nil },
	connect:    connectSQLite,
	isUniqueViolation: func(err error) bool {
		se := (*sqlite.Error)(nil)
		return errors.As(err, &se) &&
			(se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)
	},
	position:         func(needle, haystack string) string { return "instr(" + haystack + ", " + needle + ")" },
	substring:        ftsSubstring,
	syncSearch:       ftsSync,
	positionalParams: true,
	unindexed:        func(expr string) string { return "+" + expr }, // SQLite's way to keep an index out
	// Sorting what a covering index found costs SQLite about 0.1 µs a user
	// (50,000 in 6 ms at a million users), so it pays unless a filter
	// selects many.
	sortFoundLimit: func(int, int) int { return 50_000 },
	optimize: func(ctx context.Context, tx querier) error {
		if _, err := tx.ExecContext(ctx, "PRAGMA analysis_limit = 1000"); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "PRAGMA optimize(0x10002)") // ANALYZE where needed, every table
		return err
	},
}

// ftsSync applies the changes of user_values that its triggers queued to
// user_search, in the order they were made (a rowid may be deleted and used
// again in one transaction), and empties the queue.
func ftsSync(ctx context.Context, tx querier) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO user_search (user_search, rowid, value)
		SELECT CASE WHEN deleted THEN 'delete' END, rid, value FROM user_search_pending ORDER BY seq`); err != nil {
		return fmt.Errorf("sync user_search: %w", err)
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM user_search_pending`)
	return err
}

// ftsSubstring adds to cond the rows of user_search, SQLite's FTS5 trigram
// index of user_values, whose value contains lit. FTS5 answers LIKE from the
// index only without an ESCAPE clause and for three characters or more: lit
// goes in unescaped, so its % and _ match more than they should, and cond,
// with them escaped, keeps the rows that really match.
func ftsSubstring(b *builder, cond, lit string) string {
	if utf8.RuneCountInString(lit) < 3 {
		return cond
	}
	return "(" + cond + " AND v.rid IN (SELECT rowid FROM user_search WHERE value LIKE " + b.arg("%"+lit+"%") + "))"
}

// OpenSQLite opens (creating it and its parent directory, mode 0700, if
// needed) the SQLite database at path, or a private in-memory database when
// path is Memory, in WAL mode, and applies the migrations it has not applied
// yet. It is safe for several processes to open one new file at once.
func OpenSQLite(ctx context.Context, path string) (*DB, error) {
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
	sdb, err := sql.Open("sqlite", path+"?"+sqliteParams)
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
	// modernc's driver parses every statement anew: keep them prepared, but
	// not for the one connection of a memory database, which a transaction
	// holds while a statement would be prepared.
	db, err := open(ctx, sdb, sqliteDialect, !memory)
	if err != nil {
		return nil, fmt.Errorf("%w (%s)", err, path)
	}
	db.writes = new(sync.Mutex)
	return db, nil
}

// connectSQLite makes the pool's first connection, retrying while it fails
// with SQLITE_BUSY. Switching a new file to WAL (the journal_mode pragma run
// on every new connection) needs an exclusive lock and fails at once, without
// waiting busy_timeout, while another connection (also in another process)
// holds a lock; once the file is in WAL mode the pragma changes nothing.
func connectSQLite(ctx context.Context, sdb *sql.DB) error {
	deadline := time.Now().Add(busyTimeout)
	for {
		err := sdb.PingContext(ctx)
		se := (*sqlite.Error)(nil)
		busy := errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_BUSY
		if err == nil || !busy || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// IntegrityCheck runs SQLite's PRAGMA integrity_check and returns an error
// listing the problems it reports, or the error that kept it from running. On
// PostgreSQL, which checks itself, it returns nil.
func (db *DB) IntegrityCheck(ctx context.Context) error {
	if db.d != sqliteDialect {
		return nil
	}
	problems, err := queryList(ctx, db.q, func(s scanner) (string, error) {
		var line string
		return line, s.Scan(&line)
	}, "PRAGMA integrity_check")
	if err != nil {
		return db.wrap("integrity check", err)
	}
	if len(problems) != 1 || problems[0] != "ok" {
		return fmt.Errorf("sqlite: integrity check: %s", strings.Join(problems, "; "))
	}
	// FTS5 checks its index against its content, user_values.
	if _, err := db.q.ExecContext(ctx, `INSERT INTO user_search (user_search, rank) VALUES ('integrity-check', 1)`); err != nil {
		return db.wrap("integrity check of user_search", err)
	}
	return nil
}

// ErrNotSQLite is returned by what only a SQLite database can do.
var ErrNotSQLite = errors.New("not a SQLite database")

// Backup writes a consistent copy of the SQLite database, as of one moment, to
// a new file at path (mode 0600), while the database goes on serving readers
// and writers, also in other processes (VACUUM INTO). The copy is checked
// with PRAGMA integrity_check before it appears at path; a file at path is
// never overwritten. It returns an error wrapping ErrNotSQLite on PostgreSQL
// (use pg_dump there), or the error that kept the copy from being made, and
// then leaves nothing at path.
func (db *DB) Backup(ctx context.Context, path string) (err error) {
	if db.d != sqliteDialect {
		return fmt.Errorf("%s: backup: %w", db.d.name, ErrNotSQLite)
	}
	if _, err := os.Lstat(path); err == nil {
		return fmt.Errorf("sqlite: backup: %s exists; choose a new file", path)
	}
	tmp := fmt.Sprintf("%s.tmp-%d", path, time.Now().UnixNano())
	// VACUUM INTO fills an empty file: made first, so that the copy is no
	// more readable than the database.
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("sqlite: backup: %w", err)
	}
	f.Close()
	defer func() {
		os.Remove(tmp)
		if err != nil {
			err = fmt.Errorf("sqlite: backup: %w", err)
		}
	}()
	if _, err := db.db.ExecContext(ctx, `VACUUM INTO $1`, tmp); err != nil {
		return err
	}
	if err := checkFile(ctx, tmp); err != nil {
		return err
	}
	if f, err = os.Open(tmp); err != nil {
		return err
	}
	serr := f.Sync()
	if cerr := f.Close(); serr == nil {
		serr = cerr
	}
	if serr != nil {
		return serr
	}
	// A link, unlike a rename, fails when path was made meanwhile.
	if err := os.Link(tmp, path); err != nil {
		return err
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// checkFile runs PRAGMA integrity_check on the SQLite file at path, opened
// read-only and apart from any pool.
func checkFile(ctx context.Context, path string) error {
	sdb, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return err
	}
	defer sdb.Close()
	var result string
	if err := sdb.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&result); err != nil {
		return fmt.Errorf("integrity check of the copy: %w", err)
	}
	if result != "ok" {
		return fmt.Errorf("integrity check of the copy: %s", result)
	}
	return nil
}

// Compact rewrites the SQLite database file without free space (VACUUM) and
// empties its write-ahead log into it, so that nothing deleted or overwritten
// before (such as a key kept in plain text by an older release) stays in the
// database's files. It may take a while on a large database. On PostgreSQL it
// does nothing. It returns the driver's error, if any.
func (db *DB) Compact(ctx context.Context) error {
	if db.d != sqliteDialect {
		return nil
	}
	if _, err := db.db.ExecContext(ctx, "VACUUM"); err != nil {
		return db.wrap("compact", err)
	}
	if _, err := db.db.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		return db.wrap("compact", err)
	}
	return nil
}

// PostgreSQL.

var postgresDialect = &dialect{
	name:       "postgres",
	migrations: migrationsOf("postgres"),
	forUpdate:  " FOR UPDATE",
	lock: func(ctx context.Context, tx querier, class int32, name string) error {
		_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2))`, class, name)
		return err
	},
	connect: func(ctx context.Context, db *sql.DB) error { return db.PingContext(ctx) },
	isUniqueViolation: func(err error) bool {
		pe := (*pgconn.PgError)(nil)
		return errors.As(err, &pe) && pe.Code == "23505"
	},
	position: func(needle, haystack string) string { return "strpos(" + haystack + ", " + needle + ")" },
	// pg_trgm's GIN index on user_values.value_lower answers the LIKE itself,
	// and is written with the rows.
	substring: func(_ *builder, cond, _ string) string { return cond },
	// OFFSET 0 keeps the subquery from being merged into the query.
	fence: func(where string) string { return " FROM (SELECT * FROM users" + where + " OFFSET 0) AS users" },
	// PostgreSQL reads each user found from the table (a few µs each where
	// they are spread over it: 20,000 in 70 ms; 10,000 stored together in
	// 12 ms), so it sorts about as many as a read in the sort order would
	// have to read were they spread evenly, rows·all/found: found up to
	// 1.5·√(rows·all), 15,000 for a page of 100 of a million users.
	sortFoundLimit: func(rows, all int) int { return int(1.5 * math.Sqrt(float64(rows)*float64(all))) },
	optimize:       analyzeStale,
	syncSearch:     func(context.Context, querier) error { return nil },
}

// OpenPostgres connects to the PostgreSQL database at url (a postgres:// or
// postgresql:// URL, or a key=value connection string; pool settings such as
// pool_max_conns and runtime parameters such as search_path are understood)
// and applies the migrations it has not applied yet. It is safe for several
// processes to open one empty database at once.
func OpenPostgres(ctx context.Context, url string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgx's parse errors redact the password; the URL is left out anyway.
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	// JIT compilation pays off for long analytic queries; for the short ones
	// here it only adds milliseconds to each (PostgreSQL turns it on when a
	// plan's estimated cost is high, as for a sort of a million users).
	if _, set := cfg.ConnConfig.RuntimeParams["jit"]; !set {
		cfg.ConnConfig.RuntimeParams["jit"] = "off"
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	// Closing the *sql.DB does not close the pool it draws from.
	// pgx keeps each connection's statements prepared itself.
	db, err := open(ctx, stdlib.OpenDBFromPool(pool), postgresDialect, false)
	if err != nil {
		pool.Close()
		return nil, err
	}
	db.closeFn = pool.Close
	return db, nil
}

// analyzeStale analyzes the PostgreSQL user tables of a thousand rows or more
// that were never analyzed or have changed by a tenth since. Not smaller
// ones: the statistics of an empty table make the planner choose sequential
// scans (for the foreign-key checks of inserts, too) that stay in the plans
// while the table grows; a table never analyzed is assumed to be of some size.
func analyzeStale(ctx context.Context, tx querier) error {
	rows, err := tx.QueryContext(ctx, `SELECT relname FROM pg_stat_user_tables
		WHERE schemaname = current_schema() AND relname IN ('users', 'user_values', 'user_roles')
		AND n_live_tup >= 1000
		AND (coalesce(last_analyze, last_autoanalyze) IS NULL OR n_mod_since_analyze > n_live_tup / 10)`)
	if err != nil {
		return err
	}
	var stale []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return err
		}
		stale = append(stale, t)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, t := range []string{"users", "user_values", "user_roles"} { // names, not what was read
		if slices.Contains(stale, t) {
			if _, err := tx.ExecContext(ctx, "ANALYZE "+t); err != nil {
				return err
			}
		}
	}
	return nil
}
