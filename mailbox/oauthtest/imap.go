package oauthtest

import (
	"bytes"
	"io"
	"log"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/emersion/go-sasl"
)

// User is the IMAP server's one mailbox.
const User = "integrations@example.com"

// Challenge is the error challenge a refused XOAUTH2 login gets, the JSON
// Google documents (https://developers.google.com/workspace/gmail/imap/xoauth2-protocol).
const Challenge = `{"status":"401","schemes":"bearer","scope":"https://mail.google.com/"}`

// IMAPServer is an in-memory IMAP server on 127.0.0.1, without TLS, whose
// one user logs in only by XOAUTH2 with a token its TokenServer issued.
type IMAPServer struct {
	Host string
	Port int

	tokens *TokenServer
	user   *imapmemserver.User

	logins, refused, expired atomic.Int64
}

// NewIMAPServer starts a server that checks tokens with tokens. It stops
// when t ends.
func NewIMAPServer(t testing.TB, tokens *TokenServer) *IMAPServer {
	t.Helper()
	s := &IMAPServer{tokens: tokens, user: imapmemserver.NewUser(User, "")}
	if err := s.user.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().(*net.TCPAddr)
	s.Host, s.Port = addr.IP.String(), addr.Port
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(conn *imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return &session{srv: s, conn: conn}, nil, nil
		},
		InsecureAuth: true, // loopback plaintext, as the mailbox package allows
		Logger:       log.New(io.Discard, "", 0),
	})
	served := make(chan struct{})
	go func() {
		defer close(served)
		srv.Serve(ln)
	}()
	t.Cleanup(func() {
		srv.Close()
		ln.Close()
		<-served
	})
	return s
}

// Deliver appends a message to INBOX.
func (s *IMAPServer) Deliver(t testing.TB, raw []byte) {
	t.Helper()
	if _, err := s.user.Append("INBOX", &literal{bytes.NewReader(raw), int64(len(raw))}, &imap.AppendOptions{}); err != nil {
		t.Fatal(err)
	}
}

// Addr is host:port.
func (s *IMAPServer) Addr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }

// Logins is how many XOAUTH2 logins succeeded.
func (s *IMAPServer) Logins() int { return int(s.logins.Load()) }

// Refused is how many logins failed.
func (s *IMAPServer) Refused() int { return int(s.refused.Load()) }

// Expired is how many sessions the server ended because their token
// expired: a client that renews its sessions in time causes none.
func (s *IMAPServer) Expired() int { return int(s.expired.Load()) }

type literal struct {
	*bytes.Reader
	size int64
}

func (l *literal) Size() int64 { return l.size }

// session is imapmemserver's session once XOAUTH2 has let the user in.
type session struct {
	*imapmemserver.UserSession // nil until authenticated

	srv  *IMAPServer
	conn *imapserver.Conn

	mu     sync.Mutex
	expiry *time.Timer // ends the session when its token expires
}

var _ imapserver.SessionSASL = (*session)(nil)

func (s *session) Login(string, string) error { return imapserver.ErrAuthFailed }

func (s *session) AuthenticateMechanisms() []string { return []string{"XOAUTH2"} }

func (s *session) Authenticate(mech string) (sasl.Server, error) {
	if mech != "XOAUTH2" {
		return nil, &imap.Error{Type: imap.StatusResponseTypeNo, Text: "unsupported mechanism"}
	}
	return &xoauth2Server{sess: s}, nil
}

// Idle reports changes as they happen (see PollIdle).
func (s *session) Idle(w *imapserver.UpdateWriter, stop <-chan struct{}) error {
	return PollIdle(s, w, stop)
}

// PollIdle is IDLE for an imapmemserver session: it reports what is pending
// at once, then each change within a few milliseconds, until stop is
// closed. imapmemserver's own IDLE reports only changes made after it
// started waiting, while Exchange, Gmail and Dovecot also report what was
// pending when IDLE began.
func PollIdle(sess imapserver.Session, w *imapserver.UpdateWriter, stop <-chan struct{}) error {
	ticker := time.NewTicker(5 * time.Millisecond)
	defer ticker.Stop()
	for {
		if err := sess.Poll(w, true); err != nil {
			return err
		}
		select {
		case <-stop:
			return nil
		case <-ticker.C:
		}
	}
}

func (s *session) Close() error {
	s.mu.Lock()
	if s.expiry != nil {
		s.expiry.Stop()
	}
	s.mu.Unlock()
	return s.UserSession.Close()
}

// login lets the user in until the token's expiry.
func (s *session) login(expiry time.Time) {
	s.srv.logins.Add(1)
	s.UserSession = imapmemserver.NewUserSession(s.srv.user)
	s.mu.Lock()
	s.expiry = time.AfterFunc(time.Until(expiry), func() {
		s.srv.expired.Add(1)
		s.conn.Bye("Session invalidated - AccessTokenExpired")
	})
	s.mu.Unlock()
}

// xoauth2Server is the server side of SASL XOAUTH2
// (https://developers.google.com/workspace/gmail/imap/xoauth2-protocol): the
// initial response "user=" User "\x01auth=Bearer " token "\x01\x01"; a
// refusal sends the JSON challenge, waits for the client's empty answer and
// ends with NO.
type xoauth2Server struct {
	sess     *session
	rejected bool
}

func (x *xoauth2Server) Next(resp []byte) (challenge []byte, done bool, err error) {
	switch {
	case x.rejected:
		if len(resp) != 0 {
			return nil, false, &imap.Error{Type: imap.StatusResponseTypeBad, Text: "expected an empty response"}
		}
		return nil, false, imapserver.ErrAuthFailed
	case resp == nil:
		return nil, false, nil // ask for the initial response
	}
	user, token, ok := parseXOAUTH2(resp)
	if expiry, valid := x.sess.srv.tokens.Valid(token); ok && user == User && valid {
		x.sess.login(expiry)
		return nil, true, nil
	}
	x.sess.srv.refused.Add(1)
	x.rejected = true
	return []byte(Challenge), false, nil
}

// parseXOAUTH2 splits an initial response into the user and the token.
func parseXOAUTH2(resp []byte) (user, token string, ok bool) {
	fields := bytes.Split(resp, []byte{1})
	if len(fields) != 4 || len(fields[2]) != 0 || len(fields[3]) != 0 {
		return "", "", false
	}
	u, uok := bytes.CutPrefix(fields[0], []byte("user="))
	tok, tok2 := bytes.CutPrefix(fields[1], []byte("auth=Bearer "))
	return string(u), string(tok), uok && tok2
}
