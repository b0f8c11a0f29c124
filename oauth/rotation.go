package oauth

import (
	"context"
	"fmt"
	"time"

	"github.com/appintegration/appintegration/store"
)

// The rules of client secret rotation (docs/contract.md, "Secrets"): a new
// secret is issued while the previous one keeps working until it is revoked
// or its expiry, so that integrators switch over without downtime.

// Limits of a rotation.
const (
	// MinOldSecretLifetime, MaxOldSecretLifetime and DefaultOldSecretLifetime
	// bound how long the previous secret keeps working after a rotation.
	MinOldSecretLifetime     = time.Hour
	MaxOldSecretLifetime     = 30 * 24 * time.Hour
	DefaultOldSecretLifetime = 7 * 24 * time.Hour
	// MaxActiveSecrets is how many secrets of one client work at once.
	MaxActiveSecrets = 2
)

// Field names of rotation input and of errors about a client's secrets.
const (
	FieldOldSecretExpires = "old_secret_expires"
	FieldSecrets          = "secrets"
)

// OldSecretLifetimes are the bounds and the default of the previous secret's
// lifetime after a rotation.
func OldSecretLifetimes() Lifetimes {
	return Lifetimes{MinOldSecretLifetime, MaxOldSecretLifetime, DefaultOldSecretLifetime}
}

// ActiveSecrets returns the secrets of c that work at now, newest first.
func ActiveSecrets(c store.Client, now time.Time) []store.ClientSecret {
	var out []store.ClientSecret
	for _, s := range c.Secrets {
		if SecretActive(s, now) {
			out = append(out, s)
		}
	}
	return out
}

// currentSecret returns the secret of c that a rotation made last: the
// working one without an expiry (a rotation gives the old one an expiry),
// else the newest that works.
func currentSecret(c store.Client, now time.Time) (store.ClientSecret, bool) {
	active := ActiveSecrets(c, now)
	for _, s := range active {
		if s.ExpiresAt.IsZero() {
			return s, true
		}
	}
	if len(active) > 0 {
		return active[0], true
	}
	return store.ClientSecret{}, false
}

// LastUsed returns the latest recorded use of any of c's secrets; zero when
// none was recorded.
func LastUsed(c store.Client) time.Time {
	var last time.Time
	for _, s := range c.Secrets {
		if s.LastUsedAt.After(last) {
			last = s.LastUsedAt
		}
	}
	return last
}

// RotateSecret issues a new secret for the client id, returned here (and only
// here) once; the client's current secret keeps working for oldLifetime (0
// means DefaultOldSecretLifetime), until RevokeOldSecret, whichever comes
// first. Secrets whose expiry passed are dropped. It returns a
// *ValidationError when oldLifetime is out of bounds, when the client has
// MaxActiveSecrets working secrets already (revoke the old one first) or is
// an expired Technical User client (extending it issues a new secret),
// store.ErrNotFound (wrapped) for a missing client, or an internal error; on
// any error nothing is saved.
func (s *Service) RotateSecret(ctx context.Context, actor, id string, oldLifetime time.Duration) (store.Client, string, error) {
	if oldLifetime == 0 {
		oldLifetime = DefaultOldSecretLifetime
	}
	fields := map[string]string{}
	checkLifetime(fields, FieldOldSecretExpires, oldLifetime, OldSecretLifetimes())
	if len(fields) > 0 {
		return store.Client{}, "", &ValidationError{Fields: fields}
	}
	now := s.now().UTC()
	oldExpires := now.Add(oldLifetime)
	var secret string
	defer s.clients.invalidate(id)
	c, err := s.store.UpdateClient(ctx, id, func(c store.Client) (store.Client, error) {
		if IsExpired(c, now) {
			return c, &ValidationError{Fields: map[string]string{FieldSecrets: fmt.Sprintf(
				"This client expired on %s. Extend its expiry instead: that issues a new secret.", ExpiryDate(c.ExpiresAt))}}
		}
		active := ActiveSecrets(c, now)
		if len(active) >= MaxActiveSecrets {
			return c, &ValidationError{Fields: map[string]string{FieldSecrets: fmt.Sprintf(
				"This client has %d working secrets already. Revoke the old secret before rotating again.", len(active))}}
		}
		sec, rec, err := newClientSecret(now)
		if err != nil {
			return c, err
		}
		secret = sec
		out := []store.ClientSecret{rec}
		for _, old := range active {
			if old.ExpiresAt.IsZero() || old.ExpiresAt.After(oldExpires) {
				old.ExpiresAt = oldExpires
			}
			out = append(out, old)
		}
		c.Secrets = out
		c.UpdatedAt = now
		return c, nil
	})
	if err != nil {
		if AsValidationError(err) != nil {
			return store.Client{}, "", err
		}
		return store.Client{}, "", fmt.Errorf("oauth: rotate secret: %w", err)
	}
	s.audit(ctx, actor, "client.secret_rotated", c.ID, "old_secret_expires="+oldExpires.Format(time.RFC3339))
	return c, secret, nil
}

// RevokeOldSecret makes only the client's current secret work (the one its
// last rotation issued): the previous one stops at once. It returns a *ValidationError when there
// is no old secret that works, store.ErrNotFound (wrapped) for a missing
// client, or an internal error; on any error nothing is saved.
func (s *Service) RevokeOldSecret(ctx context.Context, actor, id string) (store.Client, error) {
	now := s.now().UTC()
	defer s.clients.invalidate(id)
	c, err := s.store.UpdateClient(ctx, id, func(c store.Client) (store.Client, error) {
		cur, ok := currentSecret(c, now)
		if !ok || len(ActiveSecrets(c, now)) < 2 {
			return c, &ValidationError{Fields: map[string]string{FieldSecrets: "This client has no old secret that still works: there is nothing to revoke."}}
		}
		c.Secrets = []store.ClientSecret{cur}
		c.UpdatedAt = now
		return c, nil
	})
	if err != nil {
		if AsValidationError(err) != nil {
			return store.Client{}, err
		}
		return store.Client{}, fmt.Errorf("oauth: revoke old secret: %w", err)
	}
	s.audit(ctx, actor, "client.secret_revoked", c.ID, "old secrets revoked; the newest stays")
	return c, nil
}
