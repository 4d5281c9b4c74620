// Package oauth fetches the OAuth 2.0 access tokens the team mailbox logs in
// with over SASL XOAUTH2, with golang.org/x/oauth2: Microsoft 365 by the
// client credentials grant of an Entra app that has IMAP.AccessAsApp, Google
// by a refresh token. A Source keeps the token it fetched until a quarter of
// the token's life (at most five minutes) is left, then fetches the next, so
// that a connection is never opened with a token about to expire; it keeps
// tokens in memory only.
package oauth

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/acctsetup/acctsetup/mailbox"
)

const (
	// microsoftTokenURL is the Microsoft identity platform's token endpoint
	// for a tenant, and microsoftScope the scope a client credentials
	// request for IMAP must name: "You must use
	// https://outlook.office365.com/.default in the scope property"
	// (https://learn.microsoft.com/en-us/exchange/client-developer/legacy-protocols/how-to-authenticate-an-imap-pop-smtp-application-by-using-oauth#use-client-credentials-grant-flow-to-authenticate-imap-and-pop-connections,
	// https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow#first-case-access-token-request-with-a-shared-secret).
	microsoftTokenURL = "https://login.microsoftonline.com/%s/oauth2/v2.0/token"
	microsoftScope    = "https://outlook.office365.com/.default"
	// googleTokenURL is where a refresh token is exchanged for an access
	// token (https://developers.google.com/identity/protocols/oauth2/web-server#offline).
	googleTokenURL = "https://oauth2.googleapis.com/token"
)

// maxMargin caps how long before its expiry a token is replaced.
const maxMargin = 5 * time.Minute

// fetchTimeout bounds one token request.
const fetchTimeout = 30 * time.Second

// Source fetches and keeps the access token of one mailbox. It is safe for
// concurrent use: the folders a watch reads share one token.
type Source struct {
	name    string // "Microsoft 365" or "Google", for errors
	url     string // the token endpoint
	secrets []string
	fetch   func(ctx context.Context) (*oauth2.Token, error)
	client  *http.Client
	now     func() time.Time // the clock renewal times are read on; a test's fake

	mu      sync.Mutex
	token   string
	renewAt time.Time // zero: the token server gave no lifetime
}

var _ mailbox.TokenSource = (*Source)(nil)

// An Option changes where or how a Source fetches tokens.
type Option func(*Source)

// WithTokenURL replaces the token endpoint, for a national cloud or a test
// server. It must pass CheckTokenURL.
func WithTokenURL(u string) Option {
	return func(s *Source) { s.url = u }
}

// WithHTTPClient sets the client token requests go through. The default
// gives up on a request after 30 seconds.
func WithHTTPClient(c *http.Client) Option {
	return func(s *Source) { s.client = c }
}

// tenantPattern is a directory (tenant) ID as Microsoft writes it: a GUID
// or a domain such as contoso.onmicrosoft.com.
var tenantPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9.-]*$`)

// Microsoft365 returns a Source of access tokens for Exchange Online's IMAP
// by the client credentials grant: the Entra app's tenant (directory) ID,
// client (application) ID and client secret. The app needs the
// IMAP.AccessAsApp application permission with admin consent, a service
// principal in Exchange and FullAccess to the mailbox (see the README).
func Microsoft365(tenantID, clientID, clientSecret string, opts ...Option) (*Source, error) {
	switch {
	case !tenantPattern.MatchString(tenantID):
		return nil, fmt.Errorf("oauth: Microsoft 365 tenant ID %q is not a directory ID or domain: %w", tenantID, mailbox.ErrInvalidConfig)
	case clientID == "" || clientSecret == "":
		return nil, fmt.Errorf("oauth: Microsoft 365 needs a client ID and a client secret: %w", mailbox.ErrInvalidConfig)
	}
	s := newSource("Microsoft 365", fmt.Sprintf(microsoftTokenURL, tenantID), []string{clientSecret}, opts)
	cc := &clientcredentials.Config{ClientID: clientID, ClientSecret: clientSecret, TokenURL: s.url,
		Scopes: []string{microsoftScope}, AuthStyle: oauth2.AuthStyleInParams}
	s.fetch = cc.Token
	return s, s.check()
}

// Google returns a Source of access tokens for Gmail's IMAP from a refresh
// token granted with the scope https://mail.google.com/, and the OAuth
// client's ID and secret it was granted to.
func Google(clientID, clientSecret, refreshToken string, opts ...Option) (*Source, error) {
	if clientID == "" || clientSecret == "" || refreshToken == "" {
		return nil, fmt.Errorf("oauth: Google needs a client ID, a client secret and a refresh token: %w", mailbox.ErrInvalidConfig)
	}
	s := newSource("Google", googleTokenURL, []string{clientSecret, refreshToken}, opts)
	conf := &oauth2.Config{ClientID: clientID, ClientSecret: clientSecret,
		Endpoint: oauth2.Endpoint{TokenURL: s.url, AuthStyle: oauth2.AuthStyleInParams}}
	s.fetch = func(ctx context.Context) (*oauth2.Token, error) {
		// A fresh refresher each time, so that every call asks the server;
		// the Source does the keeping.
		return conf.TokenSource(ctx, &oauth2.Token{RefreshToken: refreshToken}).Token()
	}
	return s, s.check()
}

// Credential is one value a flow needs, under the name the vault keeps it.
type Credential struct {
	Field string // a vault field name: tenant_id, client_id, client_secret, refresh_token
	Label string // what a person is asked for
}

// credentials are each flow's values, in the order a person is asked.
var credentials = map[string][]Credential{
	mailbox.OAuthMicrosoft365: {
		{"tenant_id", "Microsoft Entra tenant (directory) ID"},
		{"client_id", "application (client) ID"},
		{"client_secret", "client secret value"},
	},
	mailbox.OAuthGoogle: {
		{"client_id", "OAuth client ID"},
		{"client_secret", "OAuth client secret"},
		{"refresh_token", "refresh token (scope https://mail.google.com/)"},
	},
}

// Credentials lists what a flow (mailbox.OAuthMicrosoft365 or
// mailbox.OAuthGoogle) needs, or nil for an unknown flow.
func Credentials(flow string) []Credential {
	return credentials[flow]
}

// New returns the Source of a flow given its credentials by field name.
func New(flow string, values map[string]string, opts ...Option) (*Source, error) {
	switch flow {
	case mailbox.OAuthMicrosoft365:
		return Microsoft365(values["tenant_id"], values["client_id"], values["client_secret"], opts...)
	case mailbox.OAuthGoogle:
		return Google(values["client_id"], values["client_secret"], values["refresh_token"], opts...)
	}
	return nil, fmt.Errorf("oauth: unknown flow %q, want %q or %q: %w", flow, mailbox.OAuthMicrosoft365, mailbox.OAuthGoogle, mailbox.ErrInvalidConfig)
}

func newSource(name, tokenURL string, secrets []string, opts []Option) *Source {
	s := &Source{name: name, url: tokenURL, secrets: secrets, client: &http.Client{Timeout: fetchTimeout}, now: time.Now}
	for _, opt := range opts {
		opt(s)
	}
	return s
}

func (s *Source) check() error {
	if err := CheckTokenURL(s.url); err != nil {
		return fmt.Errorf("oauth: %s token endpoint: %w", s.name, err)
	}
	return nil
}

// CheckTokenURL reports whether u can be a token endpoint: an absolute
// https URL, or http to a loopback address (a test server), since the client
// secret travels in the request. The error wraps mailbox.ErrInvalidConfig.
func CheckTokenURL(u string) error {
	p, err := url.Parse(u)
	switch {
	case err != nil:
		return fmt.Errorf("%q is not a URL: %w", u, mailbox.ErrInvalidConfig)
	case p.Host == "" || p.User != nil:
		return fmt.Errorf("%q is not an absolute URL without credentials: %w", u, mailbox.ErrInvalidConfig)
	case p.Scheme == "https":
		return nil
	case p.Scheme == "http" && isLoopback(p.Hostname()):
		return nil
	}
	return fmt.Errorf("%q must be https (http only to a loopback address): %w", u, mailbox.ErrInvalidConfig)
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Endpoint is the token endpoint the Source asks.
func (s *Source) Endpoint() string { return s.url }

// Token returns the access token and when to stop using it: the token kept
// from the last request until then, else a new one.
func (s *Source) Token(ctx context.Context) (string, time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.token != "" && (s.renewAt.IsZero() || s.now().Before(s.renewAt)) {
		return s.token, s.renewAt, nil
	}
	return s.refreshLocked(ctx)
}

// Refresh fetches a new access token even though the one kept is not due:
// the server refused it (revoked, or the clocks disagree).
func (s *Source) Refresh(ctx context.Context) (string, time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refreshLocked(ctx)
}

func (s *Source) refreshLocked(ctx context.Context) (string, time.Time, error) {
	s.token, s.renewAt = "", time.Time{}
	tok, err := s.fetch(context.WithValue(ctx, oauth2.HTTPClient, s.client))
	if err != nil {
		return "", time.Time{}, s.fetchError(err)
	}
	if tok.AccessToken == "" {
		return "", time.Time{}, fmt.Errorf("oauth: %s token endpoint %s answered without an access token", s.name, s.url)
	}
	s.token = tok.AccessToken
	if !tok.Expiry.IsZero() {
		// x/oauth2 sets Expiry from expires_in on the real clock; the
		// lifetime carries over to the Source's clock.
		life := time.Until(tok.Expiry)
		s.renewAt = s.now().Add(life - min(life/4, maxMargin))
	}
	return s.token, s.renewAt, nil
}

// ErrTokenEndpoint wraps a token request that got no usable answer: the
// endpoint could not be reached, failed (5xx) or asked to wait (429).
var ErrTokenEndpoint = errors.New("token endpoint unavailable")

// fetchError describes a failed token request without the secrets. A
// refusal of the credentials (4xx other than 408 and 429) wraps
// mailbox.ErrAuthFailed: asking again cannot help. Anything else (no
// answer, 5xx, 429) may pass.
func (s *Source) fetchError(err error) error {
	var rerr *oauth2.RetrieveError
	if !errors.As(err, &rerr) || rerr.Response == nil {
		return mailbox.Redact(unavailable{fmt.Errorf("oauth: %s token endpoint: %w", s.name, err)}, s.secrets...)
	}
	why := rerr.ErrorCode
	if d, _, _ := strings.Cut(rerr.ErrorDescription, "\n"); d != "" {
		why = strings.TrimSpace(why + ": " + truncate(strings.TrimSpace(d), 300))
	}
	if why == "" {
		why = rerr.Response.Status
	}
	code := rerr.Response.StatusCode
	if code >= 400 && code < 500 && code != http.StatusRequestTimeout && code != http.StatusTooManyRequests {
		return mailbox.Redact(fmt.Errorf("oauth: %s token endpoint %s refused the credentials: %s: %w", s.name, s.url, why, mailbox.ErrAuthFailed), s.secrets...)
	}
	return mailbox.Redact(unavailable{fmt.Errorf("oauth: %s token endpoint %s failed: %s", s.name, s.url, why)}, s.secrets...)
}

// unavailable marks an error as ErrTokenEndpoint without changing its text.
type unavailable struct{ err error }

func (u unavailable) Error() string        { return u.err.Error() }
func (u unavailable) Unwrap() error        { return u.err }
func (u unavailable) Is(target error) bool { return target == ErrTokenEndpoint }

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
