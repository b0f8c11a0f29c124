package oauth

import (
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
)

// Error is an OAuth 2.0 error response (RFC 6749 §5.2, RFC 7009 §2.2.1,
// RFC 7662 §2.3). Description is safe to show to the caller: it never holds a
// secret, an assertion or a token.
type Error struct {
	Code        string
	Description string
	Status      int
}

func (e *Error) Error() string {
	if e.Description == "" {
		return e.Code
	}
	return e.Code + ": " + e.Description
}

// Is makes errors.Is(err, ErrInvalidGrant) match any *Error with that code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// The RFC 6749 §5.2 error codes, as sentinels to compare with errors.Is.
var (
	ErrInvalidRequest       = &Error{Code: "invalid_request", Status: http.StatusBadRequest}
	ErrInvalidClient        = &Error{Code: "invalid_client", Status: http.StatusUnauthorized}
	ErrInvalidGrant         = &Error{Code: "invalid_grant", Status: http.StatusBadRequest}
	ErrUnauthorizedClient   = &Error{Code: "unauthorized_client", Status: http.StatusBadRequest}
	ErrUnsupportedGrantType = &Error{Code: "unsupported_grant_type", Status: http.StatusBadRequest}
	ErrInvalidScope         = &Error{Code: "invalid_scope", Status: http.StatusBadRequest}
	// ErrUnsupportedTokenType is RFC 7009 §2.2.1.
	ErrUnsupportedTokenType = &Error{Code: "unsupported_token_type", Status: http.StatusBadRequest}
)

// errorf returns a copy of the sentinel base with a description.
func errorf(base *Error, format string, args ...any) *Error {
	return &Error{Code: base.Code, Status: base.Status, Description: fmt.Sprintf(format, args...)}
}

// AsError returns err as an *Error, or nil when it is not one (an internal failure).
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// ValidationError lists every field of a client (or other input) that breaks a
// rule, as field name → message. Field names are those of the console form
// ("name", "purpose", "access", "grant", "token_lifetime").
type ValidationError struct {
	Fields map[string]string
}

func (e *ValidationError) Error() string {
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": " + e.Fields[k]
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

// AsValidationError returns err as a *ValidationError, or nil.
func AsValidationError(err error) *ValidationError {
	var e *ValidationError
	if errors.As(err, &e) {
		return e
	}
	return nil
}
