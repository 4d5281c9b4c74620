// Package probetest tests probes against a provider's documented answers:
// a client whose every request, whatever host it names, reaches a handler
// in the test (which still sees the host and path the probe asked for),
// and Run, which plays each answer and the failures every probe must
// survive.
package probetest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/acctsetup/acctsetup/providers/probe"
	"github.com/acctsetup/acctsetup/vault"
)

// Client returns an HTTP client that sends every request to h, over a
// local test server. The request keeps its Host header (r.Host) and path,
// so h can check the probe called the documented endpoint.
func Client(t testing.TB, h http.Handler) *http.Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	target, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Transport: redirect{to: target, next: srv.Client().Transport}}
}

type redirect struct {
	to   *url.URL
	next http.RoundTripper
}

func (r redirect) RoundTrip(req *http.Request) (*http.Response, error) {
	out := req.Clone(req.Context())
	out.Host = req.URL.Host
	out.URL.Scheme, out.URL.Host = r.to.Scheme, r.to.Host
	return r.next.RoundTrip(out)
}

// Scenario is one documented answer of a provider's endpoint and what the
// probe must make of it.
type Scenario struct {
	Name   string
	Creds  map[string]vault.Secret // what the probe is given
	Status int
	Body   string
	Want   probe.Result
}

// Check validates one request a probe sent, against the provider's docs:
// host, path, method, how the credentials travel.
type Check func(t *testing.T, r *http.Request, body string, creds map[string]vault.Secret)

// Run runs the prober against each scenario, then against a rate limit
// (429), a server error (503) and an endpoint that never answers, each of
// which must be unknown. Every request is checked with check, must carry
// no refresh token, and no result may hold a secret value.
func Run(t *testing.T, p probe.Prober, env string, check Check, scenarios ...Scenario) {
	t.Helper()
	if len(scenarios) == 0 {
		t.Fatal("probetest.Run needs the documented answers")
	}
	creds := scenarios[0].Creds
	scenarios = append(scenarios,
		Scenario{Name: "rate limited", Creds: creds, Status: http.StatusTooManyRequests, Body: `{"error":"too_many_requests"}`,
			Want: probe.Result{Verdict: probe.Unknown, Detail: "HTTP 429: rate limited; try again later"}},
		Scenario{Name: "server error", Creds: creds, Status: http.StatusServiceUnavailable, Body: "Service Unavailable",
			Want: probe.Result{Verdict: probe.Unknown, Detail: "HTTP 503: the provider's server failed"}},
		Scenario{Name: "no answer", Creds: creds, Want: probe.Result{Verdict: probe.Unknown, Detail: "no answer in time"}},
	)
	for _, sc := range scenarios {
		t.Run(sc.Name, func(t *testing.T) {
			t.Parallel()
			hang := make(chan struct{})
			defer close(hang)
			client := Client(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, err := io.ReadAll(r.Body)
				if err != nil {
					t.Errorf("read request: %v", err)
				}
				if strings.Contains(string(body)+r.URL.RawQuery, "refresh_token") {
					t.Errorf("the probe sent a refresh token: %s", body)
				}
				check(t, r, string(body), sc.Creds)
				if sc.Status == 0 {
					<-hang
					return
				}
				w.Header().Set("Content-Type", "application/json")
				if strings.HasPrefix(sc.Body, "<") {
					w.Header().Set("Content-Type", "text/xml")
				}
				w.WriteHeader(sc.Status)
				io.WriteString(w, sc.Body)
			}))
			got := probe.Run(t.Context(), client, 250*time.Millisecond, []probe.Job{{Provider: "test", Environment: env, Prober: p, Credentials: sc.Creds}})[0]
			if got != sc.Want {
				t.Errorf("probe = %+v, want %+v", got, sc.Want)
			}
			for field, v := range sc.Creds {
				if strings.Contains(got.Detail, v.Reveal()) {
					t.Errorf("the result holds %s's value", field)
				}
			}
		})
	}
}

// Form checks an OAuth 2.0 token request: a POST of a form to the URL
// (host and path), with the grant's fields, the credentials in Basic
// authentication or in the form, and nothing else that could be spent.
func Form(wantURL string, basic bool, grant url.Values) Check {
	return func(t *testing.T, r *http.Request, body string, creds map[string]vault.Secret) {
		t.Helper()
		if got := "https://" + r.Host + r.URL.Path; r.Method != http.MethodPost || got != wantURL {
			t.Errorf("request %s %s, want POST %s", r.Method, got, wantURL)
		}
		form, err := url.ParseQuery(body)
		if err != nil {
			t.Errorf("request body is not a form: %v", err)
		}
		id, secret := creds["client_id"].Reveal(), creds["client_secret"].Reveal()
		if basic {
			u, p, ok := r.BasicAuth()
			u, _ = url.QueryUnescape(u)
			p, _ = url.QueryUnescape(p)
			if !ok || u != id || p != secret {
				t.Errorf("Basic credentials %q, %v: want the client ID and secret", u, ok)
			}
			if form.Has("client_secret") {
				t.Errorf("the secret went in the form as well as in Basic authentication")
			}
		} else if form.Get("client_id") != id || form.Get("client_secret") != secret {
			t.Errorf("form client_id %q: want the client ID and secret in the form", form.Get("client_id"))
		}
		for k := range grant {
			if form.Get(k) != grant.Get(k) {
				t.Errorf("form %s = %q, want %q", k, form.Get(k), grant.Get(k))
			}
		}
	}
}
