package oauth

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/acctsetup/acctsetup/mailbox"
	"github.com/acctsetup/acctsetup/mailbox/oauthtest"
)

// fakeClock is the clock a Source reads renewal times on.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// sources are the two kinds of Source, against srv.
func sources(t *testing.T, srv *oauthtest.TokenServer) map[string]*Source {
	t.Helper()
	ms, err := Microsoft365(oauthtest.TenantID, oauthtest.ClientID, oauthtest.ClientSecret, WithTokenURL(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	g, err := Google(oauthtest.ClientID, oauthtest.ClientSecret, oauthtest.RefreshToken, WithTokenURL(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	return map[string]*Source{"microsoft365": ms, "google": g}
}

// TestSourceRenewsBeforeExpiry checks, on a fake clock, that a token is
// reused until a quarter of its life (at most five minutes) is left, and
// that the next one is fetched then.
func TestSourceRenewsBeforeExpiry(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		lifetime, renewAfter time.Duration
	}{
		{time.Hour, 55 * time.Minute},      // capped at five minutes early
		{time.Minute, 45 * time.Second},    // a quarter early
		{8 * time.Second, 6 * time.Second}, // a quarter early
	} {
		srv := oauthtest.NewTokenServer(t, tt.lifetime)
		for kind, s := range sources(t, srv) {
			t.Run(kind+"/"+tt.lifetime.String(), func(t *testing.T) {
				clock := &fakeClock{t: time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)}
				s.now = clock.now
				start := clock.now()
				before := srv.Issued()
				first, renewAt, err := s.Token(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				// The lifetime is read off the real clock, which moved a little.
				if d := renewAt.Sub(start); d > tt.renewAfter || d < tt.renewAfter-2*time.Second {
					t.Errorf("renew after %s, want %s", d, tt.renewAfter)
				}
				clock.advance(renewAt.Sub(start) - time.Millisecond)
				if again, at, err := s.Token(context.Background()); err != nil || again != first || at != renewAt {
					t.Errorf("Token() just before renewal = %q, %v, %v; want the same token", again, at, err)
				}
				clock.advance(time.Millisecond)
				next, nextAt, err := s.Token(context.Background())
				if err != nil || next == first || !nextAt.After(renewAt) {
					t.Errorf("Token() at renewal = %q (renew at %v), %v; want a new token", next, nextAt, err)
				}
				if n := srv.Issued() - before; n != 2 {
					t.Errorf("the token server issued %d tokens, want 2", n)
				}
			})
		}
	}
}

// TestSourceShared checks that concurrent callers share one request.
func TestSourceShared(t *testing.T) {
	t.Parallel()
	srv := oauthtest.NewTokenServer(t, time.Hour)
	s := sources(t, srv)["microsoft365"]
	var wg sync.WaitGroup
	tokens := make(chan string, 20)
	for range 20 {
		wg.Go(func() {
			tok, _, err := s.Token(context.Background())
			if err != nil {
				t.Error(err)
			}
			tokens <- tok
		})
	}
	wg.Wait()
	close(tokens)
	first := <-tokens
	for tok := range tokens {
		if tok != first {
			t.Fatalf("callers got different tokens %q and %q", first, tok)
		}
	}
	if n := srv.Requests(); n != 1 {
		t.Errorf("20 callers made %d requests, want 1", n)
	}
}

// TestSourceRefresh checks that Refresh fetches a new token at once, and
// that Token then keeps that one.
func TestSourceRefresh(t *testing.T) {
	t.Parallel()
	srv := oauthtest.NewTokenServer(t, time.Hour)
	s := sources(t, srv)["google"]
	first, _, err := s.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	fresh, _, err := s.Refresh(context.Background())
	if err != nil || fresh == first {
		t.Fatalf("Refresh() = %q, %v; want a new token", fresh, err)
	}
	if kept, _, _ := s.Token(context.Background()); kept != fresh {
		t.Errorf("Token() after Refresh = %q, want the refreshed %q", kept, fresh)
	}
	if _, ok := srv.Valid(fresh); !ok || srv.Issued() != 2 {
		t.Errorf("the server issued %d tokens (refreshed one valid: %v), want 2", srv.Issued(), ok)
	}
}

// TestSourceErrors checks that refused credentials wrap ErrAuthFailed, that
// an outage does not, that the next request after an outage succeeds, and
// that no error holds a secret.
func TestSourceErrors(t *testing.T) {
	t.Parallel()
	srv := oauthtest.NewTokenServer(t, time.Hour)
	down := oauthtest.NewTokenServer(t, time.Hour)
	downURL := down.URL
	gone := oauthtest.NewTokenServer(t, time.Hour)
	goneURL := strings.Replace(gone.URL, "/token", "/nothing-here", 1)

	badSecret, _ := Microsoft365(oauthtest.TenantID, oauthtest.ClientID, "wrong~secret-value", WithTokenURL(srv.URL))
	badRefresh, _ := Google(oauthtest.ClientID, oauthtest.ClientSecret, "1//revoked-refresh-token", WithTokenURL(srv.URL))
	outage, _ := Microsoft365(oauthtest.TenantID, oauthtest.ClientID, oauthtest.ClientSecret, WithTokenURL(downURL))
	nowhere, _ := Microsoft365(oauthtest.TenantID, oauthtest.ClientID, oauthtest.ClientSecret, WithTokenURL("http://127.0.0.1:1/token"))
	wrongPath, _ := Microsoft365(oauthtest.TenantID, oauthtest.ClientID, oauthtest.ClientSecret, WithTokenURL(goneURL))
	down.FailNext(1)

	tests := []struct {
		name    string
		s       *Source
		refused bool
		want    string
	}{
		{"client secret", badSecret, true, "refused the credentials: invalid_client: AADSTS7000215"},
		{"refresh token", badRefresh, true, "refused the credentials: invalid_grant: Token has been expired or revoked."},
		{"503", outage, false, "failed: 503 Service Unavailable"},
		{"no server", nowhere, false, "connection refused"},
		{"bad request", wrongPath, true, "invalid_request"},
	}
	for _, tt := range tests {
		_, _, err := tt.s.Token(context.Background())
		if err == nil {
			t.Errorf("%s: Token() succeeded, want an error", tt.name)
			continue
		}
		// A refusal is the credentials' fault; anything else, the endpoint's.
		if errors.Is(err, ErrTokenEndpoint) == tt.refused {
			t.Errorf("%s: Token() = %v: errors.Is(ErrTokenEndpoint) = %v, want %v", tt.name, err, !tt.refused, tt.refused)
		}
		if errors.Is(err, mailbox.ErrAuthFailed) != tt.refused || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "oauth: ") {
			t.Errorf("%s: Token() = %v (refused: %v), want an error saying %q, refused: %v", tt.name, err, errors.Is(err, mailbox.ErrAuthFailed), tt.want, tt.refused)
		}
		for _, secret := range []string{oauthtest.ClientSecret, "wrong~secret-value", "1//revoked-refresh-token"} {
			if strings.Contains(err.Error(), secret) {
				t.Errorf("%s: error %q holds a secret", tt.name, err)
			}
		}
	}
	if _, _, err := outage.Token(context.Background()); err != nil {
		t.Errorf("Token() after the outage = %v, want a token", err)
	}
}

func TestNewSourceChecks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		new  func() (*Source, error)
		want string // "" when valid
	}{
		{"guid tenant", func() (*Source, error) { return Microsoft365(oauthtest.TenantID, "c", "s") }, ""},
		{"domain tenant", func() (*Source, error) { return Microsoft365("contoso.onmicrosoft.com", "c", "s") }, ""},
		{"tenant with a path", func() (*Source, error) { return Microsoft365("common/../x", "c", "s") }, "not a directory ID"},
		{"no client secret", func() (*Source, error) { return Microsoft365(oauthtest.TenantID, "c", "") }, "needs a client ID and a client secret"},
		{"no refresh token", func() (*Source, error) { return Google("c", "s", "") }, "needs a client ID, a client secret and a refresh token"},
		{"plain http", func() (*Source, error) { return Google("c", "s", "r", WithTokenURL("http://tokens.example.com/token")) }, "must be https"},
		{"loopback http", func() (*Source, error) { return Google("c", "s", "r", WithTokenURL("http://localhost:8080/token")) }, ""},
		{"relative", func() (*Source, error) { return Google("c", "s", "r", WithTokenURL("/token")) }, "not an absolute URL"},
		{"credentials in the URL", func() (*Source, error) { return Google("c", "s", "r", WithTokenURL("https://u:p@example.com/token")) }, "not an absolute URL"},
	}
	for _, tt := range tests {
		s, err := tt.new()
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want) || !errors.Is(err, mailbox.ErrInvalidConfig)):
			t.Errorf("%s: error %v, want one saying %q wrapping ErrInvalidConfig", tt.name, err, tt.want)
		}
		if err == nil && !strings.HasPrefix(s.Endpoint(), "http") {
			t.Errorf("%s: endpoint %q", tt.name, s.Endpoint())
		}
	}
	ms, _ := Microsoft365("contoso.onmicrosoft.com", "c", "s")
	if want := "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"; ms.Endpoint() != want {
		t.Errorf("Microsoft 365 endpoint %q, want %q", ms.Endpoint(), want)
	}
	if g, _ := Google("c", "s", "r"); g.Endpoint() != "https://oauth2.googleapis.com/token" {
		t.Errorf("Google endpoint %q", g.Endpoint())
	}
}

// TestNew: each flow's Credentials are exactly what New needs.
func TestNew(t *testing.T) {
	t.Parallel()
	srv := oauthtest.NewTokenServer(t, time.Hour)
	known := map[string]string{"tenant_id": oauthtest.TenantID, "client_id": oauthtest.ClientID,
		"client_secret": oauthtest.ClientSecret, "refresh_token": oauthtest.RefreshToken}
	for _, flow := range []string{mailbox.OAuthMicrosoft365, mailbox.OAuthGoogle} {
		values := map[string]string{}
		for _, c := range Credentials(flow) {
			values[c.Field] = known[c.Field]
		}
		s, err := New(flow, values, WithTokenURL(srv.URL))
		if err != nil {
			t.Fatalf("%s: %v", flow, err)
		}
		if _, _, err := s.Token(context.Background()); err != nil {
			t.Errorf("%s: Token() = %v", flow, err)
		}
	}
	if _, err := New("yahoo", known); !errors.Is(err, mailbox.ErrInvalidConfig) {
		t.Errorf("New(yahoo) = %v, want ErrInvalidConfig", err)
	}
	if Credentials("yahoo") != nil {
		t.Error("Credentials(yahoo) lists credentials")
	}
}
