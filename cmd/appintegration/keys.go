package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/appintegration/appintegration/oauth"
	"github.com/appintegration/appintegration/store/sealed"
	"github.com/appintegration/appintegration/store/sqlstore"
)

// keysRotate is "appintegration keys rotate": a new signing key, published at
// once and signing after --publish-for.
func keysRotate(ctx context.Context, args []string, stdout, stderr io.Writer, env getenv) error {
	var cfg Config
	fs := newFlagSet("keys rotate", "keys rotate [--publish-for 2m] [--signing-alg ALG]", stderr)
	commonFlags(fs, &cfg, env)
	fs.StringVar(&cfg.SigningAlg, "signing-alg", envOr(env, "APPINT_SIGNING_ALG", oauth.AlgRS256), "algorithm of the new key: RS256, ES256 or EdDSA (env APPINT_SIGNING_ALG)")
	publishFor := fs.Duration("publish-for", 2*time.Minute, "how long the new key is published before it signs, so that JWKS caches pick it up")
	if err := parseFlags(fs, args, &cfg); err != nil {
		return err
	}
	if *publishFor < 0 {
		return fmt.Errorf("%w: --publish-for must not be negative", errUsage)
	}
	st, svc, err := openService(ctx, cfg, quietLogger(stderr))
	if err != nil {
		return err
	}
	defer st.Close()
	kid, err := svc.RotateKey(ctx, cliActor, *publishFor)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "New %s signing key %s is published now and signs from %s.\nThe keys it replaces stay published until their last token has expired.\n",
		cfg.SigningAlg, kid, svc.Now().Add(*publishFor).UTC().Format(time.RFC3339))
	return nil
}

// keysRewrap is "appintegration keys rewrap": every key in the database
// re-encrypted from the current master key to the one in
// --new-master-key-file, in one transaction. A missing file gets a new key.
func keysRewrap(ctx context.Context, args []string, stdout, stderr io.Writer, env getenv) error {
	var cfg Config
	fs := newFlagSet("keys rewrap", "keys rewrap --new-master-key-file FILE [--master-key-file CURRENT]", stderr)
	commonFlags(fs, &cfg, env)
	newFile := fs.String("new-master-key-file", "", "file holding the new master key (32 random bytes, base64); when it does not exist, a new key is generated into it (mode 0600)")
	if err := parseFlags(fs, args, &cfg); err != nil {
		return err
	}
	if *newFile == "" {
		fs.Usage()
		return fmt.Errorf("%w: --new-master-key-file is required", errUsage)
	}
	log := quietLogger(stderr)
	// The current key must exist: generating one here would seal nothing.
	cur, err := loadMasterKey(cfg, false, log)
	if err != nil {
		return err
	}
	next := masterKey{source: *newFile}
	switch k, err := readKeyFile(*newFile, log); {
	case err == nil:
		next.key = k
	case errors.Is(err, os.ErrNotExist):
		if next.key, _, err = generateKeyFile(*newFile); err != nil {
			return err
		}
		next.generated = *newFile
	default:
		return err
	}
	n, err := rewrap(ctx, cfg, cur, next, log)
	if err != nil {
		if next.generated != "" {
			// Kept: a failed commit may yet have committed.
			return fmt.Errorf("%w (the new master key generated in %s is kept)", err, next.generated)
		}
		return err
	}
	if next.generated != "" {
		fmt.Fprintf(stdout, "Generated a new master key in %s.\n", next.source)
	}
	fmt.Fprintf(stdout, "Re-encrypted %d keys of database %s under the new master key from %s.\n\n", n, dbLabel(cfg.DB), next.source)
	if cur.source == filepath.Join(cfg.Data, defaultMasterKeyFile) {
		fmt.Fprintf(stdout, "Now replace %s with it (mv %s %s), or point --master-key-file (APPINT_MASTER_KEY_FILE) at it,\n", cur.source, next.source, cur.source)
	} else {
		fmt.Fprintf(stdout, "Now point --master-key-file (APPINT_MASTER_KEY_FILE, or APPINT_MASTER_KEY) at the new key\n")
	}
	fmt.Fprintf(stdout, "for every instance and command on this database, and restart the servers. Then destroy the old master key (%s).\n", cur.source)
	return nil
}

// rewrap opens the database, sealed with cur (which seals what an older
// release left in plain text), and re-encrypts it under next.
func rewrap(ctx context.Context, cfg Config, cur, next masterKey, log *slog.Logger) (int, error) {
	if cur.key.Equal(next.key) {
		return 0, fmt.Errorf("%w: the master key in %s is the one in use (%s)", errUsage, next.source, cur.source)
	}
	st, err := openSealed(ctx, cfg, log)
	if err != nil {
		return 0, err
	}
	st.Close()
	db, err := sqlstore.Open(ctx, cfg.DB)
	if err != nil {
		return 0, fmt.Errorf("open database %s: %w", dbLabel(cfg.DB), err)
	}
	defer db.Close()
	n, err := sealed.Rewrap(ctx, db, cur.key, next.key)
	if errors.Is(err, sealed.ErrWrongKey) {
		return 0, wrongKeyError(cfg, cur)
	}
	return n, err
}
