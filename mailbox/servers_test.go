package mailbox

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"

	"github.com/acctsetup/acctsetup/mailbox/dovecottest"
	"github.com/acctsetup/acctsetup/mailbox/oauthtest"
)

// guard bounds every wait in these tests. It only turns a hang into a
// failure; nothing is expected to take more than a fraction of it.
const guard = 60 * time.Second

// testServer is an IMAP server the scan and watch tests run against: the
// same test body runs on each (see forEachServer).
type testServer interface {
	config() Config // plaintext to loopback, INBOX
	password() string
	deliver(t *testing.T, raw []byte) // into INBOX
	createFolder(t *testing.T, name string)
	deliverTo(t *testing.T, folder string, raw []byte)
	renumber(t *testing.T) // give INBOX a new UIDVALIDITY, keeping its messages
	stop(t *testing.T)     // close the listener and every connection
	start(t *testing.T)    // listen again on the same port
}

// forEachServer runs body as a subtest against go-imap's in-memory server
// and against Dovecot (skipped when Dovecot is not installed).
func forEachServer(t *testing.T, body func(t *testing.T, srv testServer)) {
	t.Helper()
	servers := []struct {
		name string
		new  func(t *testing.T) testServer
	}{
		{"imapmemserver", func(t *testing.T) testServer { return newMemServer(t, memOptions{}) }},
		{"dovecot", func(t *testing.T) testServer { return &dovecotServer{dovecottest.New(t)} }},
	}
	for _, s := range servers {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			body(t, s.new(t))
		})
	}
}

const (
	memUser     = "alice@example.com"
	memPassword = "correct horse battery staple"
)

// memOptions varies the in-memory server for the connection tests.
type memOptions struct {
	startTLS    *tls.Config                         // offer STARTTLS with this configuration
	implicitTLS *tls.Config                         // speak TLS from the first byte
	newSession  func(*memServer) imapserver.Session // replaces the default session
}

// memServer is go-imap's imapmemserver behind imapserver on 127.0.0.1.
type memServer struct {
	opts    memOptions
	backend *imapmemserver.Server
	user    *imapmemserver.User
	addr    string
	traffic *syncBuffer // every byte the server read and wrote

	mu       sync.Mutex
	srv      *imapserver.Server
	ln       net.Listener
	served   chan struct{}
	messages [][]byte // what deliver appended to INBOX, for renumber
}

func newMemServer(t *testing.T, opts memOptions) *memServer {
	t.Helper()
	s := &memServer{opts: opts, backend: imapmemserver.New(), traffic: &syncBuffer{}}
	s.user = imapmemserver.NewUser(memUser, memPassword)
	s.backend.AddUser(s.user)
	if err := s.user.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = ln.Addr().String()
	s.serve(ln)
	t.Cleanup(func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.srv != nil {
			s.srv.Close()
			s.ln.Close()
			<-s.served
		}
	})
	return s
}

func (s *memServer) serve(ln net.Listener) {
	if s.opts.implicitTLS != nil {
		ln = tls.NewListener(ln, s.opts.implicitTLS)
	}
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			if s.opts.newSession != nil {
				return s.opts.newSession(s), nil, nil
			}
			return &pollingIdleSession{s.backend.NewSession()}, nil, nil
		},
		InsecureAuth: true, // plaintext on loopback, as Dial allows
		TLSConfig:    s.opts.startTLS,
		DebugWriter:  s.traffic,
		Logger:       log.New(io.Discard, "", 0),
	})
	served := make(chan struct{})
	go func() {
		defer close(served)
		srv.Serve(ln)
	}()
	s.mu.Lock()
	s.srv, s.ln, s.served = srv, ln, served
	s.mu.Unlock()
}

// pollingIdleSession works around imapmemserver's IDLE, which reports only
// changes made after the server has started waiting: a message appended
// between the client's last command and the start of IDLE would go
// unannounced until the next change (see oauthtest.PollIdle).
type pollingIdleSession struct{ imapserver.Session }

func (s *pollingIdleSession) Idle(w *imapserver.UpdateWriter, stop <-chan struct{}) error {
	return oauthtest.PollIdle(s.Session, w, stop)
}

func (s *memServer) config() Config {
	host, port, _ := net.SplitHostPort(s.addr)
	p, _ := strconv.Atoi(port)
	return Config{Host: host, Port: p, TLS: TLSNone, Username: memUser}
}

func (s *memServer) password() string { return memPassword }

func (s *memServer) deliver(t *testing.T, raw []byte) {
	t.Helper()
	if _, err := s.user.Append("INBOX", literal(raw), &imap.AppendOptions{}); err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	s.messages = append(s.messages, raw)
	s.mu.Unlock()
}

func (s *memServer) createFolder(t *testing.T, name string) {
	t.Helper()
	if err := s.user.Create(name, nil); err != nil {
		t.Fatal(err)
	}
}

func (s *memServer) deliverTo(t *testing.T, folder string, raw []byte) {
	t.Helper()
	if _, err := s.user.Append(folder, literal(raw), &imap.AppendOptions{}); err != nil {
		t.Fatal(err)
	}
}

// renumber deletes and re-creates INBOX, which gives it a new UIDVALIDITY,
// and appends its messages again.
func (s *memServer) renumber(t *testing.T) {
	t.Helper()
	if err := s.user.Delete("INBOX"); err != nil {
		t.Fatal(err)
	}
	if err := s.user.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	msgs := s.messages
	s.mu.Unlock()
	for _, raw := range msgs {
		if _, err := s.user.Append("INBOX", literal(raw), &imap.AppendOptions{}); err != nil {
			t.Fatal(err)
		}
	}
}

func (s *memServer) stop(t *testing.T) {
	t.Helper()
	s.mu.Lock()
	srv, ln, served := s.srv, s.ln, s.served
	s.srv = nil
	s.mu.Unlock()
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	// Close misses a listener that Serve has not registered yet, and Serve
	// then returns without closing it.
	ln.Close()
	<-served
}

func (s *memServer) start(t *testing.T) {
	t.Helper()
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		t.Fatalf("listen again on %s: %v", s.addr, err)
	}
	s.serve(ln)
}

// dovecotServer adapts dovecottest.Server.
type dovecotServer struct{ *dovecottest.Server }

func (s *dovecotServer) config() Config {
	return Config{Host: s.Host, Port: s.Port, TLS: TLSNone, Username: dovecottest.User}
}

func (s *dovecotServer) password() string                 { return dovecottest.Password }
func (s *dovecotServer) deliver(t *testing.T, raw []byte) { s.Deliver(t, raw) }
func (s *dovecotServer) stop(t *testing.T)                { s.Stop(t) }
func (s *dovecotServer) createFolder(t *testing.T, name string) {
	s.CreateFolder(t, name)
}
func (s *dovecotServer) deliverTo(t *testing.T, folder string, raw []byte) {
	s.DeliverTo(t, folder, raw)
}
func (s *dovecotServer) start(t *testing.T) { s.Start(t) }

func (s *dovecotServer) renumber(t *testing.T) {
	t.Helper()
	s.SetUIDValidity(t, "INBOX", 4242) // Dovecot's own values are timestamps
}

// literal is an imap.LiteralReader over b.
func literal(b []byte) imap.LiteralReader {
	return &literalReader{Reader: bytes.NewReader(b), size: int64(len(b))}
}

type literalReader struct {
	*bytes.Reader
	size int64
}

func (r *literalReader) Size() int64 { return r.size }

// syncBuffer is a bytes.Buffer safe for concurrent use.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// countingDial is a dial hook that counts connection attempts and the bytes
// read from every connection.
type countingDial struct {
	attempts atomic.Int64
	read     atomic.Int64
}

func (d *countingDial) option() Option {
	return func(o *options) {
		o.dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
			d.attempts.Add(1)
			conn, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return &countingConn{Conn: conn, read: &d.read}, nil
		}
	}
}

type countingConn struct {
	net.Conn
	read *atomic.Int64
}

func (c *countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.read.Add(int64(n))
	return n, err
}

// dialServer logs in to srv, closing the client when t ends.
func dialServer(t *testing.T, srv testServer, opts ...Option) *Client {
	t.Helper()
	c, err := Dial(context.Background(), srv.config(), srv.password(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// email builds a message. headers are "Key: value" lines added after From,
// To and Subject; a Message-ID is added unless headers has one.
func email(from, subject string, headers ...string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\nTo: integrations@example.com\r\nSubject: %s\r\n", from, subject)
	hasID := false
	for _, h := range headers {
		hasID = hasID || strings.HasPrefix(strings.ToLower(h), "message-id:")
		b.WriteString(h + "\r\n")
	}
	if !hasID {
		fmt.Fprintf(&b, "Message-ID: <%s@test.example>\r\n", strings.ReplaceAll(subject, " ", "."))
	}
	b.WriteString("Date: Mon, 02 Jun 2025 10:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
	b.WriteString("Body of " + subject + ".\r\n")
	return []byte(b.String())
}

// selfSignedCert returns a TLS certificate for 127.0.0.1 and localhost, and
// a pool that trusts it.
func selfSignedCert(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "mailbox test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:              []string{"localhost"},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}, pool
}
