package oauth_test

import (
	"testing"

	"github.com/appintegration/appintegration/oauth"
)

func TestMatchRedirectURI(t *testing.T) {
	registered := []string{
		"https://host/**",
		"https://app.example.com/cb",
		"https://app.example.com/sub/**",
		"http://localhost:8080/",
	}
	for _, tc := range []struct {
		uri  string
		want bool
	}{
		{"https://app.example.com/cb", true},
		{"https://host/", true},
		{"https://host/a/b?x=1", true},
		{"https://app.example.com/sub/", true},
		{"https://app.example.com/sub/deep/er", true},
		{"http://localhost:8080/", true},
		{"https://HOST/x", true}, // host names are case-insensitive

		{"https://app.example.com/cb/", false},   // exact means exact
		{"https://app.example.com/cb?x", false},  // no query added to an exact one
		{"https://app.example.com/cb#f", false},  // fragment
		{"https://app.example.com/sub", false},   // not below /sub/
		{"https://app.example.com/subx/", false}, // a sibling path
		{"https://host.evil/", false},
		{"https://host.evil/x", false},
		{"https://evilhost/", false},
		{"https://host/../", false},
		{"https://host/a/../../etc", false},
		{"https://host/%2e%2e/x", false},
		{"https://host/%2E%2E/x", false},
		{"https://host/a%2fb", false},
		{"https://app.example.com/sub/..;/admin", false},      // path parameter (Tomcat, Jetty)
		{"https://app.example.com/sub/x;jsessionid=1", false}, // path parameter
		{"https://app.example.com/sub/%252e%252e/x", false},   // decoded twice: ../x
		{"https://app.example.com/sub/%09", false},            // encoded control character
		{"https://app.example.com/sub/%7F", false},
		{"https://host/a%5cb", false},
		{"https://app.example.com/sub/..", false},
		{"https://app.example.com/sub/../cb2", false},
		{"http://host/", false},           // other scheme
		{"https://host:8443/", false},     // other port
		{"https://host:443/", false},      // a port the registration did not name
		{"http://localhost:8081/", false}, // other port on loopback
		{"https://user@host/", false},     // userinfo
		{"https://host@evil.example/", false},
		{"https://host\\@evil.example/", false},
		{"https://host/x#frag", false},
		{"https://host/**", false}, // the wildcard itself is not a URI to redirect to
		{"//host/", false},
		{"", false},
	} {
		if got := oauth.MatchRedirectURI(registered, tc.uri); got != tc.want {
			t.Errorf("MatchRedirectURI(%q) = %v, want %v", tc.uri, got, tc.want)
		}
	}
}

func TestCheckRedirectURI(t *testing.T) {
	for _, tc := range []struct {
		uri string
		ok  bool
	}{
		{"https://app.example.com/callback", true},
		{"https://app.example.com/**", true},
		{"https://app.example.com/a/**", true},
		{"http://localhost:8080/", true},
		{"http://127.0.0.1:9000/cb", true},
		{"http://[::1]/cb", true},
		{"https://app.example.com/cb?tenant=1", true},

		{"http://app.example.com/cb", false}, // plain http off loopback
		{"/callback", false},                 // relative
		{"app.example.com/cb", false},
		{"https://app.example.com/cb#x", false},
		{"https://app.example.com/a**", false},
		{"https://app.example.com/**/x", false},
		{"https://*.example.com/", false},
		{"https://app.example.com/**?x=1", false},
		{"https://user:pw@app.example.com/", false},
		{"https://app.example.com/../x", false},
		{"https://app.example.com/%2e%2e/x", false},
		{"javascript:alert(1)", false},
		{"ftp://app.example.com/", false},
		{"https://app.example.com/a b", false},
	} {
		if msg := oauth.CheckRedirectURI(tc.uri); (msg == "") != tc.ok {
			t.Errorf("CheckRedirectURI(%q) = %q, want ok=%v", tc.uri, msg, tc.ok)
		}
	}
}
