package oauth

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
)

// Limits on what a token request may carry; larger requests are refused before
// any work is done on them.
const (
	MaxRequestBody  = 64 << 10 // bytes of form body (a SAML assertion fits with room)
	maxParamValue   = 48 << 10 // bytes of one parameter value
	maxClientIDLen  = 256
	maxSecretLength = 256
)

// Grant types of the token endpoint.
const (
	GrantTypeClientCredentials = "client_credentials"
	GrantTypeAuthorizationCode = "authorization_code"
	GrantTypeRefreshToken      = "refresh_token"
	GrantTypeSAML2Bearer       = "urn:ietf:params:oauth:grant-type:saml2-bearer" // RFC 7522 §2.1
)

// Credentials is how a client authenticated a request.
type Credentials struct {
	ClientID string
	Secret   string
	// Method is "client_secret_basic", "client_secret_post" or "" (none sent).
	Method string
}

// TokenRequest is a parsed request to the token endpoint (RFC 6749 §4, §6).
type TokenRequest struct {
	Credentials Credentials
	GrantType   string
	Scope       string
	// Params holds every parameter, from the body and the query string.
	Params url.Values
}

// ParseTokenRequest reads a token, introspection or revocation request once:
// parameters from the form body and the query string (SAP tools send
// `?grant_type=client_credentials` on the Token URL), and client credentials from
// HTTP Basic or the body. It refuses, with invalid_request, a parameter sent more
// than once (RFC 6749 §3.2), a client secret in the query string, and two
// authentication methods at once (RFC 6749 §2.3). The caller limits the body size.
func ParseTokenRequest(r *http.Request) (*TokenRequest, error) {
	query, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, errorf(ErrInvalidRequest, "the query string is not valid URL encoding")
	}
	if _, ok := query["client_secret"]; ok {
		return nil, errorf(ErrInvalidRequest, "client_secret must not be sent in the query string; use HTTP Basic authentication or the request body")
	}
	params := url.Values{}
	for k, v := range query {
		params[k] = append(params[k], v...)
	}
	if r.Method == http.MethodPost {
		ct := r.Header.Get("Content-Type")
		if mt, _, _ := strings.Cut(ct, ";"); strings.TrimSpace(strings.ToLower(mt)) != "application/x-www-form-urlencoded" {
			return nil, errorf(ErrInvalidRequest, "the request body must be application/x-www-form-urlencoded")
		}
		if err := r.ParseForm(); err != nil {
			return nil, errorf(ErrInvalidRequest, "the request body is not valid form encoding or is too large")
		}
		for k, v := range r.PostForm {
			params[k] = append(params[k], v...)
		}
	}
	for k, v := range params {
		if len(v) > 1 {
			return nil, errorf(ErrInvalidRequest, "parameter %q is sent more than once", truncate(k, 40))
		}
		if len(v[0]) > maxParamValue {
			return nil, errorf(ErrInvalidRequest, "parameter %q is too long", truncate(k, 40))
		}
	}
	req := &TokenRequest{
		GrantType: params.Get("grant_type"),
		Scope:     params.Get("scope"),
		Params:    params,
	}
	if h := r.Header.Get("Authorization"); h != "" {
		id, secret, ok := parseBasic(h)
		if !ok {
			return nil, errorf(ErrInvalidClient, "the Authorization header is not valid HTTP Basic credentials")
		}
		if params.Has("client_secret") {
			return nil, errorf(ErrInvalidRequest, "use one client authentication method: HTTP Basic or client_secret in the body, not both")
		}
		if pid := params.Get("client_id"); pid != "" && pid != id {
			return nil, errorf(ErrInvalidRequest, "client_id in the body differs from the HTTP Basic user")
		}
		req.Credentials = Credentials{ClientID: id, Secret: secret, Method: "client_secret_basic"}
	} else if params.Has("client_secret") {
		req.Credentials = Credentials{ClientID: params.Get("client_id"), Secret: params.Get("client_secret"), Method: "client_secret_post"}
	} else {
		req.Credentials = Credentials{ClientID: params.Get("client_id")}
	}
	if len(req.Credentials.ClientID) > maxClientIDLen || len(req.Credentials.Secret) > maxSecretLength {
		return nil, errorf(ErrInvalidClient, "client authentication failed")
	}
	return req, nil
}

// parseBasic decodes HTTP Basic credentials. RFC 6749 §2.3.1: the client ID and
// secret are form-urlencoded before they are joined with ':'.
func parseBasic(h string) (id, secret string, ok bool) {
	scheme, payload, found := strings.Cut(h, " ")
	if !found || !strings.EqualFold(scheme, "Basic") {
		return "", "", false
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(payload))
	if err != nil {
		return "", "", false
	}
	rawID, rawSecret, found := strings.Cut(string(raw), ":")
	if !found {
		return "", "", false
	}
	if id, err = url.QueryUnescape(rawID); err != nil {
		return "", "", false
	}
	if secret, err = url.QueryUnescape(rawSecret); err != nil {
		return "", "", false
	}
	return id, secret, id != ""
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
