package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/appintegration/appintegration/oauth"
	"github.com/appintegration/appintegration/store"
)

// cliActor names command-line changes in the audit log.
const cliActor = "cli"

// clientJSON is a client in RFC 7591 §3.2.1 names, plus our own fields.
type clientJSON struct {
	ClientID              string   `json:"client_id"`
	ClientSecret          string   `json:"client_secret,omitempty"`
	ClientName            string   `json:"client_name"`
	ClientIDIssuedAt      int64    `json:"client_id_issued_at"`
	ClientSecretExpiresAt int64    `json:"client_secret_expires_at"`
	GrantTypes            []string `json:"grant_types"`
	Scope                 string   `json:"scope"`
	TokenEndpointAuth     string   `json:"token_endpoint_auth_method"`
	Purpose               string   `json:"purpose"`
	TokenLifetime         int64    `json:"access_token_lifetime"`
}

func toClientJSON(c store.Client, secret string) clientJSON {
	grantType := oauth.GrantTypeClientCredentials
	if c.Grant == store.GrantSAML2Bearer {
		grantType = oauth.GrantTypeSAML2Bearer
	}
	return clientJSON{
		ClientID: c.ID, ClientSecret: secret, ClientName: c.Name,
		ClientIDIssuedAt: c.CreatedAt.Unix(), GrantTypes: []string{grantType},
		Scope: strings.Join(oauth.ClientScopes(c), " "), TokenEndpointAuth: "client_secret_basic",
		Purpose: cliPurpose(c.Purpose), TokenLifetime: int64(c.TokenLifetime / time.Second),
	}
}

// Command-line spellings of purposes: api-access (api_access is accepted too).
func cliPurpose(p store.Purpose) string { return strings.ReplaceAll(string(p), "_", "-") }

func parsePurpose(s string) store.Purpose {
	return store.Purpose(strings.ReplaceAll(strings.ToLower(strings.TrimSpace(s)), "-", "_"))
}

// parseLifetime accepts a Go duration ("15m", "1h30m") or whole seconds ("900").
func parseLifetime(s string) (time.Duration, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n > int64(oauth.MaxTokenLifetime/time.Second)*2 {
			n = int64(oauth.MaxTokenLifetime/time.Second) * 2 // out of range; kept from overflowing
		}
		return time.Duration(n) * time.Second, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration such as 15m, 1h or 900 (seconds)", s)
	}
	return d, nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// flagNames maps rule field names to the flags that set them.
var flagNames = map[string]string{
	oauth.FieldName: "--name", oauth.FieldPurpose: "--purpose", oauth.FieldAccess: "--access",
	oauth.FieldGrant: "--grant", oauth.FieldTokenLifetime: "--token-lifetime",
}

// validationUsage turns a *ValidationError into one line per flag, with the
// console's messages.
func validationUsage(err error) error {
	ve := oauth.AsValidationError(err)
	if ve == nil {
		return err
	}
	var lines []string
	for field, msg := range ve.Fields {
		name := flagNames[field]
		if name == "" {
			name = field
		}
		lines = append(lines, name+": "+msg)
	}
	sort.Strings(lines)
	return fmt.Errorf("%w: %s", errUsage, strings.Join(lines, "\n"))
}

func quietLogger(stderr io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

func clientsCreate(ctx context.Context, args []string, stdout, stderr io.Writer, env getenv) error {
	var cfg Config
	fs := newFlagSet("clients create", "clients create --name NAME --access user_provisioning[,content_network] [flags]", stderr)
	commonFlags(fs, &cfg, env)
	name := fs.String("name", "", "client name, shown in the console (required)")
	purpose := fs.String("purpose", "api-access", "purpose: api-access")
	access := fs.String("access", "", "comma-separated access: user_provisioning, content_network (at least one)")
	grant := fs.String("grant", string(store.GrantClientCredentials), "authorization grant: client_credentials or saml2_bearer")
	lifetime := fs.String("token-lifetime", oauth.DefaultTokenLifetime.String(), "access token lifetime, 60s to 24h (e.g. 15m)")
	asJSON := fs.Bool("json", false, "print the client as JSON (RFC 7591 names)")
	if err := parseFlags(fs, args, &cfg); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	d, err := parseLifetime(*lifetime)
	if err != nil {
		return fmt.Errorf("%w: --token-lifetime: %v", errUsage, err)
	}
	st, svc, err := openService(ctx, cfg, quietLogger(stderr))
	if err != nil {
		return err
	}
	defer st.Close()
	c, secret, err := svc.CreateClient(ctx, cliActor, oauth.ClientInput{
		Name: *name, Purpose: parsePurpose(*purpose), Access: splitList(*access),
		Grant: store.Grant(strings.TrimSpace(*grant)), TokenLifetime: d,
	})
	if err != nil {
		return validationUsage(err)
	}
	if *asJSON {
		return printJSON(stdout, toClientJSON(c, secret))
	}
	u := svc.URLs()
	fmt.Fprintf(stdout, "Created OAuth client %q. Copy the secret now: it cannot be shown again.\n\n", c.Name)
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "Client ID:\t%s\n", c.ID)
	fmt.Fprintf(tw, "Secret:\t%s\n", secret)
	if c.Grant == store.GrantSAML2Bearer {
		fmt.Fprintf(tw, "OAuth2SAML Token URL:\t%s\n", u.SAML2TokenURL)
		fmt.Fprintf(tw, "OAuth2SAML Audience:\t%s\n", u.SAML2Audience)
	} else {
		fmt.Fprintf(tw, "Authorization URL:\t%s\n", u.AuthorizationURL)
		fmt.Fprintf(tw, "Token URL:\t%s\n", u.TokenURL)
	}
	return tw.Flush()
}

func clientsList(ctx context.Context, args []string, stdout, stderr io.Writer, env getenv) error {
	var cfg Config
	fs := newFlagSet("clients list", "clients list [--json]", stderr)
	commonFlags(fs, &cfg, env)
	asJSON := fs.Bool("json", false, "print JSON (RFC 7591 names; never a secret)")
	if err := parseFlags(fs, args, &cfg); err != nil {
		return err
	}
	st, _, err := openService(ctx, cfg, quietLogger(stderr))
	if err != nil {
		return err
	}
	defer st.Close()
	clients, err := st.ListClients(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		out := make([]clientJSON, 0, len(clients))
		for _, c := range clients {
			out = append(out, toClientJSON(c, ""))
		}
		return printJSON(stdout, out)
	}
	if len(clients) == 0 {
		fmt.Fprintln(stdout, "No OAuth clients yet. Create one with: appintegration clients create --name NAME --access user_provisioning")
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CLIENT ID\tNAME\tPURPOSE\tGRANT\tSCOPE\tTOKEN LIFETIME\tCREATED")
	for _, c := range clients {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.ID, c.Name, cliPurpose(c.Purpose), c.Grant,
			strings.Join(oauth.ClientScopes(c), ","), c.TokenLifetime, c.CreatedAt.UTC().Format(time.RFC3339))
	}
	return tw.Flush()
}

func clientsUpdate(ctx context.Context, args []string, stdout, stderr io.Writer, env getenv) error {
	var cfg Config
	fs := newFlagSet("clients update", "clients update CLIENT_ID [--name NAME] [--access LIST] [--token-lifetime D]", stderr)
	commonFlags(fs, &cfg, env)
	name := fs.String("name", "", "new name")
	access := fs.String("access", "", "new comma-separated access: user_provisioning, content_network")
	lifetime := fs.String("token-lifetime", "", "new access token lifetime, 60s to 24h")
	asJSON := fs.Bool("json", false, "print the client as JSON")
	id, err := parseWithID(fs, args, &cfg)
	if err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	st, svc, err := openService(ctx, cfg, quietLogger(stderr))
	if err != nil {
		return err
	}
	defer st.Close()
	old, err := st.GetClient(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no OAuth client has the ID %q", id)
	} else if err != nil {
		return err
	}
	in := oauth.ClientUpdate{Name: old.Name, Access: old.Access, TokenLifetime: old.TokenLifetime}
	if set["name"] {
		in.Name = *name
	}
	if set["access"] {
		in.Access = splitList(*access)
	}
	if set["token-lifetime"] {
		if in.TokenLifetime, err = parseLifetime(*lifetime); err != nil {
			return fmt.Errorf("%w: --token-lifetime: %v", errUsage, err)
		}
	}
	c, err := svc.UpdateClient(ctx, cliActor, id, in)
	if err != nil {
		return validationUsage(err)
	}
	if *asJSON {
		return printJSON(stdout, toClientJSON(c, ""))
	}
	fmt.Fprintf(stdout, "Updated OAuth client %s (%q).\n", c.ID, c.Name)
	return nil
}

func clientsDelete(ctx context.Context, args []string, stdout, stderr io.Writer, env getenv) error {
	var cfg Config
	fs := newFlagSet("clients delete", "clients delete CLIENT_ID", stderr)
	commonFlags(fs, &cfg, env)
	id, err := parseWithID(fs, args, &cfg)
	if err != nil {
		return err
	}
	st, svc, err := openService(ctx, cfg, quietLogger(stderr))
	if err != nil {
		return err
	}
	defer st.Close()
	if err := svc.DeleteClient(ctx, cliActor, id); errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no OAuth client has the ID %q", id)
	} else if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Deleted OAuth client %s. Its tokens no longer work.\n", id)
	return nil
}

// parseWithID parses flags that may come before or after one CLIENT_ID argument.
func parseWithID(fs *flag.FlagSet, args []string, cfg *Config) (string, error) {
	var id string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		id, args = args[0], args[1:]
	}
	if err := parseFlags(fs, args, cfg); err != nil {
		return "", err
	}
	if id == "" && fs.NArg() > 0 {
		id = fs.Arg(0)
	} else if fs.NArg() > 0 {
		return "", fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	if id == "" {
		fs.Usage()
		return "", fmt.Errorf("%w: CLIENT_ID is required", errUsage)
	}
	return id, nil
}

func urls(ctx context.Context, args []string, stdout, stderr io.Writer, env getenv) error {
	var cfg Config
	fs := newFlagSet("urls", "urls [--json]", stderr)
	commonFlags(fs, &cfg, env)
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseFlags(fs, args, &cfg); err != nil {
		return err
	}
	u := oauth.URLsFor(cfg.BaseURL)
	if *asJSON {
		return printJSON(stdout, u)
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "Authorization URL:\t%s\n", u.AuthorizationURL)
	fmt.Fprintf(tw, "Token URL:\t%s\n", u.TokenURL)
	fmt.Fprintf(tw, "OAuth2SAML Token URL:\t%s\n", u.SAML2TokenURL)
	fmt.Fprintf(tw, "OAuth2SAML Audience:\t%s\n", u.SAML2Audience)
	return tw.Flush()
}

func keysRotate(ctx context.Context, args []string, stdout, stderr io.Writer, env getenv) error {
	var cfg Config
	fs := newFlagSet("keys rotate", "keys rotate [--publish-for 2m] [--signing-alg ALG]", stderr)
	commonFlags(fs, &cfg, env)
	fs.StringVar(&cfg.SigningAlg, "signing-alg", envOr(env, "APPINT_SIGNING_ALG", oauth.AlgRS256), "algorithm of the new key: RS256, ES256 or EdDSA (env APPINT_SIGNING_ALG)")
	publishFor := fs.Duration("publish-for", 2*time.Minute, "how long the new key is published before it signs, so that JWKS caches pick it up")
	if err := parseFlags(fs, args, &cfg); err != nil {
		return err
	}
	if *publishFor < 0 {
		return fmt.Errorf("%w: --publish-for must not be negative", errUsage)
	}
	st, svc, err := openService(ctx, cfg, quietLogger(stderr))
	if err != nil {
		return err
	}
	defer st.Close()
	kid, err := svc.RotateKey(ctx, cliActor, *publishFor)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "New %s signing key %s is published now and signs from %s.\nThe keys it replaces stay published until their last token has expired.\n",
		cfg.SigningAlg, kid, time.Now().Add(*publishFor).UTC().Format(time.RFC3339))
	return nil
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
