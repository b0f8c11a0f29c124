package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"sync"
	"time"

	"github.com/appintegration/appintegration/web"
)

// Server limits; see README "Limits".
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeout      = 30 * time.Second
	idleTimeout       = 2 * time.Minute
	maxHeaderBytes    = 32 << 10
	shutdownTimeout   = 15 * time.Second
	pruneInterval     = 10 * time.Minute
	optimizeInterval  = 5 * time.Second
)

func serve(ctx context.Context, args []string, stdout, stderr io.Writer, env getenv) error {
	var cfg Config
	fs := newFlagSet("serve", "serve [flags]", stderr)
	commonFlags(fs, &cfg, env)
	serveFlags(fs, &cfg, env)
	if err := parseFlags(fs, args, &cfg); err != nil {
		return err
	}
	log := newLogger(stderr, cfg.LogFormat)
	tuneGC(cfg, env)

	st, svc, err := openService(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := svc.Init(ctx); err != nil {
		return err
	}
	password, err := svc.BootstrapAdmin(ctx, env.get("APPINT_ADMIN_PASSWORD"))
	if err != nil {
		return err
	}
	switch {
	case password != "" && env.get("APPINT_ADMIN_PASSWORD") != "":
		fmt.Fprintln(stdout, "Created the administrator ADMIN with the password from APPINT_ADMIN_PASSWORD.")
	case password != "":
		// Printed once, to the terminal, not through the logger.
		fmt.Fprintf(stdout, "Created the administrator ADMIN. Its password, shown only this once:\n\n    %s\n\n", password)
	}

	handler, err := web.New(ctx, web.Config{Service: svc, Store: st, BaseURL: cfg.BaseURL, Logger: log, TrustedProxies: cfg.proxies})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	servers := []listener{{httpServer(handler, log), ln}}
	metricsAddr := "off"
	if cfg.MetricsAddr != "" {
		mln, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			ln.Close()
			return fmt.Errorf("listen on %s (--metrics-addr): %w", cfg.MetricsAddr, err)
		}
		servers = append(servers, listener{httpServer(handler.MetricsHandler(), log), mln})
		metricsAddr = mln.Addr().String()
	}
	fmt.Fprintf(stdout, "App Integration is listening on http://%s — console at %s/\n", ln.Addr(), cfg.BaseURL)
	if cfg.MetricsAddr != "" {
		fmt.Fprintf(stdout, "Prometheus metrics at http://%s/metrics\n", metricsAddr)
	}
	log.Info("listening", "addr", ln.Addr().String(), "metrics_addr", metricsAddr, "base_url", cfg.BaseURL,
		"db", dbLabel(cfg.DB), "signing_alg", cfg.SigningAlg, "master_key", masterKeySource(cfg))

	go upkeepLoop(ctx, st.Store.(upkeep), svc.Now, log) // the database under the sealing
	errc := make(chan error, len(servers))
	for _, l := range servers {
		go func() { errc <- l.srv.Serve(l.ln) }()
	}
	running := len(servers)
	var failed error
	select {
	case err := <-errc:
		// One listener failed: stop the other as well, then report it.
		running--
		failed = fmt.Errorf("serve: %w", err)
		log.Error("a listener failed: shutting down", "err", err, "timeout", shutdownTimeout)
	case <-ctx.Done():
		log.Info("shutting down: finishing requests in flight", "timeout", shutdownTimeout)
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	shutdownErrs := make([]error, len(servers))
	var wg sync.WaitGroup
	for i, l := range servers {
		wg.Go(func() { shutdownErrs[i] = l.srv.Shutdown(sctx) })
	}
	wg.Wait()
	if err := svc.FlushSecretUse(sctx); err != nil {
		log.Warn("recording the last use of client secrets failed", "err", err)
	}
	for ; running > 0; running-- {
		if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) && failed == nil {
			failed = fmt.Errorf("serve: %w", err)
		}
	}
	if failed != nil {
		return failed
	}
	if err := errors.Join(shutdownErrs...); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}

// listener is an HTTP server and the socket it serves.
type listener struct {
	srv *http.Server
	ln  net.Listener
}

// httpServer returns a server of h with the limits of README "Limits".
func httpServer(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// upkeep is what the server does to its database now and then.
type upkeep interface {
	PruneExpired(context.Context, time.Time) error
	Optimize(context.Context) error
}

// upkeepLoop gathers the query planner's statistics where they are stale, at
// once and every optimizeInterval (a SCIM directory may load a million users
// in minutes; when nothing is stale this costs next to nothing), and deletes expired revocations, codes, refresh tokens,
// assertion IDs, sessions, SAML requests and client secrets every
// pruneInterval, by the Service's clock (the one that judged them).
func upkeepLoop(ctx context.Context, db upkeep, now func() time.Time, log *slog.Logger) {
	optimize := func() {
		if err := db.Optimize(ctx); err != nil && ctx.Err() == nil {
			log.Warn("gathering the database's statistics failed", "err", err)
		}
	}
	optimize()
	prune := time.NewTicker(pruneInterval)
	defer prune.Stop()
	stats := time.NewTicker(optimizeInterval)
	defer stats.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-stats.C:
			optimize()
		case <-prune.C:
			if err := db.PruneExpired(ctx, now()); err != nil && ctx.Err() == nil {
				log.Warn("prune revocations failed", "err", err)
			}
		}
	}
}

// Garbage-collector defaults of the server. A token request allocates ~25 KB
// of short-lived garbage, so collecting at 4× the live heap instead of 2× saves
// ~15% CPU under load (BENCHMARKS.md); GOGC overrides it. The soft memory limit
// makes the collector work harder before the process grows past it, whatever
// GOGC allows: --memory-limit (APPINT_MEMORY_LIMIT), else GOMEMLIMIT, else
// 100 MiB. README lists it among the settings.
const (
	defaultGCPercent   = 400
	defaultMemoryLimit = 100 << 20
)

// tuneGC applies the garbage-collector settings of cfg; the runtime has
// already applied GOGC and GOMEMLIMIT from the environment.
func tuneGC(cfg Config, env getenv) {
	if env.get("GOGC") == "" {
		debug.SetGCPercent(defaultGCPercent)
	}
	switch {
	case cfg.MemoryLimit != "":
		debug.SetMemoryLimit(cfg.memoryLimit)
	case env.get("GOMEMLIMIT") == "":
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
}

func newLogger(w io.Writer, format string) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}
