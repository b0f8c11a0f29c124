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
	FieldRequirePKCE          = "require_pkce"
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

// accessValues are the Access values of an API Access client, which are also
// every scope this server knows, in display order.
var accessValues = []string{store.AccessUserProvisioning, store.AccessContentNetwork}

// AccessValues returns the Access values of an API Access client, which are
// also every scope this server knows, in display order: a new slice each call.
func AccessValues() []string { return slices.Clone(accessValues) }

// ClientInput is what an administrator enters to create a client.
type ClientInput struct {
	Name          string
	Purpose       store.Purpose
	Access        []string // API Access
	Grant         store.Grant
	TokenLifetime time.Duration // 0 means the purpose's default
	// Interactive Usage: the redirect URIs (one or more), the refresh token
	// lifetime (0 means the default) and Require PKCE (nil means on, the
	// default).
	RedirectURIs         []string
	RefreshTokenLifetime time.Duration
	RequirePKCE          *bool
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
	RequirePKCE          *bool // nil keeps the client's setting
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
	secret, rec, err := newClientSecret(now)
	if err != nil {
		return store.Client{}, "", err
	}
	rule := ruleOf(in.Purpose)
	c := store.Client{
		ID:            "sb-" + id,
		Name:          in.Name,
		Purpose:       in.Purpose,
		Grant:         in.Grant,
		Secrets:       []store.ClientSecret{rec},
		TokenLifetime: in.TokenLifetime,
		RequestID:     in.RequestID,
		CreatedAt:     now,
		UpdatedAt:     now,
	}
	setPurposeFields(rule, &c, in.purposeFields())
	if rule.OwnUser {
		var u store.User
		if u, err = technicalUser(c, in.UserID, roles, now); err == nil {
			c.UserID = u.ID
			err = s.store.CreateClientWithUser(ctx, c, u)
		}
	} else {
		err = s.store.CreateClient(ctx, c)
	}
	if err != nil {
		if errors.Is(err, store.ErrConflict) {
			if in.RequestID != "" {
				if _, gerr := s.store.GetClientByRequestID(ctx, in.RequestID); gerr == nil {
					return store.Client{}, "", ErrAlreadyCreated
				}
			}
			if rule.OwnUser {
				// Another user took the User ID since it was checked.
				return store.Client{}, "", &ValidationError{Fields: map[string]string{FieldUserID: userIDTaken(in.UserID)}}
			}
		}
		return store.Client{}, "", fmt.Errorf("oauth: create client: %w", err)
	}
	detail := fmt.Sprintf("name=%q purpose=%s grant=%s", c.Name, c.Purpose, c.Grant)
	if rule.OwnUser {
		detail += " user_id=" + in.UserID
	}
	if rule.Has(FieldRequirePKCE) {
		detail += fmt.Sprintf(" require_pkce=%t", c.RequirePKCE)
	}
	if rule.Expires {
		detail += " expires=" + ExpiryDate(c.ExpiresAt)
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
	rule := ruleOf(in.Purpose)
	var roles []string
	if rule.Has(FieldRoles) {
		catalog, err := s.Roles(ctx)
		if err != nil {
			return nil, nil, fmt.Errorf("oauth: check client: %w", err)
		}
		roles = checkRoles(fields, catalog, in.Roles)
	}
	if rule.Has(FieldUserID) && fields[FieldUserID] == "" {
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

// UpdateClient changes what can change after creation; a client with a user
// of its own (Technical User) is saved with that user's roles and display
// name in one transaction. Extending the expiry of an expired Technical User
// client generates a new secret, returned here (and only here) once; the old
// secret stops working. Otherwise the secret returned is "". It returns a
// *ValidationError, store.ErrNotFound (wrapped) when the client, or its own
// user, is gone, or an internal error; on any error nothing is saved.
func (s *Service) UpdateClient(ctx context.Context, actor, id string, in ClientUpdate) (store.Client, string, error) {
	now := s.now().UTC()
	in.Name = strings.TrimSpace(in.Name)
	in.Access = normaliseAccess(in.Access)
	in.RedirectURIs = normaliseRedirectURIs(in.RedirectURIs)
	old, err := s.store.GetClient(ctx, id)
	if err != nil {
		return store.Client{}, "", fmt.Errorf("oauth: update client: %w", err)
	}
	rule := ruleOf(old.Purpose)
	var catalog []store.Role
	if rule.Has(FieldRoles) {
		if catalog, err = s.Roles(ctx); err != nil {
			return store.Client{}, "", fmt.Errorf("oauth: update client: %w", err)
		}
	}
	var (
		roles  []string
		secret string
	)
	defer s.clients.invalidate(id)
	change := func(c store.Client) (store.Client, error) {
		fields := map[string]string{}
		checkName(fields, in.Name)
		checkLifetime(fields, FieldTokenLifetime, in.TokenLifetime, rule.TokenLifetime)
		// An unchanged expiry is kept as it is, even when it is now nearer
		// than 7 days (or past): renaming must not force a new date.
		checkPurposeFields(fields, rule, in.purposeFields(), !in.ExpiresAt.Equal(c.ExpiresAt), now)
		if rule.Has(FieldRoles) {
			roles = checkRoles(fields, catalog, in.Roles)
		}
		if len(fields) > 0 {
			return c, &ValidationError{Fields: fields}
		}
		if rule.Expires && IsExpired(c, now) && in.ExpiresAt.After(now) {
			// docs/contract.md, "Purposes": extending an expired client
			// issues a new secret, and every old one stops at once.
			sec, rec, err := newClientSecret(now)
			if err != nil {
				return c, err
			}
			secret, c.Secrets = sec, []store.ClientSecret{rec}
		}
		c.Name = in.Name
		c.TokenLifetime = in.TokenLifetime
		setPurposeFields(rule, &c, in.purposeFields())
		c.UpdatedAt = now
		return c, nil
	}
	var c store.Client
	if rule.OwnUser {
		// The client and its user (roles, display name) in one transaction.
		c, _, err = s.store.UpdateClientWithUser(ctx, id, func(c store.Client, u store.User) (store.Client, store.User, error) {
			c, err := change(c)
			if err != nil {
				return c, u, err
			}
			u.Roles, u.DisplayName, u.UpdatedAt = roles, c.Name, now
			return c, u, nil
		})
	} else {
		c, err = s.store.UpdateClient(ctx, id, change)
	}
	if err != nil {
		if AsValidationError(err) != nil {
			return store.Client{}, "", err
		}
		return store.Client{}, "", fmt.Errorf("oauth: update client: %w", err)
	}
	detail := fmt.Sprintf("name=%q", c.Name)
	if rule.Has(FieldRequirePKCE) {
		detail += fmt.Sprintf(" require_pkce=%t", c.RequirePKCE)
	}
	if rule.Expires {
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
	rule := ruleOf(in.Purpose)
	if in.TokenLifetime == 0 {
		in.TokenLifetime = rule.TokenLifetime.Default
	}
	in.Name = strings.TrimSpace(in.Name)
	in.Access = normaliseAccess(in.Access)
	if g, fixed := rule.FixedGrant(); fixed && in.Grant == "" {
		in.Grant = g
	}
	if rule.Has(FieldRedirectURIs) {
		in.RedirectURIs = normaliseRedirectURIs(in.RedirectURIs)
	}
	if rule.Has(FieldRefreshTokenLifetime) && in.RefreshTokenLifetime == 0 {
		in.RefreshTokenLifetime = rule.RefreshTokenLifetime.Default
	}
	if rule.Has(FieldRequirePKCE) && in.RequirePKCE == nil {
		in.RequirePKCE = new(true) // docs/contract.md, "Purposes": on by default
	}
	if rule.Has(FieldUserID) {
		in.UserID = strings.TrimSpace(in.UserID)
	}
	if rule.Has(FieldExpiresAt) && in.ExpiresAt.IsZero() {
		_, _, def := ExpiryBounds(now)
		in.ExpiresAt = ExpiresAtEndOf(def)
	}
	return in
}

// purposeFields are the stored values of the fields only some purposes have.
// RequirePKCE nil keeps the stored setting.
type purposeFields struct {
	Access               []string
	RedirectURIs         []string
	RefreshTokenLifetime time.Duration
	RequirePKCE          *bool
	ExpiresAt            time.Time
}

func (in ClientInput) purposeFields() purposeFields {
	return purposeFields{Access: in.Access, RedirectURIs: in.RedirectURIs,
		RefreshTokenLifetime: in.RefreshTokenLifetime, RequirePKCE: in.RequirePKCE, ExpiresAt: in.ExpiresAt}
}

func (in ClientUpdate) purposeFields() purposeFields {
	return purposeFields{Access: in.Access, RedirectURIs: in.RedirectURIs,
		RefreshTokenLifetime: in.RefreshTokenLifetime, RequirePKCE: in.RequirePKCE, ExpiresAt: in.ExpiresAt}
}

// checkPurposeFields checks the values of the fields rule's purpose has; the
// Expiry Date only when expiry is set.
func checkPurposeFields(fields map[string]string, rule *PurposeRule, v purposeFields, expiry bool, now time.Time) {
	if rule.Has(FieldAccess) {
		checkAccess(fields, v.Access)
	}
	if rule.Has(FieldRedirectURIs) {
		checkRedirectURIs(fields, v.RedirectURIs)
	}
	if rule.Has(FieldRefreshTokenLifetime) {
		checkLifetime(fields, FieldRefreshTokenLifetime, v.RefreshTokenLifetime, rule.RefreshTokenLifetime)
	}
	if rule.Has(FieldExpiresAt) && expiry {
		checkExpiry(fields, v.ExpiresAt, now)
	}
}

// setPurposeFields stores on c the values of the fields rule's purpose has;
// the others stay as they are.
func setPurposeFields(rule *PurposeRule, c *store.Client, v purposeFields) {
	if rule.Has(FieldAccess) {
		c.Access = v.Access
	}
	if rule.Has(FieldRedirectURIs) {
		c.RedirectURIs = v.RedirectURIs
	}
	if rule.Has(FieldRefreshTokenLifetime) {
		c.RefreshTokenLifetime = v.RefreshTokenLifetime
	}
	if rule.Has(FieldRequirePKCE) && v.RequirePKCE != nil {
		c.RequirePKCE = *v.RequirePKCE
	}
	if rule.Has(FieldExpiresAt) {
		c.ExpiresAt = v.ExpiresAt
	}
}

func checkClientInput(in ClientInput, now time.Time) map[string]string {
	fields := map[string]string{}
	checkName(fields, in.Name)
	rule := ruleOf(in.Purpose)
	switch {
	case in.Purpose == "":
		fields[FieldPurpose] = "Select a purpose."
		return fields
	case rule == noPurpose:
		fields[FieldPurpose] = fmt.Sprintf("Purpose %q is not one of: %s.", in.Purpose, joinPurposes())
		return fields
	}
	if in.Grant == "" {
		fields[FieldGrant] = "Select an authorization grant."
	} else if !rule.Allows(in.Grant) {
		fields[FieldGrant] = fmt.Sprintf("Authorization grant %q is not one of: %s.", in.Grant, joinGrants(rule.Grants))
	}
	checkLifetime(fields, FieldTokenLifetime, in.TokenLifetime, rule.TokenLifetime)
	checkPurposeFields(fields, rule, in.purposeFields(), true, now)
	if rule.Has(FieldUserID) && !userIDPattern.MatchString(in.UserID) {
		if in.UserID == "" {
			fields[FieldUserID] = "Enter a User ID."
		} else {
			fields[FieldUserID] = "Use 1 to 20 capital letters (A–Z), digits or underscores."
		}
	}
	if rule.Has(FieldRoles) && len(in.Roles) == 0 {
		fields[FieldRoles] = "Select at least one role."
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

// checkLifetime checks a token or refresh token lifetime against its bounds.
func checkLifetime(fields map[string]string, field string, d time.Duration, l Lifetimes) {
	switch {
	case d%time.Second != 0:
		fields[field] = "Use a whole number of seconds."
	case d < l.Min || d > l.Max:
		fields[field] = fmt.Sprintf("Enter a lifetime from %s to %s.", HumanDuration(l.Min), HumanDuration(l.Max))
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
	parts := make([]string, len(purposeRules))
	for i, r := range purposeRules {
		parts[i] = string(r.Purpose)
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
