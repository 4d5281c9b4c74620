package mailbox

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
)

// scanAll scans INBOX from cp and returns the new checkpoint and the
// messages handled.
func scanAll(t *testing.T, c *Client, cp Checkpoint, terms ...string) (Checkpoint, []Message, ScanStats) {
	t.Helper()
	var got []Message
	next, stats, err := c.Scan(context.Background(), cp, Terms{From: terms, Subject: terms}, func(m Message) error {
		got = append(got, m)
		return nil
	})
	if err != nil {
		t.Fatalf("Scan: %v", err)
	}
	return next, got, stats
}

// deliverAll delivers one message from Xero per subject.
func deliverAll(t *testing.T, srv testServer, subjects ...string) {
	t.Helper()
	for _, s := range subjects {
		srv.deliver(t, email("noreply@xero.com", s))
	}
}

// wantSubjects fails the test unless msgs have the subjects want, in order.
func wantSubjects(t *testing.T, what string, msgs []Message, want ...string) {
	t.Helper()
	if got := subjects(msgs); !slices.Equal(got, want) {
		t.Fatalf("%s handled %q, want %q", what, got, want)
	}
}

func subjects(msgs []Message) []string {
	var s []string
	for _, m := range msgs {
		s = append(s, m.Subject)
	}
	return s
}

// TestScanIncremental checks that a second scan fetches only what arrived
// after the first, and a third with nothing new fetches nothing.
func TestScanIncremental(t *testing.T) {
	t.Parallel()
	forEachServer(t, func(t *testing.T, srv testServer) {
		deliverAll(t, srv, "Your app is approved", "Your keys")
		c := dialServer(t, srv)

		cp, got, stats := scanAll(t, c, Checkpoint{Folder: "INBOX"})
		wantSubjects(t, "first scan", got, "Your app is approved", "Your keys")
		if stats.Messages != 2 || stats.Bytes == 0 {
			t.Errorf("first scan stats = %+v, want 2 messages and some bytes", stats)
		}
		if cp.Folder != "INBOX" || cp.UIDValidity == 0 || cp.LastUID != got[1].UID {
			t.Errorf("checkpoint = %+v, want INBOX, a UIDVALIDITY and LastUID %d", cp, got[1].UID)
		}
		for _, m := range got {
			if m.Folder != "INBOX" || m.UIDValidity != cp.UIDValidity || m.UID == 0 {
				t.Errorf("message %q is at %s/%d/%d, want INBOX/%d/non-zero", m.Subject, m.Folder, m.UIDValidity, m.UID, cp.UIDValidity)
			}
		}

		deliverAll(t, srv, "Production access granted")
		cp2, got, stats := scanAll(t, c, cp)
		wantSubjects(t, "second scan", got, "Production access granted")
		if stats.Messages != 1 {
			t.Errorf("second scan fetched %d messages, want 1", stats.Messages)
		}
		if cp2.LastUID <= cp.LastUID || cp2.UIDValidity != cp.UIDValidity {
			t.Errorf("second checkpoint = %+v after %+v, want a later LastUID, same UIDVALIDITY", cp2, cp)
		}

		cp3, got, stats := scanAll(t, c, cp2)
		if len(got) != 0 || stats.Messages != 0 || cp3 != cp2 {
			t.Errorf("third scan handled %q (%+v), checkpoint %+v; want nothing and %+v", subjects(got), stats, cp3, cp2)
		}
	})
}

// TestScanUIDValidityChange checks that a renumbered folder is scanned again
// from its first message.
func TestScanUIDValidityChange(t *testing.T) {
	t.Parallel()
	forEachServer(t, func(t *testing.T, srv testServer) {
		deliverAll(t, srv, "one", "two")
		c := dialServer(t, srv)
		cp, _, _ := scanAll(t, c, Checkpoint{Folder: "INBOX"})

		srv.renumber(t)
		c = dialServer(t, srv) // Dovecot announces the change by closing sessions
		cp2, got, _ := scanAll(t, c, cp)
		wantSubjects(t, "scan after renumbering", got, "one", "two")
		if cp2.UIDValidity == cp.UIDValidity {
			t.Errorf("checkpoint kept UIDVALIDITY %d after renumbering", cp.UIDValidity)
		}
		if cp2.LastUID != got[1].UID {
			t.Errorf("checkpoint LastUID = %d, want %d", cp2.LastUID, got[1].UID)
		}
	})
}

// TestScanSearchNarrows checks that the server filters by the terms: a
// message matching none is never fetched, yet the checkpoint moves past it.
func TestScanSearchNarrows(t *testing.T) {
	t.Parallel()
	forEachServer(t, func(t *testing.T, srv testServer) {
		srv.deliver(t, email("Xero <noreply@post.xero.com>", "Your app is approved"))
		srv.deliver(t, email("newsletter@shop.example", "Weekly deals"))
		srv.deliver(t, email("someone@forwarder.example", "Fwd: XERO keys"))
		srv.deliver(t, email("other@shop.example", "Nothing to see"))
		c := dialServer(t, srv)

		cp, got, stats := scanAll(t, c, Checkpoint{Folder: "INBOX"}, "xero", "  ", "Xero")
		wantSubjects(t, "scan", got, "Your app is approved", "Fwd: XERO keys")
		if stats.Messages != 2 {
			t.Errorf("scan fetched %d messages, want 2: the server must filter", stats.Messages)
		}
		if cp.LastUID < got[1].UID+1 {
			t.Errorf("checkpoint LastUID = %d, want past the last message (%d)", cp.LastUID, got[1].UID+1)
		}

		srv.deliver(t, email("other@shop.example", "Still nothing"))
		cp2, got, stats := scanAll(t, c, cp, "xero")
		if len(got) != 0 || stats.Messages != 0 {
			t.Errorf("second scan handled %q (%d fetched), want nothing", subjects(got), stats.Messages)
		}
		if cp2.LastUID != cp.LastUID+1 {
			t.Errorf("second checkpoint LastUID = %d, want %d: past the unmatched message", cp2.LastUID, cp.LastUID+1)
		}
	})
}

// TestScanHandlerError checks that a refused message stops the scan and is
// not passed by the checkpoint, so the next scan offers it again.
func TestScanHandlerError(t *testing.T) {
	t.Parallel()
	forEachServer(t, func(t *testing.T, srv testServer) {
		deliverAll(t, srv, "one", "two", "three")
		c := dialServer(t, srv)
		refuse := errors.New("database is locked")
		var handled []string
		cp, _, err := c.Scan(context.Background(), Checkpoint{Folder: "INBOX"}, Terms{}, func(m Message) error {
			if m.Subject == "two" {
				return refuse
			}
			handled = append(handled, m.Subject)
			return nil
		})
		var herr *HandlerError
		if !errors.Is(err, refuse) || !errors.As(err, &herr) {
			t.Fatalf("Scan error = %v, want a *HandlerError wrapping %v", err, refuse)
		}
		if !slices.Equal(handled, []string{"one"}) {
			t.Errorf("handled %q before the error, want [one]", handled)
		}
		if cp.LastUID != herr.UID-1 {
			t.Errorf("checkpoint LastUID = %d, want %d, just before the refused message", cp.LastUID, herr.UID-1)
		}

		_, got, _ := scanAll(t, c, cp)
		wantSubjects(t, "next scan", got, "two", "three")
	})
}

// TestScanManyBatches checks a scan of several fetch batches, which are
// read in the background while the last is handled: every message is
// handled once, in UID order, and a handler error in the middle leaves the
// connection ready for the next scan, which resumes at the refused message.
func TestScanManyBatches(t *testing.T) {
	t.Parallel()
	forEachServer(t, func(t *testing.T, srv testServer) {
		const n = 2*fetchBatch + 50
		var subjects []string
		for i := range n {
			subjects = append(subjects, fmt.Sprintf("m%03d", i))
		}
		deliverAll(t, srv, subjects...)
		c := dialServer(t, srv)

		refused := subjects[fetchBatch+10] // in the second batch, with the third asked for
		var handled []string
		cp, stats, err := c.Scan(context.Background(), Checkpoint{Folder: "INBOX"}, Terms{}, func(m Message) error {
			if m.Subject == refused {
				return errors.New("disk full")
			}
			handled = append(handled, m.Subject)
			return nil
		})
		var herr *HandlerError
		if !errors.As(err, &herr) {
			t.Fatalf("Scan error = %v, want a *HandlerError", err)
		}
		if want := subjects[:fetchBatch+10]; !slices.Equal(handled, want) {
			t.Errorf("handled %d messages before the error (%q...), want the %d before %s", len(handled), handled[:min(len(handled), 3)], len(want), refused)
		}
		if stats.Messages < fetchBatch+11 || stats.Messages > n {
			t.Errorf("stats.Messages = %d, want between %d and %d", stats.Messages, fetchBatch+11, n)
		}

		next, got, stats := scanAll(t, c, cp)
		wantSubjects(t, "next scan", got, subjects[fetchBatch+10:]...)
		if stats.Messages != len(got) {
			t.Errorf("next scan stats.Messages = %d, want %d", stats.Messages, len(got))
		}
		if next.LastUID != got[len(got)-1].UID {
			t.Errorf("checkpoint LastUID = %d, want %d", next.LastUID, got[len(got)-1].UID)
		}
	})
}

// TestScanParsesMessages checks the header fields of messages that are
// large, broken, in Latin-1 or missing headers, and that a scan reads
// their header fields alone, never the text.
func TestScanParsesMessages(t *testing.T) {
	t.Parallel()
	const large = 15 << 20
	bigBody := strings.Repeat(strings.Repeat("x", 76)+"\r\n", large/78+1)
	raws := [][]byte{
		// 0: a well-formed approval with two Authentication-Results
		[]byte("Authentication-Results: mx.example.com; dkim=pass header.d=xero.com; dmarc=pass header.from=xero.com\r\n" +
			"Authentication-Results: relay.example.net;\r\n\tspf=pass smtp.mailfrom=xero.com\r\n" +
			"From: \"Xero Developer\" <NoReply@Xero.COM>\r\n" +
			"Subject: =?UTF-8?Q?Your_app_=E2=80=9CAcme=E2=80=9D_is?=\r\n =?UTF-8?Q?_approved?=\r\n" +
			"Date: Tue, 3 Jun 2025 09:15:00 +0100\r\n" +
			"Message-ID: <Approval-1@xero.com>\r\n\r\n" +
			"Hello, your app is approved.\r\n"),
		// 1: 15 MB: only the header fields may be fetched
		[]byte("From: big@example.com\r\nSubject: Fwd: large attachment\r\nMessage-ID: <big@example.com>\r\n" +
			"Content-Type: text/plain\r\n\r\n" + bigBody),
		// 2: multipart whose boundary never appears, and never closes
		[]byte("From: broken@example.com\r\nSubject: Fwd: broken mime\r\nMessage-ID: <broken@example.com>\r\n" +
			"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"nowhere\"\r\n\r\n" +
			"--elsewhere\r\nContent-Type: text/plain\r\n\r\nhalf a part\r\n"),
		// 3: Latin-1 in an encoded word, and a Latin-1 display name
		[]byte("From: =?ISO-8859-1?Q?Andr=E9?= <andre@example.fr>\r\n" +
			"Subject: =?ISO-8859-1?Q?Caf=E9_approuv=E9?=\r\nMessage-ID: <latin1@example.fr>\r\n\r\nbody\r\n"),
		// 4: raw 8-bit Latin-1 in the header, no encoding at all
		[]byte("From: andre@example.fr\r\nSubject: Cl\xe9 de production\r\nMessage-ID: <raw8bit@example.fr>\r\n\r\nbody\r\n"),
		// 5: no From, Date, Message-ID or Subject; a bad Date
		[]byte("To: integrations@example.com\r\nDate: not a date\r\n\r\nbare\r\n"),
		// 6: an unparseable From and an ID without brackets
		[]byte("From: Support <support at example.com>, broken <ops@Example.org\r\nSubject: odd\r\nMessage-ID: bare-id@example.com\r\n\r\nx\r\n"),
	}
	forEachServer(t, func(t *testing.T, srv testServer) {
		for _, raw := range raws {
			srv.deliver(t, raw)
		}
		var wire countingDial
		c := dialServer(t, srv, wire.option())
		before := wire.read.Load()
		_, got, stats := scanAll(t, c, Checkpoint{Folder: "INBOX"})
		if len(got) != len(raws) {
			t.Fatalf("scan handled %d messages, want %d", len(got), len(raws))
		}

		m := got[0]
		if m.From != "noreply@xero.com" || m.MessageID != "Approval-1@xero.com" || m.Subject != "Your app “Acme” is approved" {
			t.Errorf("message 0: From %q, Message-ID %q, Subject %q", m.From, m.MessageID, m.Subject)
		}
		if want := time.Date(2025, 6, 3, 8, 15, 0, 0, time.UTC); !m.Date.Equal(want) {
			t.Errorf("message 0: Date = %v, want %v", m.Date, want)
		}
		wantAR := []string{
			"mx.example.com; dkim=pass header.d=xero.com; dmarc=pass header.from=xero.com",
			"relay.example.net; spf=pass smtp.mailfrom=xero.com",
		}
		if !slices.Equal(m.AuthResults, wantAR) {
			t.Errorf("message 0: AuthResults = %q, want %q", m.AuthResults, wantAR)
		}

		m = got[1]
		if m.Size < large {
			t.Errorf("large message: Size = %d, want at least %d", m.Size, large)
		}
		if stats.Bytes > int64(len(raws))*1024 {
			t.Errorf("scan fetched %d bytes, want at most 1 KiB of header fields per message", stats.Bytes)
		}
		if read := wire.read.Load() - before; read > 64<<10 {
			t.Errorf("scan read %d bytes from the network for a %d-byte message: it fetched the whole message", read, m.Size)
		}

		m = got[2]
		if m.Subject != "Fwd: broken mime" || m.From != "broken@example.com" || m.MessageID != "broken@example.com" {
			t.Errorf("broken MIME: Subject %q, From %q, Message-ID %q", m.Subject, m.From, m.MessageID)
		}
		if m = got[3]; m.Subject != "Café approuvé" || m.From != "andre@example.fr" {
			t.Errorf("Latin-1 encoded words: Subject %q, From %q", m.Subject, m.From)
		}
		if m = got[4]; m.Subject != "Clé de production" {
			t.Errorf("raw 8-bit Latin-1: Subject %q, want %q", m.Subject, "Clé de production")
		}
		if m = got[5]; m.From != "" || m.Subject != "" || m.MessageID != "" || !m.Date.IsZero() || m.AuthResults != nil {
			t.Errorf("missing headers: got %+v", m)
		}
		if m = got[6]; m.From != "ops@example.org" || m.MessageID != "bare-id@example.com" {
			t.Errorf("malformed From and bare ID: From %q, Message-ID %q", m.From, m.MessageID)
		}
	})
}

func TestScanNeedsFolder(t *testing.T) {
	t.Parallel()
	srv := newMemServer(t, memOptions{})
	c := dialServer(t, srv)
	_, _, err := c.Scan(context.Background(), Checkpoint{}, Terms{}, func(Message) error { return nil })
	if err == nil || !strings.HasPrefix(err.Error(), "mailbox: ") || !strings.Contains(err.Error(), srv.addr) {
		t.Errorf("Scan without a folder: error = %v, want a mailbox error naming %s", err, srv.addr)
	}
}

func TestScanReportsProgress(t *testing.T) {
	t.Parallel()
	srv := newMemServer(t, memOptions{})
	deliverAll(t, srv, "a", "b", "c", "d", "e")
	var calls []string
	c := dialServer(t, srv, withSearchWindow(2), WithProgress(func(folder string, done, total int) {
		calls = append(calls, fmt.Sprintf("%s %d/%d", folder, done, total))
	}))
	scanAll(t, c, Checkpoint{Folder: "INBOX"})
	if want := []string{"INBOX 0/5", "INBOX 2/5", "INBOX 4/5", "INBOX 5/5"}; !slices.Equal(calls, want) {
		t.Errorf("progress calls = %q, want %q", calls, want)
	}
}

// withSearchWindow makes a scan search n messages at a time.
func withSearchWindow(n int) Option {
	return func(o *options) { o.searchWindow = n }
}

// TestScanWindows checks a scan that searches the folder in several
// windows, some searches in flight at once: it handles what each window's
// search found, in UID order, skips windows where the search found
// nothing, and fetches nothing else. A handler error in the middle leaves
// the connection ready for the next scan.
func TestScanWindows(t *testing.T) {
	t.Parallel()
	forEachServer(t, func(t *testing.T, srv testServer) {
		deliverAll(t, srv, "approved 1", "noise", "noise", "noise", "approved 2", "approved 3", "noise")
		c := dialServer(t, srv, withSearchWindow(2))
		_, _, err := c.Scan(context.Background(), Checkpoint{Folder: "INBOX"}, Terms{Subject: []string{"approved"}}, func(m Message) error {
			return errors.New("refused")
		})
		var herr *HandlerError
		if !errors.As(err, &herr) {
			t.Fatalf("Scan error = %v, want a *HandlerError", err)
		}

		cp, got, stats := scanAll(t, c, Checkpoint{Folder: "INBOX"}, "approved")
		wantSubjects(t, "windowed scan", got, "approved 1", "approved 2", "approved 3")
		if stats.Messages != 3 {
			t.Errorf("windowed scan fetched %d messages, want 3", stats.Messages)
		}
		if cp.LastUID != got[2].UID+1 {
			t.Errorf("checkpoint LastUID = %d, want %d, past the last message", cp.LastUID, got[2].UID+1)
		}

		deliverAll(t, srv, "noise", "approved 4")
		_, got, _ = scanAll(t, c, cp, "approved")
		wantSubjects(t, "windowed rescan", got, "approved 4")
	})
}

func TestUIDBatches(t *testing.T) {
	t.Parallel()
	var set imap.UIDSet
	set.AddRange(1, 5)
	set.AddNum(9)
	set.AddRange(20, 22)
	var got []string
	for b := range uidBatches(set, 3) {
		got = append(got, b.String())
	}
	if want := []string{"1:3", "4:5,9", "20:22"}; !slices.Equal(got, want) {
		t.Errorf("batches of 3 = %q, want %q", got, want)
	}
}

func TestSearchCriteria(t *testing.T) {
	t.Parallel()
	c := searchCriteria(imap.UIDSet{{Start: 7}}, Terms{From: []string{"xero.com", "", "xero"}, Subject: []string{"approved "}})
	if len(c.UID) != 1 || c.UID[0].String() != "7:*" {
		t.Errorf("UID criteria = %v, want 7:*", c.UID)
	}
	var leaves []string
	var walk func(c imap.SearchCriteria)
	walk = func(c imap.SearchCriteria) {
		for _, h := range c.Header {
			leaves = append(leaves, h.Key+" "+h.Value)
		}
		for _, or := range c.Or {
			walk(or[0])
			walk(or[1])
		}
	}
	walk(*c)
	if want := []string{"From xero.com", "From xero", "Subject approved "}; !slices.Equal(leaves, want) {
		t.Errorf("search leaves = %q, want %q", leaves, want)
	}
	for _, terms := range []Terms{{}, {From: []string{""}}, {From: []string{"xero"}, All: true}} {
		if c := searchCriteria(imap.UIDSet{{Start: 1}}, terms); len(c.Or) != 0 || len(c.Header) != 0 {
			t.Errorf("searchCriteria(%+v) = %+v, want UID only", terms, c)
		}
	}
}

// TestHeaderValues covers the helpers that read one header value each.
func TestHeaderValues(t *testing.T) {
	t.Parallel()
	from := []struct{ in, addr, name string }{
		{"NoReply@Xero.com", "noreply@xero.com", ""},
		{`"Xero" <noreply@xero.com>`, "noreply@xero.com", "Xero"},
		{`"support@xero.com" <phish@evil.example>`, "phish@evil.example", "support@xero.com"},
		{"=?ISO-8859-1?Q?Andr=E9?= <andre@example.fr>", "andre@example.fr", "André"},
		{"Broken Name <ops@example.org", "ops@example.org", ""},
		{"a@example.com, b@example.com", "a@example.com", ""},
		{"no address here", "", ""},
		{"", "", ""},
	}
	for _, tt := range from {
		if addr, name := fromAddress(tt.in); addr != tt.addr || name != tt.name {
			t.Errorf("fromAddress(%q) = %q, %q; want %q, %q", tt.in, addr, name, tt.addr, tt.name)
		}
	}
	ids := []struct{ in, out string }{
		{"<abc@example.com>", "abc@example.com"},
		{"  <abc@example.com> (comment)", "abc@example.com"},
		{"abc@example.com", "abc@example.com"},
		{"", ""},
	}
	for _, tt := range ids {
		if got := messageID(tt.in); got != tt.out {
			t.Errorf("messageID(%q) = %q, want %q", tt.in, got, tt.out)
		}
	}
}

// TestParseHeaderPrintable checks that no header drives the terminal that
// "mailbox review" prints the message ID and sender to (FuzzClassify found
// a Message-ID that is not UTF-8).
func TestParseHeaderPrintable(t *testing.T) {
	t.Parallel()
	var m Message
	parseHeader(&m, []byte("Message-ID: <a\x1b[2J\xf5@example.com>\r\nFrom: \x1b]0;pwned\x07@xero.com\r\n"))
	if m.MessageID != "a?[2J?@example.com" || m.From != "pwned?@xero.com" {
		t.Errorf("Message-ID %q, From %q: want control characters and bytes that are not UTF-8 replaced by ?", m.MessageID, m.From)
	}
}

func TestParseDate(t *testing.T) {
	t.Parallel()
	want := time.Date(2025, 6, 3, 8, 15, 0, 0, time.UTC)
	for _, v := range []string{
		"Tue, 3 Jun 2025 09:15:00 +0100",
		"Tue, 03 Jun 2025 09:15:00 +0100",
		"  Tue, 3 Jun 2025 09:15:00 +0100 (BST)",
		"3 Jun 2025 09:15:00 +0100",
		"Tue, 3 Jun 2025 08:15:00 GMT",
	} {
		if got := parseDate(v); !got.Equal(want) {
			t.Errorf("parseDate(%q) = %v, want %v", v, got, want)
		}
	}
	for _, v := range []string{"", "not a date", "(comment only)"} {
		if got := parseDate(v); !got.IsZero() {
			t.Errorf("parseDate(%q) = %v, want the zero time", v, got)
		}
	}
}
