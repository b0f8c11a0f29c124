// Package store holds the records App Integration keeps, the Store interface every
// backend implements, and the errors backends return.
//
// The backend lives in a sub-package (store/sqlstore, on SQLite and PostgreSQL)
// and imports only this package; the conformance suite in store/storetest runs
// against it on every engine and enforces, besides what each method says:
//
//   - Times keep their instant to the microsecond (finer digits may be
//     truncated or rounded) and come back in UTC; the zero time comes back as
//     the zero time.
//   - An empty list (Access, RedirectURIs, Emails, Roles, Scopes,
//     Certificates) or byte slice may come back nil.
//   - Update methods run fn on the stored record inside one transaction and
//     save its result: an error from fn is returned as is and nothing is
//     written; the stored ID and CreatedAt are kept whatever fn returns; of
//     concurrent updates none is lost.
package store

import (
	"context"
	"errors"
	"strings"
	"time"
)

// Sentinel errors. Backends wrap them with %w; callers compare with errors.Is.
var (
	// ErrNotFound is returned when the record asked for does not exist.
	ErrNotFound = errors.New("store: not found")
	// ErrConflict is returned when a write would break a uniqueness rule.
	ErrConflict = errors.New("store: conflict")
	// ErrUnchanged is what an update function returns to say that it
	// changes nothing: the update method then writes nothing and returns
	// the stored record (a user keeps its Version) and a nil error.
	ErrUnchanged = errors.New("store: unchanged")
)

// Purpose is what an OAuth client is for.
type Purpose string

// The purposes of docs/contract.md, "Purposes".
const (
	PurposeAPIAccess     Purpose = "api_access"
	PurposeInteractive   Purpose = "interactive_usage"
	PurposeTechnicalUser Purpose = "technical_user"
)

// Grant is the authorization grant a client was created with.
type Grant string

// The grants a client can be created with.
const (
	GrantClientCredentials Grant = "client_credentials"
	GrantSAML2Bearer       Grant = "saml2_bearer"
	GrantAuthorizationCode Grant = "authorization_code"
)

// Access values of an API Access client, which are also the scopes they grant.
const (
	AccessUserProvisioning = "user_provisioning"
	AccessContentNetwork   = "content_network"
)

// Client is an OAuth client. Its secrets are never kept: only their SHA-256
// hashes, in Secrets.
type Client struct {
	ID      string
	Name    string
	Purpose Purpose
	Grant   Grant
	Access  []string // AccessUserProvisioning, AccessContentNetwork
	// Secrets are the client's secrets, newest (by CreatedAt) first: one, or
	// two while a rotation overlaps.
	Secrets       []ClientSecret
	TokenLifetime time.Duration
	// RefreshTokenLifetime and RedirectURIs are for Interactive Usage clients.
	RefreshTokenLifetime time.Duration
	RedirectURIs         []string
	// RequirePKCE (Interactive Usage): an authorization request without a
	// PKCE code_challenge is refused.
	RequirePKCE bool
	// UserID is the ID of a Technical User client's own user (User.ClientID
	// points back); ExpiresAt is when a Technical User client stops working.
	UserID    string
	ExpiresAt time.Time
	// RequestID is the console form's one-time key: a resubmitted form is
	// recognised by it and does not create a second client.
	RequestID string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// ClientSecret is one secret of a client, kept by its SHA-256 hash.
type ClientSecret struct {
	ID        string
	Hash      []byte
	CreatedAt time.Time
	// ExpiresAt is when the secret stops working; zero until it is revoked
	// (the old secret of a rotation gets one).
	ExpiresAt time.Time
	// LastUsedAt is the last successful authentication with it that was
	// recorded (RecordSecretUse); zero when none was.
	LastUsedAt time.Time
}

// SecretUse says that the client secret with ID was used at At.
type SecretUse struct {
	ID string
	At time.Time
}

// Role is an entry of the fixed role catalog, seeded by a migration.
type Role struct {
	Value   string // PROFILE:sap.dwc:DW_Administrator
	Display string // DW Administrator
	Scopes  []string
}

// Value is one value of a multi-valued attribute of a user (RFC 7643 §2.4):
// an e-mail address, phone number, instant messaging address, photo URL,
// entitlement or X.509 certificate (base64 DER).
type Value struct {
	Value   string
	Display string
	Type    string
	Primary bool
}

// Email is one e-mail address of a user.
type Email = Value

// Address is one postal address of a user (RFC 7643 §4.1.2).
type Address struct {
	Formatted     string
	StreetAddress string
	Locality      string
	Region        string
	PostalCode    string
	Country       string
	Type          string
	Primary       bool
}

// Enterprise holds the attributes of the enterprise extension (RFC 7643
// §4.3).
type Enterprise struct {
	EmployeeNumber string
	CostCenter     string
	Organization   string
	Division       string
	Department     string
	ManagerID      string // the id of the user's manager
	// ManagerDisplayName is the manager's displayName, filled in when the
	// user is read; it is not written.
	ManagerDisplayName string
}

// User is a person or technical user who can sign in or be named by a token.
// Its attributes are those of the SCIM core User (RFC 7643 §4.1) and the
// enterprise extension; every string may be empty, meaning not set.
type User struct {
	ID              string
	UserName        string
	GivenName       string
	FamilyName      string
	MiddleName      string
	HonorificPrefix string
	HonorificSuffix string
	// FormattedName is name.formatted as the provisioning client sent it.
	FormattedName     string
	DisplayName       string
	NickName          string
	ProfileURL        string
	Title             string
	UserType          string
	PreferredLanguage string
	Locale            string
	Timezone          string
	Emails            []Email
	PhoneNumbers      []Value
	IMs               []Value
	Photos            []Value
	Entitlements      []Value
	X509Certificates  []Value
	Addresses         []Address
	Active            bool
	Roles             []string // role values, PROFILE:…
	PasswordHash      []byte   // bcrypt; empty for users who cannot sign in
	ExternalID        string   // SCIM externalId, set by the provisioning client
	IdpUserID         string   // matched against a SAML assertion's NameID
	Enterprise        Enterprise
	// ClientID is set for the technical user of a Technical User client; such
	// users are changed only through their client.
	ClientID  string
	Version   int64 // 1 on create, +1 on every update; the SCIM ETag
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Formatted returns the user's full name, name.formatted: FormattedName as
// given, else the given and family names joined by a space.
func (u User) Formatted() string {
	if u.FormattedName != "" {
		return u.FormattedName
	}
	return strings.Trim(u.GivenName+" "+u.FamilyName, " ")
}

// SigningKey is a key the token service signs with. It is published in the JWKS
// from PublishAt, signs from SignAt until RetireAt, and is deleted at ExpireAt.
type SigningKey struct {
	ID         string // kid
	Algorithm  string // RS256, ES256, EdDSA
	PrivateKey []byte // PKCS #8 DER; encrypted by store/sealed before a backend keeps it
	CreatedAt  time.Time
	SignAt     time.Time
	RetireAt   time.Time // zero while the key is current
	ExpireAt   time.Time // zero while the key is current
}

// AuthCode is an authorization code (RFC 6749 §4.1.2), kept by the hash of its
// value. It is single use: UseAuthCode marks it used.
type AuthCode struct {
	ID            string // hex SHA-256 of the code
	ClientID      string
	UserID        string
	RedirectURI   string
	Scope         string
	CodeChallenge string // PKCE S256 challenge (RFC 7636)
	FamilyID      string // the token family its redemption starts
	CreatedAt     time.Time
	ExpiresAt     time.Time
	UsedAt        time.Time // zero until redeemed
}

// RefreshToken is kept by the hash of its value. Every use rotates it: the old one
// is marked used and a new one of the same family is created.
type RefreshToken struct {
	ID        string // hex SHA-256 of the token
	FamilyID  string
	ClientID  string
	UserID    string
	Scope     string
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    time.Time // zero until rotated
}

// IdentityProvider is a trusted SAML identity provider.
type IdentityProvider struct {
	ID           string
	Name         string   // unique display name
	ProviderName string   // unique, ^[A-Za-z0-9_.-]{1,36}$, matched against the assertion's Issuer
	EntityID     string   // entity ID from metadata, also matched against the Issuer; may be empty
	Certificates [][]byte // DER X.509 signing certificates (several during rollover)
	// SSOURL is the location of the IdP's SingleSignOnService, where users
	// are sent to sign in, and SSOBinding its SAML binding (the HTTP-Redirect
	// or HTTP-POST URN); both empty when the IdP serves only the SAML bearer
	// grant.
	SSOURL     string
	SSOBinding string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Revocation marks one access token (by its jti), or a whole token family (by
// its family ID), as revoked until it expires.
type Revocation struct {
	TokenID   string
	ClientID  string
	ExpiresAt time.Time
}

// AuditEvent is one line of the audit log.
type AuditEvent struct {
	ID     int64
	Time   time.Time
	Actor  string // user name, client ID, or "cli"
	Action string // e.g. "client.created"
	Target string
	Detail string // never a secret
}

// AuditFilter narrows ListAudit. Zero values do not filter.
type AuditFilter struct {
	Action string
	Limit  int
}

// PageQuery selects one page of a list for the console: Search, when not empty,
// keeps the records that contain it (ASCII case-insensitively) in the fields
// each method names; Offset records are skipped and at most Limit returned
// (Limit is clamped to 1..MaxPageLimit).
type PageQuery struct {
	Search string
	Offset int
	Limit  int
}

// MaxPageLimit is the largest page a search returns.
const MaxPageLimit = 1000

// LikePattern returns the SQL LIKE pattern (escape character '\') that matches
// text containing search, lower-cased. Backends share it so they match alike.
func LikePattern(search string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(strings.ToLower(search)) + "%"
}

// Bounds returns q.Offset not below 0 and q.Limit clamped to 1..MaxPageLimit.
func (q PageQuery) Bounds() (offset, limit int) {
	return max(q.Offset, 0), min(max(q.Limit, 1), MaxPageLimit)
}

// Store is the persistence contract: every per-record interface below, plus
// pruning and Close. Every method takes a context first and is safe for
// concurrent use. Lookups, updates and deletes of missing records return
// errors wrapping ErrNotFound; writes that break a uniqueness rule return
// errors wrapping ErrConflict and write nothing. IDs are compared exactly.
// Where a comparison is case-insensitive, every backend folds ASCII letters;
// how it folds others may differ. Consumers that need only part of it take
// the small interface they use.
type Store interface {
	ClientStore
	RoleStore
	UserStore
	SigningKeyStore
	TokenStore
	IdentityProviderStore
	AssertionStore
	SecretStore
	AuditStore
	SessionStore
	SAMLRequestStore
	SSOConfigStore

	// InTransaction calls fn with a Store whose every method runs inside one
	// transaction, committed when fn returns nil and rolled back when it
	// returns an error, which InTransaction returns as is. A write of that
	// Store that fails changes nothing and leaves the transaction usable; the
	// Store must not be used after fn returns.
	InTransaction(ctx context.Context, fn func(Store) error) error

	// PruneExpired deletes what expired before now (what expires at now is
	// kept): revocations, authorization codes and refresh tokens (used or not),
	// used SAML assertion IDs, console sessions, SAML requests, and client
	// secrets with an expiry.
	PruneExpired(ctx context.Context, now time.Time) error

	Close() error
}

// ClientStore keeps OAuth clients. A client is written and read with its
// Secrets: an update saves the Secrets fn returns (the stored ones it leaves
// out are deleted, new IDs are added; of a stored secret only ExpiresAt
// changes, its Hash, CreatedAt and LastUsedAt stay as stored). A secret ID
// is unique among all clients (ErrConflict).
type ClientStore interface {
	// CreateClient gives ErrConflict when the ID, or a non-empty RequestID, is
	// taken.
	CreateClient(ctx context.Context, c Client) error
	GetClient(ctx context.Context, id string) (Client, error)
	// GetClientByRequestID finds the client created by a console form
	// submission; an empty requestID matches no client.
	GetClientByRequestID(ctx context.Context, requestID string) (Client, error)
	// ListClients returns every client, oldest (by CreatedAt) first.
	ListClients(ctx context.Context) ([]Client, error)
	// SearchClients returns one page of clients, oldest first, whose name or ID
	// contains q.Search, and how many match in all.
	SearchClients(ctx context.Context, q PageQuery) ([]Client, int, error)
	// UpdateClient applies fn to the client inside one transaction and saves
	// its result, keeping ID and CreatedAt; an error from fn aborts the update
	// and is returned as is.
	UpdateClient(ctx context.Context, id string, fn func(Client) (Client, error)) (Client, error)
	// UpdateClientWithUser is UpdateClient for a client with a user of its own
	// (a Technical User client): fn gets the client and the user its UserID
	// names and both results are saved in one transaction, the user as
	// UpdateUser saves it (Version one up; ID, CreatedAt and ClientID kept).
	// ErrNotFound when the client is missing or names no existing user.
	UpdateClientWithUser(ctx context.Context, id string, fn func(Client, User) (Client, User, error)) (Client, User, error)
	// DeleteClient deletes the client and, in the same transaction, the user
	// its UserID names, if there is one (a Technical User client's own user).
	DeleteClient(ctx context.Context, id string) error
	// CreateClientWithUser creates a Technical User client and its user in one
	// transaction. It gives ErrConflict, and creates neither, when either
	// exists: the client's ID or non-empty RequestID, or the user's ID or
	// userName (case-insensitively), is taken. The user gets Version 1.
	CreateClientWithUser(ctx context.Context, c Client, u User) error
	// RecordSecretUse sets the LastUsedAt of each secret named to its time,
	// unless the stored one is later, in one transaction; IDs of secrets
	// that are gone are skipped.
	RecordSecretUse(ctx context.Context, uses []SecretUse) error
}

// RoleStore reads the fixed role catalog.
type RoleStore interface {
	// ListRoles returns the catalog in catalog order.
	ListRoles(ctx context.Context) ([]Role, error)
}

// UserStore keeps users.
type UserStore interface {
	// CreateUser creates u with Version 1, whatever u.Version is; ErrConflict
	// when its ID or userName (case-insensitively) is taken.
	CreateUser(ctx context.Context, u User) error
	// CreateUsers creates, in one transaction, each of users whose ID and
	// userName (case-insensitively) no stored user and no earlier one of
	// users has, with Version 1; taken[i] reports that users[i] was not
	// created because one had. Any other error creates none of them.
	CreateUsers(ctx context.Context, users []User) (taken []bool, err error)
	GetUser(ctx context.Context, id string) (User, error)
	// GetUserByName matches userName case-insensitively.
	GetUserByName(ctx context.Context, userName string) (User, error)
	// SearchUsers returns one page of the users UserSearch(q.Search)
	// selects, ordered by userName, and how many match in all.
	SearchUsers(ctx context.Context, q PageQuery) ([]User, int, error)
	// QueryUsers returns one page of the users q selects, in q's order, and
	// how many it selects in all. It answers from the database's indexes and
	// reads no more users than the page; an error wrapping ErrBadQuery says
	// what of q it cannot evaluate.
	QueryUsers(ctx context.Context, q UserQuery) ([]User, int, error)
	// GetUserByIdpUserID and GetUserByEmail find a user by the SAML-facing
	// attributes: the IdP user ID matched exactly, the e-mail against each of
	// the user's addresses case-insensitively. An empty argument matches no
	// user. ErrNotFound when none matches, ErrConflict when several users do.
	GetUserByIdpUserID(ctx context.Context, idpUserID string) (User, error)
	GetUserByEmail(ctx context.Context, email string) (User, error)
	// UpdateUser applies fn inside one transaction and saves its result with
	// Version one above the stored one (whatever fn returns) and the stored ID
	// and CreatedAt; fn sees the current Version, so it can refuse a stale
	// If-Match. ErrConflict when the new userName is taken.
	UpdateUser(ctx context.Context, id string, fn func(User) (User, error)) (User, error)
	// DeleteUser deletes the user, with its roles and e-mail addresses, after
	// check, when not nil, has accepted it inside the same transaction (so
	// that an If-Match or a rule about the user cannot be raced); check's
	// error aborts the delete and is returned as is.
	DeleteUser(ctx context.Context, id string, check func(User) error) error
	// CreateUserIfNoneHasRole creates u unless an active user already holds
	// role, in one transaction; it reports whether u was created. Of concurrent
	// callers at most one creates its user; a taken ID or userName is
	// ErrConflict, not false.
	CreateUserIfNoneHasRole(ctx context.Context, u User, role string) (bool, error)
}

// SigningKeyStore keeps the token signing keys.
type SigningKeyStore interface {
	// CreateSigningKey gives ErrConflict when the ID is taken.
	CreateSigningKey(ctx context.Context, k SigningKey) error
	// CreateSigningKeyIfNoneCurrent creates k unless a key of k.Algorithm that is
	// not retired (RetireAt zero) exists, in one transaction serialised with
	// other callers, even in other processes; it reports whether k was created.
	// Instances starting together on one empty store so create one first key.
	CreateSigningKeyIfNoneCurrent(ctx context.Context, k SigningKey) (bool, error)
	// ListSigningKeys returns every key, oldest (by CreatedAt) first.
	ListSigningKeys(ctx context.Context) ([]SigningKey, error)
	// UpdateSigningKey applies fn inside one transaction and saves its result,
	// keeping ID and CreatedAt.
	UpdateSigningKey(ctx context.Context, id string, fn func(SigningKey) (SigningKey, error)) (SigningKey, error)
	DeleteSigningKey(ctx context.Context, id string) error
}

// TokenStore keeps what makes tokens single use or revocable: revocations,
// authorization codes and refresh tokens.
type TokenStore interface {
	// RevokeToken records r. A token family is revoked with its family ID as
	// r.TokenID. Revoking a revoked token again is no error and changes nothing.
	RevokeToken(ctx context.Context, r Revocation) error
	// IsRevoked reports whether tokenID (a jti or a family ID) is revoked,
	// comparing it exactly.
	IsRevoked(ctx context.Context, tokenID string) (bool, error)

	// CreateAuthCode gives ErrConflict when the ID is taken.
	CreateAuthCode(ctx context.Context, c AuthCode) error
	// UseAuthCode marks the code with id, issued to clientID, used at now and
	// returns it. A code that was already used is returned with ErrConflict (so
	// that the caller can revoke what its first use issued); an unknown code, or
	// one of another client, gives ErrNotFound, the zero AuthCode, and stays as
	// it was. A zero now is an error that changes nothing.
	UseAuthCode(ctx context.Context, id, clientID string, now time.Time) (AuthCode, error)

	// CreateRefreshToken gives ErrConflict when the ID is taken.
	CreateRefreshToken(ctx context.Context, t RefreshToken) error
	// UseRefreshToken is UseAuthCode for refresh tokens.
	UseRefreshToken(ctx context.Context, id, clientID string, now time.Time) (RefreshToken, error)
}

// IdentityProviderStore keeps the trusted SAML identity providers.
type IdentityProviderStore interface {
	// CreateIdentityProvider gives ErrConflict when the ID, a non-empty
	// EntityID, or the Name or ProviderName (each case-insensitively) is taken.
	CreateIdentityProvider(ctx context.Context, p IdentityProvider) error
	GetIdentityProvider(ctx context.Context, id string) (IdentityProvider, error)
	// ListIdentityProviders returns every provider, oldest (by CreatedAt) first.
	ListIdentityProviders(ctx context.Context) ([]IdentityProvider, error)
	// UpdateIdentityProvider applies fn inside one transaction and saves its
	// result, keeping ID and CreatedAt; the uniqueness rules of
	// CreateIdentityProvider apply.
	UpdateIdentityProvider(ctx context.Context, id string, fn func(IdentityProvider) (IdentityProvider, error)) (IdentityProvider, error)
	DeleteIdentityProvider(ctx context.Context, id string) error
}

// AssertionStore records used SAML assertion IDs, against replays.
type AssertionStore interface {
	// UseAssertionID records a SAML assertion ID of issuer until expiresAt; a
	// second record of the same issuer and ID gives ErrConflict (a replay);
	// the same ID of another issuer does not.
	UseAssertionID(ctx context.Context, issuer, id string, expiresAt time.Time) error
	// AssertionIDUsed reports whether issuer's assertion ID is recorded (and
	// not yet pruned), without recording it.
	AssertionIDUsed(ctx context.Context, issuer, id string) (bool, error)
}

// SecretStore keeps named values the server generates once, such as the
// console's session keys.
type SecretStore interface {
	// Secret returns the value kept under name, creating it with gen on first
	// use; concurrent first calls agree on one value.
	Secret(ctx context.Context, name string, gen func() ([]byte, error)) ([]byte, error)
	// ListSecretNames returns the name of every value kept, in byte order.
	ListSecretNames(ctx context.Context) ([]string, error)
	// UpdateSecret applies fn to the value kept under name inside one
	// transaction and keeps its result; ErrNotFound when there is none.
	UpdateSecret(ctx context.Context, name string, fn func([]byte) ([]byte, error)) ([]byte, error)
}

// AuditStore keeps the audit log.
type AuditStore interface {
	// AppendAudit appends events in order; their IDs are ignored and the
	// store assigns each a new one, greater than every ID assigned before.
	AppendAudit(ctx context.Context, events ...AuditEvent) error
	// ListAudit returns events newest (last appended, whatever their Time)
	// first: those whose Action equals f.Action exactly when it is set, at
	// most f.Limit of them; 100 when f.Limit is not positive, never more than
	// 1000.
	ListAudit(ctx context.Context, f AuditFilter) ([]AuditEvent, error)
}

// Role values of the catalog that the code relies on.
const (
	RoleAdministrator      = "PROFILE:sap.dwc:DW_Administrator"
	RoleSpaceAdministrator = "PROFILE:sap.dwc:DW_Space_Administrator"
	RoleIntegrator         = "PROFILE:sap.dwc:DW_Integrator"
	RoleModeler            = "PROFILE:sap.dwc:DW_Modeler"
	RoleViewer             = "PROFILE:sap.dwc:DW_Viewer"
	RoleConsumer           = "PROFILE:sap.dwc:DW_Consumer"
)
