package scim

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"
)

// The scimType values of RFC 7644 §3.12, Table 9.
const (
	typeInvalidFilter = "invalidFilter"
	typeTooMany       = "tooMany"
	typeUniqueness    = "uniqueness"
	typeMutability    = "mutability"
	typeInvalidSyntax = "invalidSyntax"
	typeInvalidPath   = "invalidPath"
	typeNoTarget      = "noTarget"
	typeInvalidValue  = "invalidValue"
	typeInvalidVers   = "invalidVers"
)

// Message schema URNs of RFC 7644 §8.2.
const (
	schemaError        = "urn:ietf:params:scim:api:messages:2.0:Error"
	schemaListResponse = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	schemaPatchOp      = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	schemaSearch       = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
	schemaBulkRequest  = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
	schemaBulkResponse = "urn:ietf:params:scim:api:messages:2.0:BulkResponse"
)

// contentType is the media type of every SCIM response (RFC 7644 §8.1),
// exactly: some clients refuse one with a charset parameter.
const contentType = "application/scim+json"

// Error is a SCIM error response (RFC 7644 §3.12). Detail is safe to show to
// the caller: it never holds a password, a token or an internal error's text.
type Error struct {
	Status   int
	ScimType string
	Detail   string
}

func (e *Error) Error() string {
	return fmt.Sprintf("scim: %d %s: %s", e.Status, e.ScimType, e.Detail)
}

// errorBody is the JSON form of an Error: status is a string (§3.12).
type errorBody struct {
	Schemas  []string `json:"schemas"`
	Status   string   `json:"status"`
	ScimType string   `json:"scimType,omitempty"`
	Detail   string   `json:"detail,omitempty"`
}

func (e *Error) body() errorBody {
	return errorBody{Schemas: []string{schemaError}, Status: strconv.Itoa(e.Status), ScimType: e.ScimType, Detail: e.Detail}
}

func newError(status int, scimType, format string, args ...any) *Error {
	return &Error{Status: status, ScimType: scimType, Detail: fmt.Sprintf(format, args...)}
}

// badRequest returns a 400 error of the given scimType.
func badRequest(scimType, format string, args ...any) *Error {
	return newError(http.StatusBadRequest, scimType, format, args...)
}

func notFound(id string) *Error {
	return newError(http.StatusNotFound, "", "There is no user with id %q.", truncate(id, 80))
}

var errPrecondition = newError(http.StatusPreconditionFailed, "",
	"The user was changed since the version given in If-Match; read it again and retry.")

// asError returns err as an *Error, or nil when it is an internal failure.
func asError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// writeJSON writes v as application/scim+json.
func writeJSON(c echo.Context, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("scim: encode response: %w", err)
	}
	return c.Blob(status, contentType, b)
}

// writeError writes e in the RFC 7644 §3.12 shape.
func writeError(c echo.Context, e *Error) error {
	return writeJSON(c, e.Status, e.body())
}

// truncate shortens s, which came from the caller, for use in a message.
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
