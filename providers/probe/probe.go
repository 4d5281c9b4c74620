// Package probe asks a provider's live endpoint whether stored credentials
// are good, without spending anything: no refresh token is ever sent, no
// token is kept, and a request that cannot be told apart is "unknown",
// never "rejected". Each provider with a probe describes its endpoint in
// its own module (providers/<id>/probe.go) with the types here; Run probes
// many checklists in parallel, each within a time limit.
package probe

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"

	"github.com/acctsetup/acctsetup/vault"
)

// Verdict is what a probe could tell.
type Verdict string

// Verdicts.
const (
	// Valid: the endpoint authenticated the credentials.
	Valid Verdict = "valid"
	// Rejected: the endpoint said the credentials are wrong.
	Rejected Verdict = "rejected"
	// Unknown: no answer, a rate limit, a server error, or an answer that
	// does not say either way.
	Unknown Verdict = "unknown"
)

// Result is one probe's outcome. It never holds a credential.
type Result struct {
	Verdict Verdict `json:"verdict"`
	// Field is the credential a rejection blames: the one to rotate.
	Field string `json:"field,omitempty"`
	// Detail says what the endpoint answered (an HTTP status and an
	// OAuth error code) or why there was no answer.
	Detail string `json:"detail"`
}

// Prober tests one provider's credentials in one environment.
type Prober interface {
	// Fields lists the credential fields the probe sends.
	Fields() []string
	// Probe sends one request and reads the answer. creds holds every
	// field of Fields. It returns when ctx is done, with Unknown.
	Probe(ctx context.Context, client *http.Client, env string, creds map[string]vault.Secret) Result
}

// maxBody bounds what a probe reads of an answer: error bodies are small.
const maxBody = 64 << 10

// errorCode keeps only what looks like an OAuth error code from an answer,
// so that nothing an endpoint echoes (a client ID, a description) reaches
// output.
var errorCode = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)

// Send performs req and returns its status and (bounded) body, or, for no
// answer, a rate limit (429) or a server error (5xx), an Unknown Result
// saying so. Probes call it for their one request.
func Send(client *http.Client, req *http.Request) (int, []byte, *Result) {
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, &Result{Verdict: Unknown, Detail: noAnswer(req.Context(), err)}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return 0, nil, &Result{Verdict: Unknown, Detail: noAnswer(req.Context(), err)}
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		return 0, nil, &Result{Verdict: Unknown, Detail: "HTTP 429: rate limited; try again later"}
	case resp.StatusCode >= 500:
		return 0, nil, &Result{Verdict: Unknown, Detail: fmt.Sprintf("HTTP %d: the provider's server failed", resp.StatusCode)}
	}
	return resp.StatusCode, body, nil
}

// noAnswer describes a request that got no answer, without the URL's
// query or anything the request carried.
func noAnswer(ctx context.Context, err error) string {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) {
		return "no answer in time"
	}
	if ctx.Err() != nil {
		return "cancelled"
	}
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) && ue.Unwrap() != nil {
		err = ue.Unwrap() // drop *url.Error's "Post URL:" prefix
	}
	return "no answer: " + strings.TrimSpace(err.Error())
}
