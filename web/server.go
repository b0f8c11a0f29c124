// Package web serves the console, the OAuth endpoints and the APIs over HTTP with
// Echo. Handlers parse requests and render responses; the rules live in package
// oauth and the data in package store.
package web

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gorilla/sessions"
	"github.com/labstack/echo/v4"

	"github.com/appintegration/appintegration/oauth"
	"github.com/appintegration/appintegration/static"
	"github.com/appintegration/appintegration/store"
	"github.com/appintegration/appintegration/web/scim"
)

// Config configures a Server.
type Config struct {
	// Service makes every change and is the server's clock (Service.Now).
	Service *oauth.Service
	// Store is what the server reads straight from the store.
	Store Store
	// BaseURL is the public base URL; an https one makes cookies Secure.
	BaseURL string
	Logger  *slog.Logger
	// TrustedProxies are the addresses of reverse proxies or load balancers
	// whose X-Forwarded-For is believed; with none, the client address is the
	// connection's.
	TrustedProxies []*net.IPNet
}

// Store is what the server reads straight from the store, and where it keeps
// its session keys. It changes no record: every change goes through the
// Service, which keeps the rules, the client cache and the audit log.
type Store interface {
	scim.Reader
	GetClient(ctx context.Context, id string) (store.Client, error)
	SearchClients(ctx context.Context, q store.PageQuery) ([]store.Client, int, error)
	SearchUsers(ctx context.Context, q store.PageQuery) ([]store.User, int, error)
	GetIdentityProvider(ctx context.Context, id string) (store.IdentityProvider, error)
	ListIdentityProviders(ctx context.Context) ([]store.IdentityProvider, error)
	ListAudit(ctx context.Context, f store.AuditFilter) ([]store.AuditEvent, error)
	store.SecretStore
}

var _ Store = store.Store(nil)

// Server is the HTTP handler of App Integration.
type Server struct {
	svc      *oauth.Service
	store    Store
	log      *slog.Logger
	echo     *echo.Echo
	sessions *sessions.CookieStore
	csrfKey  []byte // HMAC key of the CSRF tokens
	origin   string // scheme://host of BaseURL, for the Origin check of console POSTs
	secure   bool
	proxies  []*net.IPNet
	metrics  *metrics
	limits   limiters
}

// Limits of what a request may carry. Larger ones are refused before work is done.
const (
	maxConsoleBody = 64 << 10
)

// New returns a Server. It reads (or creates, on first start) the session keys
// from the store, and returns an error when that fails or cfg is incomplete.
func New(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Service == nil || cfg.Store == nil {
		return nil, errors.New("web: config: service and store are required")
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("web: config: base URL %q is not absolute", cfg.BaseURL)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	keys, err := cfg.Store.Secret(ctx, "session-keys", func() ([]byte, error) {
		k := make([]byte, 64) // 32 bytes HMAC key, 32 bytes AES-256 key
		_, err := rand.Read(k)
		return k, err
	})
	if err != nil {
		return nil, fmt.Errorf("web: session keys: %w", err)
	}
	if len(keys) != 64 {
		return nil, errors.New("web: session keys: stored value has the wrong length")
	}
	csrfKey, err := cfg.Store.Secret(ctx, "csrf-key", func() ([]byte, error) {
		k := make([]byte, 32)
		_, err := rand.Read(k)
		return k, err
	})
	if err != nil {
		return nil, fmt.Errorf("web: CSRF key: %w", err)
	}
	if len(csrfKey) != 32 {
		return nil, errors.New("web: CSRF key: stored value has the wrong length")
	}
	s := &Server{
		svc:     cfg.Service,
		store:   cfg.Store,
		log:     cfg.Logger,
		origin:  u.Scheme + "://" + u.Host,
		secure:  u.Scheme == "https",
		proxies: cfg.TrustedProxies,
		csrfKey: csrfKey,
		metrics: newMetrics(),
		limits:  newLimiters(cfg.Service.Now),
	}
	s.sessions = sessions.NewCookieStore(keys[:32], keys[32:])
	s.sessions.Options = &sessions.Options{
		Path:     "/",
		MaxAge:   int(oauth.SessionLifetime.Seconds()),
		HttpOnly: true,
		Secure:   s.secure,
		SameSite: http.SameSiteLaxMode,
	}
	s.echo = s.routes()
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.echo.ServeHTTP(w, r)
}

// MetricsHandler returns the handler of the metrics listener: the server's
// Prometheus metrics at GET /metrics, 404 everywhere else. It is not part of
// ServeHTTP, so that metrics are never served on the public address.
func (s *Server) MetricsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.metrics.handler())
	return mux
}

func (s *Server) routes() *echo.Echo {
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = s.handleError
	e.IPExtractor = s.ipExtractor()
	e.Use(s.requestID, s.accessLog, s.metrics.observe, s.recoverPanic, securityHeaders)

	e.GET("/healthz", func(c echo.Context) error { return c.String(http.StatusOK, "ok\n") })
	e.GET("/readyz", s.ready)
	e.GET("/static/*", echo.WrapHandler(http.StripPrefix("/static/", staticHandler(http.FS(static.FS)))))
	e.GET("/favicon.ico", func(c echo.Context) error { return c.Redirect(http.StatusMovedPermanently, static.Path("favicon.svg")) })

	s.registerOAuthRoutes(e)
	s.registerConsoleRoutes(e)
	scim.Register(e, scim.Config{Service: s.svc, Users: s.store, Logger: s.log})
	s.metrics.setRoutes(e.Routes())
	return e
}

// ipExtractor finds the client address for rate limits and the audit log: the
// connection's, or, behind the configured proxies only, the nearest
// X-Forwarded-For entry they did not add. Nothing else is trusted, so that
// the limits cannot be dodged by sending the header.
func (s *Server) ipExtractor() echo.IPExtractor {
	if len(s.proxies) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, n := range s.proxies {
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

// ready answers 200 when the store answers a query, 503 otherwise.
func (s *Server) ready(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	if _, err := s.store.ListRoles(ctx); err != nil {
		s.log.Warn("readiness check failed", "err", err)
		return c.String(http.StatusServiceUnavailable, "store unreachable\n")
	}
	return c.String(http.StatusOK, "ready\n")
}

// staticHandler serves embedded assets; versioned URLs may be cached for a year.
func staticHandler(fsys http.FileSystem) http.Handler {
	files := http.FileServer(fsys)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") || r.URL.Path == "" {
			http.NotFound(w, r)
			return
		}
		if r.URL.Query().Has("v") {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		}
		files.ServeHTTP(w, r)
	})
}
