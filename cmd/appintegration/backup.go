package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/appintegration/appintegration/store/sqlstore"
)

// backup is "appintegration backup --out FILE": a consistent copy of the
// SQLite database, made while servers use it. It copies the database as it
// is, keys encrypted, and so needs no master key; PostgreSQL has pg_dump.
func backup(ctx context.Context, args []string, stdout, stderr io.Writer, env getenv) error {
	var cfg Config
	fs := newFlagSet("backup", "backup --out FILE [--data DIR | --db PATH]", stderr)
	commonFlags(fs, &cfg, env)
	out := fs.String("out", "", "the file to write the copy to; it must not exist")
	if err := parseFlags(fs, args, &cfg); err != nil {
		return err
	}
	if *out == "" {
		fs.Usage()
		return fmt.Errorf("%w: --out is required", errUsage)
	}
	if sqlstore.IsPostgresURL(cfg.DB) {
		return errors.New("backup copies SQLite databases; back up PostgreSQL with pg_dump, e.g. " +
			"pg_dump --format=custom --file=appintegration.dump \"$APPINT_DB\" (see README, Operations)")
	}
	if _, err := os.Stat(cfg.DB); err != nil {
		return fmt.Errorf("no database to back up: %w", err)
	}
	db, err := sqlstore.Open(ctx, cfg.DB)
	if err != nil {
		return fmt.Errorf("open database %s: %w", dbLabel(cfg.DB), err)
	}
	defer db.Close()
	if err := db.Backup(ctx, *out); err != nil {
		return err
	}
	size := int64(0)
	if fi, err := os.Stat(*out); err == nil {
		size = fi.Size()
	}
	fmt.Fprintf(stdout, "Backed up %s to %s (%d bytes; integrity check ok).\n", cfg.DB, *out, size)
	fmt.Fprintf(stdout, "The keys in it are encrypted under the master key (%s), which is not in the backup:\n"+
		"keep the master key, apart from the backup; restoring needs both.\n", masterKeySource(cfg))
	return nil
}
