package mailbox

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-sasl"

	"github.com/acctsetup/acctsetup/mailbox/oauthtest"
)

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	ok := Config{Host: "imap.example.com", Username: "integrations@example.com"}
	tests := []struct {
		name    string
		change  func(*Config)
		wantErr string
	}{
		{"defaults", func(*Config) {}, ""},
		{"starttls xoauth2", func(c *Config) { c.TLS, c.Auth = "STARTTLS", "xoauth2" }, ""},
		{"no host", func(c *Config) { c.Host = " " }, "mailbox: host is empty: invalid mailbox configuration"},
		{"bad port", func(c *Config) { c.Port = 70000 }, "mailbox: port=70000 is out of range: invalid mailbox configuration"},
		{"bad tls", func(c *Config) { c.TLS = "ssl" }, `mailbox: tls="ssl", want "implicit", "starttls" or "none": invalid mailbox configuration`},
		{"bad auth", func(c *Config) { c.Auth = "oauth" }, `mailbox: auth="oauth", want "password" or "xoauth2": invalid mailbox configuration`},
		{"no user", func(c *Config) { c.Username = "" }, "mailbox: username is empty: invalid mailbox configuration"},
		{"empty folder", func(c *Config) { c.Folders = []string{"INBOX", ""} }, "mailbox: folders has an empty name: invalid mailbox configuration"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := ok
			tt.change(&cfg)
			err := cfg.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil || err.Error() != tt.wantErr || !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("Validate() = %v, want %q wrapping ErrInvalidConfig", err, tt.wantErr)
			}
		})
	}
}

func TestConfigDefaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		tls      string
		wantPort int
	}{{"", 993}, {"implicit", 993}, {"starttls", 143}, {"none", 143}}
	c, err := Config{Host: "h", Username: "u", Folders: []string{"INBOX", "Approvals", "INBOX"}}.normalized()
	if err != nil || !slices.Equal(c.Folders, []string{"INBOX", "Approvals"}) {
		t.Errorf("folders normalized to %q (%v), want [INBOX Approvals]", c.Folders, err)
	}
	for _, tt := range tests {
		c, err := Config{Host: "h", Username: "u", TLS: tt.tls}.normalized()
		if err != nil {
			t.Fatal(err)
		}
		if c.Port != tt.wantPort || c.Auth != AuthPassword || !slices.Equal(c.Folders, []string{"INBOX"}) {
			t.Errorf("tls=%q: normalized to port %d, auth %q, folders %q; want %d, password, [INBOX]", tt.tls, c.Port, c.Auth, c.Folders, tt.wantPort)
		}
	}
}

// TestDialRefusesBeforeConnecting checks that plaintext to a host that
// resolves anywhere but loopback, and an empty secret, fail before any
// connection is attempted.
func TestDialRefusesBeforeConnecting(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		host   string
		ips    []net.IP // what the host resolves to; nil: the real resolver
		secret string
		want   string
	}{
		{"public", "example.com", []net.IP{net.ParseIP("93.184.215.14")}, "hunter2", "93.184.215.14 is not a loopback address"},
		{"one of two", "mixed.test", []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("192.0.2.7")}, "hunter2", "192.0.2.7 is not a loopback address"},
		{"private literal", "10.1.2.3", nil, "hunter2", "10.1.2.3 is not a loopback address"},
		{"no address", "nowhere.test", []net.IP{}, "hunter2", "has no address"},
		// The real resolver: example.com resolves off loopback, or not at all here.
		{"real name", "example.com", nil, "hunter2", "tls=\"none\""},
		{"empty secret", "127.0.0.1", nil, "", "the password or token is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var dials countingDial
			opts := []Option{dials.option()}
			if tt.ips != nil {
				opts = append(opts, func(o *options) {
					o.lookupIP = func(context.Context, string) ([]net.IP, error) { return tt.ips, nil }
				})
			}
			cfg := Config{Host: tt.host, Port: 143, TLS: TLSNone, Username: "u"}
			_, err := Dial(context.Background(), cfg, tt.secret, opts...)
			if err == nil || !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Dial = %v, want an ErrInvalidConfig saying %q", err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "mailbox: ") || !strings.Contains(err.Error(), net.JoinHostPort(tt.host, "143")) {
				t.Errorf("error %q does not start with mailbox: and name the server", err)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error %q contains the password", err)
			}
			if n := dials.attempts.Load(); n != 0 {
				t.Errorf("Dial attempted %d connections, want none", n)
			}
		})
	}
}

// TestDialPlaintextLocalhost connects by name: localhost may resolve to ::1
// first, where nothing listens, and Dial must go on to 127.0.0.1.
func TestDialPlaintextLocalhost(t *testing.T) {
	t.Parallel()
	srv := newMemServer(t, memOptions{})
	cfg := srv.config()
	cfg.Host = "localhost"
	c, err := Dial(context.Background(), cfg, memPassword)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
}

func TestDialWrongPassword(t *testing.T) {
	t.Parallel()
	srv := newMemServer(t, memOptions{})
	_, err := Dial(context.Background(), srv.config(), "wrong-password-123")
	if !errors.Is(err, ErrAuthFailed) {
		t.Fatalf("Dial = %v, want ErrAuthFailed", err)
	}
	if msg := err.Error(); !strings.HasPrefix(msg, "mailbox: log in to "+srv.addr) || strings.Contains(msg, "wrong-password-123") {
		t.Errorf("error %q should name %s and not contain the password", msg, srv.addr)
	}
}

// loginOnlySession offers no SASL mechanism, so a password must go through
// the LOGIN command.
type loginOnlySession struct{ imapserver.Session }

func (loginOnlySession) AuthenticateMechanisms() []string { return nil }

func (loginOnlySession) Authenticate(string) (sasl.Server, error) {
	return nil, &imap.Error{Type: imap.StatusResponseTypeNo, Text: "no SASL here"}
}

func TestDialLoginCommand(t *testing.T) {
	t.Parallel()
	srv := newMemServer(t, memOptions{newSession: func(s *memServer) imapserver.Session {
		return loginOnlySession{s.backend.NewSession()}
	}})
	c, err := Dial(context.Background(), srv.config(), memPassword)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	if !strings.Contains(srv.traffic.String(), "LOGIN ") {
		t.Error("Dial did not use the LOGIN command")
	}
}

func TestDialCancelled(t *testing.T) {
	t.Parallel()
	srv := newMemServer(t, memOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Dial(ctx, srv.config(), memPassword); !errors.Is(err, context.Canceled) {
		t.Fatalf("Dial with a cancelled context = %v, want context.Canceled", err)
	}
}

func TestDialTLS(t *testing.T) {
	t.Parallel()
	cert, pool := selfSignedCert(t)
	serverTLS := &tls.Config{Certificates: []tls.Certificate{cert}}
	trust := WithTLSConfig(&tls.Config{RootCAs: pool})
	tests := []struct {
		name  string
		opts  memOptions
		mode  string
		extra []Option
		check func(t *testing.T, err error)
	}{
		{"implicit", memOptions{implicitTLS: serverTLS}, TLSImplicit, []Option{trust}, nil},
		{"starttls", memOptions{startTLS: serverTLS}, TLSStartTLS, []Option{trust}, nil},
		{"implicit untrusted", memOptions{implicitTLS: serverTLS}, TLSImplicit, nil, func(t *testing.T, err error) {
			var certErr *tls.CertificateVerificationError
			if !errors.As(err, &certErr) || !fatal(err) {
				t.Errorf("Dial = %v, want a fatal certificate error", err)
			}
		}},
		{"starttls not offered", memOptions{}, TLSStartTLS, []Option{trust}, func(t *testing.T, err error) {
			if !errors.Is(err, errNoStartTLS) || !fatal(err) {
				t.Errorf("Dial = %v, want errNoStartTLS", err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newMemServer(t, tt.opts)
			cfg := srv.config()
			cfg.TLS = tt.mode
			c, err := Dial(context.Background(), cfg, memPassword, tt.extra...)
			if tt.check == nil {
				if err != nil {
					t.Fatal(err)
				}
				scanAll(t, c, Checkpoint{Folder: "INBOX"})
				c.Close()
				return
			}
			if err == nil {
				c.Close()
				t.Fatal("Dial succeeded, want an error")
			}
			tt.check(t, err)
			if !strings.HasPrefix(err.Error(), "mailbox: ") || !strings.Contains(err.Error(), srv.addr) {
				t.Errorf("error %q does not start with mailbox: and name %s", err, srv.addr)
			}
			// Never a credential in the clear: the server saw no login.
			if traffic := srv.traffic.String(); strings.Contains(traffic, memPassword) || strings.Contains(strings.ToUpper(traffic), "LOGIN ") {
				t.Errorf("the server received a login in the clear:\n%s", traffic)
			}
		})
	}
}

// TestDialXOAUTH2 logs in with SASL XOAUTH2 to a server that offers
// nothing else, and checks that a refused token's error carries the
// server's JSON challenge but not the token.
func TestDialXOAUTH2(t *testing.T) {
	t.Parallel()
	tokens := oauthtest.NewTokenServer(t, time.Hour)
	srv := oauthtest.NewIMAPServer(t, tokens)
	srv.Deliver(t, email("noreply@xero.com", "approved"))
	cfg := Config{Host: srv.Host, Port: srv.Port, TLS: TLSNone, Username: oauthtest.User, Auth: AuthXOAUTH2}

	good, _ := tokens.Issue()
	c, err := Dial(context.Background(), cfg, good)
	if err != nil {
		t.Fatalf("Dial with the right token: %v", err)
	}
	if _, got, _ := scanAll(t, c, Checkpoint{Folder: "INBOX"}); len(got) != 1 {
		t.Errorf("scan after XOAUTH2 handled %d messages, want 1", len(got))
	}
	c.Close()

	_, err = Dial(context.Background(), cfg, "ya29.expired-token")
	if !errors.Is(err, ErrAuthFailed) {
		t.Fatalf("Dial with a wrong token = %v, want ErrAuthFailed", err)
	}
	if msg := err.Error(); !strings.Contains(msg, oauthtest.Challenge) || strings.Contains(msg, "expired-token") || !strings.Contains(msg, srv.Addr()) {
		t.Errorf("error %q should carry the server's JSON and the address, not the token", msg)
	}

	cfg.Auth = AuthPassword // the server offers no PLAIN and refuses LOGIN
	if _, err := Dial(context.Background(), cfg, memPassword); err == nil {
		t.Error("password login to an XOAUTH2-only server succeeded")
	}
}

func TestDialXOAUTH2NotOffered(t *testing.T) {
	t.Parallel()
	srv := newMemServer(t, memOptions{})
	cfg := srv.config()
	cfg.Auth = AuthXOAUTH2
	_, err := Dial(context.Background(), cfg, "ya29.some-token")
	if err == nil || !strings.Contains(err.Error(), "does not offer AUTH=XOAUTH2") {
		t.Fatalf("Dial = %v, want a refusal naming AUTH=XOAUTH2", err)
	}
}

func TestXOAUTH2Client(t *testing.T) {
	t.Parallel()
	x := newXOAUTH2Client("user@example.com", "tok")
	mech, ir, err := x.Start()
	if mech != "XOAUTH2" || string(ir) != "user=user@example.com\x01auth=Bearer tok\x01\x01" || err != nil {
		t.Fatalf("Start() = %q, %q, %v", mech, ir, err)
	}
	resp, err := x.Next([]byte("{\n  \"status\": \"400\"\n}"))
	if resp == nil || len(resp) != 0 || err != nil {
		t.Errorf("Next(challenge) = %q, %v; want an empty, non-nil response", resp, err)
	}
	if x.serverError != `{"status":"400"}` {
		t.Errorf("serverError = %q, want the compacted JSON", x.serverError)
	}
	x.Next([]byte("not json"))
	if x.serverError != `"not json"` {
		t.Errorf("serverError = %q, want the challenge quoted", x.serverError)
	}
}

func TestRedact(t *testing.T) {
	t.Parallel()
	base := errors.New("server said: bad password s3cret")
	err := Redact(base, "s3cret")
	if err.Error() != "server said: bad password [redacted]" || !errors.Is(err, base) {
		t.Errorf("Redact = %q (wrapping: %v)", err, errors.Is(err, base))
	}
	if Redact(base, "") != base || Redact(nil, "x") != nil || Redact(base, "bad") != base {
		t.Error("Redact changed an error it had nothing to redact, or a secret too short to tell from a word")
	}
	if err := Redact(errors.New("client s3cret and refresh 1//r3fresh"), "s3cret", "1//r3fresh"); err.Error() != "client [redacted] and refresh [redacted]" {
		t.Errorf("Redact with two secrets = %q", err)
	}
}
