// Package xero probes Xero client credentials: the module's descriptor is
// xero.toml, embedded by package providers.
package xero

import "github.com/acctsetup/acctsetup/providers/probe"

// TokenURL is Xero's token endpoint, one for every app (Xero has no
// sandbox host): https://developer.xero.com/documentation/guides/oauth2/auth-flow,
// and XeroClient.ts in Xero's official xero-node SDK.
const TokenURL = "https://identity.xero.com/connect/token"

// Probe exchanges an invalid authorization code with the client ID and
// secret as HTTP Basic credentials, as Xero's SDK sends them. Xero's OAuth
// troubleshooting page (https://developer.xero.com/documentation/oauth2/troubleshooting)
// documents "invalid_client" when "the client_id or client_secret you pass
// in are incorrect" and "invalid_grant" when "the code provided is
// incorrect, expired or has already been used": the client authenticated.
var Probe probe.Prober = probe.CodeExchange(TokenURL, probe.AuthBasic, map[string]string{
	"sandbox":    "https://xero.codat.io/oauth2/callback",
	"production": "https://xero.codat.io/oauth2/callback",
})
