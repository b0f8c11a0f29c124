package oauth

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"encoding/xml"
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"sync"
	"time"

	"github.com/crewjam/saml"
	dsig "github.com/russellhaering/goxmldsig"
)

// Paths of this service as a SAML service provider, below the base URL
// (docs/contract.md, "Sign-in").
const (
	SAMLMetadataPath = "/saml/metadata"
	SAMLACSPath      = "/saml/acs" // the Assertion Consumer Service, HTTP-POST
)

// Names under which the SAML service provider's keys are kept in the store
// (store.SecretStore), each a PEM private key and its self-signed certificate.
const (
	secretSAMLSigning    = "saml-sp-signing"
	secretSAMLEncryption = "saml-sp-encryption"
	spCertificateYears   = 10
)

// spKeys are the SAML service provider's keys: one signs AuthnRequests, the
// other decrypts EncryptedAssertions. Both are published in the SP metadata.
type spKeys struct {
	sign, enc         *rsa.PrivateKey
	signCert, encCert *x509.Certificate
}

// spCache keeps the service provider's keys once read; a pointer, shared by
// the Service InTransaction passes.
type spCache struct {
	mu   sync.Mutex
	keys *spKeys
}

// samlKeys returns the service provider's keys, generated on first use and
// kept in the store, so that every instance on one database uses the same
// ones. They never change, so they are read once per process.
func (s *Service) samlKeys(ctx context.Context) (*spKeys, error) {
	s.sp.mu.Lock()
	defer s.sp.mu.Unlock()
	if s.sp.keys != nil {
		return s.sp.keys, nil
	}
	sign, signCert, err := s.spKey(ctx, secretSAMLSigning, "signing")
	if err != nil {
		return nil, err
	}
	enc, encCert, err := s.spKey(ctx, secretSAMLEncryption, "encryption")
	if err != nil {
		return nil, err
	}
	s.sp.keys = &spKeys{sign: sign, enc: enc, signCert: signCert, encCert: encCert}
	return s.sp.keys, nil
}

// spKey reads (or on first use creates) the key kept under name.
func (s *Service) spKey(ctx context.Context, name, use string) (*rsa.PrivateKey, *x509.Certificate, error) {
	value, err := s.store.Secret(ctx, name, func() ([]byte, error) { return s.newSPKey(use) })
	if err != nil {
		return nil, nil, fmt.Errorf("oauth: SAML %s key: %w", use, err)
	}
	var key *rsa.PrivateKey
	var cert *x509.Certificate
	for rest := value; ; {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			break
		}
		switch b.Type {
		case "PRIVATE KEY":
			k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
			if err != nil {
				return nil, nil, fmt.Errorf("oauth: SAML %s key: %w", use, err)
			}
			key, _ = k.(*rsa.PrivateKey)
		case "CERTIFICATE":
			if cert, err = x509.ParseCertificate(b.Bytes); err != nil {
				return nil, nil, fmt.Errorf("oauth: SAML %s certificate: %w", use, err)
			}
		}
	}
	if key == nil || cert == nil {
		return nil, nil, fmt.Errorf("oauth: SAML %s key: the stored value is not an RSA key and its certificate", use)
	}
	return key, cert, nil
}

// newSPKey generates a 2048-bit RSA key and a self-signed certificate for it,
// as PEM.
func (s *Service) newSPKey(use string) ([]byte, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	host := s.baseURL
	if u, err := url.Parse(s.baseURL); err == nil {
		host = u.Host
	}
	usage := x509.KeyUsageDigitalSignature
	if use == "encryption" {
		usage = x509.KeyUsageKeyEncipherment
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "App Integration SAML " + use + " (" + host + ")"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.AddDate(spCertificateYears, 0, 0),
		KeyUsage:     usage,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	out := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8})
	return append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...), nil
}

// serviceProvider returns this service as crewjam/saml's ServiceProvider, on
// the Service's clock: entity ID the base URL (the OAuth2SAML Audience too),
// AuthnRequests signed with RSA-SHA256, Responses at the ACS over HTTP-POST.
func (s *Service) serviceProvider(ctx context.Context) (*saml.ServiceProvider, *spKeys, error) {
	keys, err := s.samlKeys(ctx)
	if err != nil {
		return nil, nil, err
	}
	acs, err := url.Parse(s.baseURL + SAMLACSPath)
	if err != nil {
		return nil, nil, err
	}
	md, err := url.Parse(s.baseURL + SAMLMetadataPath)
	if err != nil {
		return nil, nil, err
	}
	return &saml.ServiceProvider{
		EntityID:                         s.baseURL,
		Key:                              keys.sign,
		Certificate:                      keys.signCert,
		EncryptionKey:                    keys.enc,
		EncryptionCertificate:            keys.encCert,
		AcsURL:                           *acs,
		MetadataURL:                      *md,
		SignatureMethod:                  dsig.RSASHA256SignatureMethod,
		AuthnNameIDFormat:                saml.UnspecifiedNameIDFormat,
		AssertionConsumerServiceBindings: []string{saml.HTTPPostBinding},
		MetadataOmitValidUntil:           true,
		Clock:                            dsig.NewFakeClockAt(s.now()),
	}, keys, nil
}

// spNameIDFormats are the NameID formats the ACS accepts (the user attribute
// decides how the value is matched).
var spNameIDFormats = []saml.NameIDFormat{
	saml.EmailAddressNameIDFormat, saml.UnspecifiedNameIDFormat, saml.PersistentNameIDFormat,
}

// SPMetadata returns this service's SAML service provider metadata (served at
// SAMLMetadataPath): entity ID, the ACS, the signing and the encryption
// certificates and the NameID formats it accepts. It generates the keys on
// first use; it returns an error when the store fails.
func (s *Service) SPMetadata(ctx context.Context) ([]byte, error) {
	sp, _, err := s.serviceProvider(ctx)
	if err != nil {
		return nil, err
	}
	md := sp.Metadata()
	if len(md.SPSSODescriptors) != 1 {
		return nil, errors.New("oauth: SP metadata: no SPSSODescriptor")
	}
	d := &md.SPSSODescriptors[0]
	d.NameIDFormats = spNameIDFormats
	// Either the Response or the Assertion may carry the signature.
	d.WantAssertionsSigned = new(false)
	b, err := xml.MarshalIndent(md, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("oauth: SP metadata: %w", err)
	}
	return append([]byte(xml.Header), b...), nil
}

// ServiceProviderInfo is what the Security tab shows of this service as a SAML
// service provider.
type ServiceProviderInfo struct {
	EntityID    string
	ACSURL      string
	MetadataURL string
	Signing     CertificateInfo
	Encryption  CertificateInfo
}

// ServiceProvider describes this service as a SAML service provider,
// generating its keys on first use. It returns an error when the store fails.
func (s *Service) ServiceProvider(ctx context.Context) (ServiceProviderInfo, error) {
	keys, err := s.samlKeys(ctx)
	if err != nil {
		return ServiceProviderInfo{}, err
	}
	return ServiceProviderInfo{
		EntityID: s.baseURL, ACSURL: s.baseURL + SAMLACSPath, MetadataURL: s.baseURL + SAMLMetadataPath,
		Signing: describe(keys.signCert), Encryption: describe(keys.encCert),
	}, nil
}
