// Package codat probes a Codat API key: the module's descriptor is
// codat.toml, embedded by package providers.
package codat

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"

	"github.com/acctsetup/acctsetup/providers/probe"
	"github.com/acctsetup/acctsetup/vault"
)

// ProfileURL is the read-only endpoint the probe calls: "Fetch your Codat
// profile" in Codat's Platform API (static/oas/Codat-Platform.json in the
// codat-docs repository, operationId get-profile). Sandbox and production
// are separate Codat instances behind the same host, each with its keys.
const ProfileURL = "https://api.codat.io/profile"

// Probe asks Codat's profile endpoint whether the API key authenticates.
// The key goes, base64-encoded on its own, in "Authorization: Basic ..."
// (https://docs.codat.io/using-the-api/authentication). 200 is valid; 402
// (an account limit) means the key authenticated too. 401 (not properly
// authorized) and 403 (an outdated API key) are rejected.
var Probe probe.Prober = apiKey{}

type apiKey struct{}

func (apiKey) Fields() []string { return []string{"api_key"} }

func (apiKey) Probe(ctx context.Context, client *http.Client, env string, creds map[string]vault.Secret) probe.Result {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, ProfileURL, nil)
	if err != nil {
		return probe.Result{Verdict: probe.Unknown, Detail: "bad profile URL"}
	}
	req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(creds["api_key"].Reveal())))
	req.Header.Set("Accept", "application/json")
	status, _, r := probe.Send(client, req)
	if r != nil {
		return *r
	}
	detail := fmt.Sprintf("HTTP %d", status)
	switch status {
	case http.StatusOK:
		return probe.Result{Verdict: probe.Valid, Detail: detail + ": the profile was read"}
	case http.StatusPaymentRequired:
		return probe.Result{Verdict: probe.Valid, Detail: detail + ": the key authenticated, but the account has hit a plan limit"}
	case http.StatusUnauthorized:
		return probe.Result{Verdict: probe.Rejected, Field: "api_key", Detail: detail + ": the key was not accepted"}
	case http.StatusForbidden:
		return probe.Result{Verdict: probe.Rejected, Field: "api_key", Detail: detail + ": an outdated API key"}
	}
	return probe.Result{Verdict: probe.Unknown, Detail: detail + ": an answer that does not say whether the key is good"}
}
