package dovecottest

import (
	"bufio"
	"net"
	"strconv"
	"strings"
	"testing"
)

// TestServer logs in over IMAP after a delivery, and after a delivery while
// the server was stopped and a restart.
func TestServer(t *testing.T) {
	s := New(t)
	s.Deliver(t, []byte("From: a@example.com\r\nSubject: one\r\n\r\nbody\r\n"))
	if got := exists(t, s); got != 1 {
		t.Fatalf("after one delivery, EXISTS = %d, want 1", got)
	}
	s.Stop(t)
	s.Deliver(t, []byte("From: a@example.com\r\nSubject: two\r\n\r\nbody\r\n"))
	s.Start(t)
	s.Restart(t)
	if got := exists(t, s); got != 2 {
		t.Fatalf("after a delivery while stopped and a restart, EXISTS = %d, want 2", got)
	}
}

// exists logs in, selects INBOX and returns its message count.
func exists(t *testing.T, s *Server) int {
	t.Helper()
	conn, err := net.Dial("tcp", net.JoinHostPort(s.Host, strconv.Itoa(s.Port)))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte("a LOGIN " + User + " " + Password + "\r\nb SELECT INBOX\r\nc LOGOUT\r\n")); err != nil {
		t.Fatal(err)
	}
	n := -1
	sc := bufio.NewScanner(conn)
	for sc.Scan() {
		line := sc.Text()
		if f := strings.Fields(line); len(f) == 3 && f[0] == "*" && f[2] == "EXISTS" {
			n, _ = strconv.Atoi(f[1])
		}
		if strings.HasPrefix(line, "c OK") {
			break
		}
		if strings.HasPrefix(line, "a NO") || strings.HasPrefix(line, "b NO") {
			t.Fatalf("server said %q\n%s", line, s.Log())
		}
	}
	return n
}
