// Package oauthtest runs what an XOAUTH2 mailbox login meets, for tests: an
// OAuth 2.0 token server (httptest) that issues short-lived access tokens by
// the client credentials grant (Microsoft 365) or a refresh token (Google),
// and an in-memory IMAP server (go-imap's imapmemserver) that accepts only
// SASL XOAUTH2 with a token the token server issued and that has not
// expired, and ends a session when its token expires, as Exchange Online does
// ("* BYE Session invalidated - AccessTokenExpired").
package oauthtest

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// The credentials the token server accepts. TenantID is not checked: a
// test names its token URL itself.
const (
	TenantID     = "0f9d3c1e-5a7b-4c2d-9e8f-1a2b3c4d5e6f"
	ClientID     = "7c1e2d3f-0a9b-4c8d-8e7f-6a5b4c3d2e1f"
	ClientSecret = "oauthtest~client-secret-value"
	RefreshToken = "1//oauthtest-refresh-token"
	// Scope is the one scope a client credentials request must ask for:
	// Exchange Online's IMAP and POP.
	Scope = "https://outlook.office365.com/.default"
)

// TokenServer is an OAuth 2.0 token endpoint. Credentials must come as form
// parameters, the way Microsoft's and Google's documents send them.
type TokenServer struct {
	// URL is the token endpoint.
	URL string

	mu       sync.Mutex
	lifetime time.Duration
	tokens   map[string]time.Time // every token issued, with its expiry
	requests int                  // token requests answered, good or bad
	issued   int
	failNext int // answer this many requests with 503
}

// NewTokenServer starts a token server issuing tokens that expire after
// lifetime (whole seconds: expires_in is an integer). It stops when t ends.
func NewTokenServer(t testing.TB, lifetime time.Duration) *TokenServer {
	t.Helper()
	s := &TokenServer{lifetime: lifetime, tokens: map[string]time.Time{}}
	srv := httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(srv.Close)
	s.URL = srv.URL + "/token"
	return s
}

func (s *TokenServer) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests++
	if s.failNext > 0 {
		s.failNext--
		http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
		return
	}
	if r.Method != http.MethodPost || r.URL.Path != "/token" || r.ParseForm() != nil {
		refuse(w, http.StatusBadRequest, "invalid_request", "POST a form to /token")
		return
	}
	f := r.PostForm
	if f.Get("client_id") != ClientID || f.Get("client_secret") != ClientSecret {
		refuse(w, http.StatusUnauthorized, "invalid_client", "AADSTS7000215: Invalid client secret provided.")
		return
	}
	switch f.Get("grant_type") {
	case "client_credentials":
		if f.Get("scope") != Scope {
			refuse(w, http.StatusBadRequest, "invalid_scope", "the scope must be "+Scope)
			return
		}
	case "refresh_token":
		if f.Get("refresh_token") != RefreshToken {
			refuse(w, http.StatusBadRequest, "invalid_grant", "Token has been expired or revoked.")
			return
		}
	default:
		refuse(w, http.StatusBadRequest, "unsupported_grant_type", "")
		return
	}
	token, _ := s.issueLocked()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{
		"access_token": token,
		"token_type":   "Bearer",
		"expires_in":   int(s.lifetime / time.Second),
	})
}

// refuse answers with an OAuth 2.0 error (RFC 6749 section 5.2).
func refuse(w http.ResponseWriter, status int, code, description string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": description})
}

// Issue mints a token as a request would, for a test that fakes the
// client side.
func (s *TokenServer) Issue() (token string, expiry time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.issueLocked()
}

func (s *TokenServer) issueLocked() (string, time.Time) {
	token := "eyJ0eXAi." + rand.Text()
	expiry := time.Now().Add(s.lifetime)
	s.tokens[token] = expiry
	s.issued++
	return token, expiry
}

// Valid returns a token's expiry and whether it was issued here, is not
// revoked and has not expired.
func (s *TokenServer) Valid(token string) (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	expiry, ok := s.tokens[token]
	return expiry, ok && time.Now().Before(expiry)
}

// RevokeAll makes every token issued so far invalid, as a password reset or
// an admin's revocation does.
func (s *TokenServer) RevokeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.tokens)
}

// FailNext makes the next n requests fail with 503, as an outage does.
func (s *TokenServer) FailNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext = n
}

// Issued is how many tokens the server has issued.
func (s *TokenServer) Issued() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.issued
}

// Requests is how many requests the server has answered, refused ones too.
func (s *TokenServer) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// String describes the server for failure messages.
func (s *TokenServer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return fmt.Sprintf("token server %s: %d requests, %d tokens issued", s.URL, s.requests, s.issued)
}
