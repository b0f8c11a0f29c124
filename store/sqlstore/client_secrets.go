package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/appintegration/appintegration/store"
)

// A client's secrets live in client_secrets (migration 0006), one row each,
// deleted with their client (ON DELETE CASCADE). They are read and written
// with the client: every read of clients fills in Secrets, and a client's
// insert or update saves them.

const secretColumns = `id, client_id, hash, created_at, expires_at, last_used_at`

// secretOrder lists a client's secrets newest first.
const secretOrder = ` ORDER BY client_id, created_at DESC, id`

// withSecrets fills in the Secrets of clients, read through q: all reads every
// secret (for a list of every client), else only those of clients.
func withSecrets(ctx context.Context, q querier, clients []store.Client, all bool) error {
	if len(clients) == 0 {
		return nil
	}
	query := `SELECT ` + secretColumns + ` FROM client_secrets`
	var args []any
	if !all {
		marks := make([]string, len(clients))
		for i, c := range clients {
			marks[i] = fmt.Sprintf("$%d", i+1)
			args = append(args, c.ID)
		}
		query += ` WHERE client_id IN (` + strings.Join(marks, ", ") + `)`
	}
	type row struct {
		clientID string
		s        store.ClientSecret
	}
	rows, err := queryList(ctx, q, func(sc scanner) (row, error) {
		var r row
		err := sc.Scan(&r.s.ID, &r.clientID, &r.s.Hash, timeCol{&r.s.CreatedAt},
			timeCol{&r.s.ExpiresAt}, timeCol{&r.s.LastUsedAt})
		r.s.Hash = nilIfEmpty(r.s.Hash)
		return r, err
	}, query+secretOrder, args...)
	if err != nil {
		return fmt.Errorf("client secrets: %w", err)
	}
	byClient := make(map[string][]store.ClientSecret, len(clients))
	for _, r := range rows {
		byClient[r.clientID] = append(byClient[r.clientID], r.s)
	}
	for i := range clients {
		clients[i].Secrets = byClient[clients[i].ID]
	}
	return nil
}

// withSecretsOf returns c with its Secrets filled in.
func withSecretsOf(ctx context.Context, q querier, c store.Client) (store.Client, error) {
	list := []store.Client{c}
	if err := withSecrets(ctx, q, list, false); err != nil {
		return store.Client{}, err
	}
	return list[0], nil
}

// insertSecrets adds the secrets of the new client c.
func insertSecrets(ctx context.Context, q querier, c store.Client) error {
	for _, s := range c.Secrets {
		if err := insertSecret(ctx, q, c.ID, s); err != nil {
			return err
		}
	}
	return nil
}

func insertSecret(ctx context.Context, q querier, clientID string, s store.ClientSecret) error {
	if s.ID == "" {
		return errors.New("client secret without an ID")
	}
	_, err := q.ExecContext(ctx, `INSERT INTO client_secrets (`+secretColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6)`,
		s.ID, clientID, s.Hash, ts(s.CreatedAt), ts(s.ExpiresAt), ts(s.LastUsedAt))
	return err
}

// saveSecrets makes the stored secrets of client c those of c.Secrets: it
// deletes the stored ones left out, changes the expiry of those kept (their
// hash, creation and last use stay as stored) and inserts the new ones.
func saveSecrets(ctx context.Context, q querier, c store.Client) error {
	stored, err := queryList(ctx, q, func(sc scanner) (string, error) {
		var id string
		return id, sc.Scan(&id)
	}, `SELECT id FROM client_secrets WHERE client_id = $1`, c.ID)
	if err != nil {
		return err
	}
	kept := map[string]bool{}
	for _, s := range c.Secrets {
		kept[s.ID] = true
	}
	for _, id := range stored {
		if !kept[id] {
			if _, err := q.ExecContext(ctx, `DELETE FROM client_secrets WHERE id = $1`, id); err != nil {
				return err
			}
		}
	}
	isStored := map[string]bool{}
	for _, id := range stored {
		isStored[id] = true
	}
	for _, s := range c.Secrets {
		if isStored[s.ID] {
			if _, err := q.ExecContext(ctx, `UPDATE client_secrets SET expires_at = $1 WHERE id = $2`,
				ts(s.ExpiresAt), s.ID); err != nil {
				return err
			}
			continue
		}
		if err := insertSecret(ctx, q, c.ID, s); err != nil {
			return err
		}
	}
	return nil
}

// RecordSecretUse sets the last use of each secret in uses to its time unless
// the stored one is later, in one transaction; secrets that are gone are
// skipped. It returns the driver's error, if any.
func (db *DB) RecordSecretUse(ctx context.Context, uses []store.SecretUse) error {
	if len(uses) == 0 {
		return nil
	}
	return db.write(ctx, "record secret use", func(tx querier) error {
		for _, u := range uses {
			if _, err := tx.ExecContext(ctx, `UPDATE client_secrets SET last_used_at = $1
				WHERE id = $2 AND last_used_at < $1`, ts(u.At), u.ID); err != nil {
				return err
			}
		}
		return nil
	})
}

// pruneSecrets deletes the client secrets whose expiry passed before now;
// those without one (the zero time) stay.
func pruneSecrets(ctx context.Context, tx querier, now time.Time) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM client_secrets WHERE expires_at < $1 AND expires_at <> $2`,
		ts(now), ts(time.Time{}))
	return err
}
