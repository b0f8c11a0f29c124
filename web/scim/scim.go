// Package scim serves the SCIM 2.0 Users API for User Provisioning (RFC 7643,
// RFC 7644) under /api/v1/scim2, for clients holding an access token with the
// user_provisioning scope. It maps SCIM to the service and back: filters and
// PATCH paths are parsed by hand into a small AST, resources become
// oauth.UserInput and users become resources; tokens, who may provision and
// every rule of a user change are package oauth's, the users are kept in
// package store.
package scim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"

	"github.com/labstack/echo/v4"

	"github.com/appintegration/appintegration/oauth"
	"github.com/appintegration/appintegration/store"
)

// BasePath is where the SCIM endpoints are served.
const BasePath = "/api/v1/scim2"

// Limits this service advertises in ServiceProviderConfig and enforces.
const (
	// MaxPayloadSize is the largest request body, also the bulk limit.
	MaxPayloadSize = 1 << 20
	// MaxBulkOperations is the most operations one bulk request may hold.
	MaxBulkOperations = 30
	// MaxResults is the largest page of a list or search (and the default).
	MaxResults = 200
)

// Config configures the SCIM API.
type Config struct {
	// Service checks tokens and makes every change to users, under its rules.
	Service *oauth.Service
	// Users is what the API reads straight from the store.
	Users Reader
	// Logger receives internal errors; slog.Default() when nil.
	Logger *slog.Logger
}

// Reader is what the SCIM API reads from the store: users and the role
// catalog. It writes nothing itself: users change through the Service, which
// keeps the rules, the versions and the audit log.
type Reader interface {
	GetUser(ctx context.Context, id string) (store.User, error)
	QueryUsers(ctx context.Context, q store.UserQuery) ([]store.User, int, error)
	store.RoleStore
}

// handler serves the SCIM endpoints.
type handler struct {
	svc   *oauth.Service
	users Reader
	log   *slog.Logger
}

// Register adds the SCIM 2.0 routes under BasePath and GET /api/v1/csrf to e.
// They authenticate with bearer tokens only: no session, no console CSRF
// check. Register cannot fail; a Config without Service or Users panics, as
// that is a wiring mistake.
func Register(e *echo.Echo, cfg Config) {
	if cfg.Service == nil || cfg.Users == nil {
		panic("scim: Register needs a Service and Users")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	h := &handler{svc: cfg.Service, users: cfg.Users, log: cfg.Logger}

	e.GET("/api/v1/csrf", h.csrf, h.errors, h.recover, h.authenticate(false))

	g := e.Group(BasePath, h.errors, h.recover, limitBody, h.authenticate(true))
	// Any first, so that a method a path does not support gets a SCIM 405
	// rather than the console's error page; the routes below replace it for
	// the methods they serve.
	for _, p := range []string{"/Users", "/Users/.search", "/Users/:id", "/Groups", "/Groups/.search", "/Groups/:id", "/Bulk",
		"/ServiceProviderConfig", "/Schemas", "/Schemas/:id", "/ResourceTypes", "/ResourceTypes/:id"} {
		g.Any(p, methodNotAllowed)
	}
	g.GET("/Users", h.list)
	g.POST("/Users", h.create)
	g.POST("/Users/.search", h.search)
	g.GET("/Users/:id", h.get)
	g.PUT("/Users/:id", h.replace)
	g.PATCH("/Users/:id", h.patch)
	g.DELETE("/Users/:id", h.delete)
	h.registerGroups(g)
	g.POST("/Bulk", h.bulk)
	g.GET("/ServiceProviderConfig", h.serviceProviderConfig)
	g.GET("/Schemas", h.schemas)
	g.GET("/Schemas/:id", h.schema)
	g.GET("/ResourceTypes", h.resourceTypes)
	g.GET("/ResourceTypes/:id", h.resourceType)
	g.RouteNotFound("/*", func(echo.Context) error {
		return newError(http.StatusNotFound, "", "There is no SCIM endpoint at this path; see %s/ResourceTypes.", BasePath)
	})
}

func methodNotAllowed(c echo.Context) error {
	return newError(http.StatusMethodNotAllowed, "", "%s is not supported on this endpoint.", c.Request().Method)
}

// errors turns every error of the SCIM handlers into an RFC 7644 §3.12
// response. Internal errors are logged with the request ID and answered with
// a detail that holds no internal text.
func (h *handler) errors(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		// Responses carry personal data: no cache may keep them.
		c.Response().Header().Set("Cache-Control", "no-store")
		err := next(c)
		if err == nil || c.Response().Committed {
			return err
		}
		if e := asError(err); e != nil {
			return writeError(c, e)
		}
		var he *echo.HTTPError
		if errors.As(err, &he) && he.Code < 500 {
			return writeError(c, newError(he.Code, "", "%s", http.StatusText(he.Code)))
		}
		rid := c.Response().Header().Get(echo.HeaderXRequestID)
		h.log.ErrorContext(c.Request().Context(), "scim: internal error", "request_id", rid, "path", c.Request().URL.Path, "err", err)
		return writeError(c, newError(http.StatusInternalServerError, "",
			"Something went wrong on our side. Try again; if it keeps happening, give the administrator this request ID: %s.", rid))
	}
}

// recover turns a panic into an internal error answered in SCIM form.
func (h *handler) recover(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				h.log.Error("scim: panic", "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
				err = errors.New("scim: panic in handler")
			}
		}()
		return next(c)
	}
}

// limitBody refuses bodies over MaxPayloadSize with 413 (RFC 7644 §3.7.4).
func limitBody(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.ContentLength > MaxPayloadSize {
			return errTooLarge
		}
		r.Body = http.MaxBytesReader(c.Response(), r.Body, MaxPayloadSize)
		return next(c)
	}
}

var errTooLarge = newError(http.StatusRequestEntityTooLarge, "",
	"The request body is larger than maxPayloadSize (%d bytes).", MaxPayloadSize)

// readBody reads the request body, answering 413 when it is too large.
func readBody(c echo.Context) ([]byte, error) {
	b, err := io.ReadAll(c.Request().Body)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, errTooLarge
	}
	if err != nil {
		return nil, fmt.Errorf("scim: read body: %w", err)
	}
	return b, nil
}

// base is the absolute URL of the SCIM API, the prefix of every resource's
// meta.location.
func (h *handler) base() string { return h.svc.Issuer() + BasePath }

// location is the absolute URL of the user with id (meta.location).
func (h *handler) location(id string) string { return h.base() + "/Users/" + id }
