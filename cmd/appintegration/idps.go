package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/crewjam/saml"

	"github.com/appintegration/appintegration/oauth"
	"github.com/appintegration/appintegration/store"
)

// idpJSON is a trusted identity provider as `idps list --json` prints it.
type idpJSON struct {
	ID           string     `json:"id"`
	Name         string     `json:"name"`
	ProviderName string     `json:"provider_name"`
	EntityID     string     `json:"entity_id,omitempty"`
	Certificates []certJSON `json:"certificates"`
	SSOURL       string     `json:"sso_url,omitempty"`
	SSOBinding   string     `json:"sso_binding,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
}

type certJSON struct {
	Subject     string    `json:"subject"`
	Issuer      string    `json:"issuer"`
	NotAfter    time.Time `json:"not_after"`
	Fingerprint string    `json:"sha256_fingerprint"`
}

func toIdPJSON(p store.IdentityProvider) idpJSON {
	out := idpJSON{ID: p.ID, Name: p.Name, ProviderName: p.ProviderName, EntityID: p.EntityID,
		Certificates: []certJSON{}, SSOURL: p.SSOURL, SSOBinding: p.SSOBinding, CreatedAt: p.CreatedAt.UTC()}
	for _, der := range p.Certificates {
		if info, err := oauth.DescribeCertificate(der); err == nil {
			out.Certificates = append(out.Certificates, certJSON{Subject: info.Subject, Issuer: info.Issuer,
				NotAfter: info.NotAfter.UTC(), Fingerprint: info.Fingerprint})
		}
	}
	return out
}

// fileList is a flag that may be given several times.
type fileList []string

func (f *fileList) String() string     { return strings.Join(*f, ",") }
func (f *fileList) Set(v string) error { *f = append(*f, v); return nil }

// readLimited reads a file ("-" is standard input) of at most max bytes.
func readLimited(stdin io.Reader, path string, max int64) ([]byte, error) {
	var r io.Reader = stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%s is larger than %d KiB", path, max>>10)
	}
	return data, nil
}

// idpFlagNames maps identity provider field names to the flags that set them.
var idpFlagNames = map[string]string{
	oauth.FieldIdPName: "--name", oauth.FieldProviderName: "--provider-name",
	oauth.FieldEntityID: "--entity-id", oauth.FieldCertificates: "--cert-file",
	oauth.FieldSSOURL: "--sso-url", oauth.FieldSSOBinding: "--sso-binding",
}

func idpValidationUsage(err error) error {
	ve := oauth.AsValidationError(err)
	if ve == nil {
		return err
	}
	var lines []string
	for field, msg := range ve.Fields {
		name := idpFlagNames[field]
		if name == "" {
			name = field
		}
		lines = append(lines, name+": "+msg)
	}
	sort.Strings(lines)
	return fmt.Errorf("%w: %s", errUsage, strings.Join(lines, "\n"))
}

func idpsAdd(ctx context.Context, args []string, stdout, stderr io.Writer, env getenv) error {
	var cfg Config
	fs := newFlagSet("idps add", "idps add --name NAME --provider-name NAME (--cert-file FILE... | --metadata-file FILE) [flags]", stderr)
	commonFlags(fs, &cfg, env)
	name := fs.String("name", "", "display name, unique (default: from the metadata)")
	providerName := fs.String("provider-name", "", "provider name, unique, ^[A-Za-z0-9_.-]{1,36}$; the assertion Issuer matches it or the entity ID (default: from the metadata)")
	entityID := fs.String("entity-id", "", "the IdP's SAML entity ID, when it is not the provider name (default: from the metadata)")
	var certFiles fileList
	fs.Var(&certFiles, "cert-file", "signing certificate, PEM or DER; repeat for several during a key rollover")
	metadataFile := fs.String("metadata-file", "", "the IdP's SAML metadata XML: entity ID, signing certificates and Single Sign-On Service")
	ssoURL := fs.String("sso-url", "", "the IdP's Single Sign-On URL, where users sign in (default: from the metadata)")
	ssoBinding := fs.String("sso-binding", "", "the binding of --sso-url: redirect (default) or post")
	asJSON := fs.Bool("json", false, "print the identity provider as JSON")
	if err := parseFlags(fs, args, &cfg); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	if (len(certFiles) == 0) == (*metadataFile == "") {
		fs.Usage()
		return fmt.Errorf("%w: give --cert-file or --metadata-file (one of them)", errUsage)
	}
	st, svc, err := openService(ctx, cfg, quietLogger(stderr))
	if err != nil {
		return err
	}
	defer st.Close()
	in := oauth.IdPInput{Name: *name, ProviderName: *providerName, EntityID: *entityID, SSOURL: *ssoURL}
	switch strings.ToLower(strings.TrimSpace(*ssoBinding)) {
	case "", "redirect", "http-redirect":
		in.SSOBinding = saml.HTTPRedirectBinding
	case "post", "http-post":
		in.SSOBinding = saml.HTTPPostBinding
	default:
		return fmt.Errorf("%w: --sso-binding: %q is not redirect or post", errUsage, *ssoBinding)
	}
	if *metadataFile != "" {
		data, err := readLimited(os.Stdin, *metadataFile, oauth.MaxMetadataSize)
		if err != nil {
			return fmt.Errorf("--metadata-file: %w", err)
		}
		md, err := svc.ParseIdPMetadata(data)
		if err != nil {
			return fmt.Errorf("--metadata-file: %w", err)
		}
		if in.Name == "" {
			in.Name = md.Name
		}
		if in.ProviderName == "" {
			in.ProviderName = md.ProviderName
		}
		if in.EntityID == "" {
			in.EntityID = md.EntityID
		}
		in.Certificates = []byte(oauth.EncodeCertificatesPEM(md.Certificates))
		if in.SSOURL == "" {
			in.SSOURL, in.SSOBinding = md.SSOURL, md.SSOBinding
		}
		if md.Expired > 0 {
			fmt.Fprintf(stderr, "note: %d expired signing certificate(s) in the metadata were left out\n", md.Expired)
		}
	} else {
		var pemText strings.Builder
		for _, f := range certFiles {
			data, err := readLimited(os.Stdin, f, 64<<10)
			if err != nil {
				return fmt.Errorf("--cert-file: %w", err)
			}
			certs, err := oauth.ParseCertificates(data)
			if err != nil {
				return fmt.Errorf("%w: --cert-file %s: %v", errUsage, f, err)
			}
			for _, c := range certs {
				pemText.WriteString(oauth.EncodeCertificatesPEM([][]byte{c.Raw}))
			}
		}
		in.Certificates = []byte(pemText.String())
	}
	p, err := svc.CreateIdentityProvider(ctx, cliActor, in)
	if err != nil {
		return idpValidationUsage(err)
	}
	if *asJSON {
		return printJSON(stdout, toIdPJSON(p))
	}
	fmt.Fprintf(stdout, "Added trusted identity provider %q (%s), provider name %s, %d signing certificate(s).\n",
		p.Name, p.ID, p.ProviderName, len(p.Certificates))
	if p.SSOURL == "" {
		fmt.Fprintln(stdout, "It has no Single Sign-On URL: it serves the SAML2.0 Bearer grant; users cannot sign in through it.")
	} else {
		fmt.Fprintf(stdout, "Users can sign in through it (Single Sign-On URL %s): appintegration sso enable --idp %s …\n", p.SSOURL, p.ProviderName)
	}
	return nil
}

func idpsList(ctx context.Context, args []string, stdout, stderr io.Writer, env getenv) error {
	var cfg Config
	fs := newFlagSet("idps list", "idps list [--json]", stderr)
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
	idps, err := st.ListIdentityProviders(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		out := make([]idpJSON, 0, len(idps))
		for _, p := range idps {
			out = append(out, toIdPJSON(p))
		}
		return printJSON(stdout, out)
	}
	if len(idps) == 0 {
		fmt.Fprintln(stdout, "No trusted identity providers yet. Add one with: appintegration idps add --metadata-file FILE")
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tPROVIDER NAME\tENTITY ID\tCERTIFICATE\tEXPIRES")
	now := svc.Now()
	for _, p := range idps {
		j := toIdPJSON(p)
		for i, c := range j.Certificates {
			expires := c.NotAfter.Format("2006-01-02")
			switch {
			case now.After(c.NotAfter):
				expires += " (EXPIRED)"
			case c.NotAfter.Sub(now) < 30*24*time.Hour:
				expires += " (expires within 30 days)"
			}
			if i == 0 {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", p.ID, p.Name, p.ProviderName, dash(p.EntityID), c.Subject, expires)
			} else {
				fmt.Fprintf(tw, "\t\t\t\t%s\t%s\n", c.Subject, expires)
			}
		}
	}
	return tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func idpsDelete(ctx context.Context, args []string, stdout, stderr io.Writer, env getenv) error {
	var cfg Config
	fs := newFlagSet("idps delete", "idps delete ID", stderr)
	commonFlags(fs, &cfg, env)
	var id string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		id, args = args[0], args[1:]
	}
	if err := parseFlags(fs, args, &cfg); err != nil {
		return err
	}
	if id == "" && fs.NArg() == 1 {
		id = fs.Arg(0)
	} else if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	if id == "" {
		fs.Usage()
		return fmt.Errorf("%w: the identity provider's ID is required (see idps list)", errUsage)
	}
	st, svc, err := openService(ctx, cfg, quietLogger(stderr))
	if err != nil {
		return err
	}
	defer st.Close()
	if err := svc.DeleteIdentityProvider(ctx, cliActor, id); errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no trusted identity provider has the ID %q", id)
	} else if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Deleted trusted identity provider %s. Assertions it signs are refused from now on.\n", id)
	return nil
}

// errChecksFailed is returned by saml check when a check failed (exit status 1).
var errChecksFailed = errors.New("the assertion fails a check: the token endpoint would refuse it with invalid_grant")

func samlCheck(ctx context.Context, args []string, stdout, stderr io.Writer, env getenv) error {
	var cfg Config
	fs := newFlagSet("saml check", "saml check --assertion-file FILE [--json]", stderr)
	commonFlags(fs, &cfg, env)
	file := fs.String("assertion-file", "", "the assertion: XML, base64 or base64url (\"-\" reads standard input)")
	asJSON := fs.Bool("json", false, "print the checks as JSON")
	if err := parseFlags(fs, args, &cfg); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	if *file == "" {
		fs.Usage()
		return fmt.Errorf("%w: --assertion-file is required", errUsage)
	}
	data, err := readLimited(os.Stdin, *file, oauth.MaxAssertionSize)
	if err != nil {
		return fmt.Errorf("--assertion-file: %w", err)
	}
	st, svc, err := openService(ctx, cfg, quietLogger(stderr))
	if err != nil {
		return err
	}
	defer st.Close()
	rep, err := svc.CheckAssertion(ctx, string(data))
	if err != nil {
		return err
	}
	if *asJSON {
		if err := printJSON(stdout, rep); err != nil {
			return err
		}
	} else {
		tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
		for _, c := range rep.Checks {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", strings.ToUpper(string(c.Status)), c.Name, c.Reason)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if !rep.Passed() {
		return errChecksFailed
	}
	if !*asJSON {
		fmt.Fprintf(stdout, "\nThe OAuth2SAML Token URL would accept this assertion for %s (once: its ID is recorded when it is exchanged).\n", rep.UserName)
	}
	return nil
}
