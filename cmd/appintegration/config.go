package main

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"net"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/appintegration/appintegration/oauth"
)

// Config is what every command needs to reach the store and name the server.
// Flags override environment variables, which override the defaults.
type Config struct {
	Addr       string // serve: listen address
	Data       string // directory of the embedded database
	DB         string // SQLite path, or a postgres:// URL
	BaseURL    string // public base URL; the token issuer
	SigningAlg string // serve: RS256, ES256 or EdDSA
	LogFormat  string // serve: text or json
	// MetricsAddr (serve) is the listen address of /metrics, apart from the
	// public one; empty (or "off") serves no metrics.
	MetricsAddr string
	// TrustedProxies (serve) are CIDRs whose X-Forwarded-For is believed.
	TrustedProxies string
	proxies        []*net.IPNet
	// MemoryLimit (serve) is the Go runtime's soft memory limit, as GOMEMLIMIT
	// writes it ("100MiB"), or "0" or "off" for none; empty leaves it to
	// GOMEMLIMIT, else defaultMemoryLimit.
	MemoryLimit string
	memoryLimit int64 // MemoryLimit in bytes; math.MaxInt64 for none
	// MasterKeyFile holds the master key that encrypts the keys in the
	// database (masterkey.go); masterKeyEnv is APPINT_MASTER_KEY, the key
	// itself, and masterKeyFileEnv APPINT_MASTER_KEY_FILE.
	MasterKeyFile    string
	masterKeyEnv     string
	masterKeyFileEnv string
}

// getenv is os.LookupEnv, passed in so that tests can set the environment.
type getenv func(string) (string, bool)

// get is the variable's value, "" when it is not set.
func (env getenv) get(name string) string {
	v, _ := env(name)
	return v
}

// commonFlags registers the flags every command shares.
func commonFlags(fs *flag.FlagSet, cfg *Config, env getenv) {
	fs.StringVar(&cfg.Data, "data", envOr(env, "APPINT_DATA", "./data"), "directory of the embedded SQLite database (env APPINT_DATA)")
	fs.StringVar(&cfg.DB, "db", env.get("APPINT_DB"), "SQLite file path, or a postgres:// URL (env APPINT_DB; default <data>/appintegration.db)")
	fs.StringVar(&cfg.BaseURL, "base-url", env.get("APPINT_BASE_URL"), "public base URL, the token issuer (env APPINT_BASE_URL; default http://<addr>)")
	fs.StringVar(&cfg.MasterKeyFile, "master-key-file", env.get("APPINT_MASTER_KEY_FILE"),
		"file holding the master key that encrypts the keys in the database, 32 random bytes in base64 (env APPINT_MASTER_KEY_FILE, or the key itself in APPINT_MASTER_KEY; default <data>/master.key, generated when missing)")
	cfg.masterKeyEnv, cfg.masterKeyFileEnv = env.get("APPINT_MASTER_KEY"), env.get("APPINT_MASTER_KEY_FILE")
	cfg.Addr = envOr(env, "APPINT_ADDR", "127.0.0.1:8080")
}

// serveFlags registers the flags only serve has.
func serveFlags(fs *flag.FlagSet, cfg *Config, env getenv) {
	fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "listen address (env APPINT_ADDR)")
	metricsAddr, set := env("APPINT_METRICS_ADDR") // set and empty disables them
	if !set {
		metricsAddr = defaultMetricsAddr
	}
	fs.StringVar(&cfg.MetricsAddr, "metrics-addr", metricsAddr,
		`listen address of the Prometheus metrics at /metrics, never the public one; "" or off disables them (env APPINT_METRICS_ADDR)`)
	fs.StringVar(&cfg.SigningAlg, "signing-alg", envOr(env, "APPINT_SIGNING_ALG", oauth.AlgRS256), "JWT signing algorithm: RS256, ES256 or EdDSA (env APPINT_SIGNING_ALG)")
	fs.StringVar(&cfg.LogFormat, "log-format", envOr(env, "APPINT_LOG_FORMAT", "text"), "log format: text or json (env APPINT_LOG_FORMAT)")
	fs.StringVar(&cfg.TrustedProxies, "trusted-proxies", env.get("APPINT_TRUSTED_PROXIES"),
		"comma-separated CIDRs of load balancers whose X-Forwarded-For is believed, e.g. 10.0.0.0/8 (env APPINT_TRUSTED_PROXIES)")
	fs.StringVar(&cfg.MemoryLimit, "memory-limit", env.get("APPINT_MEMORY_LIMIT"),
		"soft memory limit of the Go runtime, e.g. 512MiB or 2GiB; 0 or off for none (env APPINT_MEMORY_LIMIT; default GOMEMLIMIT when set, else 100MiB)")
}

// defaultMetricsAddr is where serve offers /metrics unless told otherwise:
// loopback, for a Prometheus (or agent) on the same machine.
const defaultMetricsAddr = "127.0.0.1:9464"

func envOr(env getenv, name, def string) string {
	if v := env.get(name); v != "" {
		return v
	}
	return def
}

// finish fills in the derived defaults and reports every problem at once.
func (cfg *Config) finish() error {
	var errs []error
	if cfg.DB == "" {
		cfg.DB = filepath.Join(cfg.Data, "appintegration.db")
	}
	if _, _, err := net.SplitHostPort(cfg.Addr); err != nil {
		errs = append(errs, fmt.Errorf("--addr: %q is not host:port", cfg.Addr))
	}
	if cfg.MetricsAddr == "off" {
		cfg.MetricsAddr = ""
	}
	if cfg.MetricsAddr != "" {
		if _, port, err := net.SplitHostPort(cfg.MetricsAddr); err != nil {
			errs = append(errs, fmt.Errorf("--metrics-addr: %q is not host:port (or off)", cfg.MetricsAddr))
		} else if cfg.MetricsAddr == cfg.Addr && port != "0" {
			errs = append(errs, fmt.Errorf("--metrics-addr: %q is the listen address; metrics need one of their own", cfg.MetricsAddr))
		}
	}
	if cfg.masterKeyEnv != "" && cfg.masterKeyFileEnv != "" && cfg.MasterKeyFile == cfg.masterKeyFileEnv {
		errs = append(errs, errors.New("APPINT_MASTER_KEY and APPINT_MASTER_KEY_FILE are both set: set one (--master-key-file overrides both)"))
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = "http://" + cfg.Addr
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if u, err := url.Parse(cfg.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.RawQuery != "" || u.Fragment != "" {
		errs = append(errs, fmt.Errorf("--base-url: %q is not an absolute http(s) URL without query or fragment", cfg.BaseURL))
	}
	if cfg.SigningAlg != "" && cfg.SigningAlg != oauth.AlgRS256 && cfg.SigningAlg != oauth.AlgES256 && cfg.SigningAlg != oauth.AlgEdDSA {
		errs = append(errs, fmt.Errorf("--signing-alg: %q is not one of RS256, ES256, EdDSA", cfg.SigningAlg))
	}
	if cfg.LogFormat != "" && cfg.LogFormat != "text" && cfg.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("--log-format: %q is not text or json", cfg.LogFormat))
	}
	for _, c := range strings.Split(cfg.TrustedProxies, ",") {
		if c = strings.TrimSpace(c); c == "" {
			continue
		}
		_, n, err := net.ParseCIDR(c)
		if err != nil {
			errs = append(errs, fmt.Errorf("--trusted-proxies: %q is not a CIDR such as 10.0.0.0/8", c))
			continue
		}
		cfg.proxies = append(cfg.proxies, n)
	}
	if cfg.MemoryLimit != "" {
		n, err := parseMemoryLimit(cfg.MemoryLimit)
		if err != nil {
			errs = append(errs, fmt.Errorf("--memory-limit: %w", err))
		}
		cfg.memoryLimit = n
	}
	return errors.Join(errs...)
}

// memoryUnits are the suffixes GOMEMLIMIT accepts, largest first.
var memoryUnits = []struct {
	suffix string
	shift  uint
}{{"TiB", 40}, {"GiB", 30}, {"MiB", 20}, {"KiB", 10}, {"B", 0}}

// parseMemoryLimit reads a memory limit the way the runtime reads GOMEMLIMIT
// (a number of bytes with an optional B, KiB, MiB, GiB or TiB suffix), and
// "0" or "off" as no limit (math.MaxInt64). It returns an error that says what
// is accepted for anything else.
func parseMemoryLimit(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if strings.EqualFold(s, "off") || s == "0" {
		return math.MaxInt64, nil
	}
	num, shift := s, uint(0)
	for _, u := range memoryUnits {
		if n, ok := strings.CutSuffix(s, u.suffix); ok {
			num, shift = strings.TrimSpace(n), u.shift
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n <= 0 || n > math.MaxInt64>>shift {
		return 0, fmt.Errorf("%q is not a size such as 512MiB or 2GiB, nor 0 or off", s)
	}
	return n << shift, nil
}
