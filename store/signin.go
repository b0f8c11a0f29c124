package store

import (
	"context"
	"time"
)

// Session is a signed-in console session (docs/contract.md, "Sign-in"). The
// browser holds a random session ID in its session cookie; the store keeps
// only the ID's hash, so that a copy of the store signs nobody in.
type Session struct {
	ID        string // hex SHA-256 of the session ID in the cookie
	UserID    string
	Method    string // how the user signed in: "password" or "saml"
	Flash     string // a one-time message for the next page; "" when none
	CreatedAt time.Time
	ExpiresAt time.Time
}

// SessionStore keeps console sessions. Deleting a session signs its browser
// out at once, on every instance.
type SessionStore interface {
	// CreateSession gives ErrConflict when the ID is taken.
	CreateSession(ctx context.Context, s Session) error
	GetSession(ctx context.Context, id string) (Session, error)
	// UpdateSession applies fn inside one transaction and saves its result,
	// keeping ID, UserID and CreatedAt.
	UpdateSession(ctx context.Context, id string, fn func(Session) (Session, error)) (Session, error)
	// DeleteSession gives ErrNotFound when there is no such session.
	DeleteSession(ctx context.Context, id string) error
	// DeleteUserSessions deletes every session of the user and reports how
	// many there were.
	DeleteUserSessions(ctx context.Context, userID string) (int, error)
}

// The purposes of a SAML request.
const (
	SAMLPurposeSignIn = "sign_in" // a user signs in
	SAMLPurposeVerify = "verify"  // an administrator verifies a single sign-on configuration
)

// SAMLRequest is an AuthnRequest this service sent to an identity provider,
// kept until the Response to it comes back (or it expires), so that the
// Response can be matched to it and to the browser that started it.
type SAMLRequest struct {
	ID      string // the AuthnRequest's ID, the InResponseTo of its Response
	Browser string // hex SHA-256 of the browser binding cookie that started it
	IdPID   string
	Purpose string // SAMLPurposeSignIn or SAMLPurposeVerify
	// UserAttribute and SAMLAttribute are the mapping a verification tries
	// (empty for a sign-in, which uses the configured one).
	UserAttribute string
	SAMLAttribute string
	Next          string // the local path to return to after signing in
	StartedBy     string // a verification: the ID of the administrator who started it
	CreatedAt     time.Time
	ExpiresAt     time.Time
	UsedAt        time.Time // zero until a Response to it was accepted
}

// SAMLRequestStore keeps the SAML requests this service sent.
type SAMLRequestStore interface {
	// CreateSAMLRequest gives ErrConflict when the ID is taken.
	CreateSAMLRequest(ctx context.Context, r SAMLRequest) error
	GetSAMLRequest(ctx context.Context, id string) (SAMLRequest, error)
	// UseSAMLRequest marks the request used at now and returns it; one used
	// before is returned with ErrConflict, an unknown one gives ErrNotFound.
	// Of concurrent callers, in any number of processes, exactly one
	// succeeds. A zero now is an error that changes nothing.
	UseSAMLRequest(ctx context.Context, id string, now time.Time) (SAMLRequest, error)
}

// The user attributes an assertion may name a user by.
const (
	UserAttributeUserName  = "user_name"   // matched against userName, case-insensitively
	UserAttributeEmail     = "email"       // matched against each e-mail address, case-insensitively
	UserAttributeIdpUserID = "idp_user_id" // matched against idpUserId exactly (Custom SAML User Mapping)
)

// SSOConfig is how people sign in: with a password (Enabled false, the
// default) or through a trusted identity provider, and the last verification
// of a configuration (the Security tab's step 4).
type SSOConfig struct {
	Enabled       bool
	IdPID         string
	UserAttribute string // UserAttributeUserName, UserAttributeEmail or UserAttributeIdpUserID
	SAMLAttribute string // the SAML attribute holding the value; "" for the NameID
	// AllowIdPInitiated accepts Responses that answer no request of this
	// service (IdP-initiated sign-in).
	AllowIdPInitiated bool
	UpdatedAt         time.Time
	UpdatedBy         string
	Verification      SSOVerification
}

// SSOVerification is the outcome of one sign-in through an identity
// provider that tried a configuration without switching to it.
type SSOVerification struct {
	IdPID         string
	UserAttribute string
	SAMLAttribute string
	UserID        string // the user the sign-in resolved to; "" when it failed
	Failure       string // why it failed; "" when it resolved to a user
	By            string // the ID of the administrator who started it
	At            time.Time
}

// SSOConfigStore keeps the one SSOConfig.
type SSOConfigStore interface {
	// GetSSOConfig returns the configuration; before any update, the zero
	// SSOConfig (password sign-in).
	GetSSOConfig(ctx context.Context) (SSOConfig, error)
	// UpdateSSOConfig applies fn inside one transaction and saves its result.
	UpdateSSOConfig(ctx context.Context, fn func(SSOConfig) (SSOConfig, error)) (SSOConfig, error)
}
