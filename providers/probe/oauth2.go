package probe

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/acctsetup/acctsetup/vault"
)

// AuthStyle is how a client authenticates to a token endpoint (RFC 6749
// section 2.3.1).
type AuthStyle int

// Auth styles.
const (
	// AuthBasic sends the client ID and secret as HTTP Basic credentials.
	AuthBasic AuthStyle = iota
	// AuthBody sends them as client_id and client_secret form fields.
	AuthBody
)

// InvalidCode is the authorization code a TokenEndpoint probe exchanges:
// no server issues it, so a server that authenticates the client answers
// invalid_grant, and one that does not answers invalid_client.
const InvalidCode = "acctsetup-probe-invalid-code"

// TokenEndpoint probes a client ID and secret at an OAuth 2.0 token
// endpoint (RFC 6749 section 5.2), classifying its answer on the error
// code, never on the status alone (providers differ in the status they
// give an error). It posts one grant that cannot succeed
// and spends nothing: an authorization_code grant with InvalidCode, or a
// client_credentials grant where the provider offers one. The server
// authenticates the client before it looks at the grant, so its error
// code tells a good client from a bad one.
type TokenEndpoint struct {
	// URLs is the token endpoint by environment. "{field}" in a URL is
	// replaced by that (non-secret) credential's value, such as a tenant
	// ID; a probe whose field is not stored says so and is unknown.
	URLs map[string]string
	// ClientID and ClientSecret name the credential fields sent.
	ClientID, ClientSecret string
	Auth                   AuthStyle
	// Grant is "authorization_code" (the default) or "client_credentials".
	Grant string
	// RedirectURI is sent with an authorization_code grant, by environment.
	RedirectURIs map[string]string
	// Scope is sent with a client_credentials grant when set.
	Scope string
	// ValidErrors are error codes that mean the client authenticated (the
	// grant failed): invalid_grant, unauthorized_client, ...
	ValidErrors []string
	// RejectedErrors map the error codes that mean it did not to the
	// credential field to blame: {"invalid_client": "client_secret"}.
	RejectedErrors map[string]string
}

// CodeExchange is the usual TokenEndpoint: one token URL for every
// environment, client_id and client_secret sent as auth says, an
// authorization_code grant with InvalidCode and each environment's redirect
// URI (redirects also says which environments there are), invalid_grant
// meaning the client authenticated and invalid_client blaming the secret,
// as RFC 6749 sections 4.1.3 and 5.2 have it.
func CodeExchange(tokenURL string, auth AuthStyle, redirects map[string]string) TokenEndpoint {
	urls := make(map[string]string, len(redirects))
	for env := range redirects {
		urls[env] = tokenURL
	}
	return TokenEndpoint{
		URLs: urls, ClientID: "client_id", ClientSecret: "client_secret", Auth: auth,
		Grant: "authorization_code", RedirectURIs: redirects,
		ValidErrors:    []string{"invalid_grant"},
		RejectedErrors: map[string]string{"invalid_client": "client_secret"},
	}
}

// Fields implements Prober.
func (t TokenEndpoint) Fields() []string { return []string{t.ClientID, t.ClientSecret} }

// Probe implements Prober.
func (t TokenEndpoint) Probe(ctx context.Context, client *http.Client, env string, creds map[string]vault.Secret) Result {
	endpoint, ok := t.URLs[env]
	if !ok {
		return Result{Verdict: Unknown, Detail: "no token endpoint for the " + env + " environment"}
	}
	endpoint, missing := expand(endpoint, creds)
	if missing != "" {
		return Result{Verdict: Unknown, Detail: "store " + missing + " to probe these credentials"}
	}
	form := url.Values{}
	switch t.Grant {
	case "", "authorization_code":
		form.Set("grant_type", "authorization_code")
		form.Set("code", InvalidCode)
		if uri := t.RedirectURIs[env]; uri != "" {
			form.Set("redirect_uri", uri)
		}
	default:
		form.Set("grant_type", t.Grant)
		if t.Scope != "" {
			form.Set("scope", t.Scope)
		}
	}
	id, secret := creds[t.ClientID].Reveal(), creds[t.ClientSecret].Reveal()
	if t.Auth == AuthBody {
		form.Set("client_id", id)
		form.Set("client_secret", secret)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return Result{Verdict: Unknown, Detail: "bad token endpoint URL"}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if t.Auth == AuthBasic {
		// RFC 6749 section 2.3.1: each part form-encoded before Basic.
		req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	}
	status, body, r := Send(client, req)
	if r != nil {
		return *r
	}
	return t.classify(status, body)
}

// classify reads a token endpoint's answer.
func (t TokenEndpoint) classify(status int, body []byte) Result {
	var answer struct {
		Error       string `json:"error"`
		AccessToken string `json:"access_token"`
	}
	_ = json.Unmarshal(body, &answer) // a body that is not JSON leaves both empty
	code := answer.Error
	if !errorCode.MatchString(code) {
		code = ""
	}
	detail := fmt.Sprintf("HTTP %d", status)
	if code != "" {
		detail += " " + code
	}
	blame, rejected := t.RejectedErrors[code]
	switch {
	case status/100 == 2 && answer.AccessToken != "":
		return Result{Verdict: Valid, Detail: detail + ": a token was issued (and not kept)"}
	case code != "" && rejected:
		return Result{Verdict: Rejected, Field: blame, Detail: detail + ": the endpoint refused the client credentials"}
	case code != "" && slices.Contains(t.ValidErrors, code):
		return Result{Verdict: Valid, Detail: detail + ": the client authenticated (the probe's grant is refused by design)"}
	}
	return Result{Verdict: Unknown, Detail: detail + ": an answer that does not say whether the credentials are good"}
}

// expand replaces each {field} in a URL template with that credential's
// value, path-escaped. missing names the first field that is not stored.
func expand(template string, creds map[string]vault.Secret) (u, missing string) {
	var b strings.Builder
	for {
		open := strings.IndexByte(template, '{')
		end := strings.IndexByte(template, '}')
		if open < 0 || end < open {
			b.WriteString(template)
			return b.String(), ""
		}
		field := template[open+1 : end]
		v, ok := creds[field]
		if !ok || v.IsZero() {
			return "", field
		}
		b.WriteString(template[:open])
		b.WriteString(url.PathEscape(v.Reveal()))
		template = template[end+1:]
	}
}
