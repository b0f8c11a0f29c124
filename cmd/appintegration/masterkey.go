package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/appintegration/appintegration/store/sealed"
	"github.com/appintegration/appintegration/store/sqlstore"
)

// The master key encrypts the private and symmetric keys in the database
// (store/sealed). Every command that opens the store takes it the same way:
// --master-key-file, else APPINT_MASTER_KEY_FILE, else the key itself in
// APPINT_MASTER_KEY, else the file master.key in the data directory, which the
// first command to find none generates (mode 0600), so that `make run` needs
// nothing.

// defaultMasterKeyFile is the master key file of a data directory.
const defaultMasterKeyFile = "master.key"

// masterKey is the master key a command opens the store with.
type masterKey struct {
	key    sealed.Key
	source string // where it came from, for messages: never the key
	// generated is the file made for it on this start; removed when the
	// database refuses the key, so that a refused start leaves nothing.
	generated string
}

// masterKeySource says where cfg takes the master key from, without reading
// it.
func masterKeySource(cfg Config) string {
	switch {
	case cfg.MasterKeyFile != "":
		return cfg.MasterKeyFile
	case cfg.masterKeyEnv != "":
		return "APPINT_MASTER_KEY"
	}
	return filepath.Join(cfg.Data, defaultMasterKeyFile)
}

// loadMasterKey reads the master key cfg names. Without one configured it
// reads <data>/master.key and, when generate is set and there is none,
// generates it and logs so (once: later starts find it). Its errors name
// where the key came from, never the key.
func loadMasterKey(cfg Config, generate bool, log *slog.Logger) (masterKey, error) {
	switch {
	case cfg.MasterKeyFile != "":
		k, err := readKeyFile(cfg.MasterKeyFile, log)
		return masterKey{key: k, source: cfg.MasterKeyFile}, err
	case cfg.masterKeyEnv != "":
		k, err := sealed.ParseKey([]byte(cfg.masterKeyEnv))
		if err != nil {
			return masterKey{}, fmt.Errorf("APPINT_MASTER_KEY: %w", err)
		}
		return masterKey{key: k, source: "APPINT_MASTER_KEY"}, nil
	}
	path := filepath.Join(cfg.Data, defaultMasterKeyFile)
	k, err := readKeyFile(path, log)
	if err == nil || !errors.Is(err, fs.ErrNotExist) || !generate {
		return masterKey{key: k, source: path}, err
	}
	k, made, err := generateKeyFile(path)
	if err != nil {
		return masterKey{}, err
	}
	mk := masterKey{key: k, source: path}
	if made {
		mk.generated = path
		log.Warn("generated a new master key, which encrypts the keys in the database: keep this file, "+
			"and keep it apart from backups of the database; every instance on one database needs the same one",
			"path", path)
	}
	return mk, nil
}

// readKeyFile reads a master key file; a file that others may read is
// logged.
func readKeyFile(path string, log *slog.Logger) (sealed.Key, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return sealed.Key{}, fmt.Errorf("master key: %w", err)
	}
	k, err := sealed.ParseKey(b)
	if err != nil {
		return sealed.Key{}, fmt.Errorf("master key file %s: %w", path, err)
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
		log.Warn("the master key file may be read by others than its owner; chmod 600 it", "path", path,
			"mode", strconv.FormatUint(uint64(fi.Mode().Perm()), 8))
	}
	return k, nil
}

// generateKeyFile writes a new master key to path (mode 0600, the directory
// 0700), unless another process made one first, which it then reads. It
// reports whether it made the file.
func generateKeyFile(path string) (sealed.Key, bool, error) {
	k, err := sealed.GenerateKey()
	if err != nil {
		return sealed.Key{}, false, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return sealed.Key{}, false, fmt.Errorf("master key: %w", err)
	}
	// Written in full to a file of its own, then linked: the key file
	// appears whole, and of two processes only one makes it.
	tmp := fmt.Sprintf("%s.tmp-%d-%d", path, os.Getpid(), time.Now().UnixNano())
	if err := writeFileSync(tmp, []byte(k.Encode()+"\n")); err != nil {
		return sealed.Key{}, false, fmt.Errorf("master key: %w", err)
	}
	defer os.Remove(tmp)
	if err := os.Link(tmp, path); errors.Is(err, fs.ErrExist) {
		other, err := readKeyFile(path, slog.New(slog.DiscardHandler))
		return other, false, err
	} else if err != nil {
		return sealed.Key{}, false, fmt.Errorf("master key: %w", err)
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync()
		d.Close()
	}
	return k, true, nil
}

// writeFileSync creates path (mode 0600; it must not exist) with b, synced
// to disk.
func writeFileSync(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	return f.Close()
}

// openSealed opens the database cfg names, sealed with the master key cfg
// names (generated on the first start without one). A wrong master key is
// refused with an error that says what to do, and changes nothing: neither
// the database nor, when it made one, the key file. Values an older release
// kept in plain text are sealed, and the SQLite file compacted so that no
// copy of them stays behind. The caller closes the store.
func openSealed(ctx context.Context, cfg Config, log *slog.Logger) (*sealed.Store, error) {
	mk, err := loadMasterKey(cfg, true, log)
	if err != nil {
		return nil, err
	}
	db, err := sqlstore.Open(ctx, cfg.DB)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", dbLabel(cfg.DB), err)
	}
	st, rep, err := sealed.Open(ctx, db, mk.key)
	if err != nil {
		db.Close()
		if errors.Is(err, sealed.ErrWrongKey) {
			// Refused inside a transaction that rolled back: nobody sealed
			// anything with the key made for this start.
			mk.forget()
			return nil, wrongKeyError(cfg, mk)
		}
		// Kept otherwise: another process may have taken it meanwhile.
		return nil, fmt.Errorf("open database %s: %w", dbLabel(cfg.DB), err)
	}
	if rep.Sealed > 0 {
		log.Warn("encrypted keys that an older release kept in plain text; backups made before hold them in plain text: "+
			"rotate the signing key (appintegration keys rotate) and keep those backups safe", "keys", rep.Sealed)
		if err := db.Compact(ctx); err != nil {
			log.Warn("compacting the database after encrypting its keys failed; plain-text copies may stay in its free pages until it is compacted", "err", err)
		}
	}
	return st, nil
}

// forget removes the key file made for mk on this start, if any. Call it only
// when no database can have been sealed with the key.
func (mk masterKey) forget() {
	if mk.generated != "" {
		os.Remove(mk.generated)
	}
}

// wrongKeyError explains a master key that the database refused.
func wrongKeyError(cfg Config, mk masterKey) error {
	hint := "Start with the master key it was sealed with: --master-key-file, APPINT_MASTER_KEY_FILE or APPINT_MASTER_KEY; every instance and command on one database needs the same one."
	if mk.generated != "" {
		hint = "There was no " + mk.source + ", so a new master key was made for this start, and removed again. " + hint
	}
	return fmt.Errorf("the master key from %s does not open the keys in database %s: they were encrypted under another master key. %s Nothing was changed",
		mk.source, dbLabel(cfg.DB), hint)
}
