package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/appintegration/appintegration/oauth"
)

// keysRotate is "appintegration keys rotate": a new signing key, published at
// once and signing after --publish-for.
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
		cfg.SigningAlg, kid, svc.Now().Add(*publishFor).UTC().Format(time.RFC3339))
	return nil
}
