// Package businesscentral probes a Microsoft Entra app's client secret: the
// module's descriptor is businesscentral.toml, embedded by package
// providers.
package businesscentral

import "github.com/acctsetup/acctsetup/providers/probe"

// TokenURL is the Microsoft identity platform's v2.0 token endpoint of the
// app's own tenant, the same for Business Central sandbox and production
// (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow):
// the client credentials grant needs a tenant, and /common refuses it
// (AADSTS9001023).
const TokenURL = "https://login.microsoftonline.com/{tenant_id}/oauth2/v2.0/token"

// Probe asks for an app-only token for Microsoft Graph, whose service
// principal exists in every tenant; Entra issues one without a roles claim
// to an app with no application permissions, and this grant never issues a
// refresh token. The token is read and dropped. Entra's error reference
// (https://learn.microsoft.com/entra/identity-platform/reference-error-codes)
// gives invalid_client ("the client credentials aren't valid": a wrong or
// expired secret) and unauthorized_client for an application not found in
// the directory (a wrong client ID, or a tenant ID not the app's). Without
// the optional tenant_id the probe cannot ask and says so.
var Probe probe.Prober = probe.TokenEndpoint{
	URLs:         map[string]string{"sandbox": TokenURL, "production": TokenURL},
	ClientID:     "client_id",
	ClientSecret: "client_secret",
	Auth:         probe.AuthBody,
	Grant:        "client_credentials",
	Scope:        "https://graph.microsoft.com/.default",
	RejectedErrors: map[string]string{
		"invalid_client":      "client_secret",
		"unauthorized_client": "client_id",
	},
}
