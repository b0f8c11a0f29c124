package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/appintegration/appintegration/store"
)

const sessionColumns = `id, user_id, method, flash, created_at, expires_at`

// CreateSession inserts s. It returns an error wrapping store.ErrConflict
// when s.ID is taken.
func (db *DB) CreateSession(ctx context.Context, s store.Session) error {
	return db.write(ctx, "create session", func(tx querier) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO sessions (`+sessionColumns+`) VALUES ($1, $2, $3, $4, $5, $6)`,
			s.ID, s.UserID, s.Method, s.Flash, ts(s.CreatedAt), ts(s.ExpiresAt))
		return err
	})
}

// GetSession returns the session with the given ID (the hash the store
// keeps), or an error wrapping store.ErrNotFound.
func (db *DB) GetSession(ctx context.Context, id string) (store.Session, error) {
	s, err := getSession(ctx, db.q, id, "")
	if err != nil {
		return store.Session{}, db.wrap("get session", err)
	}
	return s, nil
}

// UpdateSession reads (and locks) the session, applies fn and saves its
// result, in one transaction, and returns it as saved; ID, UserID and
// CreatedAt are kept. fn's error is returned as is; a missing session is an
// error wrapping store.ErrNotFound.
func (db *DB) UpdateSession(ctx context.Context, id string, fn func(store.Session) (store.Session, error)) (store.Session, error) {
	return update(ctx, db.write, db, "update session",
		func(q querier, lock string) (store.Session, error) { return getSession(ctx, q, id, lock) },
		fn,
		func(old store.Session, s *store.Session) {
			s.ID, s.UserID, s.CreatedAt = old.ID, old.UserID, old.CreatedAt
		},
		func(tx querier, s store.Session) error {
			return mustAffect(tx.ExecContext(ctx, `UPDATE sessions SET method = $1, flash = $2, expires_at = $3
				WHERE id = $4`, s.Method, s.Flash, ts(s.ExpiresAt), s.ID))
		})
}

// DeleteSession deletes the session with the given ID. It returns an error
// wrapping store.ErrNotFound when there is none.
func (db *DB) DeleteSession(ctx context.Context, id string) error {
	return db.write(ctx, "delete session", func(tx querier) error {
		return mustAffect(tx.ExecContext(ctx, `DELETE FROM sessions WHERE id = $1`, id))
	})
}

// DeleteUserSessions deletes every session of the user and returns how many
// it deleted, or the driver's error.
func (db *DB) DeleteUserSessions(ctx context.Context, userID string) (int, error) {
	var n int64
	err := db.write(ctx, "delete user sessions", func(tx querier) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}

func getSession(ctx context.Context, q querier, id, lock string) (store.Session, error) {
	var s store.Session
	err := q.QueryRowContext(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE id = $1`+lock, id).
		Scan(&s.ID, &s.UserID, &s.Method, &s.Flash, timeCol{&s.CreatedAt}, timeCol{&s.ExpiresAt})
	return s, err
}

const samlRequestColumns = `id, browser, idp_id, purpose, user_attribute, saml_attribute, next,
	started_by, created_at, expires_at, used_at`

// CreateSAMLRequest inserts r. It returns an error wrapping store.ErrConflict
// when r.ID is taken.
func (db *DB) CreateSAMLRequest(ctx context.Context, r store.SAMLRequest) error {
	return db.write(ctx, "create SAML request", func(tx querier) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO saml_requests (`+samlRequestColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			r.ID, r.Browser, r.IdPID, r.Purpose, r.UserAttribute, r.SAMLAttribute, r.Next,
			r.StartedBy, ts(r.CreatedAt), ts(r.ExpiresAt), ts(r.UsedAt))
		return err
	})
}

// GetSAMLRequest returns the request with the given ID, or an error wrapping
// store.ErrNotFound.
func (db *DB) GetSAMLRequest(ctx context.Context, id string) (store.SAMLRequest, error) {
	r, err := getSAMLRequest(ctx, db.q, id)
	if err != nil {
		return store.SAMLRequest{}, db.wrap("get SAML request", err)
	}
	return r, nil
}

// UseSAMLRequest sets used_at of the request to now unless it is set
// already, in one transaction, and returns the request. A request used
// before is returned with an error wrapping store.ErrConflict; an unknown one
// gives the zero SAMLRequest and an error wrapping store.ErrNotFound. The
// conditional UPDATE is what makes a request single use across processes.
func (db *DB) UseSAMLRequest(ctx context.Context, id string, now time.Time) (store.SAMLRequest, error) {
	if now.IsZero() {
		return store.SAMLRequest{}, db.wrap("use SAML request", errZeroNow)
	}
	var r store.SAMLRequest
	err := db.write(ctx, "use SAML request", func(tx querier) error {
		res, err := tx.ExecContext(ctx, `UPDATE saml_requests SET used_at = $1 WHERE id = $2 AND used_at = $3`,
			ts(now), id, ts(time.Time{}))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if r, err = getSAMLRequest(ctx, tx, id); err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("%w: used before", store.ErrConflict)
		}
		return nil
	})
	if err != nil {
		if r.ID == "" {
			return store.SAMLRequest{}, err
		}
		return r, err
	}
	return r, nil
}

func getSAMLRequest(ctx context.Context, q querier, id string) (store.SAMLRequest, error) {
	var r store.SAMLRequest
	err := q.QueryRowContext(ctx, `SELECT `+samlRequestColumns+` FROM saml_requests WHERE id = $1`, id).
		Scan(&r.ID, &r.Browser, &r.IdPID, &r.Purpose, &r.UserAttribute, &r.SAMLAttribute, &r.Next,
			&r.StartedBy, timeCol{&r.CreatedAt}, timeCol{&r.ExpiresAt}, timeCol{&r.UsedAt})
	return r, err
}

const ssoConfigColumns = `enabled, idp_id, user_attribute, saml_attribute, allow_idp_initiated,
	updated_at, updated_by, verified_idp_id, verified_user_attribute, verified_saml_attribute,
	verified_user_id, verified_failure, verified_by, verified_at`

// GetSSOConfig returns the single sign-on configuration (the migration
// writes its one row), or the driver's error.
func (db *DB) GetSSOConfig(ctx context.Context) (store.SSOConfig, error) {
	c, err := getSSOConfig(ctx, db.q, "")
	if err != nil {
		return store.SSOConfig{}, db.wrap("get SSO config", err)
	}
	return c, nil
}

// UpdateSSOConfig reads (and locks) the configuration, applies fn and saves
// its result, in one transaction, and returns it as saved. fn's error is
// returned as is.
func (db *DB) UpdateSSOConfig(ctx context.Context, fn func(store.SSOConfig) (store.SSOConfig, error)) (store.SSOConfig, error) {
	return update(ctx, db.write, db, "update SSO config",
		func(q querier, lock string) (store.SSOConfig, error) { return getSSOConfig(ctx, q, lock) },
		fn,
		func(store.SSOConfig, *store.SSOConfig) {},
		func(tx querier, c store.SSOConfig) error {
			v := c.Verification
			return mustAffect(tx.ExecContext(ctx, `UPDATE sso_config SET enabled = $1, idp_id = $2,
				user_attribute = $3, saml_attribute = $4, allow_idp_initiated = $5, updated_at = $6,
				updated_by = $7, verified_idp_id = $8, verified_user_attribute = $9,
				verified_saml_attribute = $10, verified_user_id = $11, verified_failure = $12,
				verified_by = $13, verified_at = $14 WHERE id = 1`,
				c.Enabled, c.IdPID, c.UserAttribute, c.SAMLAttribute, c.AllowIdPInitiated, ts(c.UpdatedAt),
				c.UpdatedBy, v.IdPID, v.UserAttribute, v.SAMLAttribute, v.UserID, v.Failure, v.By, ts(v.At)))
		})
}

func getSSOConfig(ctx context.Context, q querier, lock string) (store.SSOConfig, error) {
	var c store.SSOConfig
	v := &c.Verification
	err := q.QueryRowContext(ctx, `SELECT `+ssoConfigColumns+` FROM sso_config WHERE id = 1`+lock).
		Scan(&c.Enabled, &c.IdPID, &c.UserAttribute, &c.SAMLAttribute, &c.AllowIdPInitiated,
			timeCol{&c.UpdatedAt}, &c.UpdatedBy, &v.IdPID, &v.UserAttribute, &v.SAMLAttribute,
			&v.UserID, &v.Failure, &v.By, timeCol{&v.At})
	return c, err
}
