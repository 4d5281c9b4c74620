package mailbox_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/acctsetup/acctsetup/mailbox"
	"github.com/acctsetup/acctsetup/mailbox/oauth"
	"github.com/acctsetup/acctsetup/mailbox/oauthtest"
)

// guard bounds a wait in these tests; it only turns a hang into a failure.
const guard = 30 * time.Second

// oauthMailbox is the XOAUTH2 mailbox of srv, and a Microsoft 365 token
// source asking tokens.
func oauthMailbox(t *testing.T, srv *oauthtest.IMAPServer, tokens *oauthtest.TokenServer) (mailbox.Config, *oauth.Source) {
	t.Helper()
	src, err := oauth.Microsoft365(oauthtest.TenantID, oauthtest.ClientID, oauthtest.ClientSecret, oauth.WithTokenURL(tokens.URL))
	if err != nil {
		t.Fatal(err)
	}
	return mailbox.Config{Host: srv.Host, Port: srv.Port, TLS: mailbox.TLSNone, Username: oauthtest.User, Auth: mailbox.AuthXOAUTH2}, src
}

// approval is a message with a unique Message-ID.
func approval(i int) []byte {
	return fmt.Appendf(nil, "From: Xero <noreply@xero.com>\r\nTo: %s\r\nSubject: approval %d\r\nMessage-ID: <approval-%d@xero.test>\r\n"+
		"Date: Mon, 02 Jun 2025 10:00:00 +0000\r\n\r\nApproved.\r\n", oauthtest.User, i, i)
}

// TestDialOAuthRefreshesOnce: a token the server refuses before it is due
// (revoked) is replaced once by a new one, and a second refusal is the
// error.
func TestDialOAuthRefreshesOnce(t *testing.T) {
	t.Parallel()
	tokens := oauthtest.NewTokenServer(t, time.Hour)
	srv := oauthtest.NewIMAPServer(t, tokens)
	cfg, src := oauthMailbox(t, srv, tokens)
	if _, _, err := src.Token(context.Background()); err != nil {
		t.Fatal(err)
	}
	tokens.RevokeAll()
	c, err := mailbox.DialOAuth(context.Background(), cfg, src)
	if err != nil {
		t.Fatalf("DialOAuth with a revoked token = %v, want a login with a new one", err)
	}
	c.Close()
	if srv.Refused() != 1 || srv.Logins() != 1 || tokens.Issued() != 2 {
		t.Errorf("%d refused and %d good logins, %d tokens issued; want 1, 1 and 2", srv.Refused(), srv.Logins(), tokens.Issued())
	}

	// Tokens from another token server: the IMAP server refuses every one.
	other := oauthtest.NewTokenServer(t, time.Hour)
	_, stranger := oauthMailbox(t, srv, other)
	_, err = mailbox.DialOAuth(context.Background(), cfg, stranger)
	if !errors.Is(err, mailbox.ErrAuthFailed) || !strings.Contains(err.Error(), oauthtest.Challenge) {
		t.Errorf("DialOAuth refused twice = %v, want ErrAuthFailed with the server's reason", err)
	}
	if srv.Refused() != 3 || other.Issued() != 2 {
		t.Errorf("%d refused logins in all, %d tokens from the other server; want 3 and 2: one refresh, then the error", srv.Refused(), other.Issued())
	}
	if _, err := mailbox.DialOAuth(context.Background(), mailbox.Config{Host: srv.Host, Username: "u"}, src); !errors.Is(err, mailbox.ErrInvalidConfig) {
		t.Errorf("DialOAuth with auth=password = %v, want ErrInvalidConfig", err)
	}
}

// watchRun is a Watcher on an XOAUTH2 mailbox running in the background.
type watchRun struct {
	handled chan string
	done    chan error
	mu      sync.Mutex
	events  []string
}

func startOAuthWatch(t *testing.T, cfg mailbox.Config, src mailbox.TokenSource) *watchRun {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	rw := &watchRun{handled: make(chan string, 100), done: make(chan error, 1)}
	w := &mailbox.Watcher{
		Config: cfg,
		Tokens: src,
		Handle: func(m mailbox.Message) error {
			rw.handled <- m.MessageID
			return nil
		},
		Options: []mailbox.Option{mailbox.WithEvents(func(e mailbox.Event) {
			rw.mu.Lock()
			rw.events = append(rw.events, e.String())
			rw.mu.Unlock()
		})},
	}
	go func() { rw.done <- w.Watch(ctx, nil) }()
	t.Cleanup(func() {
		cancel()
		if err := <-rw.done; err != nil {
			t.Errorf("Watch returned %v after cancel, want nil", err)
		}
	})
	return rw
}

func (rw *watchRun) expect(t *testing.T, want string) {
	t.Helper()
	select {
	case got := <-rw.handled:
		if got != want {
			t.Fatalf("handled %q, want %q", got, want)
		}
	case err := <-rw.done:
		t.Fatalf("Watch returned %v while waiting for %q\n%s", err, want, rw.log())
	case <-time.After(guard):
		t.Fatalf("%q not handled within %s\n%s", want, guard, rw.log())
	}
}

func (rw *watchRun) log() string {
	rw.mu.Lock()
	defer rw.mu.Unlock()
	return strings.Join(rw.events, "\n")
}

// TestWatchRenewsTokens: with 4-second tokens, a watch keeps handling mail
// over several token lifetimes; each session ends before its token expires
// and logs in again with a fresh one, so the server never refuses a login
// nor ends a session itself.
func TestWatchRenewsTokens(t *testing.T) {
	t.Parallel()
	// 12-second tokens are renewed 3 seconds before they expire: a margin
	// a loaded CI machine keeps (4-second tokens left 1 second, and failed).
	tokens := oauthtest.NewTokenServer(t, 12*time.Second)
	srv := oauthtest.NewIMAPServer(t, tokens)
	cfg, src := oauthMailbox(t, srv, tokens)
	rw := startOAuthWatch(t, cfg, src)
	deadline := time.Now().Add(27 * time.Second) // two and a quarter lifetimes
	for i := 0; time.Now().Before(deadline); i++ {
		srv.Deliver(t, approval(i))
		rw.expect(t, fmt.Sprintf("approval-%d@xero.test", i))
		time.Sleep(250 * time.Millisecond)
	}
	if tokens.Issued() < 3 || srv.Logins() < 3 {
		t.Errorf("%s, %d logins; want a token and a login per 9 seconds", tokens, srv.Logins())
	}
	if srv.Refused() != 0 || srv.Expired() != 0 {
		t.Errorf("the server refused %d logins and ended %d sessions for an expired token; want none\n%s", srv.Refused(), srv.Expired(), rw.log())
	}
	if !strings.Contains(rw.log(), "INBOX: renewing the session: the access token is due for renewal") {
		t.Errorf("no renewal in the watch's events:\n%s", rw.log())
	}
}

// TestWatchTokenErrors: refused client credentials stop the watch; a token
// endpoint that fails for a while does not.
func TestWatchTokenErrors(t *testing.T) {
	t.Parallel()
	tokens := oauthtest.NewTokenServer(t, time.Hour)
	srv := oauthtest.NewIMAPServer(t, tokens)
	cfg, _ := oauthMailbox(t, srv, tokens)

	wrong, err := oauth.Microsoft365(oauthtest.TenantID, oauthtest.ClientID, "expired~client-secret", oauth.WithTokenURL(tokens.URL))
	if err != nil {
		t.Fatal(err)
	}
	w := &mailbox.Watcher{Config: cfg, Tokens: wrong, Handle: func(mailbox.Message) error { return nil }}
	done := make(chan error, 1)
	go func() { done <- w.Watch(context.Background(), nil) }()
	select {
	case err := <-done:
		if !errors.Is(err, mailbox.ErrAuthFailed) || !strings.Contains(err.Error(), "invalid_client") {
			t.Errorf("Watch with a wrong client secret = %v, want ErrAuthFailed saying invalid_client", err)
		}
	case <-time.After(guard):
		t.Fatal("Watch with a wrong client secret did not give up")
	}

	tokens.FailNext(1)
	_, src := oauthMailbox(t, srv, tokens)
	srv.Deliver(t, approval(1))
	rw := startOAuthWatch(t, cfg, src)
	rw.expect(t, "approval-1@xero.test")
	if !strings.Contains(rw.log(), "reconnecting in ") || !strings.Contains(rw.log(), "503 Service Unavailable") {
		t.Errorf("the watch did not retry after the token endpoint failed:\n%s", rw.log())
	}
}
