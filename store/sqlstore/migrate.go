package sqlstore

import (
	"context"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"
)

// migration is one numbered .sql file of an engine.
type migration struct {
	version int
	name    string
	text    string
}

// migrationList returns the engine's migrations in order.
func migrationList(fsys fs.FS) ([]migration, error) {
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	list := make([]migration, 0, len(names))
	for _, name := range names {
		prefix, _, _ := strings.Cut(name, "_")
		version, err := strconv.Atoi(prefix)
		if err != nil {
			return nil, fmt.Errorf("%s: bad version: %w", name, err)
		}
		text, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		list = append(list, migration{version: version, name: name, text: string(text)})
	}
	return list, nil
}

// migrate applies, in order, every migration not yet recorded in
// schema_migrations, each in its own transaction.
func (db *DB) migrate(ctx context.Context) error {
	list, err := migrationList(db.d.migrations)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for _, m := range list {
		if err := db.inTx(ctx, func(tx querier) error { return db.apply(ctx, tx, m) }); err != nil {
			return fmt.Errorf("migrate: %s: %w", m.name, err)
		}
	}
	return nil
}

// apply applies m unless it is recorded already. The check and the apply share
// one transaction that holds the migration lock (SQLite: the write lock taken
// at BEGIN; PostgreSQL: an advisory lock), so of two processes opening a new
// database at once only one applies it, and the other then finds it recorded.
func (db *DB) apply(ctx context.Context, tx querier, m migration) error {
	if err := db.d.lock(ctx, tx, lockMigrate, "migrations"); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		applied_at TEXT NOT NULL
	)`); err != nil {
		return err
	}
	var applied bool
	if err := tx.QueryRowContext(ctx,
		`SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = $1)`, m.version,
	).Scan(&applied); err != nil {
		return err
	}
	if applied {
		return nil
	}
	// Without arguments both drivers run a script of several statements.
	if _, err := tx.ExecContext(ctx, m.text); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)`,
		m.version, time.Now().UTC().Format(time.RFC3339Nano))
	return err
}
