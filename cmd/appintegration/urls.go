package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/appintegration/appintegration/oauth"
)

// urls is "appintegration urls": the OAuth Clients URLs of the configured
// base URL, as the console shows them. It needs no database.
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
