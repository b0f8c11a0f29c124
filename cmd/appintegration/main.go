// Command appintegration runs the App Integration server and manages its OAuth
// clients from the command line.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"syscall"

	"github.com/appintegration/appintegration/oauth"
	"github.com/appintegration/appintegration/store/sealed"
	"github.com/appintegration/appintegration/store/sqlstore"
)

const usage = `appintegration — OAuth 2.0 authorization server and admin console

Usage:
  appintegration serve            run the server
  appintegration clients create   create an OAuth client (prints its secret once)
  appintegration clients list     list OAuth clients
  appintegration clients update   change what the console can change; extend a technical user
  appintegration clients delete   delete a client; its tokens stop working
  appintegration clients rotate-secret  a new secret; the old one works on for a while
  appintegration clients revoke-secret  stop the old secret of a rotation (--old)
  appintegration idps add        add a trusted identity provider (--metadata-file or --cert-file)
  appintegration idps list       list trusted identity providers and their certificates
  appintegration idps delete     delete a trusted identity provider
  appintegration saml check      run every check of the SAML2 bearer grant on an assertion
  appintegration sso show        print how people sign in, and this service's SAML SP URLs
  appintegration sso enable      make SAML single sign-on through a trusted IdP the way people sign in
  appintegration sso disable     make password sign-in the way people sign in again
  appintegration urls             print the OAuth Clients URLs
  appintegration keys rotate      publish a new signing key and retire the old one
  appintegration keys rewrap      re-encrypt the keys in the database under a new master key
  appintegration backup           copy the SQLite database while servers run

Every command takes --data, --db, --base-url and --master-key-file (or
APPINT_DATA, APPINT_DB, APPINT_BASE_URL, APPINT_MASTER_KEY_FILE or
APPINT_MASTER_KEY). Run "appintegration COMMAND --help" for its flags.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.LookupEnv))
}

// errUsage marks errors in how a command was called; they exit with status 2.
var errUsage = errors.New("usage")

// run executes one command and returns the process exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, env getenv) int {
	err := dispatch(ctx, args, stdout, stderr, env)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprintln(stderr, err)
		return 2
	default:
		fmt.Fprintln(stderr, "error:", err)
		return 1
	}
}

func dispatch(ctx context.Context, args []string, stdout, stderr io.Writer, env getenv) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("%w: no command given", errUsage)
	}
	cmd, rest := args[0], args[1:]
	sub := ""
	if len(rest) > 0 {
		sub = rest[0]
	}
	if cmd == "-h" || cmd == "--help" || cmd == "help" ||
		((cmd == "clients" || cmd == "idps" || cmd == "saml" || cmd == "sso" || cmd == "keys") && (sub == "-h" || sub == "--help" || sub == "help")) {
		fmt.Fprint(stdout, usage)
		return nil
	}
	switch cmd {
	case "serve":
		return serve(ctx, rest, stdout, stderr, env)
	case "urls":
		return urls(ctx, rest, stdout, stderr, env)
	case "clients":
		switch sub {
		case "create":
			return clientsCreate(ctx, rest[1:], stdout, stderr, env)
		case "list":
			return clientsList(ctx, rest[1:], stdout, stderr, env)
		case "update":
			return clientsUpdate(ctx, rest[1:], stdout, stderr, env)
		case "delete":
			return clientsDelete(ctx, rest[1:], stdout, stderr, env)
		case "rotate-secret":
			return clientsRotateSecret(ctx, rest[1:], stdout, stderr, env)
		case "revoke-secret":
			return clientsRevokeSecret(ctx, rest[1:], stdout, stderr, env)
		}
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("%w: clients needs one of: create, list, update, delete, rotate-secret, revoke-secret", errUsage)
	case "idps":
		switch sub {
		case "add":
			return idpsAdd(ctx, rest[1:], stdout, stderr, env)
		case "list":
			return idpsList(ctx, rest[1:], stdout, stderr, env)
		case "delete":
			return idpsDelete(ctx, rest[1:], stdout, stderr, env)
		}
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("%w: idps needs one of: add, list, delete", errUsage)
	case "saml":
		if sub == "check" {
			return samlCheck(ctx, rest[1:], stdout, stderr, env)
		}
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("%w: saml needs: check", errUsage)
	case "sso":
		switch sub {
		case "show":
			return ssoShow(ctx, rest[1:], stdout, stderr, env)
		case "enable":
			return ssoEnable(ctx, rest[1:], stdout, stderr, env)
		case "disable":
			return ssoDisable(ctx, rest[1:], stdout, stderr, env)
		}
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("%w: sso needs one of: show, enable, disable", errUsage)
	case "keys":
		switch sub {
		case "rotate":
			return keysRotate(ctx, rest[1:], stdout, stderr, env)
		case "rewrap":
			return keysRewrap(ctx, rest[1:], stdout, stderr, env)
		}
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("%w: keys needs one of: rotate, rewrap", errUsage)
	case "backup":
		return backup(ctx, rest, stdout, stderr, env)
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("%w: unknown command %q", errUsage, cmd)
}

// newFlagSet returns a flag set that prints its usage to stderr and returns
// errors instead of exiting.
func newFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: appintegration %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args and finishes cfg; usage problems wrap errUsage.
func parseFlags(fs *flag.FlagSet, args []string, cfg *Config) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if err := cfg.finish(); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	return nil
}

// openService opens the store named by cfg, sealed with its master key
// (openSealed), and the token service on it. The caller closes the store.
func openService(ctx context.Context, cfg Config, log *slog.Logger) (*sealed.Store, *oauth.Service, error) {
	st, err := openSealed(ctx, cfg, log)
	if err != nil {
		return nil, nil, err
	}
	svc, err := oauth.New(oauth.Config{Store: st, BaseURL: cfg.BaseURL, SigningAlg: cfg.SigningAlg, Logger: log})
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return st, svc, nil
}

// dbLabel names the database for logs and errors: a SQLite path as it is, a
// PostgreSQL URL by host and database only, so that no password (in the
// user info or the query) is ever written out.
func dbLabel(db string) string {
	if !sqlstore.IsPostgresURL(db) {
		return db
	}
	u, err := url.Parse(db)
	if err != nil {
		return "postgres://(unparsable URL)"
	}
	return "postgres://" + u.Host + u.Path
}

// cliActor names command-line changes in the audit log.
const cliActor = "cli"

// quietLogger logs only warnings and errors, for the commands other than serve.
func quietLogger(stderr io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// printJSON writes v as indented JSON, the --json output of every command.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
