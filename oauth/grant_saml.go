package oauth

import (
	"context"
	"strings"

	"github.com/appintegration/appintegration/store"
)

// saml2BearerGrant is RFC 7522 §2.1: an assertion from a trusted identity
// provider, with client authentication (§3.1 allows it; we require it), is
// exchanged for an access token in the name of the user it names.
type saml2BearerGrant struct{}

func (saml2BearerGrant) issue(ctx context.Context, s *Service, req *TokenRequest, c store.Client, scopes []string) (*TokenResponse, error) {
	raw := req.Params.Get("assertion")
	if raw == "" {
		s.audit(ctx, c.ID, "token.saml2_bearer_refused", c.ID, "assertion is missing")
		return nil, errorf(ErrInvalidRequest, "assertion is missing")
	}
	rep, v, err := s.evaluateAssertion(ctx, raw, true)
	if err != nil {
		return nil, err
	}
	if f := rep.FirstFailure(); f != nil || v == nil {
		reason := "the assertion was not accepted"
		if f != nil {
			reason = f.Reason
		}
		// The audit entry names the client and why; never the assertion.
		s.audit(ctx, c.ID, "token.saml2_bearer_refused", c.ID, truncate(reason, 400))
		return nil, &Error{Code: ErrInvalidGrant.Code, Status: ErrInvalidGrant.Status, Description: reason}
	}
	u := v.user
	return s.issueAccessToken(ctx, c, tokenSubject{sub: u.ID, userName: u.UserName, email: primaryEmail(u)}, scopes, GrantTypeSAML2Bearer)
}

// primaryEmail returns the user's primary e-mail address, else the first, else "".
func primaryEmail(u store.User) string {
	for _, e := range u.Emails {
		if e.Primary && strings.TrimSpace(e.Value) != "" {
			return e.Value
		}
	}
	for _, e := range u.Emails {
		if strings.TrimSpace(e.Value) != "" {
			return e.Value
		}
	}
	return ""
}
