package dovecottest

import (
	"bufio"
	"fmt"
	"net"
	"slices"
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

// TestDeliverMany checks that bulk delivery numbers the messages in order,
// reports their sizes with CRLF line endings, and leaves room for Deliver.
func TestDeliverMany(t *testing.T) {
	s := New(t)
	const n = 300
	s.DeliverMany(t, n, func(i int) []byte {
		return fmt.Appendf(nil, "From: a@example.com\nSubject: m%d\n\nbody\n", i)
	})
	s.Deliver(t, []byte("From: a@example.com\r\nSubject: last\r\n\r\nbody\r\n"))
	var (
		count int
		sizes []string
	)
	lines := session(t, s, "SELECT INBOX", "UID FETCH 1,300,301 (RFC822.SIZE BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
	for i, line := range lines {
		if f := strings.Fields(line); len(f) == 3 && f[0] == "*" && f[2] == "EXISTS" {
			count, _ = strconv.Atoi(f[1])
		}
		if f := strings.Fields(line); len(f) > 6 && f[2] == "FETCH" && i+1 < len(lines) {
			sizes = append(sizes, f[6]+" "+lines[i+1])
		}
	}
	if count != n+1 {
		t.Errorf("EXISTS = %d, want %d", count, n+1)
	}
	// "From: a@example.com\r\nSubject: m0\r\n\r\nbody\r\n" is 42 bytes.
	want := []string{"42 Subject: m0", "44 Subject: m299", "44 Subject: last"}
	if !slices.Equal(sizes, want) {
		t.Errorf("RFC822.SIZE and Subject of UIDs 1, 300 and 301 = %q, want %q", sizes, want)
	}
}

// exists logs in, selects INBOX and returns its message count.
func exists(t *testing.T, s *Server) int {
	t.Helper()
	n := -1
	for _, line := range session(t, s, "SELECT INBOX") {
		if f := strings.Fields(line); len(f) == 3 && f[0] == "*" && f[2] == "EXISTS" {
			n, _ = strconv.Atoi(f[1])
		}
	}
	return n
}

// session logs in, sends commands, logs out and returns the lines the
// server sent. A command the server refuses fails t.
func session(t *testing.T, s *Server, commands ...string) []string {
	t.Helper()
	conn, err := net.Dial("tcp", net.JoinHostPort(s.Host, strconv.Itoa(s.Port)))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	script := "a LOGIN " + User + " " + Password + "\r\n"
	for i, c := range commands {
		script += fmt.Sprintf("c%d %s\r\n", i, c)
	}
	if _, err := conn.Write([]byte(script + "z LOGOUT\r\n")); err != nil {
		t.Fatal(err)
	}
	var lines []string
	sc := bufio.NewScanner(conn)
	for sc.Scan() {
		line := sc.Text()
		lines = append(lines, line)
		if strings.HasPrefix(line, "z OK") {
			break
		}
		if f := strings.Fields(line); len(f) > 1 && f[0] != "*" && (f[1] == "NO" || f[1] == "BAD") {
			t.Fatalf("server said %q\n%s", line, s.Log())
		}
	}
	return lines
}
