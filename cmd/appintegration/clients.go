package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/appintegration/appintegration/oauth"
	"github.com/appintegration/appintegration/store"
)

// clientJSON is a client in RFC 7591 §3.2.1 names, plus our own fields.
type clientJSON struct {
	ClientID              string   `json:"client_id"`
	ClientSecret          string   `json:"client_secret,omitempty"`
	ClientName            string   `json:"client_name"`
	ClientIDIssuedAt      int64    `json:"client_id_issued_at"`
	ClientSecretExpiresAt int64    `json:"client_secret_expires_at"` // 0: never (RFC 7591 §3.2.1)
	GrantTypes            []string `json:"grant_types"`
	ResponseTypes         []string `json:"response_types,omitempty"`
	RedirectURIs          []string `json:"redirect_uris,omitempty"`
	Scope                 string   `json:"scope"`
	TokenEndpointAuth     string   `json:"token_endpoint_auth_method"`
	Purpose               string   `json:"purpose"`
	TokenLifetime         int64    `json:"access_token_lifetime"`
	RefreshTokenLifetime  int64    `json:"refresh_token_lifetime,omitempty"`
	RequirePKCE           *bool    `json:"require_pkce,omitempty"` // Interactive Usage
	UserID                string   `json:"user_id,omitempty"`      // a Technical User's User ID
	Roles                 []string `json:"roles,omitempty"`
	Expired               bool     `json:"expired,omitempty"`
	// Secrets says when each secret was made, expires and was last used.
	Secrets []secretJSON `json:"client_secrets"`
}

// clientView is what the commands print about a client, with what only the
// store knows (a Technical User's user, the scopes of its roles).
type clientView struct {
	c      store.Client
	user   store.User
	scopes []string
}

// viewClient looks up what the output of c needs.
func viewClient(ctx context.Context, st store.UserStore, svc *oauth.Service, c store.Client) (clientView, error) {
	v := clientView{c: c}
	if rule, _ := oauth.LookupPurpose(c.Purpose); rule.OwnUser {
		u, err := st.GetUser(ctx, c.UserID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return v, err
		}
		v.user = u
	}
	// For Interactive Usage every scope a user may hold; each token gets its
	// user's. A Technical User whose user is missing has none (an *Error).
	scopes, err := svc.AllowedScopes(ctx, c)
	if err != nil && oauth.AsError(err) == nil {
		return v, err
	}
	v.scopes = scopes
	return v, nil
}

func toClientJSON(v clientView, secret string, now time.Time) clientJSON {
	c := v.c
	rule, _ := oauth.LookupPurpose(c.Purpose)
	out := clientJSON{
		ClientID: c.ID, ClientSecret: secret, ClientName: c.Name,
		ClientIDIssuedAt: c.CreatedAt.Unix(), GrantTypes: oauth.GrantTypes(c.Grant),
		Scope: strings.Join(v.scopes, " "), TokenEndpointAuth: "client_secret_basic",
		Purpose: cliPurpose(c.Purpose), TokenLifetime: int64(c.TokenLifetime / time.Second),
		Secrets: secretsJSON(c, now),
	}
	if slices.Contains(out.GrantTypes, oauth.GrantTypeAuthorizationCode) {
		out.ResponseTypes = []string{"code"}
	}
	if rule.Has(oauth.FieldRedirectURIs) {
		out.RedirectURIs = c.RedirectURIs
	}
	if rule.Has(oauth.FieldRefreshTokenLifetime) {
		out.RefreshTokenLifetime = int64(c.RefreshTokenLifetime / time.Second)
	}
	if rule.Has(oauth.FieldRequirePKCE) {
		out.RequirePKCE = new(c.RequirePKCE)
	}
	if rule.OwnUser {
		out.UserID, out.Roles = v.user.UserName, v.user.Roles
	}
	if rule.Expires {
		out.ClientSecretExpiresAt = c.ExpiresAt.Unix() // the secret stops working then
		out.Expired = oauth.IsExpired(c, now)
	}
	return out
}

// Command-line spellings of purposes: api-access (api_access is accepted too).
func cliPurpose(p store.Purpose) string { return strings.ReplaceAll(string(p), "_", "-") }

func parsePurpose(s string) store.Purpose {
	return store.Purpose(strings.ReplaceAll(strings.ToLower(strings.TrimSpace(s)), "-", "_"))
}

// parseLifetime accepts a Go duration ("15m", "1h30m") or whole seconds ("900").
func parseLifetime(s string) (time.Duration, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if limit := int64(oauth.MaxRefreshTokenLifetime/time.Second) * 2; n > limit {
			n = limit // out of every range; kept from overflowing
		}
		return time.Duration(n) * time.Second, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration such as 15m, 1h or 900 (seconds)", s)
	}
	return d, nil
}

// parseExpiry accepts a date (2027-03-01: the client works until the end of
// that day, UTC) or a duration from now (2160h).
func parseExpiry(s string, now time.Time) (time.Time, error) {
	if day, err := time.Parse(time.DateOnly, s); err == nil {
		return oauth.ExpiresAtEndOf(day), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither a date such as 2027-03-01 nor a duration such as 2160h", s)
	}
	return now.Add(d), nil
}

// stringList is a repeatable flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

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
	oauth.FieldRedirectURIs: "--redirect-uri", oauth.FieldRefreshTokenLifetime: "--refresh-token-lifetime",
	oauth.FieldUserID: "--user-id", oauth.FieldRoles: "--roles", oauth.FieldExpiresAt: "--expires",
	oauth.FieldOldSecretExpires: "--old-secret-expires",
	oauth.FieldRequirePKCE:      "--require-pkce",
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

// requirePKCEUsage is the help of --require-pkce.
const requirePKCEUsage = "interactive-usage: require PKCE (S256) in authorization requests; --require-pkce=false only for tools that cannot send PKCE, such as the SAP Datasphere CLI (a code_challenge sent is checked either way)"

func clientsCreate(ctx context.Context, args []string, stdout, stderr io.Writer, env getenv) error {
	var cfg Config
	fs := newFlagSet("clients create", "clients create --name NAME [--purpose api-access|interactive-usage|technical-user] [flags]", stderr)
	commonFlags(fs, &cfg, env)
	name := fs.String("name", "", "client name, shown in the console (required)")
	purpose := fs.String("purpose", "api-access", "purpose: api-access, interactive-usage or technical-user")
	access := fs.String("access", "", "api-access: comma-separated access: user_provisioning, content_network (at least one)")
	grant := fs.String("grant", "", "api-access: authorization grant, client_credentials (default) or saml2_bearer")
	lifetime := fs.String("token-lifetime", "", "access token lifetime, e.g. 15m (default 1h; technical-user: 24h, at least 1h; at most 24h)")
	var redirectURIs stringList
	fs.Var(&redirectURIs, "redirect-uri", "interactive-usage: a redirect URI (repeat for more); a path ending in /** is a wildcard")
	refresh := fs.String("refresh-token-lifetime", "", "interactive-usage: refresh token lifetime, 60s to 4320h (default 720h)")
	requirePKCE := fs.Bool("require-pkce", true, requirePKCEUsage)
	userID := fs.String("user-id", "", "technical-user: User ID of its user, ^[A-Z0-9_]{1,20}$, unique")
	roles := fs.String("roles", "", `technical-user: comma-separated roles, e.g. "DW Administrator,DW Integrator"`)
	expires := fs.String("expires", "", "technical-user: expiry date (2027-03-01) or duration from now (2160h); 7 days to 20 years (default 3 months)")
	asJSON := fs.Bool("json", false, "print the client as JSON (RFC 7591 names)")
	if err := parseFlags(fs, args, &cfg); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	in := oauth.ClientInput{
		Name: *name, Purpose: parsePurpose(*purpose), Access: splitList(*access),
		Grant: store.Grant(strings.TrimSpace(*grant)), RedirectURIs: redirectURIs,
		RequirePKCE: requirePKCE, UserID: *userID, Roles: splitList(*roles),
	}
	if rule, ok := oauth.LookupPurpose(in.Purpose); ok && in.Grant == "" {
		in.Grant = rule.Grants[0] // the default grant
	}
	var err error
	if *lifetime != "" {
		if in.TokenLifetime, err = parseLifetime(*lifetime); err != nil {
			return fmt.Errorf("%w: --token-lifetime: %v", errUsage, err)
		}
	}
	if *refresh != "" {
		if in.RefreshTokenLifetime, err = parseLifetime(*refresh); err != nil {
			return fmt.Errorf("%w: --refresh-token-lifetime: %v", errUsage, err)
		}
	}
	st, svc, err := openService(ctx, cfg, quietLogger(stderr))
	if err != nil {
		return err
	}
	defer st.Close()
	if *expires != "" {
		if in.ExpiresAt, err = parseExpiry(*expires, svc.Now()); err != nil {
			return fmt.Errorf("%w: --expires: %v", errUsage, err)
		}
	}
	c, secret, err := svc.CreateClient(ctx, cliActor, in)
	if err != nil {
		return validationUsage(err)
	}
	v, err := viewClient(ctx, st, svc, c)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(stdout, toClientJSON(v, secret, svc.Now()))
	}
	fmt.Fprintf(stdout, "Created OAuth client %q. Copy the secret now: it cannot be shown again.\n\n", c.Name)
	return printSecret(stdout, svc, v, secret)
}

// printSecret prints a client's ID, its secret and what to hand over, as the
// console's dialog shows them.
func printSecret(stdout io.Writer, svc *oauth.Service, v clientView, secret string) error {
	c := v.c
	u := svc.URLs()
	rule, _ := oauth.LookupPurpose(c.Purpose)
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "Client ID:\t%s\n", c.ID)
	fmt.Fprintf(tw, "Secret:\t%s\n", secret)
	for _, n := range rule.HandoverFor(c.Grant) {
		fmt.Fprintf(tw, "%s:\t%s\n", n.Label(), u.Get(n))
	}
	if rule.OwnUser {
		fmt.Fprintf(tw, "User ID:\t%s\n", v.user.UserName)
	}
	if rule.Expires {
		fmt.Fprintf(tw, "Expires:\tend of %s (UTC)\n", oauth.ExpiryDate(c.ExpiresAt))
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
	st, svc, err := openService(ctx, cfg, quietLogger(stderr))
	if err != nil {
		return err
	}
	defer st.Close()
	clients, err := st.ListClients(ctx)
	if err != nil {
		return err
	}
	views := make([]clientView, 0, len(clients))
	for _, c := range clients {
		v, err := viewClient(ctx, st, svc, c)
		if err != nil {
			return err
		}
		views = append(views, v)
	}
	now := svc.Now()
	if *asJSON {
		out := make([]clientJSON, 0, len(clients))
		for _, v := range views {
			out = append(out, toClientJSON(v, "", now))
		}
		return printJSON(stdout, out)
	}
	if len(clients) == 0 {
		fmt.Fprintln(stdout, "No OAuth clients yet. Create one with: appintegration clients create --name NAME --access user_provisioning")
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CLIENT ID\tNAME\tPURPOSE\tGRANT\tSCOPE\tTOKEN LIFETIME\tSTATUS\tSECRETS\tLAST USED\tCREATED")
	for _, v := range views {
		c := v.c
		status := "active"
		if rule, _ := oauth.LookupPurpose(c.Purpose); rule.Expires {
			status = "expires " + oauth.ExpiryDate(c.ExpiresAt)
			if oauth.IsExpired(c, now) {
				status = "EXPIRED"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.ID, c.Name, cliPurpose(c.Purpose), c.Grant,
			strings.Join(v.scopes, ","), c.TokenLifetime, status, secretsSummary(c, now), lastUsedText(c),
			c.CreatedAt.UTC().Format(time.RFC3339))
	}
	return tw.Flush()
}

func clientsUpdate(ctx context.Context, args []string, stdout, stderr io.Writer, env getenv) error {
	var cfg Config
	fs := newFlagSet("clients update", "clients update CLIENT_ID [--name NAME] [--access LIST] [--token-lifetime D] [--redirect-uri URI ...] [--refresh-token-lifetime D] [--require-pkce=false] [--roles LIST] [--expires DATE|D]", stderr)
	commonFlags(fs, &cfg, env)
	name := fs.String("name", "", "new name")
	access := fs.String("access", "", "api-access: new comma-separated access: user_provisioning, content_network")
	lifetime := fs.String("token-lifetime", "", "new access token lifetime")
	var redirectURIs stringList
	fs.Var(&redirectURIs, "redirect-uri", "interactive-usage: the new redirect URIs (repeat; replaces all)")
	refresh := fs.String("refresh-token-lifetime", "", "interactive-usage: new refresh token lifetime")
	requirePKCE := fs.Bool("require-pkce", true, requirePKCEUsage)
	roles := fs.String("roles", "", "technical-user: the new comma-separated roles")
	expires := fs.String("expires", "", "technical-user: new expiry date or duration from now; extending an expired client prints its new secret once")
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
	in := oauth.ClientUpdate{
		Name: old.Name, Access: old.Access, TokenLifetime: old.TokenLifetime,
		RedirectURIs: old.RedirectURIs, RefreshTokenLifetime: old.RefreshTokenLifetime, ExpiresAt: old.ExpiresAt,
	}
	if rule, _ := oauth.LookupPurpose(old.Purpose); rule.OwnUser {
		u, err := st.GetUser(ctx, old.UserID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		in.Roles = u.Roles
	}
	if set["name"] {
		in.Name = *name
	}
	if set["access"] {
		in.Access = splitList(*access)
	}
	if set["redirect-uri"] {
		in.RedirectURIs = redirectURIs
	}
	if set["roles"] {
		in.Roles = splitList(*roles)
	}
	if set["require-pkce"] {
		in.RequirePKCE = requirePKCE
	}
	if set["token-lifetime"] {
		if in.TokenLifetime, err = parseLifetime(*lifetime); err != nil {
			return fmt.Errorf("%w: --token-lifetime: %v", errUsage, err)
		}
	}
	if set["refresh-token-lifetime"] {
		if in.RefreshTokenLifetime, err = parseLifetime(*refresh); err != nil {
			return fmt.Errorf("%w: --refresh-token-lifetime: %v", errUsage, err)
		}
	}
	if set["expires"] {
		if in.ExpiresAt, err = parseExpiry(*expires, svc.Now()); err != nil {
			return fmt.Errorf("%w: --expires: %v", errUsage, err)
		}
	}
	c, secret, err := svc.UpdateClient(ctx, cliActor, id, in)
	if err != nil {
		return validationUsage(err)
	}
	v, err := viewClient(ctx, st, svc, c)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(stdout, toClientJSON(v, secret, svc.Now()))
	}
	if secret != "" {
		fmt.Fprintf(stdout, "Extended the expired OAuth client %q, which generated a new secret; the old one no longer works.\nCopy the secret now: it cannot be shown again.\n\n", c.Name)
		return printSecret(stdout, svc, v, secret)
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
	// The flag package stops at the first argument that is not a flag, so the
	// ID may stand before, between or after the flags: parse what follows it too.
	var id string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return "", err
			}
			return "", fmt.Errorf("%w: %v", errUsage, err)
		}
		if fs.NArg() == 0 {
			break
		}
		if id != "" {
			return "", fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
		}
		id, args = fs.Arg(0), fs.Args()[1:]
	}
	if id == "" {
		fs.Usage()
		return "", fmt.Errorf("%w: CLIENT_ID is required", errUsage)
	}
	if err := cfg.finish(); err != nil {
		return "", fmt.Errorf("%w: %v", errUsage, err)
	}
	return id, nil
}
