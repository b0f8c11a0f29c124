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
	FieldName          = "name"
	FieldPurpose       = "purpose"
	FieldAccess        = "access"
	FieldGrant         = "grant"
	FieldTokenLifetime = "token_lifetime"
)

// Limits of the client rules (DESIGN.md, "Add a New OAuth Client").
const (
	MaxNameLength        = 100
	MinTokenLifetime     = 60 * time.Second
	MaxTokenLifetime     = 24 * time.Hour
	DefaultTokenLifetime = 60 * time.Minute
)

// Purposes lists the purposes a client can be created with, in display order.
var Purposes = []store.Purpose{store.PurposeAPIAccess}

// AccessValues lists the Access values of an API Access client, in display order.
var AccessValues = []string{store.AccessUserProvisioning, store.AccessContentNetwork}

// GrantsFor returns the grants a client of purpose p may be created with, the
// default first.
func GrantsFor(p store.Purpose) []store.Grant {
	switch p {
	case store.PurposeAPIAccess:
		return []store.Grant{store.GrantClientCredentials, store.GrantSAML2Bearer}
	}
	return nil
}

// ClientInput is what an administrator enters to create a client.
type ClientInput struct {
	Name          string
	Purpose       store.Purpose
	Access        []string
	Grant         store.Grant
	TokenLifetime time.Duration // 0 means the default
	// RequestID, when set, makes creation idempotent: a second Create with the
	// same RequestID returns ErrAlreadyCreated.
	RequestID string
}

// ClientUpdate is what can change after creation; purpose and grant cannot.
type ClientUpdate struct {
	Name          string
	Access        []string
	TokenLifetime time.Duration
}

// ErrAlreadyCreated is returned by CreateClient when a client was already created
// for the input's RequestID (a resubmitted form). The secret cannot be shown again.
var ErrAlreadyCreated = errors.New("oauth: client already created for this request")

// CreateClient validates in, creates the client and returns it with its secret,
// the only time the secret exists in plain text. It returns a *ValidationError
// listing every broken rule, ErrAlreadyCreated for a repeated RequestID, or an
// internal error.
func (s *Service) CreateClient(ctx context.Context, actor string, in ClientInput) (store.Client, string, error) {
	in = normaliseClientInput(in)
	if fields := CheckClientInput(in); len(fields) > 0 {
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
	now := s.now().UTC()
	c := store.Client{
		ID:            "sb-" + id,
		Name:          in.Name,
		Purpose:       in.Purpose,
		Grant:         in.Grant,
		Access:        in.Access,
		SecretHash:    hash,
		TokenLifetime: in.TokenLifetime,
		RequestID:     in.RequestID,
		CreatedAt:     now,
		UpdatedAt:     now,
	}
	if err := s.store.CreateClient(ctx, c); err != nil {
		if errors.Is(err, store.ErrConflict) && in.RequestID != "" {
			return store.Client{}, "", ErrAlreadyCreated
		}
		return store.Client{}, "", fmt.Errorf("oauth: create client: %w", err)
	}
	s.audit(ctx, actor, "client.created", c.ID, fmt.Sprintf("name=%q purpose=%s grant=%s", c.Name, c.Purpose, c.Grant))
	return c, secret, nil
}

// UpdateClient changes what can change after creation. It returns a
// *ValidationError, store.ErrNotFound when the client is gone, or an internal error.
func (s *Service) UpdateClient(ctx context.Context, actor, id string, in ClientUpdate) (store.Client, error) {
	in.Name = strings.TrimSpace(in.Name)
	in.Access = normaliseAccess(in.Access)
	c, err := s.store.UpdateClient(ctx, id, func(c store.Client) (store.Client, error) {
		fields := map[string]string{}
		checkName(fields, in.Name)
		if c.Purpose == store.PurposeAPIAccess {
			checkAccess(fields, in.Access)
		}
		checkTokenLifetime(fields, in.TokenLifetime)
		if len(fields) > 0 {
			return c, &ValidationError{Fields: fields}
		}
		c.Name = in.Name
		if c.Purpose == store.PurposeAPIAccess {
			c.Access = in.Access
		}
		c.TokenLifetime = in.TokenLifetime
		c.UpdatedAt = s.now().UTC()
		return c, nil
	})
	if err != nil {
		if AsValidationError(err) != nil {
			return store.Client{}, err
		}
		return store.Client{}, fmt.Errorf("oauth: update client: %w", err)
	}
	s.audit(ctx, actor, "client.updated", c.ID, fmt.Sprintf("name=%q", c.Name))
	return c, nil
}

// DeleteClient deletes a client; every token it was issued is inactive from then
// on, because token checks look the client up. It returns store.ErrNotFound when
// there is no such client.
func (s *Service) DeleteClient(ctx context.Context, actor, id string) error {
	if err := s.store.DeleteClient(ctx, id); err != nil {
		return fmt.Errorf("oauth: delete client: %w", err)
	}
	s.audit(ctx, actor, "client.deleted", id, "")
	return nil
}

// normaliseClientInput trims the name, orders the access values and fills in the
// default token lifetime.
func normaliseClientInput(in ClientInput) ClientInput {
	if in.TokenLifetime == 0 {
		in.TokenLifetime = DefaultTokenLifetime
	}
	in.Name = strings.TrimSpace(in.Name)
	in.Access = normaliseAccess(in.Access)
	return in
}

// CheckClientInput returns every rule in breaks, as field name → message; none
// when it is valid. CreateClient applies it; the console calls it on its own only
// to list all errors of a form whose lifetime could not even be parsed.
func CheckClientInput(in ClientInput) map[string]string {
	in = normaliseClientInput(in)
	fields := map[string]string{}
	checkName(fields, in.Name)
	switch {
	case in.Purpose == "":
		fields[FieldPurpose] = "Select a purpose."
	case !slices.Contains(Purposes, in.Purpose):
		fields[FieldPurpose] = fmt.Sprintf("Purpose %q is not one of: %s.", in.Purpose, joinPurposes())
	default:
		checkAccess(fields, in.Access)
		grants := GrantsFor(in.Purpose)
		if in.Grant == "" {
			fields[FieldGrant] = "Select an authorization grant."
		} else if !slices.Contains(grants, in.Grant) {
			fields[FieldGrant] = fmt.Sprintf("Authorization grant %q is not one of: %s.", in.Grant, joinGrants(grants))
		}
		checkTokenLifetime(fields, in.TokenLifetime)
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
		if !slices.Contains(AccessValues, a) {
			fields[FieldAccess] = fmt.Sprintf("Access %q is not one of: %s.", a, strings.Join(AccessValues, ", "))
			return
		}
	}
}

func checkTokenLifetime(fields map[string]string, d time.Duration) {
	switch {
	case d%time.Second != 0:
		fields[FieldTokenLifetime] = "Use a whole number of seconds."
	case d < MinTokenLifetime || d > MaxTokenLifetime:
		fields[FieldTokenLifetime] = fmt.Sprintf("Enter a lifetime from %s to %s.", HumanDuration(MinTokenLifetime), HumanDuration(MaxTokenLifetime))
	}
}

// normaliseAccess trims, removes duplicates and orders access values as AccessValues.
func normaliseAccess(in []string) []string {
	var out []string
	for _, a := range in {
		a = strings.TrimSpace(a)
		if a != "" && !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	slices.SortStableFunc(out, func(a, b string) int {
		return indexOr(AccessValues, a) - indexOr(AccessValues, b)
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
	case s >= 120 && s%60 == 0: // 60 s stays "60 seconds", as DESIGN.md writes it
		return unit(s/60, "minute")
	}
	return unit(s, "second")
}
