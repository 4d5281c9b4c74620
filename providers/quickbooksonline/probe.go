// Package quickbooksonline probes Intuit client credentials: the module's
// descriptor is quickbooksonline.toml, embedded by package providers.
package quickbooksonline

import "github.com/acctsetup/acctsetup/providers/probe"

// TokenURL is Intuit's token endpoint for development and production keys
// alike (OAuthClient.tokenEndpoint in Intuit's official oauth-jsclient SDK;
// only the API host differs by environment).
const TokenURL = "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer"

// Probe exchanges an invalid authorization code with the client ID and
// secret as HTTP Basic credentials, as Intuit's SDK sends them, and the
// environment's Codat redirect URI. Intuit's SDK documents "invalid_client"
// as "Client authentication failed: Invalid clientId/clientSecret" and
// answers a bad code with 400 {"error":"invalid_grant","error_description":
// "Token invalid"} (its README and OAuthClientTest.js).
var Probe probe.Prober = probe.CodeExchange(TokenURL, probe.AuthBasic, map[string]string{
	"sandbox":    "https://quickbooksonlinesandbox.codat.io/oauth2/callback",
	"production": "https://quickbooksonline.codat.io/oauth2/callback",
})
