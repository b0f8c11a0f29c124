package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the server's Prometheus metrics, in a registry of its own so that
// several servers in one process (tests) do not collide.
type metrics struct {
	registry      *prometheus.Registry
	tokensIssued  *prometheus.CounterVec
	tokensRefused *prometheus.CounterVec
	logins        *prometheus.CounterVec
	requests      *prometheus.HistogramVec
	// routes are the route patterns of the server, the only values of the
	// route label besides "unmatched"; set before the first request.
	routes map[string]bool
}

func newMetrics() *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		tokensIssued: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "appint_tokens_issued_total", Help: "Access tokens issued, by grant type.",
		}, []string{"grant_type"}),
		tokensRefused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "appint_tokens_refused_total", Help: "Token requests refused, by grant type and OAuth error code.",
		}, []string{"grant_type", "reason"}),
		logins: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "appint_console_logins_total", Help: "Console sign-in attempts, by result.",
		}, []string{"result"}),
		requests: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "appint_http_request_duration_seconds",
			Help:    "HTTP request latency, by route, method and status code (SCIM requests are the /api/v1/scim2 routes).",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route", "method", "status"}),
	}
	m.registry.MustRegister(m.tokensIssued, m.tokensRefused, m.logins, m.requests,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// grantLabel keeps the label set small: unknown grant types share one value.
func grantLabel(grantType string) string {
	switch grantType {
	case "client_credentials", "authorization_code", "refresh_token", "urn:ietf:params:oauth:grant-type:saml2-bearer":
		return grantType
	case "":
		return "none"
	}
	return "other"
}

// methodLabel maps a request method to a fixed set of values: net/http
// accepts any token as a method, and each new label value would be a new
// series kept forever (and a log field of the client's choosing).
func methodLabel(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return method
	}
	return "other"
}

// setRoutes records the server's route patterns, the only route label values.
func (m *metrics) setRoutes(routes []*echo.Route) {
	m.routes = make(map[string]bool, len(routes))
	for _, r := range routes {
		m.routes[r.Path] = true
	}
}

// observe records every request's latency under its route pattern, never the
// raw path (which would carry IDs), and its mapped method. A request that
// matched no route, or anything else that is not one of our patterns, is
// "unmatched": no label value comes from the client.
func (m *metrics) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		route := c.Path()
		if !m.routes[route] {
			route = "unmatched"
		}
		m.requests.WithLabelValues(route, methodLabel(c.Request().Method), strconv.Itoa(c.Response().Status)).
			Observe(time.Since(start).Seconds())
		return nil
	}
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}
