package web_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/appintegration/appintegration/oauth"
)

// BenchmarkTokenEndpoint is the whole client_credentials request over
// loopback HTTP, per signing algorithm (the load benchmark in bench/loadbench
// measures it with 32 connections against baselines).
func BenchmarkTokenEndpoint(b *testing.B) {
	for _, alg := range []string{oauth.AlgRS256, oauth.AlgES256, oauth.AlgEdDSA} {
		b.Run(alg, func(b *testing.B) {
			ts := newTestServer(b, func(o *testOptions) { o.alg = alg })
			c, secret := ts.createClient(b, oauth.ClientInput{})
			body := url.Values{"grant_type": {"client_credentials"}}.Encode()
			client := &http.Client{}
			b.ReportAllocs()
			for b.Loop() {
				req, _ := http.NewRequest(http.MethodPost, ts.Svc.URLs().TokenURL, strings.NewReader(body))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.SetBasicAuth(c.ID, secret)
				resp, err := client.Do(req)
				if err != nil || resp.StatusCode != 200 {
					b.Fatalf("token: %v", err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
}
