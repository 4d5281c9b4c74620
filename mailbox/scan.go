package mailbox

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-message/textproto"
)

// fetchBatch is how many messages one UID FETCH asks for. A batch is read
// whole, in the background, while the messages of the one before are
// handled (see fetcher): the server prepares the next batch while the
// handler works, and a slow handler never stalls the connection (imapclient
// times out a response it cannot finish reading).
const fetchBatch = 1000

// maxHeader bounds the header fields kept of one message. The five fields
// fetched take a few kilobytes even with a long Authentication-Results
// chain; with it, the batches in memory hold a few megabytes at most.
const maxHeader = 64 << 10

// headerFields are the only header fields a scan fetches.
var headerFields = []string{"From", "Subject", "Date", "Message-ID", "Authentication-Results"}

// fetchOptions asks for the UID, the size and the header fields above;
// never the text. PEEK leaves the \Seen flag alone.
var fetchOptions = &imap.FetchOptions{
	UID:         true,
	RFC822Size:  true,
	BodySection: []*imap.FetchItemBodySection{{Specifier: imap.PartSpecifierHeader, HeaderFields: headerFields, Peek: true}},
}

// ScanStats counts what a scan fetched.
type ScanStats struct {
	Messages int   // messages fetched
	Bytes    int64 // bytes of header fields fetched
}

// HandlerError wraps the error a scan's handle function returned, so that a
// caller can tell it from a server or connection error.
type HandlerError struct {
	Folder string
	UID    uint32 // the message the handler refused
	Err    error
}

func (e *HandlerError) Error() string {
	return fmt.Sprintf("mailbox: handle %s uid=%d: %v", e.Folder, e.UID, e.Err)
}

func (e *HandlerError) Unwrap() error { return e.Err }

// Scan reads the messages of cp.Folder that arrived after cp and calls
// handle once for each, in UID order, from the calling goroutine.
//
// The server does the narrowing: Scan asks it for the UIDs after
// cp.LastUID whose From contains one of terms.From or whose Subject
// contains one of terms.Subject (case-insensitive substrings; zero Terms,
// or terms.All, means every new message), searchWindow messages at a time,
// and fetches what it finds in batches, each only the header fields
// Message needs, never the text. The server searches and fetches ahead
// while handle works through the last batch. When the folder's
// UIDVALIDITY differs from cp's, the server renumbered it and Scan starts
// again from the first message; callers that key on Message.MessageID
// count nothing twice.
//
// The returned checkpoint has moved past every message handle accepted (it
// returned nil) and every message the search skipped, never past one handle
// refused; it is returned with the error too, and is the one to save. A
// handle error stops the scan and is returned wrapped in a *HandlerError.
// Cancelling ctx closes the connection; the Client is then unusable.
func (c *Client) Scan(ctx context.Context, cp Checkpoint, terms Terms, handle func(Message) error) (Checkpoint, ScanStats, error) {
	var stats ScanStats
	if cp.Folder == "" {
		return cp, stats, fmt.Errorf("mailbox: scan on %s: the checkpoint names no folder", c.addr)
	}
	stop := context.AfterFunc(ctx, func() { c.imap.Close() })
	defer stop()

	next, err := c.scan(ctx, cp, terms, handle, &stats)
	var herr *HandlerError
	if err != nil && ctx.Err() != nil && !errors.As(err, &herr) {
		err = fmt.Errorf("mailbox: scan %s on %s: %w", cp.Folder, c.addr, context.Cause(ctx))
	}
	return next, stats, err
}

func (c *Client) scan(ctx context.Context, cp Checkpoint, terms Terms, handle func(Message) error, stats *ScanStats) (Checkpoint, error) {
	folder := cp.Folder
	sel, err := c.imap.Select(folder, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		return cp, c.scanError(folder, "select", err)
	}
	next := cp
	if sel.UIDValidity != cp.UIDValidity {
		next = Checkpoint{Folder: folder, UIDValidity: sel.UIDValidity}
	}
	// Every message below UIDNEXT existed when the folder was selected, so
	// the searches below see it: once the scan is through, the checkpoint
	// may move to UIDNEXT-1 even past messages the search did not return.
	var selected uint32
	if sel.UIDNext > 0 {
		selected = uint32(sel.UIDNext) - 1
	}
	if sel.NumMessages == 0 || next.LastUID == ^uint32(0) || (sel.UIDNext > 0 && next.LastUID >= selected) {
		next.LastUID = max(next.LastUID, selected)
		c.progress(folder, 0, 0)
		return next, nil
	}

	newUIDs, err := c.newMessages(imap.UID(next.LastUID + 1))
	if err != nil {
		return next, c.scanError(folder, "search", err)
	}
	total := uidCount(newUIDs)
	c.progress(folder, 0, total)
	f := c.startFetcher(newUIDs, terms, folder, sel.UIDValidity)
	defer f.close(stats)
	done := 0
	for batch := range f.batches {
		if batch.err != nil {
			return next, c.scanError(folder, batch.step, batch.err)
		}
		for _, m := range batch.msgs {
			if err := ctx.Err(); err != nil {
				return next, err
			}
			if err := handle(m); err != nil {
				return next, &HandlerError{Folder: folder, UID: m.UID, Err: err}
			}
			next.LastUID = m.UID
		}
		next.LastUID = max(next.LastUID, uint32(batch.through))
		if batch.examined > 0 {
			done += batch.examined
			c.progress(folder, done, total)
		}
	}
	next.LastUID = max(next.LastUID, selected)
	return next, nil
}

func (c *Client) scanError(folder, step string, err error) error {
	return fmt.Errorf("mailbox: scan %s on %s: %s: %w", folder, c.addr, step, err)
}

func (c *Client) progress(folder string, done, total int) {
	if c.opts.progress != nil {
		c.opts.progress(folder, done, total)
	}
}

// newMessages returns the UIDs of every message from start on, in
// ascending order. The server answers from its index.
func (c *Client) newMessages(start imap.UID) (imap.UIDSet, error) {
	var from imap.UIDSet
	from.AddRange(start, 0)
	all, err := c.search(searchCriteria(from, Terms{All: true}))
	if err != nil {
		return nil, err
	}
	// "n:*" also matches the highest UID when it is below n (RFC 9051
	// 6.4.4), so drop what is below start.
	var uids imap.UIDSet
	for _, r := range all {
		if r.Stop == 0 || r.Stop < start {
			continue
		}
		uids.AddRange(max(r.Start, start), r.Stop)
	}
	return uids, nil
}

// search returns the UIDs criteria select, in ascending order.
func (c *Client) search(criteria *imap.SearchCriteria) (imap.UIDSet, error) {
	var opts *imap.SearchOptions
	if c.imap.Caps().Has(imap.CapESearch) {
		opts = &imap.SearchOptions{ReturnAll: true} // a compact set, not one number per message
	}
	data, err := c.imap.UIDSearch(criteria, opts).Wait()
	if err != nil {
		return nil, err
	}
	uids, _ := data.All.(imap.UIDSet)
	return uids, nil
}

// searchCriteria selects the messages of uids that terms select: unless
// terms select everything, an OR over FROM of each From term and SUBJECT of
// each Subject term, nested as a balanced tree so that a long list stays
// shallow for the server's parser.
func searchCriteria(uids imap.UIDSet, terms Terms) *imap.SearchCriteria {
	criteria := &imap.SearchCriteria{UID: []imap.UIDSet{uids}}
	if terms.selectsAll() {
		return criteria
	}
	var leaves []imap.SearchCriteria
	for _, field := range []struct {
		key   string
		terms []string
	}{{"From", terms.From}, {"Subject", terms.Subject}} {
		for _, t := range field.terms {
			if t != "" {
				leaves = append(leaves, imap.SearchCriteria{Header: []imap.SearchCriteriaHeaderField{{Key: field.key, Value: t}}})
			}
		}
	}
	criteria.And(orTree(leaves))
	return criteria
}

func orTree(leaves []imap.SearchCriteria) *imap.SearchCriteria {
	if len(leaves) == 1 {
		return &leaves[0]
	}
	mid := len(leaves) / 2
	return &imap.SearchCriteria{Or: [][2]imap.SearchCriteria{{*orTree(leaves[:mid]), *orTree(leaves[mid:])}}}
}

func uidCount(set imap.UIDSet) int {
	n := 0
	for _, r := range set {
		n += int(r.Stop-r.Start) + 1
	}
	return n
}

func lastUID(set imap.UIDSet) imap.UID {
	if len(set) == 0 {
		return 0
	}
	return set[len(set)-1].Stop
}

// uidBatches cuts a static, ascending UID set into sets of at most n UIDs.
func uidBatches(set imap.UIDSet, n int) func(yield func(imap.UIDSet) bool) {
	return func(yield func(imap.UIDSet) bool) {
		var batch imap.UIDSet
		size := 0
		for _, r := range set {
			for lo := r.Start; ; {
				hi := r.Stop
				if room := imap.UID(n - size); hi-lo >= room {
					hi = lo + room - 1
				}
				batch.AddRange(lo, hi)
				size += int(hi-lo) + 1
				if size == n {
					if !yield(batch) {
						return
					}
					batch, size = nil, 0
				}
				if hi == r.Stop {
					break
				}
				lo = hi + 1
			}
		}
		if size > 0 {
			yield(batch)
		}
	}
}

// searchWindow is how many of a folder's messages one of a scan's searches
// looks at. Searching a large folder in windows lets the server search the
// next window while the client reads and handles what the last one found,
// where one search of the whole folder would keep the client waiting for
// all of it (and show no progress).
const searchWindow = 5000

// fetcher reads a scan's messages in the background, in two goroutines. The
// searcher runs the search window by window, a window ahead; the fetcher
// fetches what each window found, in UID FETCH commands of at most
// fetchBatch messages, one after the other, and hands each batch on whole.
// So the server always has a search or a fetch to work on while the scan
// handles the last batch, and a slow handler never stalls the connection
// (imapclient times out a response it cannot finish reading). One FETCH at
// a time keeps this simple: Dovecot runs pipelined FETCH commands in
// parallel and may send one's messages before it has ended the one before,
// so each would need its own reader.
type fetcher struct {
	batches chan fetched // each batch read whole, in UID order
	stop    chan struct{}
	wg      sync.WaitGroup
	stats   ScanStats // what the fetcher fetched; read once wg is done
}

// fetched is one batch's messages, or the error that ended the fetcher.
type fetched struct {
	msgs []Message
	// through is the UID up to which every message has been examined once
	// msgs are handled, and examined how many messages of the folder that
	// adds (both zero but for a window's last batch).
	through  imap.UID
	examined int
	step     string // what failed: "search" or "fetch"
	err      error
}

// window is one window of a scan's messages and what the search found in
// it.
type window struct {
	last  imap.UID // the highest UID in the window
	size  int      // messages in the window
	found imap.UIDSet
	err   error
}

// startFetcher starts searching uids, the folder's messages from the
// checkpoint on, with terms, and fetching what the search finds.
func (c *Client) startFetcher(uids imap.UIDSet, terms Terms, folder string, uidValidity uint32) *fetcher {
	f := &fetcher{batches: make(chan fetched), stop: make(chan struct{})}
	windows := make(chan window, 1) // the searcher may be one window ahead, and searching the next
	f.wg.Go(func() { c.searchWindows(uids, terms, windows, f.stop) })
	f.wg.Go(func() {
		defer close(f.batches)
		for w := range windows {
			if w.err != nil {
				f.send(fetched{step: "search", err: w.err})
				return
			}
			if !c.fetchWindow(w, folder, uidValidity, f) {
				return
			}
		}
	})
	return f
}

// searchWindows searches uids with terms, searchWindow messages at a time
// (unless a test sets another size), and sends each window to out until
// stop is closed or a search fails. Terms that select every message need
// no search.
func (c *Client) searchWindows(uids imap.UIDSet, terms Terms, out chan<- window, stop <-chan struct{}) {
	defer close(out)
	for set := range uidBatches(uids, c.opts.searchWindow) {
		w := window{last: lastUID(set), size: uidCount(set), found: set}
		if !terms.selectsAll() {
			// The window's range holds no message outside set: every UID
			// in it at or after the checkpoint is in uids.
			span := imap.UIDSet{{Start: set[0].Start, Stop: w.last}}
			w.found, w.err = c.search(searchCriteria(span, terms))
		}
		select {
		case out <- w:
		case <-stop:
			return
		}
		if w.err != nil {
			return
		}
	}
}

// fetchWindow fetches what the search found in w, batch by batch, and sends
// each batch to the scan. It reports false when the fetcher must stop.
func (c *Client) fetchWindow(w window, folder string, uidValidity uint32, f *fetcher) bool {
	batches := slices.Collect(uidBatches(w.found, fetchBatch))
	if len(batches) == 0 {
		return f.send(fetched{through: w.last, examined: w.size})
	}
	for i, batch := range batches {
		msgs, err := readFetch(c.imap.Fetch(batch, fetchOptions), folder, uidValidity, &f.stats)
		b := fetched{msgs: msgs, step: "fetch", err: err}
		if i == len(batches)-1 {
			b.through, b.examined = w.last, w.size
		}
		if !f.send(b) || err != nil {
			return false
		}
	}
	return true
}

// send hands a batch to the scan. It reports false when the scan has
// stopped.
func (f *fetcher) send(b fetched) bool {
	select {
	case f.batches <- b:
		return true
	case <-f.stop:
		return false
	}
}

// close stops the fetcher once the commands it sent are answered, so that
// the connection is idle again, and adds what it fetched to stats.
func (f *fetcher) close(stats *ScanStats) {
	close(f.stop)
	f.wg.Wait()
	stats.Messages += f.stats.Messages
	stats.Bytes += f.stats.Bytes
}

// readFetch reads a UID FETCH's answer whole and returns its messages in
// UID order.
func readFetch(cmd *imapclient.FetchCommand, folder string, uidValidity uint32, stats *ScanStats) ([]Message, error) {
	defer cmd.Close()
	var msgs []Message
	for {
		data := cmd.Next()
		if data == nil {
			break
		}
		m, n, err := readMessage(data)
		stats.Bytes += n
		if err != nil {
			return nil, err
		}
		if m.UID == 0 {
			continue // not one of ours; cannot happen with UID FETCH
		}
		m.Folder, m.UIDValidity = folder, uidValidity
		msgs = append(msgs, m)
		stats.Messages++
	}
	if err := cmd.Close(); err != nil {
		return nil, err
	}
	slices.SortFunc(msgs, func(a, b Message) int { return int(int64(a.UID) - int64(b.UID)) })
	return msgs, nil
}

// readMessage reads one message's FETCH data and parses it. n counts the
// literal bytes the server sent for it.
func readMessage(data *imapclient.FetchMessageData) (m Message, n int64, err error) {
	var header []byte
	for {
		item := data.Next()
		if item == nil {
			break
		}
		switch item := item.(type) {
		case imapclient.FetchItemDataUID:
			m.UID = uint32(item.UID)
		case imapclient.FetchItemDataRFC822Size:
			m.Size = item.Size
		case imapclient.FetchItemDataBodySection:
			if item.Literal == nil {
				continue // NIL: the server has no such section
			}
			n += item.Literal.Size()
			if header, err = readAtMost(item.Literal, maxHeader); err != nil {
				return m, n, err
			}
		}
	}
	parseHeader(&m, header)
	return m, n, nil
}

// readAtMost reads up to limit bytes of a literal into a buffer of the
// literal's size; the FETCH reader discards the rest, which only a server
// that ignores the partial range would send.
func readAtMost(lit imap.LiteralReader, limit int64) ([]byte, error) {
	buf := make([]byte, min(max(lit.Size(), 0), limit))
	n, err := io.ReadFull(lit, buf)
	if errors.Is(err, io.ErrUnexpectedEOF) {
		// Shorter than announced: the connection broke, which fails the
		// FETCH command itself.
		err = nil
	}
	return buf[:n], err
}

// parseHeader fills m's header fields from the fetched header block. It
// never fails: a field it cannot read is left empty (Date zero).
func parseHeader(m *Message, block []byte) {
	// The blank line ends the block even when the server left it out. The
	// reader's buffer holds the whole block, which is no larger than
	// maxHeader: the default would allocate 4 KiB for every message.
	br := bufio.NewReaderSize(io.MultiReader(bytes.NewReader(block), strings.NewReader("\r\n\r\n")), len(block)+4)
	h, _ := textproto.ReadHeader(br) // on a malformed line, the fields before it
	m.MessageID = messageID(h.Get("Message-Id"))
	m.From, m.FromName = fromAddress(h.Get("From"))
	m.Subject = DecodeHeader(h.Get("Subject"))
	m.Date = parseDate(h.Get("Date"))
	m.AuthResults = h.Values("Authentication-Results")
}

// parseDate reads a Date header, or returns the zero time. It tries the
// form nearly every server writes first ("Tue, 3 Jun 2025 09:15:00 +0100",
// with any trailing comment such as "(UTC)" dropped): net/mail tries its
// layouts one by one, each failure allocating an error, and a scan reads
// thousands of dates.
func parseDate(v string) time.Time {
	v = strings.TrimSpace(v)
	if i := strings.IndexByte(v, '('); i > 0 {
		v = strings.TrimSpace(v[:i])
	}
	if t, err := time.Parse("Mon, 2 Jan 2006 15:04:05 -0700", v); err == nil {
		return t
	}
	if t, err := mail.ParseDate(v); err == nil {
		return t
	}
	return time.Time{}
}

// messageID returns the first <id> of a Message-ID value without the angle
// brackets, or the trimmed value when it has none.
func messageID(v string) string {
	v = strings.TrimSpace(v)
	if i := strings.IndexByte(v, '<'); i >= 0 {
		if j := strings.IndexByte(v[i:], '>'); j > 0 {
			return strings.TrimSpace(v[i+1 : i+j])
		}
	}
	if f := strings.Fields(v); len(f) > 0 {
		return strings.Trim(f[0], "<>")
	}
	return ""
}

// fromAddress returns the first address of a From value, lower case, and
// its display name, decoded. When the value is not a valid address list it
// falls back to the last <...> holding an @, then to the first word
// holding one, and takes the text before it as the name.
func fromAddress(v string) (addr, name string) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", ""
	}
	p := mail.AddressParser{WordDecoder: &wordDecoder}
	if list, err := p.ParseList(v); err == nil && len(list) > 0 {
		return strings.ToLower(list[0].Address), DecodeHeader(list[0].Name)
	}
	if i := strings.LastIndexByte(v, '<'); i >= 0 {
		if j := strings.IndexByte(v[i:], '>'); j > 0 {
			if a := strings.TrimSpace(v[i+1 : i+j]); strings.Contains(a, "@") {
				return strings.ToLower(a), DecodeHeader(strings.Trim(v[:i], " \t\""))
			}
		}
	}
	for _, w := range strings.FieldsFunc(v, func(r rune) bool { return strings.ContainsRune(" \t,;<>\"'()", r) }) {
		if strings.Contains(w, "@") {
			return strings.ToLower(w), ""
		}
	}
	return "", ""
}
