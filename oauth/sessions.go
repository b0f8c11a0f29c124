package oauth

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/appintegration/appintegration/store"
)

// SessionLifetime is the longest a console session lasts (docs/contract.md,
// "Sign-in").
const SessionLifetime = 8 * time.Hour

// How a user signed in, as their session records it.
const (
	SignInPassword = "password"
	SignInSAML     = "saml"
)

// ErrNoSession is returned for a session ID that names no live session: none
// was started with it, it was ended, it is past SessionLifetime, or its user
// is gone or deactivated.
var ErrNoSession = errors.New("oauth: no such session")

// maxSessionID bounds what is hashed and looked up.
const maxSessionID = 128

// sessionKey is what the store keeps of a session ID: its SHA-256, so that
// whoever reads the store cannot sign in with what they read.
func sessionKey(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:])
}

// NewSessionID returns a random ID for a browser's session cookie (256
// bits, base64url). A browser holds one before it signs in too; it names a
// session only once StartSession started one with it.
func NewSessionID() string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// StartSession signs u in: it starts a console session, which lasts
// SessionLifetime unless it is ended before, and returns the new session ID
// for the browser's cookie (a new one at every sign-in, so that an ID known
// before cannot be used after). It returns an error when the store fails.
//
// Sessions keep real elapsed time (the wall clock), like the cookie's
// Max-Age the browser counts, not the Service's clock, which judges tokens,
// clients and rate limits.
func (s *Service) StartSession(ctx context.Context, u store.User, method string) (string, error) {
	id := NewSessionID()
	now := s.wall().UTC()
	err := s.store.CreateSession(ctx, store.Session{
		ID: sessionKey(id), UserID: u.ID, Method: method, CreatedAt: now, ExpiresAt: now.Add(SessionLifetime),
	})
	if err != nil {
		return "", fmt.Errorf("oauth: start session: %w", err)
	}
	return id, nil
}

// SessionUser returns the session the session ID names and its user. It
// returns ErrNoSession when there is none (an expired one is deleted on the
// way), or a store error.
func (s *Service) SessionUser(ctx context.Context, id string) (store.Session, store.User, error) {
	if id == "" || len(id) > maxSessionID {
		return store.Session{}, store.User{}, ErrNoSession
	}
	sess, err := s.store.GetSession(ctx, sessionKey(id))
	if errors.Is(err, store.ErrNotFound) {
		return store.Session{}, store.User{}, ErrNoSession
	}
	if err != nil {
		return store.Session{}, store.User{}, fmt.Errorf("oauth: session: %w", err)
	}
	if !s.wall().Before(sess.ExpiresAt) {
		if err := s.store.DeleteSession(ctx, sess.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
			return store.Session{}, store.User{}, fmt.Errorf("oauth: end expired session: %w", err)
		}
		return store.Session{}, store.User{}, ErrNoSession
	}
	u, err := s.store.GetUser(ctx, sess.UserID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !u.Active) {
		return store.Session{}, store.User{}, ErrNoSession
	}
	if err != nil {
		return store.Session{}, store.User{}, fmt.Errorf("oauth: session user: %w", err)
	}
	return sess, u, nil
}

// EndSession ends the session the session ID names (Sign out), on every
// instance at once. Ending one that does not exist is no error; a store
// failure is.
func (s *Service) EndSession(ctx context.Context, id string) error {
	if id == "" || len(id) > maxSessionID {
		return nil
	}
	if err := s.store.DeleteSession(ctx, sessionKey(id)); err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("oauth: end session: %w", err)
	}
	return nil
}

// EndUserSessions ends every session of the user (Sign out everywhere, or
// a change that must sign the user out) and records it in the audit log as
// actor's, with why. It returns how many it ended, or a store error.
func (s *Service) EndUserSessions(ctx context.Context, actor string, u store.User, why string) (int, error) {
	n, err := s.store.DeleteUserSessions(ctx, u.ID)
	if err != nil {
		return 0, fmt.Errorf("oauth: end sessions of %s: %w", u.UserName, err)
	}
	if n > 0 {
		s.audit(ctx, actor, "user.sessions_ended", u.UserName, fmt.Sprintf("%s; sessions=%d", why, n))
	}
	return n, nil
}

// endSessionsAfterChange ends the sessions of a user whose change must sign
// them out: deactivated, password changed, or DW Administrator removed
// (docs/contract.md, "Sign-in"). A failure is logged: the change itself is
// saved, and a deactivated user is signed out anyway by SessionUser.
func (s *Service) endSessionsAfterChange(ctx context.Context, actor string, before, after store.User) {
	var why []string
	if before.Active && !after.Active {
		why = append(why, "deactivated")
	}
	if !bytes.Equal(before.PasswordHash, after.PasswordHash) {
		why = append(why, "password changed")
	}
	if slices.Contains(before.Roles, store.RoleAdministrator) && !slices.Contains(after.Roles, store.RoleAdministrator) {
		why = append(why, "DW Administrator removed")
	}
	if len(why) == 0 {
		return
	}
	if _, err := s.EndUserSessions(ctx, actor, after, strings.Join(why, ", ")); err != nil {
		s.log.ErrorContext(ctx, "ending the sessions of a changed user failed", "user", after.UserName, "err", err)
	}
}

// SetSessionFlash keeps a one-time message for the next page of the
// session. It returns ErrNoSession when the session is gone, or a store
// error.
func (s *Service) SetSessionFlash(ctx context.Context, id, msg string) error {
	_, err := s.store.UpdateSession(ctx, sessionKey(id), func(sess store.Session) (store.Session, error) {
		sess.Flash = msg
		return sess, nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return ErrNoSession
	}
	if err != nil {
		return fmt.Errorf("oauth: set flash: %w", err)
	}
	return nil
}

// TakeSessionFlash returns the session's one-time message and clears it:
// "" when there is none. It returns a store error, if any.
func (s *Service) TakeSessionFlash(ctx context.Context, id string) (string, error) {
	var msg string
	_, err := s.store.UpdateSession(ctx, sessionKey(id), func(sess store.Session) (store.Session, error) {
		msg, sess.Flash = sess.Flash, ""
		return sess, nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("oauth: take flash: %w", err)
	}
	return msg, nil
}
