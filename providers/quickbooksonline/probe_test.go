package quickbooksonline_test

import (
	"net/url"
	"testing"

	"github.com/acctsetup/acctsetup/providers/probe"
	"github.com/acctsetup/acctsetup/providers/probe/probetest"
	"github.com/acctsetup/acctsetup/providers/quickbooksonline"
	"github.com/acctsetup/acctsetup/vault"
)

func creds(secret string) map[string]vault.Secret {
	return map[string]vault.Secret{
		"client_id":     vault.NewSecret("ABkq7Xo2Yd9Vn4Lm3Pq8Rs5Tu1Wx6Zc0Fg2Hj9Kl4Mn7Bp3Qe"),
		"client_secret": vault.NewSecret(secret),
	}
}

// TestProbe plays the answers Intuit's official oauth-jsclient SDK
// documents: 400 {"error":"invalid_grant","error_description":"Token
// invalid"} for a bad code (test/OAuthClientTest.js), and invalid_client,
// "Invalid clientId/clientSecret" (its README's error table, which gives no
// status: 401, as RFC 6749 section 5.2 has it for Basic authentication).
func TestProbe(t *testing.T) {
	t.Parallel()
	redirects := map[string]string{
		"sandbox":    "https://quickbooksonlinesandbox.codat.io/oauth2/callback",
		"production": "https://quickbooksonline.codat.io/oauth2/callback",
	}
	for env, redirect := range redirects {
		t.Run(env, func(t *testing.T) {
			t.Parallel()
			grant := url.Values{"grant_type": {"authorization_code"}, "code": {probe.InvalidCode}, "redirect_uri": {redirect}}
			probetest.Run(t, quickbooksonline.Probe, env, probetest.Form("https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer", true, grant),
				probetest.Scenario{Name: "good", Creds: creds("x9Kf2Lq8Vn3Rt6Yw1Zb4Hc7Jd0Mg5Sp2Ua8Ne3"),
					Status: 400, Body: `{"error":"invalid_grant","error_description":"Token invalid"}`,
					Want: probe.Result{Verdict: probe.Valid, Detail: "HTTP 400 invalid_grant: the client authenticated (the probe's grant is refused by design)"}},
				probetest.Scenario{Name: "bad secret", Creds: creds("Qm7vT2pLx9Rk4Nw8Yc1Hb6Zs3Jf0Dg5Ea2Uo7Ti"),
					Status: 401, Body: `{"error":"invalid_client"}`,
					Want: probe.Result{Verdict: probe.Rejected, Field: "client_secret", Detail: "HTTP 401 invalid_client: the endpoint refused the client credentials"}},
			)
		})
	}
}
