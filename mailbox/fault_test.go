package mailbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"github.com/acctsetup/acctsetup/checklists"
	"github.com/acctsetup/acctsetup/checklists/audit"
	"github.com/acctsetup/acctsetup/checklists/sqlstore"
	"github.com/acctsetup/acctsetup/mailbox/dovecottest"
	"github.com/acctsetup/acctsetup/providers"
)

// faultMessages is how many messages TestScanSurvivesCuts scans.
const faultMessages = 10_000

// faultFolder is the folder scanned: a copy of INBOX, so that it can be
// deleted and made again with new UIDs.
const faultFolder = "Approvals"

// faultWindow is how many messages each search of the cut scans looks at:
// a tenth of searchWindow, so that a scan gets through a few windows
// between two cuts and its checkpoint moves, where with searchWindow it
// would move twice in the whole folder.
const faultWindow = searchWindow / 10

// TestScanSurvivesCuts scans a folder of 10,000 messages through a proxy
// that cuts the connection at random points, eight times, mostly in the
// middle of a FETCH answer; after each cut the scan resumes on a new
// connection from the checkpoint it returned, saved in the real SQLite
// store, as the CLI and the watcher do. Half-way, the folder is made again
// with a new UIDVALIDITY and its messages renumbered in another order.
// Each message a provider sent is recorded by its key, with the store's
// RecordMail, as the CLI does. In the end every one of them is recorded
// exactly once: none lost, none counted twice (one audit event each).
//
// It runs on Dovecot, or on imapmemserver where Dovecot cannot run (never
// in CI). About 5 s on Dovecot (15 s with -race); skipped with -short.
func TestScanSurvivesCuts(t *testing.T) {
	if testing.Short() {
		t.Skip("scans 10,000 messages about a dozen times (about 5 s, 15 s with -race)")
	}
	t.Parallel()
	var srv testServer
	if err := dovecottest.Available(); err != nil && os.Getenv("ACCTSETUP_REQUIRE_TOOLS") == "" {
		t.Logf("on imapmemserver: %v", err)
		srv = newMemServer(t, memOptions{})
	} else {
		srv = &dovecotServer{dovecottest.New(t)}
	}
	{
		ctx := context.Background()
		ps := activeProviders(t)
		samples := sampleMails(t)
		message := func(i int) []byte { return faultMail(i, samples) }
		want := providerMessages(t, faultMessages, message, ps)

		start := time.Now()
		fill(t, srv, faultMessages, message)
		admin := dialServer(t, srv)
		firstValidity := copyFolder(t, admin, faultMessages, false)
		t.Logf("%d messages (%d from providers) delivered and copied in %s", faultMessages, len(want), time.Since(start).Round(time.Millisecond))

		proxy := newCutProxy(t, srv.config())
		terms := SearchTerms(ps)

		// One scan without cuts measures how many bytes a whole scan
		// reads; the cuts are drawn below that, so each one lands.
		start = time.Now()
		scanThrough(t, proxy, srv, Checkpoint{Folder: faultFolder}, terms, func(Message) error { return nil })
		whole := proxy.lastPassed()
		t.Logf("a whole scan reads %d bytes in %s", whole, time.Since(start).Round(time.Millisecond))
		if whole == 0 {
			t.Fatal("the proxy passed nothing")
		}

		const cuts = 8
		seed := uint64(time.Now().UnixNano())
		t.Logf("random seed %d", seed)
		rng := rand.New(rand.NewPCG(seed, 0))
		for range cuts {
			proxy.cutAfter(rng.Int64N(whole / cuts))
		}

		st, _, err := sqlstore.Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "state.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		rec := &faultRecorder{st: st, ps: ps}

		// Half-way, while a scan is handing over messages from the folder
		// it has selected, the server renumbers the folder.
		renumbered := false
		handle := func(m Message) error {
			if !renumbered && proxy.cutCount() >= cuts/2 {
				copyFolder(t, admin, faultMessages, true)
				renumbered = true
			}
			return rec.handle(m)
		}

		start = time.Now()
		var errs []string
		for attempt := 0; ; attempt++ {
			if attempt > 3*cuts {
				t.Fatalf("the scan has not finished after %d connections", attempt)
			}
			err := resumeScan(t, ctx, st, proxy, srv, terms, handle)
			if err == nil {
				break
			}
			var herr *HandlerError
			if errors.As(err, &herr) {
				t.Fatal(err)
			}
			errs = append(errs, err.Error())
		}
		t.Logf("%d scans failed, in %s in all:\n%s", len(errs), time.Since(start).Round(time.Millisecond), strings.Join(errs, "\n"))
		if !renumbered || proxy.cutCount() != cuts {
			t.Errorf("the proxy cut %d connections, want %d, and the folder was renumbered: %v", proxy.cutCount(), cuts, renumbered)
		}

		// Every provider message is recorded, once.
		recorded, err := st.Mail(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		got := make(map[string]bool, len(recorded))
		for _, m := range recorded {
			got[m.MessageID] = true
			if !want[m.MessageID] {
				t.Errorf("recorded <%s>, which is no provider message", m.MessageID)
			}
		}
		for key := range want {
			if !got[key] {
				t.Errorf("provider message <%s> was never recorded", key)
			}
		}
		events, err := st.AuditEvents(ctx, checklists.AuditFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(events) != len(want) || rec.recorded != len(want) {
			t.Errorf("%d messages recorded with %d audit events, want %d of each", rec.recorded, len(events), len(want))
		}
		t.Logf("%d provider messages handed over %d times", len(want), rec.handled)

		// The checkpoint is at the end of the renumbered folder.
		saved, err := st.MailCheckpoints(ctx)
		if err != nil || len(saved) != 1 {
			t.Fatalf("checkpoints = %v, %v", saved, err)
		}
		if cp := saved[0]; cp.UIDValidity == firstValidity || cp.LastUID < faultMessages {
			t.Errorf("checkpoint = %+v, want past %d UIDs under a UIDVALIDITY other than %d", cp, faultMessages, firstValidity)
		}
	}
}

// faultRecorder records provider messages as the CLI's recorder does: the
// verdict of Classify, keyed by Message.Key, with one audit event each,
// through the store's RecordMail, which refuses a key it has seen.
type faultRecorder struct {
	st                *sqlstore.Store
	ps                []*providers.Provider
	handled, recorded int
}

func (r *faultRecorder) handle(m Message) error {
	v := Classify(m, r.ps, benchAuthserv)
	if v.Provider == "" {
		return nil
	}
	r.handled++
	status := checklists.MailReview
	if v.Advance {
		status = checklists.MailAdvanced
	}
	now := time.Now()
	rec := checklists.MailMessage{MessageID: m.Key(), Folder: m.Folder, From: m.From, Subject: m.Subject, Date: m.Date,
		Provider: v.Provider, Signal: v.Signal.ID, Event: string(v.Signal.Event), Step: v.Signal.Step,
		Status: status, Reason: v.Reason, SeenAt: now, Actor: "mailbox"}
	ev := audit.Event{At: now, Actor: "mailbox", Action: "mailbox." + string(status), Provider: v.Provider, Detail: "<" + rec.MessageID + ">"}
	ok, err := r.st.RecordMail(context.Background(), rec, nil, ev)
	if ok {
		r.recorded++
	}
	return err
}

// resumeScan scans faultFolder through the proxy from the saved checkpoint
// and saves the checkpoint Scan returns, even with an error, as the CLI
// does.
func resumeScan(t *testing.T, ctx context.Context, st *sqlstore.Store, proxy *cutProxy, srv testServer, terms Terms, handle func(Message) error) error {
	t.Helper()
	cp := Checkpoint{Folder: faultFolder}
	saved, err := st.MailCheckpoints(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range saved {
		cp = Checkpoint(s)
	}
	c, err := Dial(ctx, proxy.config(), srv.password(), withSearchWindow(faultWindow))
	if err != nil {
		return err // cut while logging in
	}
	defer c.Close()
	next, _, err := c.Scan(ctx, cp, terms, handle)
	if serr := st.SaveMailCheckpoint(ctx, checklists.MailCheckpoint(next)); serr != nil {
		t.Fatal(serr)
	}
	return err
}

// scanThrough scans from cp through the proxy, as resumeScan does, and
// fails t on an error. It returns once the proxy has seen the connection
// end.
func scanThrough(t *testing.T, proxy *cutProxy, srv testServer, cp Checkpoint, terms Terms, handle func(Message) error) {
	t.Helper()
	defer proxy.wait()
	c, err := Dial(context.Background(), proxy.config(), srv.password(), withSearchWindow(faultWindow))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, _, err := c.Scan(context.Background(), cp, terms, handle); err != nil {
		t.Fatal(err)
	}
}

// providerMessages returns the keys of the messages among message(0) to
// message(n-1) that Classify gives to a provider: what a scan must record.
func providerMessages(t *testing.T, n int, message func(int) []byte, ps []*providers.Provider) map[string]bool {
	t.Helper()
	keys := make(map[string]bool)
	for i := range n {
		header, _, _ := bytes.Cut(message(i), []byte("\r\n\r\n"))
		var m Message
		parseHeader(&m, header)
		if Classify(m, ps, benchAuthserv).Provider != "" {
			keys[m.Key()] = true
		}
	}
	return keys
}

// sampleMails returns every provider's sample messages, with CRLF line
// endings.
func sampleMails(t *testing.T) [][]byte {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("..", "providers", "*", "testdata", "mail", "*.eml"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no sample mail in providers/*/testdata/mail: %v", err)
	}
	var samples [][]byte
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		samples = append(samples, bytes.ReplaceAll(bytes.ReplaceAll(raw, []byte("\r\n"), []byte("\n")), []byte("\n"), []byte("\r\n")))
	}
	return samples
}

var messageIDField = regexp.MustCompile(`(?mi)^Message-ID:[^\r\n]*\r\n`)

// faultMail is message i of the scanned folder: the benchmark mailbox's
// message i, except that every 40th is a copy of a provider's sample
// message with a Message-ID of its own, or, one in seven of those, none
// (then its key is the digest of sender, date and subject).
func faultMail(i int, samples [][]byte) []byte {
	if i%40 != 39 {
		return benchMail(i)
	}
	copyN := i / 40
	raw := samples[copyN%len(samples)]
	id := ""
	if copyN%7 != 0 {
		id = fmt.Sprintf("Message-ID: <fault-%05d@samples.test>\r\n", i)
	}
	if messageIDField.Match(raw) {
		return messageIDField.ReplaceAll(raw, []byte(id))
	}
	return append([]byte(id), raw...)
}

// fill puts message(0) to message(n-1) into INBOX, in that order.
func fill(t *testing.T, srv testServer, n int, message func(int) []byte) {
	t.Helper()
	switch s := srv.(type) {
	case *dovecotServer:
		s.DeliverMany(t, n, message)
	case *memServer:
		for i := range n {
			if _, err := s.user.Append("INBOX", literal(message(i)), &imap.AppendOptions{}); err != nil {
				t.Fatal(err)
			}
		}
	default:
		t.Fatalf("fill: unknown server %T", srv)
	}
}

// copyFolder (re)creates faultFolder holding INBOX's n messages, copied in
// batches of 1000: in INBOX's order, or with the batches in reverse order,
// so that every message gets another UID. It returns the folder's
// UIDVALIDITY, which must be new.
func copyFolder(t *testing.T, c *Client, n int, reversed bool) uint32 {
	t.Helper()
	if _, err := c.imap.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	var old uint32
	if reversed {
		sel, err := c.imap.Select(faultFolder, &imap.SelectOptions{ReadOnly: true}).Wait()
		if err != nil {
			t.Fatal(err)
		}
		old = sel.UIDValidity
		if _, err := c.imap.Select("INBOX", nil).Wait(); err != nil {
			t.Fatal(err)
		}
		if err := c.imap.Delete(faultFolder).Wait(); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.imap.Create(faultFolder, nil).Wait(); err != nil {
		t.Fatal(err)
	}
	const batch = 1000
	for b := range (n + batch - 1) / batch {
		if reversed {
			b = (n+batch-1)/batch - 1 - b
		}
		var seq imap.SeqSet
		seq.AddRange(uint32(b*batch+1), uint32(min((b+1)*batch, n)))
		if _, err := c.imap.Copy(seq, faultFolder).Wait(); err != nil {
			t.Fatal(err)
		}
	}
	sel, err := c.imap.Select(faultFolder, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if sel.NumMessages != uint32(n) {
		t.Fatalf("%s holds %d messages, want %d", faultFolder, sel.NumMessages, n)
	}
	if reversed && sel.UIDValidity == old {
		t.Fatalf("%s made again kept UIDVALIDITY %d", faultFolder, old)
	}
	return sel.UIDValidity
}

// cutProxy forwards connections to an IMAP server. Each of the next
// connections, one per cutAfter, is cut once the server has sent it that
// many bytes: the proxy passes on what it may of the chunk in hand and
// closes both sides at once, as when the network path fails. Connections
// after those pass through whole.
type cutProxy struct {
	cfg Config

	mu     sync.Mutex
	ended  *sync.Cond // signalled whenever a connection ends
	live   int        // connections being forwarded
	limits []int64    // for the connections to come
	cut    int        // connections cut so far
	passed int64      // bytes the last connection to end passed from the server
}

func newCutProxy(t *testing.T, server Config) *cutProxy {
	t.Helper()
	p := &cutProxy{cfg: server}
	p.ended = sync.NewCond(&p.mu)
	target := net.JoinHostPort(server.Host, strconv.Itoa(server.Port))
	p.cfg.Port = serveProxy(t, target, func(client, server net.Conn, conns *sync.WaitGroup) {
		p.mu.Lock()
		p.live++
		p.mu.Unlock()
		conns.Go(func() { p.forward(client, server) })
	})
	return p
}

// wait returns once every connection accepted so far has ended.
func (p *cutProxy) wait() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.live > 0 {
		p.ended.Wait()
	}
}

// config is the server's configuration with the proxy's port.
func (p *cutProxy) config() Config { return p.cfg }

func (p *cutProxy) cutAfter(n int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.limits = append(p.limits, n)
}

func (p *cutProxy) cutCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cut
}

func (p *cutProxy) lastPassed() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.passed
}

func (p *cutProxy) forward(client, server net.Conn) {
	defer client.Close()
	defer server.Close()
	p.mu.Lock()
	limit := int64(-1)
	if len(p.limits) > 0 {
		limit, p.limits = p.limits[0], p.limits[1:]
	}
	p.mu.Unlock()

	go func() {
		_, _ = io.Copy(server, client)
		server.Close()
	}()
	var passed int64
	buf := make([]byte, 32<<10)
	for {
		n, err := server.Read(buf)
		if limit >= 0 && passed+int64(n) > limit {
			_, _ = client.Write(buf[:limit-passed])
			passed = limit
			p.mu.Lock()
			p.cut++
			p.mu.Unlock()
			break
		}
		if _, werr := client.Write(buf[:n]); werr != nil {
			break
		}
		passed += int64(n)
		if err != nil {
			break
		}
	}
	p.mu.Lock()
	p.passed = passed
	p.live--
	p.ended.Broadcast()
	p.mu.Unlock()
}
