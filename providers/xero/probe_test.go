package xero_test

import (
	"net/url"
	"testing"

	"github.com/acctsetup/acctsetup/providers/probe"
	"github.com/acctsetup/acctsetup/providers/probe/probetest"
	"github.com/acctsetup/acctsetup/providers/xero"
	"github.com/acctsetup/acctsetup/vault"
)

func creds(secret string) map[string]vault.Secret {
	return map[string]vault.Secret{
		"client_id":     vault.NewSecret("4F1A0C2B9D8E7F6A5B4C3D2E1F0A9B8C"),
		"client_secret": vault.NewSecret(secret),
	}
}

// TestProbe plays the answers of Xero's OAuth troubleshooting page
// (https://developer.xero.com/documentation/oauth2/troubleshooting):
// "invalid_grant" for a bad code, "invalid_client" for a bad client. The
// page gives no status; IdentityServer, behind Xero's identity host, sends
// 400 for both.
func TestProbe(t *testing.T) {
	t.Parallel()
	grant := url.Values{"grant_type": {"authorization_code"}, "code": {probe.InvalidCode}, "redirect_uri": {"https://xero.codat.io/oauth2/callback"}}
	for _, env := range []string{"sandbox", "production"} {
		t.Run(env, func(t *testing.T) {
			t.Parallel()
			probetest.Run(t, xero.Probe, env, probetest.Form("https://identity.xero.com/connect/token", true, grant),
				probetest.Scenario{Name: "good", Creds: creds("r8Kq_2vXn-9TzPwLm4Hc7JbYs1FdGe0AoU3iQk5N6tV8xRyZ"),
					Status: 400, Body: `{"error":"invalid_grant"}`,
					Want: probe.Result{Verdict: probe.Valid, Detail: "HTTP 400 invalid_grant: the client authenticated (the probe's grant is refused by design)"}},
				probetest.Scenario{Name: "bad secret", Creds: creds("wrong-secret-0000000000000000000000"),
					Status: 400, Body: `{"error":"invalid_client"}`,
					Want: probe.Result{Verdict: probe.Rejected, Field: "client_secret", Detail: "HTTP 400 invalid_client: the endpoint refused the client credentials"}},
				probetest.Scenario{Name: "unsupported grant", Creds: creds("r8Kq_2vXn-9TzPwLm4Hc7JbYs1FdGe0AoU3iQk5N6tV8xRyZ"),
					Status: 400, Body: `{"error":"unsupported_grant_type"}`,
					Want: probe.Result{Verdict: probe.Unknown, Detail: "HTTP 400 unsupported_grant_type: an answer that does not say whether the credentials are good"}},
			)
		})
	}
}
