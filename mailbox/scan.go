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
	return uidsFound(c.startSearch(criteria))
}

// startSearch sends a UID SEARCH for criteria; uidsFound waits for its
// answer.
func (c *Client) startSearch(criteria *imap.SearchCriteria) *imapclient.SearchCommand {
	var opts *imap.SearchOptions
	if c.imap.Caps().Has(imap.CapESearch) {
		opts = &imap.SearchOptions{ReturnAll: true} // a compact set, not one number per message
	}
	return c.imap.UIDSearch(criteria, opts)
}

// uidsFound waits for a search's answer and returns the UIDs it found, in
// ascending order.
func uidsFound(cmd *imapclient.SearchCommand) (imap.UIDSet, error) {
	data, err := cmd.Wait()
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

// searchDepth is how many window searches a scan keeps in flight on a
// server with ESEARCH (RFC 4731), whose answers carry their command's tag,
// so that a distant server's round trips overlap. Without ESEARCH it asks
// one at a time: untagged SEARCH answers could not be told apart.
const searchDepth = 4

// fetcher reads a scan's messages in the background, in three goroutines.
// The searcher runs the search window by window, ahead of the rest; the
// dispatcher sends a UID FETCH of at most fetchBatch messages for what each
// window found, up to fetchDepth of them in flight, each read whole by a
// goroutine of its own; the collector hands the batches on in order. So the
// server always has a search or a fetch to work on while the scan handles
// the last batch, a distant server's round trips overlap, and a slow
// handler never stalls the connection (imapclient times out a response it
// cannot finish reading). Each FETCH needs its own reader: Dovecot runs
// pipelined FETCH commands in parallel and may send one's messages before
// it has ended the one before.
type fetcher struct {
	batches chan fetched // each batch read whole, in UID order
	stop    chan struct{}
	wg      sync.WaitGroup
	stats   ScanStats // what the fetcher fetched; read once wg is done
}

// fetchDepth is how many UID FETCH commands a scan keeps in flight. Their
// batches are the scan's memory: a few megabytes of header fields.
const fetchDepth = 3

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

// pending is a batch on its way: done is closed once b is read whole.
type pending struct {
	done  chan struct{}
	b     fetched
	stats ScanStats
}

// startFetcher starts searching uids, the folder's messages from the
// checkpoint on, with terms, and fetching what the search finds.
func (c *Client) startFetcher(uids imap.UIDSet, terms Terms, folder string, uidValidity uint32) *fetcher {
	f := &fetcher{batches: make(chan fetched), stop: make(chan struct{})}
	windows := make(chan window, 1) // one searched window may wait for the dispatcher
	// A slot is taken before a batch is dispatched and given back once
	// the collector is done with it, so at most fetchDepth batches are in
	// flight and the queue between the two never blocks.
	slots := make(chan struct{}, fetchDepth)
	queue := make(chan *pending, fetchDepth)
	f.wg.Go(func() { c.searchWindows(uids, terms, windows, f.stop) })
	f.wg.Go(func() { c.dispatch(windows, folder, uidValidity, queue, slots, f.stop) })
	f.wg.Go(func() { f.collect(queue, slots) })
	return f
}

// searchWindows searches uids with terms, searchWindow messages at a time
// (unless a test sets another size), and sends each window to out until
// stop is closed or a search fails. Terms that select every message need
// no search. Before it returns, every search it sent has been answered, so
// that the connection is idle again.
func (c *Client) searchWindows(uids imap.UIDSet, terms Terms, out chan<- window, stop <-chan struct{}) {
	defer close(out)
	sets := slices.Collect(uidBatches(uids, c.opts.searchWindow))
	searches := make([]*imapclient.SearchCommand, len(sets)) // sent, not yet read
	defer func() {
		for _, s := range searches {
			if s != nil {
				s.Wait()
			}
		}
	}()
	depth := 1
	if c.imap.Caps().Has(imap.CapESearch) {
		depth = searchDepth
	}
	ask := func(i int) {
		if i < len(sets) && !terms.selectsAll() {
			// The window's range holds no message outside its set: every
			// UID in it at or after the checkpoint is in uids.
			span := imap.UIDSet{{Start: sets[i][0].Start, Stop: lastUID(sets[i])}}
			searches[i] = c.startSearch(searchCriteria(span, terms))
		}
	}
	for i := range depth {
		ask(i)
	}
	for i, set := range sets {
		w := window{last: lastUID(set), size: uidCount(set), found: set}
		if searches[i] != nil {
			w.found, w.err = uidsFound(searches[i])
			searches[i] = nil
		}
		ask(i + depth)
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

// dispatch sends a UID FETCH for each batch of what every window found,
// each taking a slot, and queues them in order, until the windows end, one
// fails, or stop is closed. A window where the search found nothing, or
// whose search failed, is queued as a batch that is already read.
func (c *Client) dispatch(windows <-chan window, folder string, uidValidity uint32, queue chan<- *pending, slots chan struct{}, stop <-chan struct{}) {
	defer close(queue)
	take := func() bool {
		select {
		case slots <- struct{}{}:
			return true
		case <-stop:
			return false
		}
	}
	ready := func(b fetched) *pending {
		p := &pending{done: make(chan struct{}), b: b}
		close(p.done)
		return p
	}
	for w := range windows {
		if w.err != nil {
			if take() {
				queue <- ready(fetched{step: "search", err: w.err})
			}
			return
		}
		batches := slices.Collect(uidBatches(w.found, fetchBatch))
		if len(batches) == 0 {
			if !take() {
				return
			}
			queue <- ready(fetched{through: w.last, examined: w.size})
		}
		for i, batch := range batches {
			if !take() {
				return
			}
			p := &pending{done: make(chan struct{}), b: fetched{step: "fetch"}}
			if i == len(batches)-1 {
				p.b.through, p.b.examined = w.last, w.size
			}
			cmd := c.imap.Fetch(batch, fetchOptions)
			go func() {
				defer close(p.done)
				p.b.msgs, p.b.err = readFetch(cmd, folder, uidValidity, &p.stats, func() { c.imap.Close() })
			}()
			queue <- p
		}
	}
}

// collect hands the queued batches to the scan in order, each once it is
// read whole, and gives their slots back. After an error, or once the scan
// has stopped, it only waits for the rest, so that the connection is idle
// when the fetcher is done.
func (f *fetcher) collect(queue <-chan *pending, slots <-chan struct{}) {
	defer close(f.batches)
	handing := true
	for p := range queue {
		<-p.done
		f.stats.Messages += p.stats.Messages
		f.stats.Bytes += p.stats.Bytes
		if handing {
			select {
			case f.batches <- p.b:
				handing = p.b.err == nil
			case <-f.stop:
				handing = false
			}
		}
		<-slots
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
// UID order. When a literal cannot be read to its end, the connection is
// broken: readFetch calls closeConn before it returns, which also waits
// for the client's reader to stop (see readMessage).
func readFetch(cmd *imapclient.FetchCommand, folder string, uidValidity uint32, stats *ScanStats, closeConn func()) ([]Message, error) {
	defer cmd.Close()
	var msgs []Message
	for {
		data := cmd.Next()
		if data == nil {
			break
		}
		m, n, err := readMessage(data)
		stats.Bytes += n
		var broken *brokenLiteralError
		if errors.As(err, &broken) {
			closeConn()
		}
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
//
// A literal that breaks off (the connection dropped, or a read timed out)
// is returned as a *brokenLiteralError, and nothing more is read from data:
// imapclient's reader goroutine goes on decoding from the same buffer as
// soon as a literal's Read fails, so reading (or discarding) more of the
// literal, as the next data.Next or cmd.Next would, races with it. The
// caller closes the connection first, which waits for that goroutine to end.
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
// that ignores the partial range would send. A literal shorter than
// announced, or any other read error, means the connection broke: the
// error is a *brokenLiteralError.
func readAtMost(lit imap.LiteralReader, limit int64) ([]byte, error) {
	buf := make([]byte, min(max(lit.Size(), 0), limit))
	n, err := io.ReadFull(lit, buf)
	if err != nil {
		return nil, &brokenLiteralError{err}
	}
	return buf[:n], nil
}

// brokenLiteralError is a literal that could not be read to its end.
type brokenLiteralError struct{ err error }

func (e *brokenLiteralError) Error() string { return "read literal: " + e.err.Error() }
func (e *brokenLiteralError) Unwrap() error { return e.err }

// parseHeader fills m's header fields from the fetched header block. It
// never fails: a field it cannot read is left empty (Date zero).
func parseHeader(m *Message, block []byte) {
	// The blank line ends the block even when the server left it out. The
	// reader's buffer holds the whole block, which is no larger than
	// maxHeader: the default would allocate 4 KiB for every message.
	br := bufio.NewReaderSize(io.MultiReader(bytes.NewReader(block), strings.NewReader("\r\n\r\n")), len(block)+4)
	h, _ := textproto.ReadHeader(br) // on a malformed line, the fields before it
	// A message ID and an address are printable text (RFC 5322): what
	// else a header holds must not reach the terminal "mailbox review"
	// prints them to.
	m.MessageID = printable(messageID(h.Get("Message-Id")))
	from, name := fromAddress(h.Get("From"))
	m.From, m.FromName = printable(from), name
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
