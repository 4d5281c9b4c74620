package probe_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/acctsetup/acctsetup/providers/probe"
	"github.com/acctsetup/acctsetup/vault"
)

const (
	goodID     = "4F1A0C2B9D8E7F6A5B4C3D2E1F0A9B8C"
	goodSecret = "s3cret-good+value/with:odd&chars="
	badSecret  = "s3cret-wrong-value-0000000000000"
)

// tokenServer imitates an RFC 6749 token endpoint that authenticates the
// client first: a known client with the wrong code gets invalid_grant, any
// other client invalid_client. It records every form it is sent.
type tokenServer struct {
	*httptest.Server
	mu    sync.Mutex
	forms []map[string][]string
}

func newTokenServer(t *testing.T, basic bool) *tokenServer {
	ts := &tokenServer{}
	ts.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			t.Errorf("token endpoint: %v", err)
		}
		ts.mu.Lock()
		ts.forms = append(ts.forms, r.PostForm)
		ts.mu.Unlock()
		id, secret := r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
		if basic {
			var ok bool
			if id, secret, ok = r.BasicAuth(); !ok {
				t.Errorf("no Basic credentials")
			}
			id, _ = url.QueryUnescape(id)
			secret, _ = url.QueryUnescape(secret)
		}
		w.Header().Set("Content-Type", "application/json")
		if id != goodID || secret != goodSecret {
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"error":"invalid_client"}`))
			return
		}
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(`{"error":"invalid_grant"}`))
	}))
	t.Cleanup(ts.Close)
	return ts
}

func creds(id, secret string) map[string]vault.Secret {
	return map[string]vault.Secret{"client_id": vault.NewSecret(id), "client_secret": vault.NewSecret(secret)}
}

func endpoint(url string, auth probe.AuthStyle) probe.TokenEndpoint {
	return probe.TokenEndpoint{
		URLs:     map[string]string{"production": url},
		ClientID: "client_id", ClientSecret: "client_secret", Auth: auth,
		RedirectURIs:   map[string]string{"production": "https://example.codat.io/oauth/callback"},
		ValidErrors:    []string{"invalid_grant"},
		RejectedErrors: map[string]string{"invalid_client": "client_secret"},
	}
}

func TestTokenEndpoint(t *testing.T) {
	t.Parallel()
	for _, auth := range []struct {
		name  string
		style probe.AuthStyle
	}{{"basic", probe.AuthBasic}, {"body", probe.AuthBody}} {
		t.Run(auth.name, func(t *testing.T) {
			t.Parallel()
			srv := newTokenServer(t, auth.style == probe.AuthBasic)
			te := endpoint(srv.URL, auth.style)
			good := te.Probe(t.Context(), srv.Client(), "production", creds(goodID, goodSecret))
			if good.Verdict != probe.Valid || good.Detail != "HTTP 400 invalid_grant: the client authenticated (the probe's grant is refused by design)" {
				t.Errorf("good credentials: %+v, want valid", good)
			}
			bad := te.Probe(t.Context(), srv.Client(), "production", creds(goodID, badSecret))
			if bad.Verdict != probe.Rejected || bad.Field != "client_secret" || bad.Detail != "HTTP 400 invalid_client: the endpoint refused the client credentials" {
				t.Errorf("bad secret: %+v, want rejected blaming client_secret", bad)
			}
			for i, form := range srv.forms {
				if form["grant_type"][0] != "authorization_code" || form["code"][0] != probe.InvalidCode || form["refresh_token"] != nil {
					t.Errorf("request %d form %v: want an authorization_code grant with the invalid code and no refresh token", i, form)
				}
				if form["redirect_uri"][0] != "https://example.codat.io/oauth/callback" {
					t.Errorf("request %d redirect_uri = %v", i, form["redirect_uri"])
				}
			}
			for _, r := range []probe.Result{good, bad} {
				if strings.Contains(r.Detail, goodSecret) || strings.Contains(r.Detail, badSecret) {
					t.Errorf("result %+v holds a secret", r)
				}
			}
		})
	}
}

func TestTokenEndpointUnknown(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		status     int
		body       string
		wantDetail string
	}{
		{"rate limited", http.StatusTooManyRequests, `{"error":"invalid_client"}`, "HTTP 429: rate limited; try again later"},
		{"server error", http.StatusServiceUnavailable, `{"error":"invalid_client"}`, "HTTP 503: the provider's server failed"},
		{"bad gateway HTML", http.StatusBadGateway, `<html>Bad Gateway</html>`, "HTTP 502: the provider's server failed"},
		{"an error code neither list names", http.StatusBadRequest, `{"error":"invalid_request"}`, "HTTP 400 invalid_request: an answer that does not say whether the credentials are good"},
		{"no JSON", http.StatusUnauthorized, `Unauthorized`, "HTTP 401: an answer that does not say whether the credentials are good"},
		{"an echoed value instead of a code", http.StatusBadRequest, `{"error":"client 4F1A secret s3cret is wrong"}`, "HTTP 400: an answer that does not say whether the credentials are good"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				w.Write([]byte(tt.body))
			}))
			defer srv.Close()
			got := endpoint(srv.URL, probe.AuthBasic).Probe(t.Context(), srv.Client(), "production", creds(goodID, goodSecret))
			if got.Verdict != probe.Unknown || got.Detail != tt.wantDetail {
				t.Errorf("Probe() = %+v, want unknown with %q", got, tt.wantDetail)
			}
		})
	}
}

func TestTokenEndpointIssuedToken(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"access_token":"eyJ.x.y","token_type":"Bearer","expires_in":3600}`))
	}))
	defer srv.Close()
	te := endpoint(srv.URL, probe.AuthBody)
	te.Grant, te.Scope = "client_credentials", "https://api.example.com/.default"
	got := te.Probe(t.Context(), srv.Client(), "production", creds(goodID, goodSecret))
	if got.Verdict != probe.Valid || strings.Contains(got.Detail, "eyJ") {
		t.Errorf("Probe() = %+v, want valid without the token", got)
	}
}

func TestTokenEndpointNoEnvironment(t *testing.T) {
	t.Parallel()
	got := endpoint("https://unused.example", probe.AuthBasic).Probe(t.Context(), http.DefaultClient, "sandbox", creds(goodID, goodSecret))
	if got.Verdict != probe.Unknown || got.Detail != "no token endpoint for the sandbox environment" {
		t.Errorf("Probe() = %+v", got)
	}
}

// TestRunTimeout: an endpoint that never answers is unknown once the
// timeout passes, and Run does not wait for it; the others still answer.
func TestRunTimeout(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-time.After(time.Minute):
		}
	}))
	defer hang.Close()
	defer close(release)
	good := newTokenServer(t, true)
	jobs := []probe.Job{
		{Provider: "slow", Environment: "production", Prober: endpoint(hang.URL, probe.AuthBasic), Credentials: creds(goodID, goodSecret)},
		{Provider: "fast", Environment: "production", Prober: endpoint(good.URL, probe.AuthBasic), Credentials: creds(goodID, goodSecret)},
	}
	const timeout = 200 * time.Millisecond
	start := time.Now()
	got := probe.Run(context.Background(), http.DefaultClient, timeout, jobs)
	if elapsed := time.Since(start); elapsed > timeout+time.Second {
		t.Errorf("Run took %v with a %v timeout", elapsed, timeout)
	}
	if got[0].Verdict != probe.Unknown || got[0].Detail != "no answer in time" {
		t.Errorf("hanging endpoint: %+v, want unknown, no answer in time", got[0])
	}
	if got[1].Verdict != probe.Valid {
		t.Errorf("answering endpoint: %+v, want valid", got[1])
	}
}

func TestUnreachable(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	addr := srv.URL
	srv.Close() // nothing listens there now
	got := endpoint(addr, probe.AuthBasic).Probe(t.Context(), http.DefaultClient, "production", creds(goodID, goodSecret))
	if got.Verdict != probe.Unknown || !strings.HasPrefix(got.Detail, "no answer: ") || strings.Contains(got.Detail, addr) {
		t.Errorf("Probe() = %+v, want unknown without the URL", got)
	}
}

func TestTokenEndpointURLField(t *testing.T) {
	t.Parallel()
	var path string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path = r.URL.Path
		w.Write([]byte(`{"access_token":"x"}`))
	}))
	defer srv.Close()
	te := endpoint(srv.URL+"/{tenant_id}/oauth2/v2.0/token", probe.AuthBody)
	c := creds(goodID, goodSecret)
	if got := te.Probe(t.Context(), srv.Client(), "production", c); got.Verdict != probe.Unknown || got.Detail != "store tenant_id to probe these credentials" {
		t.Errorf("without tenant_id: %+v", got)
	}
	c["tenant_id"] = vault.NewSecret("contoso.onmicrosoft.com")
	if got := te.Probe(t.Context(), srv.Client(), "production", c); got.Verdict != probe.Valid || path != "/contoso.onmicrosoft.com/oauth2/v2.0/token" {
		t.Errorf("with tenant_id: %+v, path %q", got, path)
	}
}
