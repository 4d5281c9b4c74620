package mailbox

// Benchmarks of scanning and watching a large mailbox in a real Dovecot.
// docs/benchmarks.md says how to run them and what they found.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/acctsetup/acctsetup/mailbox/dovecottest"
	"github.com/acctsetup/acctsetup/providers"
	"github.com/acctsetup/acctsetup/providers/all"
)

// BenchmarkScan measures a first scan of INBOX holding 10,000 and 100,000
// messages (see benchMail), and a rescan with nothing new. Each runs beside
// the floor: a minimal client that does the same search and fetches only the
// same header fields of the same messages. "floor-fetch" is that client
// asking for exactly what a scan's UID FETCH asks (the header fields and
// RFC822.SIZE), which splits a scan's time between Dovecot and the client.
// "terms" searches with the built-in providers' SearchTerms, as the CLI
// does; "all" fetches every
// message (Terms.All), to show what narrowing saves; "terms-rtt40ms" is
// "terms" through a proxy that delays everything by 20 ms each way, as a
// distant server would. A first scan reports its time over the floor's as
// "x-floor" and over floor-fetch's as "x-floor-fetch".
//
// Every operation dials, logs in, works and logs out. Before timing, each
// runs once untimed, so that Dovecot's index and cache hold what it reads.
func BenchmarkScan(b *testing.B) {
	ps := activeProviders(b)
	narrowing := []struct {
		name  string
		terms Terms
		delay time.Duration // each way, between the clients and Dovecot
	}{
		{"terms", SearchTerms(ps), 0},
		{"all", Terms{All: true}, 0},
		{"terms-rtt40ms", SearchTerms(ps), 20 * time.Millisecond},
	}
	for _, size := range []struct {
		name string
		n    int
	}{{"10k", 10_000}, {"100k", 100_000}} {
		b.Run(size.name, func(b *testing.B) {
			mb := newBenchMailbox(b, size.n, ps)
			for _, nw := range narrowing {
				b.Run(nw.name, func(b *testing.B) {
					mb := mb.behind(b, nw.delay)
					var floor, floorSame time.Duration // per operation
					b.Run("floor", func(b *testing.B) {
						floor = measure(b, func() opResult { return mb.floor(b, nw.terms, floorFetch) })
					})
					b.Run("floor-fetch", func(b *testing.B) {
						floorSame = measure(b, func() opResult { return mb.floor(b, nw.terms, fetchOptions) })
					})
					b.Run("first", func(b *testing.B) {
						perOp := measure(b, func() opResult {
							_, res := mb.scan(b, Checkpoint{Folder: DefaultFolder}, nw.terms)
							mb.checkVerdicts(b, res)
							return res
						})
						if floor > 0 {
							b.ReportMetric(float64(perOp)/float64(floor), "x-floor")
						}
						if floorSame > 0 {
							b.ReportMetric(float64(perOp)/float64(floorSame), "x-floor-fetch")
						}
					})
				})
			}
			b.Run("nochange", func(b *testing.B) {
				terms := narrowing[0].terms
				cp, _ := mb.scan(b, Checkpoint{Folder: DefaultFolder}, terms)
				measure(b, func() opResult {
					next, res := mb.scan(b, cp, terms)
					if next != cp || res.messages != 0 {
						b.Fatalf("a rescan with nothing new fetched %d messages and moved the checkpoint from %+v to %+v", res.messages, cp, next)
					}
					return res
				})
			})
		})
	}
}

// BenchmarkWatchLatency measures the time from a delivery into the Maildir
// to the Watcher's Handle, on a Dovecot INBOX of 10,000 messages. One
// operation is 20 deliveries of a provider's notice, each after a pause
// that the timer leaves out, so ns/op is the sum of 20 latencies; the
// median and the longest are reported as well. "idle" is the Watcher as it
// runs against Dovecot; "poll-1s" forces polling once a second, for
// comparison (its default interval is a minute).
func BenchmarkWatchLatency(b *testing.B) {
	ps := activeProviders(b)
	mb := newBenchMailbox(b, 10_000, ps)
	modes := []struct {
		name  string
		opts  []Option
		pause func() time.Duration // before each delivery
	}{
		// Long enough for the Watcher to be back in IDLE after the last one.
		{"idle", nil, func() time.Duration { return 200 * time.Millisecond }},
		// Mail arrives at any moment of the interval.
		{"poll-1s", []Option{forcePoll, WithPollInterval(time.Second)}, func() time.Duration { return rand.N(time.Second) }},
	}
	for _, mode := range modes {
		b.Run(mode.name, func(b *testing.B) {
			mb.watchLatency(b, mode.opts, mode.pause)
		})
	}
}

// BenchmarkClassify measures Classify alone on the header fields of the
// benchmark mailbox's first 10,000 messages (parsed before the timer
// starts), with the built-in providers: what a scan that fetches every
// message (Terms.All) spends on its verdicts. It needs no server.
func BenchmarkClassify(b *testing.B) {
	ps := activeProviders(b)
	msgs := make([]Message, 10_000)
	for i := range msgs {
		header, _, _ := bytes.Cut(benchMail(i), []byte("\r\n\r\n"))
		parseHeader(&msgs[i], header)
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, m := range msgs {
			Classify(m, ps, benchAuthserv)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(msgs)), "ns/msg")
}

// activeProviders returns the built-in providers that are not retired, the
// ones the CLI scans for without a configuration.
func activeProviders(tb testing.TB) []*providers.Provider {
	tb.Helper()
	reg, err := all.Registry()
	if err != nil {
		tb.Fatal(err)
	}
	return slices.DeleteFunc(reg.All(), func(p *providers.Provider) bool { return p.Retired })
}

// benchMailbox is a Dovecot whose INBOX holds benchMail(0) to benchMail(n-1),
// indexed.
type benchMailbox struct {
	srv     *dovecotServer
	ps      []*providers.Provider
	advance int // messages Classify must let advance a step
	review  int // messages Classify must leave for review
	next    int // the next message to deliver, after the first n
	port    int // where clients connect, when not Dovecot's own port (behind)
}

// config is the configuration clients connect with.
func (mb *benchMailbox) config() Config {
	cfg := mb.srv.config()
	if mb.port != 0 {
		cfg.Port = mb.port
	}
	return cfg
}

// behind returns mb as clients see it through a proxy that delays
// everything by delay each way, or mb itself for no delay.
func (mb *benchMailbox) behind(b *testing.B, delay time.Duration) *benchMailbox {
	if delay == 0 {
		return mb
	}
	far := *mb
	far.port = delayProxy(b, net.JoinHostPort(mb.srv.Host, strconv.Itoa(mb.srv.Port)), delay)
	return &far
}

// delayProxy listens on a loopback port, which it returns, and forwards
// every connection to target, each chunk delivered delay after it was
// read, in order, either way: a link with a round trip of twice delay
// and no limit on bandwidth. It stops when b ends.
func delayProxy(b *testing.B, target string, delay time.Duration) int {
	return serveProxy(b, target, func(client, server net.Conn, conns *sync.WaitGroup) {
		conns.Go(func() { delayed(server, client, delay) })
		conns.Go(func() { delayed(client, server, delay) })
	})
}

// serveProxy listens on a loopback port, which it returns, and for every
// connection dials target and calls forward with both, which may start
// goroutines in conns. It stops when tb ends, once conns are done.
func serveProxy(tb testing.TB, target string, forward func(client, server net.Conn, conns *sync.WaitGroup)) int {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	var conns sync.WaitGroup
	accepting := make(chan struct{})
	tb.Cleanup(func() {
		ln.Close()
		<-accepting // no conns.Go once Wait has started
		conns.Wait()
	})
	go func() {
		defer close(accepting)
		for {
			client, err := ln.Accept()
			if err != nil {
				return
			}
			server, err := net.Dial("tcp", target)
			if err != nil {
				client.Close()
				continue
			}
			forward(client, server, &conns)
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port
}

// delayed copies src to dst, each chunk delay after it was read, and
// closes dst when src ends.
func delayed(dst, src net.Conn, delay time.Duration) {
	type chunk struct {
		due  time.Time
		data []byte
	}
	chunks := make(chan chunk, 1<<16)
	go func() {
		defer dst.Close()
		for c := range chunks {
			time.Sleep(time.Until(c.due))
			if _, err := dst.Write(c.data); err != nil {
				return
			}
		}
	}()
	defer close(chunks)
	buf := make([]byte, 64<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			chunks <- chunk{time.Now().Add(delay), bytes.Clone(buf[:n])}
		}
		if err != nil {
			return
		}
	}
}

// newBenchMailbox starts Dovecot, delivers the n messages and has Dovecot
// index them with one SELECT. It logs how long both took.
func newBenchMailbox(b *testing.B, n int, ps []*providers.Provider) *benchMailbox {
	b.Helper()
	mb := &benchMailbox{srv: &dovecotServer{dovecottest.New(b)}, ps: ps, next: n}
	mb.advance, mb.review = wantVerdicts(n)
	start := time.Now()
	mb.srv.DeliverMany(b, n, benchMail)
	written := time.Since(start)

	start = time.Now()
	c, err := Dial(context.Background(), mb.srv.config(), mb.srv.password())
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	sel, err := c.imap.Select(DefaultFolder, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		b.Fatal(err)
	}
	if sel.NumMessages != uint32(n) {
		b.Fatalf("INBOX holds %d messages, want %d", sel.NumMessages, n)
	}
	b.Logf("%d messages written in %s, indexed by the first SELECT in %s", n, written.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
	return mb
}

// opResult is what one operation fetched and, for a scan, what Classify
// made of it.
type opResult struct {
	messages        int   // messages fetched
	read            int64 // bytes read from the connection, greeting to logout
	advance, review int
}

// measure runs op once untimed, then in the benchmark loop, and reports
// per operation the messages fetched, the bytes read, and the process's
// peak memory during the loop. It returns the time per operation.
func measure(b *testing.B, op func() opResult) time.Duration {
	b.Helper()
	warm := time.Now()
	op()
	b.Logf("untimed first run: %s", time.Since(warm).Round(time.Millisecond))
	b.ReportAllocs()
	peak := startMemPeak()
	var total opResult
	for b.Loop() {
		res := op()
		total.messages += res.messages
		total.read += res.read
	}
	peak.report(b)
	b.ReportMetric(float64(total.messages)/float64(b.N), "msgs/op")
	b.ReportMetric(float64(total.read)/1e6/float64(b.N), "read-MB/op")
	return b.Elapsed() / time.Duration(b.N)
}

// scan dials, scans INBOX from cp with terms, running Classify on every
// message as the CLI does, and logs out.
func (mb *benchMailbox) scan(b *testing.B, cp Checkpoint, terms Terms) (Checkpoint, opResult) {
	b.Helper()
	var res opResult
	counter := &countingDial{}
	c, err := Dial(context.Background(), mb.config(), mb.srv.password(), counter.option())
	if err != nil {
		b.Fatal(err)
	}
	next, stats, err := c.Scan(context.Background(), cp, terms, func(m Message) error {
		switch v := Classify(m, mb.ps, benchAuthserv); {
		case v.Advance:
			res.advance++
		case v.Review():
			res.review++
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	if err := c.Close(); err != nil {
		b.Fatal(err)
	}
	res.messages, res.read = stats.Messages, counter.read.Load()
	return next, res
}

// checkVerdicts fails b unless a first scan found every message about a
// provider and Classify judged each as benchMail meant.
func (mb *benchMailbox) checkVerdicts(b *testing.B, res opResult) {
	b.Helper()
	if res.advance != mb.advance || res.review != mb.review {
		b.Fatalf("the scan advanced %d messages and left %d for review, want %d and %d", res.advance, res.review, mb.advance, mb.review)
	}
}

// floorFetchBatch is how many UIDs one of the floor's UID FETCH commands
// names: few enough that a scattered set stays within Dovecot's limit on a
// command line (64 KiB), and the commands are pipelined anyway.
const floorFetchBatch = 5000

// floorFetch is what the floor fetches of each message: the header fields
// a scan fetches, nothing else.
var floorFetch = &imap.FetchOptions{
	UID:         true,
	BodySection: []*imap.FetchItemBodySection{{Specifier: imap.PartSpecifierHeader, HeaderFields: headerFields, Peek: true}},
}

// floor is the least work any client does to look at the messages a scan
// looks at: log in, select INBOX read-only, search with the scan's
// criteria, and fetch what opts says of every UID found, with all UID FETCH
// commands sent at once (pipelined), discarding what arrives. It uses
// imapclient directly, none of Scan's code but the search criteria.
func (mb *benchMailbox) floor(b *testing.B, terms Terms, opts *imap.FetchOptions) opResult {
	b.Helper()
	cfg := mb.config()
	conn, err := net.Dial("tcp", net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port)))
	if err != nil {
		b.Fatal(err)
	}
	var read atomic.Int64
	c := imapclient.New(&countingConn{Conn: conn, read: &read}, nil)
	defer c.Close()
	if err := c.Login(cfg.Username, mb.srv.password()).Wait(); err != nil {
		b.Fatal(err)
	}
	if _, err := c.Select(DefaultFolder, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		b.Fatal(err)
	}
	var searchOpts *imap.SearchOptions
	if c.Caps().Has(imap.CapESearch) {
		searchOpts = &imap.SearchOptions{ReturnAll: true}
	}
	found, err := c.UIDSearch(searchCriteria(imap.UIDSet{{Start: 1}}, terms), searchOpts).Wait()
	if err != nil {
		b.Fatal(err)
	}
	uids, _ := found.All.(imap.UIDSet)

	// Dovecot runs pipelined FETCH commands in parallel and may answer the
	// next before it has ended the last, so each is read on its own.
	var (
		wg      sync.WaitGroup
		fetched atomic.Int64
		errs    = make(chan error, uidCount(uids)/floorFetchBatch+1)
	)
	for batch := range uidBatches(uids, floorFetchBatch) {
		cmd := c.Fetch(batch, opts)
		wg.Go(func() {
			for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
				for item := msg.Next(); item != nil; item = msg.Next() {
					if section, ok := item.(imapclient.FetchItemDataBodySection); ok && section.Literal != nil {
						io.Copy(io.Discard, section.Literal) // an error shows in Close
					}
				}
				fetched.Add(1)
			}
			errs <- cmd.Close()
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			b.Fatal(err)
		}
	}
	res := opResult{messages: int(fetched.Load())}
	if err := c.Logout().Wait(); err != nil {
		b.Fatal(err)
	}
	res.read = read.Load()
	return res
}

// watchLatency runs a Watcher on INBOX from after its last message and
// measures, b.N times over, 20 deliveries of a provider's notice each
// made after pause() and timed from just before the file is written to the
// call of Handle for it.
func (mb *benchMailbox) watchLatency(b *testing.B, opts []Option, pause func() time.Duration) {
	b.Helper()
	const deliveries = 20
	terms := SearchTerms(mb.ps)
	cp, _ := mb.scan(b, Checkpoint{Folder: DefaultFolder}, terms)

	type handled struct {
		id string
		at time.Time
		v  Verdict
	}
	seen := make(chan handled, deliveries)
	watching := make(chan struct{})
	var once atomic.Bool
	ctx, cancel := context.WithCancel(context.Background())
	w := &Watcher{
		Config: mb.config(),
		Secret: func(context.Context) (string, error) { return mb.srv.password(), nil },
		Terms:  terms,
		Handle: func(m Message) error {
			seen <- handled{m.MessageID, time.Now(), Classify(m, mb.ps, benchAuthserv)}
			return nil
		},
		Options: append(slices.Clone(opts), WithEvents(func(e Event) {
			if e.State == StateWatching && once.CompareAndSwap(false, true) {
				close(watching)
			}
		})),
	}
	done := make(chan error, 1)
	go func() { done <- w.Watch(ctx, []Checkpoint{cp}) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			b.Error(err)
		}
	}()
	select {
	case <-watching:
	case err := <-done:
		b.Fatalf("Watch ended before it watched: %v", err)
	case <-time.After(guard):
		b.Fatal("the Watcher is not watching after a minute")
	}

	var latencies []time.Duration
	for b.Loop() {
		for range deliveries {
			b.StopTimer()
			time.Sleep(pause())
			b.StartTimer()
			i := mb.next
			mb.next++
			raw := latencyMail(i)
			start := time.Now()
			mb.srv.Deliver(b, raw)
			for h := range seen {
				if !strings.HasPrefix(h.id, fmt.Sprintf("bench-%d.", i)) {
					continue // cannot happen: nothing else arrives
				}
				if !h.v.Advance {
					b.Fatalf("message %s was not let advance: %s", h.id, h.v.Reason)
				}
				latencies = append(latencies, h.at.Sub(start))
				break
			}
		}
	}
	slices.Sort(latencies)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(ms(latencies[len(latencies)/2]), "median-ms")
	b.ReportMetric(ms(latencies[len(latencies)-1]), "max-ms")
}

// latencyMail is an authentic Xero notice that advances a step, message i
// of the benchmark mailbox's numbering.
func latencyMail(i int) []byte {
	m := mailBuilder{r: mailRand(i), i: i}
	p := providerMails[0]
	m.header(p.sender, p.signals[1], p.domain, "pass")
	m.text(2000)
	return m.bytes()
}

// memPeak records the most memory the process used while it ran: the
// resident set's peak (on Linux, which can reset it), and the Go heap in
// use, sampled every millisecond.
type memPeak struct {
	rssReset   bool
	stop, done chan struct{}
	heap       uint64
}

// startMemPeak frees what the process no longer uses, resets the peak of
// its resident set and starts sampling the heap.
func startMemPeak() *memPeak {
	runtime.GC()
	debug.FreeOSMemory()
	p := &memPeak{stop: make(chan struct{}), done: make(chan struct{})}
	// Writing 5 resets VmHWM to the current resident set (Linux 4.0).
	p.rssReset = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
	go p.sample()
	return p
}

func (p *memPeak) sample() {
	defer close(p.done)
	samples := []metrics.Sample{
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/memory/classes/heap/unused:bytes"},
	}
	ticker := time.NewTicker(time.Millisecond)
	defer ticker.Stop()
	for {
		metrics.Read(samples)
		p.heap = max(p.heap, samples[0].Value.Uint64()+samples[1].Value.Uint64())
		select {
		case <-p.stop:
			return
		case <-ticker.C:
		}
	}
}

// report stops sampling and reports the peaks in MB (10^6 bytes):
// "peak-MB" the resident set, when it could be reset, and "peak-heap-MB"
// the Go heap in use.
func (p *memPeak) report(b *testing.B) {
	close(p.stop)
	<-p.done
	b.ReportMetric(float64(p.heap)/1e6, "peak-heap-MB")
	if !p.rssReset {
		return
	}
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return
	}
	for line := range strings.Lines(string(status)) {
		if kb, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			if n, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(kb), " kB"), 64); err == nil {
				b.ReportMetric(n*1024/1e6, "peak-MB")
			}
		}
	}
}
