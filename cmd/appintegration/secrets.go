package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/appintegration/appintegration/oauth"
	"github.com/appintegration/appintegration/store"
)

// secretJSON is one secret of a client in --json output: never the secret,
// only when it was made, until when it works (0: until revoked) and when it
// was last used (0: no use recorded), in Unix seconds as RFC 7591's times.
type secretJSON struct {
	CreatedAt  int64 `json:"created_at"`
	ExpiresAt  int64 `json:"expires_at"`
	LastUsedAt int64 `json:"last_used_at"`
	Active     bool  `json:"active"`
}

func secretsJSON(c store.Client, now time.Time) []secretJSON {
	unix := func(t time.Time) int64 {
		if t.IsZero() {
			return 0
		}
		return t.Unix()
	}
	out := make([]secretJSON, 0, len(c.Secrets))
	for _, s := range c.Secrets {
		out = append(out, secretJSON{CreatedAt: unix(s.CreatedAt), ExpiresAt: unix(s.ExpiresAt),
			LastUsedAt: unix(s.LastUsedAt), Active: oauth.SecretActive(s, now)})
	}
	return out
}

// secretsSummary is the SECRETS column of clients list: how many work, and
// until when the old one does.
func secretsSummary(c store.Client, now time.Time) string {
	active := oauth.ActiveSecrets(c, now)
	out := strconv.Itoa(len(active))
	for _, s := range active {
		if !s.ExpiresAt.IsZero() {
			out += " (old until " + s.ExpiresAt.UTC().Format("2006-01-02 15:04") + ")"
		}
	}
	return out
}

// lastUsedText is when a client was last used, to the minute, or "never".
func lastUsedText(c store.Client) string {
	if t := oauth.LastUsed(c); !t.IsZero() {
		return t.UTC().Format("2006-01-02 15:04")
	}
	return "never"
}

// parseOldSecretLifetime accepts days ("7d"), a Go duration ("36h") or whole
// seconds.
func parseOldSecretLifetime(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(strings.TrimSpace(s), "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days < 0 || days > 3650 {
			return 0, fmt.Errorf("%q is not a number of days such as 7d", s)
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	return parseLifetime(s)
}

// clientsRotateSecret is "appintegration clients rotate-secret": a new secret,
// printed once; the current one keeps working for --old-secret-expires.
func clientsRotateSecret(ctx context.Context, args []string, stdout, stderr io.Writer, env getenv) error {
	var cfg Config
	fs := newFlagSet("clients rotate-secret", "clients rotate-secret CLIENT_ID [--old-secret-expires 7d] [--json]", stderr)
	commonFlags(fs, &cfg, env)
	oldExpires := fs.String("old-secret-expires", "7d", "how long the current secret keeps working: 1h to 30d, e.g. 36h or 7d")
	asJSON := fs.Bool("json", false, "print the client with its new secret as JSON (RFC 7591 names)")
	id, err := parseWithID(fs, args, &cfg)
	if err != nil {
		return err
	}
	d, err := parseOldSecretLifetime(*oldExpires)
	if err != nil {
		return fmt.Errorf("%w: --old-secret-expires: %v", errUsage, err)
	}
	st, svc, err := openService(ctx, cfg, quietLogger(stderr))
	if err != nil {
		return err
	}
	defer st.Close()
	c, secret, err := svc.RotateSecret(ctx, cliActor, id, d)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no OAuth client has the ID %q", id)
	} else if err != nil {
		return validationUsage(err)
	}
	v, err := viewClient(ctx, st, svc, c)
	if err != nil {
		return err
	}
	now := svc.Now()
	if *asJSON {
		return printJSON(stdout, toClientJSON(v, secret, now))
	}
	fmt.Fprintf(stdout, "Rotated the secret of OAuth client %q. Copy the new secret now: it cannot be shown again.\n", c.Name)
	fmt.Fprintf(stdout, "The previous secret keeps working until %s UTC, or until: appintegration clients revoke-secret %s --old\n\n",
		now.Add(d).UTC().Format("2006-01-02 15:04"), c.ID)
	return printSecret(stdout, svc, v, secret)
}

// clientsRevokeSecret is "appintegration clients revoke-secret CLIENT_ID
// --old": the previous secret of a rotation stops working at once.
func clientsRevokeSecret(ctx context.Context, args []string, stdout, stderr io.Writer, env getenv) error {
	var cfg Config
	fs := newFlagSet("clients revoke-secret", "clients revoke-secret CLIENT_ID --old [--json]", stderr)
	commonFlags(fs, &cfg, env)
	old := fs.Bool("old", false, "revoke the previous secret of a rotation (required; the current secret is replaced by rotating)")
	asJSON := fs.Bool("json", false, "print the client as JSON")
	id, err := parseWithID(fs, args, &cfg)
	if err != nil {
		return err
	}
	if !*old {
		fs.Usage()
		return fmt.Errorf("%w: --old is required: only the previous secret of a rotation can be revoked (rotate-secret replaces the current one)", errUsage)
	}
	st, svc, err := openService(ctx, cfg, quietLogger(stderr))
	if err != nil {
		return err
	}
	defer st.Close()
	c, err := svc.RevokeOldSecret(ctx, cliActor, id)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no OAuth client has the ID %q", id)
	} else if err != nil {
		return validationUsage(err)
	}
	if *asJSON {
		v, err := viewClient(ctx, st, svc, c)
		if err != nil {
			return err
		}
		return printJSON(stdout, toClientJSON(v, "", svc.Now()))
	}
	fmt.Fprintf(stdout, "Revoked the old secret of OAuth client %s (%q): only the current secret works now.\n", c.ID, c.Name)
	return nil
}
