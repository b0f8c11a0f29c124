package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/appintegration/appintegration/oauth"
	"github.com/appintegration/appintegration/store"
)

// Command-line spellings of the user attributes: user-name (user_name is
// accepted too).
func cliAttribute(v string) string { return strings.ReplaceAll(v, "_", "-") }

func parseAttribute(s string) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimSpace(s)), "-", "_")
}

// ssoJSON is `sso show --json`.
type ssoJSON struct {
	Method            string     `json:"authentication_method"` // password or saml
	IdP               string     `json:"identity_provider,omitempty"`
	UserAttribute     string     `json:"user_attribute,omitempty"`
	SAMLAttribute     string     `json:"saml_attribute,omitempty"`
	AllowIdPInitiated bool       `json:"allow_idp_initiated"`
	UpdatedAt         *time.Time `json:"updated_at,omitempty"`
	UpdatedBy         string     `json:"updated_by,omitempty"`
	EntityID          string     `json:"sp_entity_id"`
	ACSURL            string     `json:"sp_acs_url"`
	MetadataURL       string     `json:"sp_metadata_url"`
}

func ssoShow(ctx context.Context, args []string, stdout, stderr io.Writer, env getenv) error {
	var cfg Config
	fs := newFlagSet("sso show", "sso show [--json]", stderr)
	commonFlags(fs, &cfg, env)
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseFlags(fs, args, &cfg); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	st, svc, err := openService(ctx, cfg, quietLogger(stderr))
	if err != nil {
		return err
	}
	defer st.Close()
	c, err := svc.SSO(ctx)
	if err != nil {
		return err
	}
	sp, err := svc.ServiceProvider(ctx)
	if err != nil {
		return err
	}
	out := ssoJSON{Method: "password", EntityID: sp.EntityID, ACSURL: sp.ACSURL, MetadataURL: sp.MetadataURL}
	if c.Enabled {
		out.Method, out.UserAttribute, out.SAMLAttribute = "saml", cliAttribute(c.UserAttribute), c.SAMLAttribute
		out.AllowIdPInitiated = c.AllowIdPInitiated
		if p, err := st.GetIdentityProvider(ctx, c.IdPID); err == nil {
			out.IdP = p.ProviderName
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	if !c.UpdatedAt.IsZero() {
		at := c.UpdatedAt.UTC()
		out.UpdatedAt, out.UpdatedBy = &at, c.UpdatedBy
	}
	if *asJSON {
		return printJSON(stdout, out)
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	if c.Enabled {
		fmt.Fprintf(tw, "Authentication method:\tSAML single sign-on\n")
		fmt.Fprintf(tw, "Identity provider:\t%s\n", dash(out.IdP))
		from := "the NameID"
		if c.SAMLAttribute != "" {
			from = "the SAML attribute " + c.SAMLAttribute
		}
		fmt.Fprintf(tw, "User attribute:\t%s (%s), from %s\n", out.UserAttribute, oauth.UserAttributeLabel(c.UserAttribute), from)
		fmt.Fprintf(tw, "IdP-initiated sign-in:\t%s\n", map[bool]string{true: "allowed", false: "refused"}[c.AllowIdPInitiated])
	} else {
		fmt.Fprintf(tw, "Authentication method:\tpassword\n")
	}
	if out.UpdatedAt != nil {
		fmt.Fprintf(tw, "Last change:\t%s by %s\n", out.UpdatedAt.Format(time.RFC3339), out.UpdatedBy)
	}
	fmt.Fprintf(tw, "SP entity ID:\t%s\n", sp.EntityID)
	fmt.Fprintf(tw, "SP Assertion Consumer Service:\t%s\n", sp.ACSURL)
	fmt.Fprintf(tw, "SP metadata:\t%s\n", sp.MetadataURL)
	return tw.Flush()
}

// forceWarning says what --force risks.
const forceWarning = `warning: --force skips the verification the Security tab asks for (one sign-in through the identity
provider that resolves to a DW Administrator). With a wrong identity provider or user attribute, nobody
can sign in through single sign-on, to the console or at the Authorization URL, until it is fixed;
users with a password here (ADMIN) can still sign in at /login?method=password, the emergency way in.`

func ssoEnable(ctx context.Context, args []string, stdout, stderr io.Writer, env getenv) error {
	var cfg Config
	fs := newFlagSet("sso enable", "sso enable --idp PROVIDER_NAME --user-attribute user-name|email|idp-user-id [--saml-attribute NAME] [--allow-idp-initiated] [--force]", stderr)
	commonFlags(fs, &cfg, env)
	idp := fs.String("idp", "", "the Provider Name (or ID) of the trusted identity provider users sign in through (required)")
	attr := fs.String("user-attribute", "", "how the assertion names the user: user-name, email or idp-user-id (Custom SAML User Mapping) (required)")
	samlAttr := fs.String("saml-attribute", "", "the SAML attribute holding the value (default: the NameID)")
	idpInit := fs.Bool("allow-idp-initiated", false, "accept IdP-initiated sign-in (a Response that answers no request of this service)")
	force := fs.Bool("force", false, "enable without a verification in the console; dangerous, see the warning it prints")
	if err := parseFlags(fs, args, &cfg); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	if *idp == "" || *attr == "" {
		fs.Usage()
		return fmt.Errorf("%w: --idp and --user-attribute are required", errUsage)
	}
	st, svc, err := openService(ctx, cfg, quietLogger(stderr))
	if err != nil {
		return err
	}
	defer st.Close()
	idps, err := st.ListIdentityProviders(ctx)
	if err != nil {
		return err
	}
	in := oauth.SSOInput{UserAttribute: parseAttribute(*attr), SAMLAttribute: *samlAttr, AllowIdPInitiated: *idpInit}
	for _, p := range idps {
		if strings.EqualFold(p.ProviderName, *idp) || p.ID == *idp {
			in.IdPID = p.ID
		}
	}
	if in.IdPID == "" {
		return fmt.Errorf("%w: --idp: no trusted identity provider has the Provider Name %q (see appintegration idps list)", errUsage, *idp)
	}
	if *force {
		fmt.Fprintln(stderr, forceWarning)
	}
	c, err := svc.EnableSSO(ctx, cliActor, in, *force)
	if ve := oauth.AsValidationError(err); ve != nil {
		if msg := ve.Fields[oauth.FieldSSOVerification]; msg != "" {
			return fmt.Errorf("%s\nVerify these settings on the console's Security tab (System › Administration › Security), then run this again; or give --force to skip the verification, which is dangerous: a wrong mapping lets nobody sign in", msg)
		}
		var lines []string
		for field, msg := range ve.Fields {
			name := map[string]string{oauth.FieldSSOIdP: "--idp", oauth.FieldSSOUserAttribute: "--user-attribute",
				oauth.FieldSSOSAMLAttribute: "--saml-attribute"}[field]
			if name == "" {
				name = field
			}
			lines = append(lines, name+": "+msg)
		}
		return fmt.Errorf("%w: %s", errUsage, strings.Join(lines, "\n"))
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Users now sign in through SAML single sign-on (%s, by %s). Passwords work only at /login?method=password.\n",
		*idp, cliAttribute(c.UserAttribute))
	return nil
}

func ssoDisable(ctx context.Context, args []string, stdout, stderr io.Writer, env getenv) error {
	var cfg Config
	fs := newFlagSet("sso disable", "sso disable", stderr)
	commonFlags(fs, &cfg, env)
	if err := parseFlags(fs, args, &cfg); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	st, svc, err := openService(ctx, cfg, quietLogger(stderr))
	if err != nil {
		return err
	}
	defer st.Close()
	if _, err := svc.DisableSSO(ctx, cliActor); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "Users now sign in with a password.")
	return nil
}
