// Package dovecottest runs a real Dovecot IMAP server for tests: its own
// configuration in a temporary directory, one user with a plaintext
// password, listening on a free loopback port without TLS.
//
// It needs Debian's dovecot-imapd (Dovecot 2.3) and root, because Dovecot
// switches to the mail user. A test that calls New is skipped when either is
// missing, and fails instead when ACCTSETUP_REQUIRE_TOOLS is set, as .ci/run
// does.
package dovecottest

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// User and Password are the one account's credentials.
const (
	User     = "alice"
	Password = "dovecottest-password"
)

// startTimeout bounds how long New, Start and Restart wait for Dovecot to
// accept connections; it only guards against a hang, Dovecot takes a few
// milliseconds.
const startTimeout = 20 * time.Second

// Server is one running Dovecot.
type Server struct {
	Host string // 127.0.0.1
	Port int

	dir     string // the temporary directory holding everything
	conf    string
	dovecot string // path of the dovecot binary
	doveadm string
	mailUID int
	mailGID int
	cmd     *exec.Cmd
	waitErr chan error

	delivered int // messages Deliver wrote, for unique file names
}

// New starts Dovecot and stops it, removing its files, when t ends.
func New(t testing.TB) *Server {
	t.Helper()
	dovecot, doveadm := tools(t)

	// Dovecot's unprivileged processes must traverse the directory, so it
	// cannot live under t.TempDir, whose parents are private.
	dir, err := os.MkdirTemp("", "dovecottest-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	mailUID, mailGID := mailUser(t)
	for _, sub := range []string{"", "run", "state", "mail"} {
		p := filepath.Join(dir, sub)
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chown(filepath.Join(dir, "mail"), mailUID, mailGID); err != nil {
		t.Fatal(err)
	}

	s := &Server{Host: "127.0.0.1", Port: freePort(t), dir: dir, dovecot: dovecot, doveadm: doveadm, mailUID: mailUID, mailGID: mailGID}
	s.conf = filepath.Join(dir, "dovecot.conf")
	if err := os.WriteFile(s.conf, []byte(config(dir, s.Port, mailUID, mailGID)), 0o644); err != nil {
		t.Fatal(err)
	}
	s.Start(t)
	t.Cleanup(func() {
		if s.cmd != nil {
			s.Stop(t)
		}
	})
	return s
}

// tools finds dovecot and doveadm, or skips (or fails) the test.
func tools(t testing.TB) (dovecot, doveadm string) {
	t.Helper()
	dovecot, doveadm, err := find()
	if err != nil {
		if os.Getenv("ACCTSETUP_REQUIRE_TOOLS") != "" {
			t.Fatalf("%v, and ACCTSETUP_REQUIRE_TOOLS is set", err)
		}
		t.Skipf("%v; .ci/run installs it (apt-get install dovecot-imapd) and runs as root", err)
	}
	return dovecot, doveadm
}

// Available says why New would skip a test here, or returns nil when it
// can start Dovecot: for a test that falls back to another server.
func Available() error {
	_, _, err := find()
	return err
}

// find returns the paths of dovecot and doveadm, or why Dovecot cannot
// run here.
func find() (dovecot, doveadm string, err error) {
	lookup := func(name string) string {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
		for _, dir := range []string{"/usr/sbin", "/usr/bin"} {
			if p := filepath.Join(dir, name); isExecutable(p) {
				return p
			}
		}
		return ""
	}
	dovecot, doveadm = lookup("dovecot"), lookup("doveadm")
	if dovecot == "" || doveadm == "" {
		return "", "", errors.New("dovecot is not installed")
	}
	if os.Geteuid() != 0 {
		return "", "", errors.New("dovecot tests must run as root (Dovecot switches to the mail user)")
	}
	out, err := exec.Command(dovecot, "--version").Output()
	if err != nil {
		return "", "", fmt.Errorf("dovecot --version: %w", err)
	}
	if v := strings.TrimSpace(string(out)); !strings.HasPrefix(v, "2.3.") {
		return "", "", fmt.Errorf("dovecot %s is installed; dovecottest writes the Dovecot 2.3 configuration syntax", v)
	}
	return dovecot, doveadm, nil
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// mailUser returns the uid and gid of the mail user, which owns the mail:
// Dovecot refuses to run mail processes as root.
func mailUser(t testing.TB) (uid, gid int) {
	t.Helper()
	u, err := user.Lookup("mail")
	if err != nil {
		t.Fatalf("dovecottest: no mail user: %v", err)
	}
	uid, _ = strconv.Atoi(u.Uid)
	gid, _ = strconv.Atoi(u.Gid)
	return uid, gid
}

// freePort returns a loopback port nothing listens on at the moment.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// config is a minimal Dovecot 2.3 configuration: IMAP only, on one loopback
// port, no TLS and cleartext passwords (acceptable on loopback alone), a
// static password for every user, Maildir under dir owned by the mail user.
func config(dir string, port, mailUID, mailGID int) string {
	return fmt.Sprintf(`# written by dovecottest
base_dir = %[1]s/run
state_dir = %[1]s/state
log_path = %[1]s/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:%[1]s/mail/%%u
mail_uid = mail
mail_gid = mail
first_valid_uid = %[3]d
first_valid_gid = %[5]d
passdb {
  driver = static
  args = password=%[4]s
}
userdb {
  driver = static
  args = uid=mail gid=mail home=%[1]s/mail/%%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = %[2]d
  }
  inet_listener imaps {
    port = 0
  }
}
`, dir, port, mailUID, Password, mailGID)
}

// Start starts the stopped server on its port and waits until it accepts
// connections.
func (s *Server) Start(t testing.TB) {
	t.Helper()
	if s.cmd != nil {
		t.Fatal("dovecottest: Start: the server is running")
	}
	cmd := exec.Command(s.dovecot, "-F", "-c", s.conf)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // Stop kills the whole group
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("dovecottest: start dovecot: %v", err)
	}
	s.cmd = cmd
	s.waitErr = make(chan error, 1)
	go func() { s.waitErr <- cmd.Wait() }()

	addr := net.JoinHostPort(s.Host, strconv.Itoa(s.Port))
	deadline := time.Now().Add(startTimeout)
	for {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			conn.Close()
			return
		}
		select {
		case werr := <-s.waitErr:
			s.cmd = nil
			t.Fatalf("dovecottest: dovecot exited: %v\n%s%s", werr, out.String(), s.Log())
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("dovecottest: dovecot does not accept connections on %s after %s\n%s", addr, startTimeout, s.Log())
		}
	}
}

// Stop kills the server, as a crash or a power cut would: every connection
// drops at once. It returns when none of its processes is left, so that the
// port is free again. (A SIGTERM makes Dovecot's master wait up to a second
// for its children.)
func (s *Server) Stop(t testing.TB) {
	t.Helper()
	if s.cmd == nil {
		t.Fatal("dovecottest: Stop: the server is not running")
	}
	pgid := s.cmd.Process.Pid
	if err := syscall.Kill(-pgid, syscall.SIGKILL); err != nil {
		t.Fatalf("dovecottest: stop dovecot: %v", err)
	}
	<-s.waitErr
	for deadline := time.Now().Add(startTimeout); groupAlive(pgid); {
		if time.Now().After(deadline) {
			t.Fatalf("dovecottest: dovecot processes still run %s after SIGKILL", startTimeout)
		}
		time.Sleep(5 * time.Millisecond)
	}
	s.cmd = nil
}

// groupAlive reports whether a process of group pgid is still running.
// Zombies do not count: the master's children are reparented to PID 1 when
// it dies, and in a container PID 1 may take seconds to reap them.
func groupAlive(pgid int) bool {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return syscall.Kill(-pgid, 0) == nil
	}
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue // gone meanwhile
		}
		// "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses.
		i := bytes.LastIndexByte(stat, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(stat[i+1:]))
		if len(f) < 3 || f[0] == "Z" || f[0] == "X" {
			continue
		}
		if g, err := strconv.Atoi(f[2]); err == nil && g == pgid {
			return true
		}
	}
	return false
}

// Restart stops the server and starts it again on the same port.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	s.Stop(t)
	s.Start(t)
}

// Deliver puts raw into the user's INBOX as a local delivery agent would,
// by writing a file into the Maildir; it works whether or not the server is
// running, and a running server announces the message to a client in IDLE.
func (s *Server) Deliver(t testing.TB, raw []byte) {
	t.Helper()
	s.DeliverTo(t, "INBOX", raw)
}

// DeliverTo is Deliver into another folder, which CreateFolder made.
func (s *Server) DeliverTo(t testing.TB, folder string, raw []byte) {
	t.Helper()
	root := s.maildir(t, folder)
	s.delivered++
	name := fmt.Sprintf("%d.M%dP%dQ%d.dovecottest", time.Now().Unix(), time.Now().Nanosecond()/1000, os.Getpid(), s.delivered)
	tmp := filepath.Join(root, "tmp", name)
	if err := s.writeFile(tmp, raw); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(root, "new", name)); err != nil {
		t.Fatal(err)
	}
}

// DeliverMany puts n messages into the user's INBOX at once, message(i)
// for i from 0 to n-1, for benchmarks that need a large folder quickly.
// message is called from several goroutines at a time and must be safe
// for that.
//
// Unlike Deliver, it writes straight into the Maildir's cur/ folder, as a
// client that had already seen the messages would leave them (unread), and
// names each file with its size (",S=" and ",W=", as Dovecot's own delivery
// does), so that Dovecot reads none of them to index the folder. Dovecot
// numbers them in the order of i. The server need not be running; once it
// is, the first SELECT indexes the new files, which for 100,000 messages
// takes seconds.
func (s *Server) DeliverMany(t testing.TB, n int, message func(i int) []byte) {
	t.Helper()
	cur := filepath.Join(s.maildir(t, "INBOX"), "cur")
	first := s.delivered
	s.delivered += n
	base := time.Now().Unix()
	var (
		next     atomic.Int64
		firstErr error
		mu       sync.Mutex
		wg       sync.WaitGroup
	)
	for range 4 * runtime.GOMAXPROCS(0) { // the work is mostly waiting on the file system
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				raw := message(i)
				// Dovecot orders new files by the seconds, then the
				// microseconds of their names: i orders both.
				name := fmt.Sprintf("%d.M%dP%dQ%d.dovecottest,S=%d,W=%d:2,",
					base+int64(i/1_000_000), i%1_000_000, os.Getpid(), first+i+1, len(raw), virtualSize(raw))
				if err := s.writeFile(filepath.Join(cur, name), raw); err != nil {
					mu.Lock()
					firstErr = cmp.Or(firstErr, err)
					mu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		t.Fatalf("dovecottest: DeliverMany: %v", firstErr)
	}
}

// virtualSize is the size of raw with every line ending a CRLF, which is
// what IMAP reports as RFC822.SIZE.
func virtualSize(raw []byte) int {
	return len(raw) + bytes.Count(raw, []byte("\n")) - bytes.Count(raw, []byte("\r\n"))
}

// maildir returns the Maildir of folder, creating it and its tmp, new and
// cur folders, owned by the mail user, if need be.
func (s *Server) maildir(t testing.TB, folder string) string {
	t.Helper()
	root := filepath.Join(s.dir, "mail", User)
	if folder != "INBOX" { // Maildir++: one dot-directory per folder
		root = filepath.Join(root, "."+strings.ReplaceAll(folder, "/", "."))
	}
	for _, sub := range []string{"", "tmp", "new", "cur"} {
		p := filepath.Join(root, sub)
		if err := os.MkdirAll(p, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(p, s.mailUID, s.mailGID); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// writeFile writes a message file owned by the mail user.
func (s *Server) writeFile(path string, raw []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(raw)
	if err == nil {
		err = f.Chown(s.mailUID, s.mailGID)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// CreateFolder creates a folder for the user; the server must be running.
func (s *Server) CreateFolder(t testing.TB, name string) {
	t.Helper()
	s.doveadmRun(t, nil, "mailbox", "create", "-u", User, name)
}

// SetUIDValidity changes a folder's UIDVALIDITY, as a server does when it
// renumbers the folder's messages; the server must be running.
func (s *Server) SetUIDValidity(t testing.TB, folder string, v uint32) {
	t.Helper()
	s.doveadmRun(t, nil, "mailbox", "update", "-u", User, "--uid-validity", strconv.FormatUint(uint64(v), 10), folder)
}

func (s *Server) doveadmRun(t testing.TB, stdin []byte, args ...string) {
	t.Helper()
	cmd := exec.Command(s.doveadm, append([]string{"-c", s.conf}, args...)...)
	cmd.Stdin = bytes.NewReader(stdin)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("dovecottest: doveadm %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// Log returns Dovecot's log so far, for failure messages.
func (s *Server) Log() string {
	b, _ := os.ReadFile(filepath.Join(s.dir, "dovecot.log"))
	return string(b)
}
