package mailbox

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-sasl"
)

// The TLS modes a Config accepts.
const (
	TLSImplicit = "implicit" // TLS from the first byte (port 993); the default
	TLSStartTLS = "starttls" // plaintext greeting, then STARTTLS before anything else (port 143)
	TLSNone     = "none"     // no TLS at all: allowed only to a loopback address
)

// The authentication methods a Config accepts.
const (
	AuthPassword = "password" // AUTHENTICATE PLAIN when offered, else LOGIN; the default
	AuthXOAUTH2  = "xoauth2"  // SASL XOAUTH2 with an OAuth 2.0 access token (Gmail, Microsoft 365)
)

// DefaultFolder is the folder scanned and watched when a Config names none.
const DefaultFolder = "INBOX"

// ErrAuthFailed is wrapped by the error Dial returns when the server refused
// the credentials. Retrying with the same secret will not help.
var ErrAuthFailed = errors.New("authentication failed")

// ErrInvalidConfig is wrapped by the error Dial returns when the Config
// cannot be used as it is: an unknown TLS mode or authentication method, a
// missing host or user name, or plaintext to an address that is not loopback.
var ErrInvalidConfig = errors.New("invalid mailbox configuration")

// connectTimeout bounds connecting, TLS and logging in together, so that a
// server that accepts the connection but never answers cannot hold Dial.
const connectTimeout = 30 * time.Second

var errConnectTimeout = fmt.Errorf("no greeting and login within %s", connectTimeout)

// errNoStartTLS is wrapped when a STARTTLS server would not start TLS.
var errNoStartTLS = errors.New("the server did not start TLS")

// Config says which mailbox to read and how to log in. The password or token
// is not part of it: it comes from the vault and is passed to Dial apart.
type Config struct {
	Host     string
	Port     int      // 0: 993 for implicit TLS, 143 otherwise
	TLS      string   // TLSImplicit (default when empty), TLSStartTLS or TLSNone
	Username string   // the login name, usually the mailbox's address
	Auth     string   // AuthPassword (default when empty) or AuthXOAUTH2
	Folders  []string // the folders to scan and watch; empty means INBOX
}

// normalized returns c with its defaults filled in, or an error wrapping
// ErrInvalidConfig.
func (c Config) normalized() (Config, error) {
	c.Host = strings.TrimSpace(c.Host)
	c.TLS = strings.ToLower(strings.TrimSpace(c.TLS))
	c.Auth = strings.ToLower(strings.TrimSpace(c.Auth))
	if c.TLS == "" {
		c.TLS = TLSImplicit
	}
	if c.Auth == "" {
		c.Auth = AuthPassword
	}
	if c.Port == 0 {
		c.Port = 143
		if c.TLS == TLSImplicit {
			c.Port = 993
		}
	}
	if len(c.Folders) == 0 {
		c.Folders = []string{DefaultFolder}
	} else { // a folder named twice is watched once
		var folders []string
		for _, f := range c.Folders {
			if !slices.Contains(folders, f) {
				folders = append(folders, f)
			}
		}
		c.Folders = folders
	}
	switch {
	case c.Host == "":
		return c, fmt.Errorf("mailbox: host is empty: %w", ErrInvalidConfig)
	case c.Port < 1 || c.Port > 65535:
		return c, fmt.Errorf("mailbox: port=%d is out of range: %w", c.Port, ErrInvalidConfig)
	case c.TLS != TLSImplicit && c.TLS != TLSStartTLS && c.TLS != TLSNone:
		return c, fmt.Errorf("mailbox: tls=%q, want %q, %q or %q: %w", c.TLS, TLSImplicit, TLSStartTLS, TLSNone, ErrInvalidConfig)
	case c.Auth != AuthPassword && c.Auth != AuthXOAUTH2:
		return c, fmt.Errorf("mailbox: auth=%q, want %q or %q: %w", c.Auth, AuthPassword, AuthXOAUTH2, ErrInvalidConfig)
	case c.Username == "":
		return c, fmt.Errorf("mailbox: username is empty: %w", ErrInvalidConfig)
	}
	if slices.Contains(c.Folders, "") {
		return c, fmt.Errorf("mailbox: folders has an empty name: %w", ErrInvalidConfig)
	}
	return c, nil
}

// Validate reports whether c can be used, without connecting. The error
// wraps ErrInvalidConfig. Plaintext to a host that is not loopback is found
// only by Dial, which resolves the host.
func (c Config) Validate() error {
	_, err := c.normalized()
	return err
}

// addr is host:port, the way errors name the server.
func (c Config) addr() string {
	return net.JoinHostPort(c.Host, strconv.Itoa(c.Port))
}

// defaultPollInterval is how often Watch scans a folder on a server that
// does not offer IDLE.
const defaultPollInterval = time.Minute

// An Option changes how Dial connects, how Scan reports progress or how
// Watch behaves.
type Option func(*options)

type options struct {
	tlsConfig    *tls.Config
	progress     func(folder string, done, total int)
	event        func(Event)
	pollInterval time.Duration

	// Test hooks; nil or zero means the real thing.
	lookupIP     func(ctx context.Context, host string) ([]net.IP, error)
	dial         func(ctx context.Context, network, addr string) (net.Conn, error)
	forcePoll    bool          // poll even when the server offers IDLE
	searchWindow int           // messages per search of a scan (searchWindow)
	backoffMin   time.Duration // first reconnection delay
	backoffMax   time.Duration // longest reconnection delay
}

func newOptions(opts []Option) options {
	o := options{
		pollInterval: defaultPollInterval,
		searchWindow: searchWindow,
		backoffMin:   time.Second,
		backoffMax:   5 * time.Minute,
	}
	for _, opt := range opts {
		opt(&o)
	}
	if o.lookupIP == nil {
		o.lookupIP = func(ctx context.Context, host string) ([]net.IP, error) {
			return net.DefaultResolver.LookupIP(ctx, "ip", host)
		}
	}
	if o.dial == nil {
		// The default dialer keeps TCP keep-alives on, which is what finds a
		// dead peer while the client waits in IDLE without a read deadline.
		d := &net.Dialer{Timeout: 30 * time.Second}
		o.dial = d.DialContext
	}
	return o
}

// WithTLSConfig sets the TLS configuration used for implicit TLS and
// STARTTLS, for example to trust a private CA through RootCAs. Dial copies
// it and sets ServerName to the configured host when it is empty.
func WithTLSConfig(cfg *tls.Config) Option {
	return func(o *options) { o.tlsConfig = cfg }
}

// WithProgress makes Scan report its progress on a folder: once with done=0
// when it knows how many messages arrived after the checkpoint (total), then
// each time it has searched some of them and handled what the search found
// (done of total). It is called from the goroutine that called Scan (or
// from Watch's goroutine for that folder).
func WithProgress(fn func(folder string, done, total int)) Option {
	return func(o *options) { o.progress = fn }
}

// WithEvents makes Watch report what it does, one Event at a time, such as
// "INBOX: watching (idle)" or "INBOX: reconnecting in 2s: ...", with the
// folder's State. Events never contain the secret. Calls for different
// folders may be concurrent.
func WithEvents(fn func(Event)) Option {
	return func(o *options) { o.event = fn }
}

// WithPollInterval sets how often Watch scans a folder on a server that does
// not offer IDLE. The default is one minute.
func WithPollInterval(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.pollInterval = d
		}
	}
}

// Client is a connection to the mailbox, logged in. It is not safe for
// concurrent use: one Scan at a time.
type Client struct {
	imap *imapclient.Client
	cfg  Config
	addr string
	opts options

	// newMail receives a token whenever the server reports that the
	// selected folder's message count changed (an untagged EXISTS). The
	// buffer of one means a report that arrives while nobody waits is kept
	// for the next wait, and many reports collapse into one.
	newMail chan struct{}
}

// Dial connects to the server cfg names and logs in with secret, which is
// the password (AuthPassword) or the OAuth 2.0 access token (AuthXOAUTH2).
//
// With TLSNone, Dial first resolves the host and refuses, before it opens
// any connection, unless every address is a loopback address. With
// TLSStartTLS it fails when the server does not start TLS; it never falls
// back to plaintext. Connecting and logging in must finish within 30
// seconds. Errors start with "mailbox:", name host:port once the Config is
// valid, and never contain the secret; refused credentials wrap
// ErrAuthFailed, an unusable Config or an empty secret ErrInvalidConfig.
// Cancelling ctx aborts the dial and the login.
func Dial(ctx context.Context, cfg Config, secret string, opts ...Option) (*Client, error) {
	cfg, err := cfg.normalized()
	if err != nil {
		return nil, err
	}
	return dial(ctx, cfg, secret, newOptions(opts))
}

// TokenSource supplies the OAuth 2.0 access tokens of XOAUTH2 logins;
// package mailbox/oauth has Microsoft 365's and Google's.
//
// An error that wraps ErrAuthFailed or ErrInvalidConfig means asking again
// cannot help (the credentials were refused, or are unusable); any other may
// pass, and Watch tries again later.
type TokenSource interface {
	// Token returns an access token and when to stop using it (zero: no
	// lifetime is known): a connection logged in with it is renewed by
	// then, and from then on Token returns another.
	Token(ctx context.Context) (token string, renewAt time.Time, err error)
	// Refresh fetches a new access token at once, for when the server
	// refused the one Token returned.
	Refresh(ctx context.Context) (token string, renewAt time.Time, err error)
}

// DialOAuth is Dial for cfg.Auth = AuthXOAUTH2 with a token from src. When
// the server refuses the token, DialOAuth fetches a new one (src.Refresh)
// and logs in once more; a second refusal is returned, wrapping
// ErrAuthFailed.
func DialOAuth(ctx context.Context, cfg Config, src TokenSource, opts ...Option) (*Client, error) {
	cfg, err := cfg.normalized()
	if err != nil {
		return nil, err
	}
	if cfg.Auth != AuthXOAUTH2 {
		return nil, fmt.Errorf("mailbox: log in to %s with an OAuth token: auth=%q, want %q: %w", cfg.addr(), cfg.Auth, AuthXOAUTH2, ErrInvalidConfig)
	}
	c, _, err := dialOAuth(ctx, cfg, src, newOptions(opts))
	return c, err
}

// dialOAuth is DialOAuth with cfg normalized and the options applied; it
// also returns when the token logged in with is due for renewal.
func dialOAuth(ctx context.Context, cfg Config, src TokenSource, o options) (*Client, time.Time, error) {
	token, renewAt, err := src.Token(ctx)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("mailbox: access token for %s: %w", cfg.addr(), err)
	}
	c, err := dial(ctx, cfg, token, o)
	if !errors.Is(err, ErrAuthFailed) {
		return c, renewAt, err
	}
	// The token was refused before it was due: revoked, or the server's
	// clock runs ahead. One new token, then the refusal stands.
	token, renewAt, rerr := src.Refresh(ctx)
	if rerr != nil {
		return nil, time.Time{}, fmt.Errorf("mailbox: %s refused the access token, and a new one could not be fetched: %w", cfg.addr(), rerr)
	}
	c, err = dial(ctx, cfg, token, o)
	return c, renewAt, err
}

// dial is Dial with cfg normalized and the options applied.
func dial(ctx context.Context, cfg Config, secret string, o options) (*Client, error) {
	c := &Client{cfg: cfg, addr: cfg.addr(), opts: o, newMail: make(chan struct{}, 1)}
	if secret == "" {
		return nil, fmt.Errorf("mailbox: log in to %s as %q: the password or token is empty: %w", c.addr, cfg.Username, ErrInvalidConfig)
	}
	if err := c.connect(ctx, secret); err != nil {
		return nil, Redact(err, secret)
	}
	return c, nil
}

// connect dials, starts TLS as configured and logs in.
func (c *Client) connect(ctx context.Context, secret string) error {
	ctx, cancel := context.WithTimeoutCause(ctx, connectTimeout, errConnectTimeout)
	defer cancel()
	conn, err := c.dialConn(ctx)
	if err != nil {
		return err
	}
	// imapclient's calls take no context: closing the connection is what
	// unblocks them when ctx ends.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()

	imapOpts := &imapclient.Options{
		TLSConfig: c.tlsConfig(),
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			Mailbox: func(data *imapclient.UnilateralDataMailbox) {
				if data.NumMessages != nil {
					select {
					case c.newMail <- struct{}{}:
					default:
					}
				}
			},
		},
	}
	guard := guardWrites(conn) // see writeGuard
	switch c.cfg.TLS {
	case TLSStartTLS:
		c.imap, err = imapclient.NewStartTLS(guard, imapOpts)
		if err != nil {
			conn.Close()
			var imapErr *imap.Error
			if errors.As(err, &imapErr) { // NO or BAD: the server will not
				err = fmt.Errorf("%w: %w", errNoStartTLS, err)
			}
			return c.ctxErr(ctx, fmt.Errorf("mailbox: STARTTLS with %s: %w", c.addr, err))
		}
	default: // implicit TLS, or plaintext to loopback; dialConn did the TLS
		c.imap = imapclient.New(guard, imapOpts)
	}
	guard.watch(c.imap.Closed())
	if err := c.imap.WaitGreeting(); err != nil {
		c.imap.Close()
		return c.ctxErr(ctx, fmt.Errorf("mailbox: greeting from %s: %w", c.addr, err))
	}
	if err := c.login(secret); err != nil {
		c.imap.Close()
		return c.ctxErr(ctx, err)
	}
	if !stop() { // ctx ended just now and the connection is closed
		c.imap.Close()
		return c.ctxErr(ctx, net.ErrClosed)
	}
	return nil
}

// ctxErr prefers ctx's error to err when ctx ended: the connection was then
// closed on purpose and err only says so indirectly.
func (c *Client) ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("mailbox: %s: %w", c.addr, context.Cause(ctx))
	}
	return err
}

// tlsConfig is the caller's TLS configuration, copied, with ServerName set.
func (c *Client) tlsConfig() *tls.Config {
	cfg := &tls.Config{}
	if c.opts.tlsConfig != nil {
		cfg = c.opts.tlsConfig.Clone()
	}
	if cfg.ServerName == "" {
		cfg.ServerName = c.cfg.Host
	}
	if cfg.NextProtos == nil && c.cfg.TLS == TLSImplicit {
		cfg.NextProtos = []string{"imap"}
	}
	return cfg
}

// dialConn opens the TCP connection and, for implicit TLS, completes the
// handshake. For TLSNone it checks the host resolves only to loopback
// addresses first and connects to those addresses, not to the name, so a
// second resolution cannot lead elsewhere.
func (c *Client) dialConn(ctx context.Context) (net.Conn, error) {
	if c.cfg.TLS != TLSNone {
		conn, err := c.opts.dial(ctx, "tcp", c.addr)
		if err != nil {
			return nil, fmt.Errorf("mailbox: connect to %s: %w", c.addr, err)
		}
		if c.cfg.TLS == TLSStartTLS {
			return conn, nil
		}
		tlsConn := tls.Client(conn, c.tlsConfig())
		if err := tlsConn.HandshakeContext(ctx); err != nil {
			conn.Close()
			return nil, fmt.Errorf("mailbox: TLS with %s: %w", c.addr, err)
		}
		return tlsConn, nil
	}

	ips, err := c.loopbackIPs(ctx)
	if err != nil {
		return nil, err
	}
	var errs []error
	for _, ip := range ips {
		conn, err := c.opts.dial(ctx, "tcp", net.JoinHostPort(ip.String(), strconv.Itoa(c.cfg.Port)))
		if err == nil {
			return conn, nil
		}
		errs = append(errs, err)
	}
	return nil, fmt.Errorf("mailbox: connect to %s: %w", c.addr, errors.Join(errs...))
}

// loopbackIPs resolves the host for a plaintext connection and fails unless
// every address it has is a loopback address.
func (c *Client) loopbackIPs(ctx context.Context) ([]net.IP, error) {
	var ips []net.IP
	if ip := net.ParseIP(c.cfg.Host); ip != nil {
		ips = []net.IP{ip}
	} else {
		var err error
		ips, err = c.opts.lookupIP(ctx, c.cfg.Host)
		if err != nil {
			return nil, fmt.Errorf("mailbox: tls=%q needs a loopback host, and %s does not resolve: %w: %w", TLSNone, c.addr, ErrInvalidConfig, err)
		}
	}
	if len(ips) == 0 {
		return nil, fmt.Errorf("mailbox: tls=%q needs a loopback host, and %s has no address: %w", TLSNone, c.addr, ErrInvalidConfig)
	}
	for _, ip := range ips {
		if !ip.IsLoopback() {
			return nil, fmt.Errorf("mailbox: refusing plaintext IMAP to %s: %s is not a loopback address; use tls=%q or %q: %w",
				c.addr, ip, TLSImplicit, TLSStartTLS, ErrInvalidConfig)
		}
	}
	return ips, nil
}

// login authenticates with the configured method.
func (c *Client) login(secret string) error {
	caps := c.imap.Caps()
	var err error
	switch c.cfg.Auth {
	case AuthXOAUTH2:
		if !caps.Has(imap.AuthCap(mechXOAUTH2)) {
			return fmt.Errorf("mailbox: %s does not offer AUTH=%s: %w", c.addr, mechXOAUTH2, ErrInvalidConfig)
		}
		x := newXOAUTH2Client(c.cfg.Username, secret)
		if err = c.imap.Authenticate(x); err != nil && x.serverError != "" {
			err = fmt.Errorf("%w (server said %s)", err, x.serverError)
		}
	default:
		switch {
		case caps.Has(imap.AuthCap(sasl.Plain)):
			err = c.imap.Authenticate(sasl.NewPlainClient("", c.cfg.Username, secret))
		case caps.Has(imap.CapLoginDisabled):
			return fmt.Errorf("mailbox: %s offers neither AUTH=PLAIN nor LOGIN: %w", c.addr, ErrInvalidConfig)
		default:
			err = c.imap.Login(c.cfg.Username, secret).Wait()
		}
	}
	if err == nil {
		return nil
	}
	var imapErr *imap.Error
	if errors.As(err, &imapErr) && imapErr.Type == imap.StatusResponseTypeNo {
		return fmt.Errorf("mailbox: log in to %s as %q: %w: %w", c.addr, c.cfg.Username, ErrAuthFailed, err)
	}
	return fmt.Errorf("mailbox: log in to %s as %q: %w", c.addr, c.cfg.Username, err)
}

// logoutTimeout bounds how long Close waits for the server to answer LOGOUT;
// a server that does not answer in that time is not worth waiting for.
const logoutTimeout = 5 * time.Second

// Close logs out and closes the connection. It does not wait more than a few
// seconds for an unresponsive server.
func (c *Client) Close() error {
	select {
	case <-c.imap.Closed():
	default:
		done := make(chan error, 1)
		go func() { done <- c.imap.Logout().Wait() }()
		timer := time.NewTimer(logoutTimeout)
		select {
		case <-done:
		case <-timer.C:
		}
		timer.Stop()
	}
	if err := c.imap.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("mailbox: close %s: %w", c.addr, err)
	}
	return nil
}

// Redact replaces the secrets in err's message, should a server ever echo
// one, while keeping err's chain for errors.Is and errors.As. A secret
// shorter than minRedact is left alone: it would match ordinary words of the
// message far more often than an echo.
func Redact(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	for _, secret := range secrets {
		if len(secret) >= minRedact {
			msg = strings.ReplaceAll(msg, secret, "[redacted]")
		}
	}
	if msg == err.Error() {
		return err
	}
	return &redactedError{msg: msg, err: err}
}

const minRedact = 6

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }
