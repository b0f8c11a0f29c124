package oauth

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/appintegration/appintegration/store"
)

// Field names of client input, shared by the console form and the command line.
const (
	FieldName                 = "name"
	FieldPurpose              = "purpose"
	FieldAccess               = "access"
	FieldGrant                = "grant"
	FieldTokenLifetime        = "token_lifetime"
	FieldRedirectURIs         = "redirect_uris"
	FieldRefreshTokenLifetime = "refresh_token_lifetime"
	FieldUserID               = "user_id"
	FieldRoles                = "roles"
	FieldExpiresAt            = "expires_at"
)

// Limits of the client rules (docs/contract.md, "Purposes").
const (
	MaxNameLength        = 100
	MinTokenLifetime     = 60 * time.Second
	MaxTokenLifetime     = 24 * time.Hour
	DefaultTokenLifetime = 60 * time.Minute

	// A Technical User's tokens live from 1 hour to 1 day, 1 day by default.
	MinTechnicalTokenLifetime     = time.Hour
	DefaultTechnicalTokenLifetime = 24 * time.Hour

	MinRefreshTokenLifetime     = 60 * time.Second
	MaxRefreshTokenLifetime     = 180 * 24 * time.Hour
	DefaultRefreshTokenLifetime = 30 * 24 * time.Hour

	// A Technical User client expires 7 days to 20 years from now (3 months by
	// default); see ExpiryBounds.
	MinExpiry = 7 * 24 * time.Hour
)

// Purposes lists the purposes a client can be created with, in display order.
var Purposes = []store.Purpose{store.PurposeInteractive, store.PurposeAPIAccess, store.PurposeTechnicalUser}

// accessValues are the Access values of an API Access client, which are also
// every scope this server knows, in display order.
var accessValues = []string{store.AccessUserProvisioning, store.AccessContentNetwork}

// AccessValues returns the Access values of an API Access client, which are
// also every scope this server knows, in display order: a new slice each call.
func AccessValues() []string { return slices.Clone(accessValues) }

// GrantsFor returns the grants a client of purpose p may be created with, the
// default first; nil for an unknown purpose.
func GrantsFor(p store.Purpose) []store.Grant {
	switch p {
	case store.PurposeAPIAccess:
		return []store.Grant{store.GrantClientCredentials, store.GrantSAML2Bearer}
	case store.PurposeInteractive:
		return []store.Grant{store.GrantAuthorizationCode}
	case store.PurposeTechnicalUser:
		return []store.Grant{store.GrantClientCredentials}
	}
	return nil
}

// TokenLifetimeBounds returns the least, greatest and default token lifetime of
// a client of purpose p.
func TokenLifetimeBounds(p store.Purpose) (lo, hi, def time.Duration) {
	if p == store.PurposeTechnicalUser {
		return MinTechnicalTokenLifetime, MaxTokenLifetime, DefaultTechnicalTokenLifetime
	}
	return MinTokenLifetime, MaxTokenLifetime, DefaultTokenLifetime
}

// ClientInput is what an administrator enters to create a client.
type ClientInput struct {
	Name          string
	Purpose       store.Purpose
	Access        []string // API Access
	Grant         store.Grant
	TokenLifetime time.Duration // 0 means the purpose's default
	// Interactive Usage: the redirect URIs (one or more) and the refresh token
	// lifetime (0 means the default).
	RedirectURIs         []string
	RefreshTokenLifetime time.Duration
	// Technical User: the User ID of its user, its roles (values or display
	// names of the role catalog) and when it expires (zero means the default).
	UserID    string
	Roles     []string
	ExpiresAt time.Time
	// RequestID, when set, makes creation idempotent: a second Create with the
	// same RequestID returns ErrAlreadyCreated.
	RequestID string
}

// ClientUpdate is what can change after creation; purpose, grant and a
// Technical User's User ID cannot. Fields of another purpose are ignored.
type ClientUpdate struct {
	Name                 string
	Access               []string
	TokenLifetime        time.Duration
	RedirectURIs         []string
	RefreshTokenLifetime time.Duration
	Roles                []string
	ExpiresAt            time.Time
}

// ErrAlreadyCreated is returned by CreateClient when a client was already created
// for the input's RequestID (a resubmitted form). The secret cannot be shown again.
var ErrAlreadyCreated = errors.New("oauth: client already created for this request")

// CreateClient validates in, creates the client (and, for a Technical User, its
// user) and returns it with its secret, the only time the secret exists in plain
// text. It returns a *ValidationError listing every broken rule,
// ErrAlreadyCreated for a repeated RequestID, or an internal error.
func (s *Service) CreateClient(ctx context.Context, actor string, in ClientInput) (store.Client, string, error) {
	now := s.now().UTC()
	in = normaliseClientInput(in, now)
	fields, roles, err := s.validateClientInput(ctx, in, now)
	if err != nil {
		return store.Client{}, "", err
	}
	if len(fields) > 0 {
		return store.Client{}, "", &ValidationError{Fields: fields}
	}

	if in.RequestID != "" {
		if _, err := s.store.GetClientByRequestID(ctx, in.RequestID); err == nil {
			return store.Client{}, "", ErrAlreadyCreated
		} else if !errors.Is(err, store.ErrNotFound) {
			return store.Client{}, "", fmt.Errorf("oauth: create client: %w", err)
		}
	}
	id, err := newID()
	if err != nil {
		return store.Client{}, "", err
	}
	secret, hash, err := newSecret()
	if err != nil {
		return store.Client{}, "", err
	}
	c := store.Client{
		ID:            "sb-" + id,
		Name:          in.Name,
		Purpose:       in.Purpose,
		Grant:         in.Grant,
		SecretHash:    hash,
		TokenLifetime: in.TokenLifetime,
		RequestID:     in.RequestID,
		CreatedAt:     now,
		UpdatedAt:     now,
	}
	switch in.Purpose {
	case store.PurposeAPIAccess:
		c.Access = in.Access
		err = s.store.CreateClient(ctx, c)
	case store.PurposeInteractive:
		c.RedirectURIs = in.RedirectURIs
		c.RefreshTokenLifetime = in.RefreshTokenLifetime
		err = s.store.CreateClient(ctx, c)
	case store.PurposeTechnicalUser:
		var u store.User
		if u, err = technicalUser(c, in.UserID, roles, now); err == nil {
			c.UserID = u.ID
			c.ExpiresAt = in.ExpiresAt
			err = s.store.CreateClientWithUser(ctx, c, u)
		}
	}
	if err != nil {
		if errors.Is(err, store.ErrConflict) {
			if in.RequestID != "" {
				if _, gerr := s.store.GetClientByRequestID(ctx, in.RequestID); gerr == nil {
					return store.Client{}, "", ErrAlreadyCreated
				}
			}
			if in.Purpose == store.PurposeTechnicalUser {
				// Another user took the User ID since it was checked.
				return store.Client{}, "", &ValidationError{Fields: map[string]string{FieldUserID: userIDTaken(in.UserID)}}
			}
		}
		return store.Client{}, "", fmt.Errorf("oauth: create client: %w", err)
	}
	detail := fmt.Sprintf("name=%q purpose=%s grant=%s", c.Name, c.Purpose, c.Grant)
	if c.Purpose == store.PurposeTechnicalUser {
		detail += fmt.Sprintf(" user_id=%s expires=%s", in.UserID, ExpiryDate(c.ExpiresAt))
	}
	s.audit(ctx, actor, "client.created", c.ID, detail)
	return c, secret, nil
}

// ValidateClientInput returns every rule in breaks, as field name → message,
// including those that need the store (role catalog, User ID uniqueness) and
// the clock (Expiry Date); it returns an error only when the store fails.
func (s *Service) ValidateClientInput(ctx context.Context, in ClientInput) (map[string]string, error) {
	now := s.now().UTC()
	fields, _, err := s.validateClientInput(ctx, normaliseClientInput(in, now), now)
	return fields, err
}

// validateClientInput checks normalised input and resolves the roles to
// catalog values.
func (s *Service) validateClientInput(ctx context.Context, in ClientInput, now time.Time) (map[string]string, []string, error) {
	fields := checkClientInput(in, now)
	if in.Purpose != store.PurposeTechnicalUser {
		return fields, nil, nil
	}
	catalog, err := s.store.ListRoles(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("oauth: check client: %w", err)
	}
	roles := checkRoles(fields, catalog, in.Roles)
	if fields[FieldUserID] == "" {
		_, err := s.store.GetUserByName(ctx, in.UserID)
		switch {
		case err == nil:
			fields[FieldUserID] = userIDTaken(in.UserID)
		case !errors.Is(err, store.ErrNotFound):
			return nil, nil, fmt.Errorf("oauth: check client: %w", err)
		}
	}
	return fields, roles, nil
}

// UpdateClient changes what can change after creation. Extending the expiry of
// an expired Technical User client generates a new secret, returned here (and
// only here) once; the old secret stops working. Otherwise the secret returned
// is "". It returns a *ValidationError, store.ErrNotFound when the client is
// gone, or an internal error.
func (s *Service) UpdateClient(ctx context.Context, actor, id string, in ClientUpdate) (store.Client, string, error) {
	now := s.now().UTC()
	in.Name = strings.TrimSpace(in.Name)
	in.Access = normaliseAccess(in.Access)
	in.RedirectURIs = normaliseRedirectURIs(in.RedirectURIs)
	var catalog []store.Role
	old, err := s.store.GetClient(ctx, id)
	if err != nil {
		return store.Client{}, "", fmt.Errorf("oauth: update client: %w", err)
	}
	var roles []string
	if old.Purpose == store.PurposeTechnicalUser {
		if catalog, err = s.store.ListRoles(ctx); err != nil {
			return store.Client{}, "", fmt.Errorf("oauth: update client: %w", err)
		}
	}
	var secret string
	defer s.clients.invalidate(id)
	c, err := s.store.UpdateClient(ctx, id, func(c store.Client) (store.Client, error) {
		fields := map[string]string{}
		checkName(fields, in.Name)
		lo, hi, _ := TokenLifetimeBounds(c.Purpose)
		checkLifetime(fields, FieldTokenLifetime, in.TokenLifetime, lo, hi)
		switch c.Purpose {
		case store.PurposeAPIAccess:
			checkAccess(fields, in.Access)
		case store.PurposeInteractive:
			checkRedirectURIs(fields, in.RedirectURIs)
			checkLifetime(fields, FieldRefreshTokenLifetime, in.RefreshTokenLifetime, MinRefreshTokenLifetime, MaxRefreshTokenLifetime)
		case store.PurposeTechnicalUser:
			roles = checkRoles(fields, catalog, in.Roles)
			// An unchanged expiry is kept as it is, even when it is now
			// nearer than 7 days (or past): renaming must not force a new date.
			if !in.ExpiresAt.Equal(c.ExpiresAt) {
				checkExpiry(fields, in.ExpiresAt, now)
			}
		}
		if len(fields) > 0 {
			return c, &ValidationError{Fields: fields}
		}
		c.Name = in.Name
		c.TokenLifetime = in.TokenLifetime
		switch c.Purpose {
		case store.PurposeAPIAccess:
			c.Access = in.Access
		case store.PurposeInteractive:
			c.RedirectURIs = in.RedirectURIs
			c.RefreshTokenLifetime = in.RefreshTokenLifetime
		case store.PurposeTechnicalUser:
			if IsExpired(c, now) && in.ExpiresAt.After(now) {
				// docs/contract.md, "Purposes": extending an expired client issues a new secret.
				sec, hash, err := newSecret()
				if err != nil {
					return c, err
				}
				secret, c.SecretHash = sec, hash
			}
			c.ExpiresAt = in.ExpiresAt
		}
		c.UpdatedAt = now
		return c, nil
	})
	if err != nil {
		if AsValidationError(err) != nil {
			return store.Client{}, "", err
		}
		return store.Client{}, "", fmt.Errorf("oauth: update client: %w", err)
	}
	if c.Purpose == store.PurposeTechnicalUser {
		_, err := s.store.UpdateUser(ctx, c.UserID, func(u store.User) (store.User, error) {
			u.Roles, u.DisplayName, u.UpdatedAt = roles, c.Name, now
			return u, nil
		})
		if err != nil {
			return store.Client{}, "", fmt.Errorf("oauth: update client's user: %w", err)
		}
	}
	detail := fmt.Sprintf("name=%q", c.Name)
	if c.Purpose == store.PurposeTechnicalUser {
		detail += " expires=" + ExpiryDate(c.ExpiresAt)
	}
	if secret != "" {
		detail += " new_secret=true"
	}
	s.audit(ctx, actor, "client.updated", c.ID, detail)
	return c, secret, nil
}

// DeleteClient deletes a client (and a Technical User client's user); every
// token it was issued is inactive from then on, because token checks look the
// client up. It returns store.ErrNotFound when there is no such client.
func (s *Service) DeleteClient(ctx context.Context, actor, id string) error {
	err := s.store.DeleteClient(ctx, id)
	s.clients.invalidate(id) // before returning: no token is issued for it after this
	if err != nil {
		return fmt.Errorf("oauth: delete client: %w", err)
	}
	s.audit(ctx, actor, "client.deleted", id, "")
	return nil
}

// normaliseClientInput trims, orders and fills in the defaults of the purpose.
func normaliseClientInput(in ClientInput, now time.Time) ClientInput {
	if in.TokenLifetime == 0 {
		_, _, in.TokenLifetime = TokenLifetimeBounds(in.Purpose)
	}
	in.Name = strings.TrimSpace(in.Name)
	in.Access = normaliseAccess(in.Access)
	if g := GrantsFor(in.Purpose); len(g) == 1 && in.Grant == "" {
		in.Grant = g[0] // the grant of Interactive Usage and Technical User is fixed
	}
	switch in.Purpose {
	case store.PurposeInteractive:
		in.RedirectURIs = normaliseRedirectURIs(in.RedirectURIs)
		if in.RefreshTokenLifetime == 0 {
			in.RefreshTokenLifetime = DefaultRefreshTokenLifetime
		}
	case store.PurposeTechnicalUser:
		in.UserID = strings.TrimSpace(in.UserID)
		if in.ExpiresAt.IsZero() {
			_, _, def := ExpiryBounds(now)
			in.ExpiresAt = ExpiresAtEndOf(def)
		}
	}
	return in
}

func checkClientInput(in ClientInput, now time.Time) map[string]string {
	fields := map[string]string{}
	checkName(fields, in.Name)
	switch {
	case in.Purpose == "":
		fields[FieldPurpose] = "Select a purpose."
	case !slices.Contains(Purposes, in.Purpose):
		fields[FieldPurpose] = fmt.Sprintf("Purpose %q is not one of: %s.", in.Purpose, joinPurposes())
	default:
		grants := GrantsFor(in.Purpose)
		if in.Grant == "" {
			fields[FieldGrant] = "Select an authorization grant."
		} else if !slices.Contains(grants, in.Grant) {
			fields[FieldGrant] = fmt.Sprintf("Authorization grant %q is not one of: %s.", in.Grant, joinGrants(grants))
		}
		lo, hi, _ := TokenLifetimeBounds(in.Purpose)
		checkLifetime(fields, FieldTokenLifetime, in.TokenLifetime, lo, hi)
		switch in.Purpose {
		case store.PurposeAPIAccess:
			checkAccess(fields, in.Access)
		case store.PurposeInteractive:
			checkRedirectURIs(fields, in.RedirectURIs)
			checkLifetime(fields, FieldRefreshTokenLifetime, in.RefreshTokenLifetime, MinRefreshTokenLifetime, MaxRefreshTokenLifetime)
		case store.PurposeTechnicalUser:
			if !userIDPattern.MatchString(in.UserID) {
				if in.UserID == "" {
					fields[FieldUserID] = "Enter a User ID."
				} else {
					fields[FieldUserID] = "Use 1 to 20 capital letters (A–Z), digits or underscores."
				}
			}
			if len(in.Roles) == 0 {
				fields[FieldRoles] = "Select at least one role."
			}
			checkExpiry(fields, in.ExpiresAt, now)
		}
	}
	return fields
}

func checkName(fields map[string]string, name string) {
	switch {
	case name == "":
		fields[FieldName] = "Enter a name."
	case utf8.RuneCountInString(name) > MaxNameLength:
		fields[FieldName] = fmt.Sprintf("Use at most %d characters.", MaxNameLength)
	case strings.ContainsFunc(name, unicode.IsControl):
		fields[FieldName] = "Remove line breaks and other control characters."
	}
}

func checkAccess(fields map[string]string, access []string) {
	if len(access) == 0 {
		fields[FieldAccess] = "Select at least one access."
		return
	}
	for _, a := range access {
		if !slices.Contains(accessValues, a) {
			fields[FieldAccess] = fmt.Sprintf("Access %q is not one of: %s.", a, strings.Join(accessValues, ", "))
			return
		}
	}
}

// checkLifetime checks a token or refresh token lifetime against [lo, hi].
func checkLifetime(fields map[string]string, field string, d, lo, hi time.Duration) {
	switch {
	case d%time.Second != 0:
		fields[field] = "Use a whole number of seconds."
	case d < lo || d > hi:
		fields[field] = fmt.Sprintf("Enter a lifetime from %s to %s.", HumanDuration(lo), HumanDuration(hi))
	}
}

// normaliseAccess trims, removes duplicates and orders access values as accessValues.
func normaliseAccess(in []string) []string {
	var out []string
	for _, a := range in {
		a = strings.TrimSpace(a)
		if a != "" && !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	slices.SortStableFunc(out, func(a, b string) int {
		return indexOr(accessValues, a) - indexOr(accessValues, b)
	})
	return out
}

func indexOr(list []string, v string) int {
	if i := slices.Index(list, v); i >= 0 {
		return i
	}
	return len(list)
}

func joinPurposes() string {
	parts := make([]string, len(Purposes))
	for i, p := range Purposes {
		parts[i] = string(p)
	}
	return strings.Join(parts, ", ")
}

func joinGrants(gs []store.Grant) string {
	parts := make([]string, len(gs))
	for i, g := range gs {
		parts[i] = string(g)
	}
	return strings.Join(parts, ", ")
}

// HumanDuration writes d in the largest whole unit: "1 day", "2 hours", "90 seconds".
func HumanDuration(d time.Duration) string {
	unit := func(n int64, name string) string {
		if n == 1 {
			return "1 " + name
		}
		return fmt.Sprintf("%d %ss", n, name)
	}
	s := int64(d / time.Second)
	switch {
	case s != 0 && s%86400 == 0:
		return unit(s/86400, "day")
	case s != 0 && s%3600 == 0:
		return unit(s/3600, "hour")
	case s >= 120 && s%60 == 0: // 60 s stays "60 seconds" (docs/contract.md, "Purposes")
		return unit(s/60, "minute")
	}
	return unit(s, "second")
}

// Now returns the service's current time, so that callers judge expiry with the
// same clock as the token service.
func (s *Service) Now() time.Time { return s.now() }
