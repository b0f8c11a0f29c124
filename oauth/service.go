// Package oauth is the token service: client rules and secrets, the grants of the
// token endpoint, signing keys, introspection and revocation. It knows nothing of
// HTTP frameworks; package web adapts it to Echo.
package oauth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/appintegration/appintegration/store"
)

// Store is what the Service keeps its records in: every per-record store of
// store.Store. Pruning and Close are not the Service's: they belong to
// whoever opened the store. Of the secrets it keeps the SAML service
// provider's keys.
type Store interface {
	store.ClientStore
	store.RoleStore
	store.UserStore
	store.SigningKeyStore
	store.TokenStore
	store.IdentityProviderStore
	store.AssertionStore
	store.AuditStore
	store.SecretStore
	store.SessionStore
	store.SAMLRequestStore
	store.SSOConfigStore
	InTransaction(ctx context.Context, fn func(store.Store) error) error
}

var _ Store = store.Store(nil)

// Config configures a Service.
type Config struct {
	Store Store
	// BaseURL is the public base URL of the server, e.g. https://auth.example.com.
	// It is the token issuer and the prefix of every URL handed to integrators.
	BaseURL string
	// SigningAlg is the JWT signing algorithm: RS256 (default), ES256 or EdDSA.
	SigningAlg string
	// Now returns the current time; time.Now when nil.
	Now func() time.Time
	// Logger receives warnings; slog.Default() when nil.
	Logger *slog.Logger
}

// Service issues and checks tokens and applies the client rules. It is safe for
// concurrent use.
type Service struct {
	store   Store
	baseURL string
	alg     string
	now     func() time.Time
	wall    func() time.Time // sessions' clock: see StartSession
	log     *slog.Logger
	keys    *keySet
	clients *clientCache
	uses    *useRecorder
	grants  map[string]grant
	roles   *roleCache
	sp      *spCache
}

// SAMLAlias is the last path segment of the OAuth2SAML Token URL.
const SAMLAlias = "appintegration"

// New returns a Service, or an error when the configuration is invalid.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil {
		return nil, errors.New("oauth: config: no store")
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("oauth: config: base URL %q is not an absolute http(s) URL", cfg.BaseURL)
	}
	if cfg.SigningAlg == "" {
		cfg.SigningAlg = AlgRS256
	}
	if !validAlg(cfg.SigningAlg) {
		return nil, fmt.Errorf("oauth: config: signing algorithm %q is not one of RS256, ES256, EdDSA", cfg.SigningAlg)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Service{
		store:   cfg.Store,
		baseURL: strings.TrimRight(cfg.BaseURL, "/"),
		alg:     cfg.SigningAlg,
		now:     cfg.Now,
		wall:    time.Now,
		log:     cfg.Logger,
	}
	s.keys = newKeySet(cfg.Store, cfg.SigningAlg, cfg.Now, cfg.Logger)
	s.clients = newClientCache()
	s.roles = &roleCache{}
	s.sp = &spCache{}
	s.uses = newUseRecorder(cfg.Store, cfg.Logger)
	s.grants = map[string]grant{
		GrantTypeClientCredentials: clientCredentialsGrant{},
		GrantTypeAuthorizationCode: authorizationCodeGrant{},
		GrantTypeRefreshToken:      refreshTokenGrant{},
		GrantTypeSAML2Bearer:       saml2BearerGrant{},
	}
	return s, nil
}

// URLs are the OAuth Clients URLs an administrator hands to integrators.
type URLs struct {
	AuthorizationURL string `json:"authorization_url"`
	TokenURL         string `json:"token_url"`
	SAML2TokenURL    string `json:"saml2_token_url"`
	SAML2Audience    string `json:"saml2_audience"`
}

// URLs returns the OAuth Clients URLs of this server.
func (s *Service) URLs() URLs { return URLsFor(s.baseURL) }

// URLsFor returns the OAuth Clients URLs of a server with the given base URL.
func URLsFor(baseURL string) URLs {
	baseURL = strings.TrimRight(baseURL, "/")
	return URLs{
		AuthorizationURL: baseURL + "/oauth/authorize",
		TokenURL:         baseURL + "/oauth/token",
		SAML2TokenURL:    baseURL + "/oauth/token/alias/" + SAMLAlias,
		SAML2Audience:    baseURL,
	}
}

// Issuer is the iss of every token: the base URL.
func (s *Service) Issuer() string { return s.baseURL }

// audience is the aud of every access token: the APIs the tokens open.
func (s *Service) audience() string { return s.baseURL + "/api/v1" }

// Init makes sure a signing key for the configured algorithm exists. Call it once
// at start-up; it is safe to call from several processes at once.
func (s *Service) Init(ctx context.Context) error {
	return s.keys.ensure(ctx)
}

// Audit appends an audit event for a change made outside this package, such as a
// console sign-in.
func (s *Service) Audit(ctx context.Context, actor, action, target, detail string) {
	s.audit(ctx, actor, action, target, detail)
}

// audit appends an audit event; a failure is logged, never returned, so that an
// audit-log problem does not undo the change it records.
func (s *Service) audit(ctx context.Context, actor, action, target, detail string) {
	s.auditEvents(ctx, store.AuditEvent{Time: s.now().UTC(), Actor: actor, Action: action, Target: target, Detail: detail})
}

// auditEvents appends events to the audit log in one write, logging (not
// returning) a failure, like audit.
func (s *Service) auditEvents(ctx context.Context, events ...store.AuditEvent) {
	if len(events) == 0 {
		return
	}
	if err := s.store.AppendAudit(ctx, events...); err != nil {
		s.log.ErrorContext(ctx, "audit log append failed", "action", events[0].Action, "events", len(events), "err", err)
	}
}

// roleCache keeps the role catalog, which a migration seeds and nothing
// changes, once it has been read.
type roleCache struct {
	mu    sync.Mutex
	roles []store.Role
}

// Roles returns the role catalog, read from the store the first time; it
// returns the store's error (and reads again next time) on failure.
func (s *Service) Roles(ctx context.Context) ([]store.Role, error) {
	s.roles.mu.Lock()
	defer s.roles.mu.Unlock()
	if s.roles.roles == nil {
		roles, err := s.store.ListRoles(ctx)
		if err != nil {
			return nil, fmt.Errorf("oauth: roles: %w", err)
		}
		s.roles.roles = roles
	}
	return slices.Clone(s.roles.roles), nil
}
