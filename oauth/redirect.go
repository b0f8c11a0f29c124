package oauth

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// Limits of an Interactive Usage client's redirect URIs.
const (
	MaxRedirectURIs      = 20
	MaxRedirectURILength = 2000
)

// wildcard is the suffix of a redirect URI's path that matches any path below it.
const wildcard = "**"

// normaliseRedirectURIs trims each URI and drops empty lines and duplicates.
func normaliseRedirectURIs(in []string) []string {
	var out []string
	for _, u := range in {
		u = strings.TrimSpace(u)
		if u != "" && !containsString(out, u) {
			out = append(out, u)
		}
	}
	return out
}

func containsString(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}

// checkRedirectURIs checks the redirect URIs of an Interactive Usage client:
// one or more, each valid by CheckRedirectURI.
func checkRedirectURIs(fields map[string]string, uris []string) {
	switch {
	case len(uris) == 0:
		fields[FieldRedirectURIs] = "Enter at least one redirect URI."
		return
	case len(uris) > MaxRedirectURIs:
		fields[FieldRedirectURIs] = fmt.Sprintf("Enter at most %d redirect URIs.", MaxRedirectURIs)
		return
	}
	for _, u := range uris {
		if msg := CheckRedirectURI(u); msg != "" {
			fields[FieldRedirectURIs] = fmt.Sprintf("%s: %s", truncate(u, 80), msg)
			return
		}
	}
}

// CheckRedirectURI returns why raw cannot be registered as a redirect URI, or ""
// when it can. A redirect URI is absolute (RFC 6749 §3.1.2), https, or http on a
// loopback host (RFC 8252 §7.3); it has no fragment (§3.1.2) and no user info;
// its path may end in "/**", a wildcard for every path below it.
func CheckRedirectURI(raw string) string {
	if len(raw) > MaxRedirectURILength {
		return fmt.Sprintf("use at most %d characters", MaxRedirectURILength)
	}
	if strings.ContainsAny(raw, " \t\r\n\\") || strings.ContainsFunc(raw, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return "remove spaces, backslashes and control characters"
	}
	if strings.Contains(raw, "#") {
		return "remove the fragment (#…): redirect URIs must not have one"
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Opaque != "" {
		return "enter an absolute URI such as https://app.example.com/callback"
	}
	scheme := strings.ToLower(u.Scheme)
	switch {
	case scheme == "https":
	case scheme == "http" && isLoopback(u.Hostname()):
	case scheme == "http":
		return "use https:// (http:// is allowed only for localhost)"
	default:
		return "use an https:// URI (or http://localhost)"
	}
	if u.User != nil {
		return "remove the user name and password"
	}
	if port := u.Port(); port == "" && strings.HasSuffix(u.Host, ":") {
		return "enter the port after the colon, or remove the colon"
	}
	path := u.EscapedPath()
	if hasDotSegment(path) || hasEncodedDelimiter(path) {
		return "remove . and .. segments and encoded dots or slashes from the path"
	}
	if i := strings.Index(raw, "*"); i >= 0 {
		if !strings.HasSuffix(u.Path, "/"+wildcard) || strings.Count(raw, "*") != 2 || u.RawQuery != "" {
			return `a wildcard is allowed only as "/**" at the end of the path, without a query`
		}
	}
	return ""
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// hasDotSegment reports whether an escaped path has a "." or ".." segment,
// literal or percent-encoded.
func hasDotSegment(escapedPath string) bool {
	for _, seg := range strings.Split(escapedPath, "/") {
		s := strings.ReplaceAll(strings.ToLower(seg), "%2e", ".")
		if s == "." || s == ".." {
			return true
		}
	}
	return false
}

// hasEncodedDelimiter reports whether an escaped path hides a slash, backslash
// or dot behind percent-encoding, which servers decode differently.
func hasEncodedDelimiter(escapedPath string) bool {
	p := strings.ToLower(escapedPath)
	return strings.Contains(p, "%2f") || strings.Contains(p, "%5c") || strings.Contains(p, "%2e") || strings.Contains(p, "%00")
}

// MatchRedirectURI reports whether requested may be redirected to by a client
// that registered the redirect URIs in registered. RFC 6749 §3.1.2.3 asks for
// simple string comparison; a registered URI whose path ends in "/**" also
// matches any URI with the same scheme, host and port whose path lies below
// the part before "**" and has no dot segments, encoded delimiters, user info
// or fragment.
func MatchRedirectURI(registered []string, requested string) bool {
	if requested == "" || len(requested) > MaxRedirectURILength {
		return false
	}
	for _, r := range registered {
		if r == requested && !strings.HasSuffix(r, "/"+wildcard) {
			return true
		}
	}
	for _, r := range registered {
		if strings.HasSuffix(r, "/"+wildcard) && matchWildcard(r, requested) {
			return true
		}
	}
	return false
}

// matchWildcard matches requested against one registered wildcard URI.
func matchWildcard(registered, requested string) bool {
	if CheckRedirectURI(requested) != "" || strings.Contains(requested, "*") {
		return false // no fragment, user info, dot segments, encoded delimiters
	}
	reg, err := url.Parse(registered)
	if err != nil {
		return false
	}
	req, err := url.Parse(requested)
	if err != nil {
		return false
	}
	if !strings.EqualFold(reg.Scheme, req.Scheme) || !strings.EqualFold(reg.Host, req.Host) {
		return false // the port is part of Host: another port does not match
	}
	prefix := strings.TrimSuffix(reg.EscapedPath(), wildcard) // ends in "/"
	rest, ok := strings.CutPrefix(req.EscapedPath(), prefix)
	// What the wildcard stands for must not be read differently by the app's
	// server: no path parameters (Tomcat's "..;/"), no encoded percent signs
	// (decoded twice, "%252e%252e" is ".."), no encoded control characters.
	return ok && !strings.Contains(rest, ";") && !strings.Contains(rest, "%25") && !hasEncodedControl(rest)
}

// hasEncodedControl reports whether an escaped path holds a percent-encoded
// control character (%00–%1F, %7F).
func hasEncodedControl(p string) bool {
	for i := 0; i+2 < len(p); i++ {
		if p[i] == '%' && (p[i+1] == '0' || p[i+1] == '1' || (p[i+1] == '7' && (p[i+2] == 'f' || p[i+2] == 'F'))) {
			return true
		}
	}
	return false
}
