package businesscentral_test

import (
	"net/url"
	"testing"

	"github.com/acctsetup/acctsetup/providers/businesscentral"
	"github.com/acctsetup/acctsetup/providers/probe"
	"github.com/acctsetup/acctsetup/providers/probe/probetest"
	"github.com/acctsetup/acctsetup/vault"
)

const tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"

func creds(clientID, secret string) map[string]vault.Secret {
	return map[string]vault.Secret{
		"client_id":     vault.NewSecret(clientID),
		"client_secret": vault.NewSecret(secret),
		"tenant_id":     vault.NewSecret(tenant),
	}
}

// TestProbe plays the answers of Microsoft's client credentials page
// (v2-oauth2-client-creds-grant-flow: the success body, and the error body's
// shape) with the error codes of Entra's reference: AADSTS7000215 for a
// wrong secret (401 invalid_client) and AADSTS700016 for an application not
// in the directory (400 unauthorized_client).
func TestProbe(t *testing.T) {
	t.Parallel()
	const good, clientID = "Xy8Q~abcDEFghiJKLmnoPQRstuVWXyz0123456789", "9b2d3c4e-5f60-4a7b-8c9d-0e1f2a3b4c5d"
	grant := url.Values{"grant_type": {"client_credentials"}, "scope": {"https://graph.microsoft.com/.default"}}
	for _, env := range []string{"sandbox", "production"} {
		t.Run(env, func(t *testing.T) {
			t.Parallel()
			probetest.Run(t, businesscentral.Probe, env,
				probetest.Form("https://login.microsoftonline.com/"+tenant+"/oauth2/v2.0/token", false, grant),
				probetest.Scenario{Name: "good", Creds: creds(clientID, good), Status: 200,
					Body: `{"token_type":"Bearer","expires_in":3599,"access_token":"eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiIsIng1dCI6Ik1uQ19WWmNBVGZNNXBPWWlKSE1iYTlnb0VLWSJ9.e30.sig"}`,
					Want: probe.Result{Verdict: probe.Valid, Detail: "HTTP 200: a token was issued (and not kept)"}},
				probetest.Scenario{Name: "wrong secret", Creds: creds(clientID, "Wr0ng~secretVALUE0123456789abcdefghijkl"), Status: 401,
					Body: `{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '9b2d3c4e-5f60-4a7b-8c9d-0e1f2a3b4c5d'. Trace ID: 0000 Correlation ID: 0000 Timestamp: 2026-12-01 12:00:00Z","error_codes":[7000215],"timestamp":"2026-12-01 12:00:00Z","trace_id":"0000","correlation_id":"0000"}`,
					Want: probe.Result{Verdict: probe.Rejected, Field: "client_secret", Detail: "HTTP 401 invalid_client: the endpoint refused the client credentials"}},
				probetest.Scenario{Name: "unknown client", Creds: creds("00000000-5f60-4a7b-8c9d-0e1f2a3b4c5d", good), Status: 400,
					Body: `{"error":"unauthorized_client","error_description":"AADSTS700016: Application with identifier '00000000-5f60-4a7b-8c9d-0e1f2a3b4c5d' was not found in the directory.","error_codes":[700016]}`,
					Want: probe.Result{Verdict: probe.Rejected, Field: "client_id", Detail: "HTTP 400 unauthorized_client: the endpoint refused the client credentials"}},
				probetest.Scenario{Name: "wrong tenant", Creds: creds(clientID, good), Status: 400,
					Body: `{"error":"invalid_request","error_description":"AADSTS90002: Tenant '72f988bf-86f1-41af-91ab-2d7cd011db47' not found.","error_codes":[90002]}`,
					Want: probe.Result{Verdict: probe.Unknown, Detail: "HTTP 400 invalid_request: an answer that does not say whether the credentials are good"}},
			)
		})
	}
}
