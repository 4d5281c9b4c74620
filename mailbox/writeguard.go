package mailbox

import (
	"net"
	"sync/atomic"
)

// writeGuard is the connection imapclient writes to. imapclient
// (v2.0.0-beta.8) handles a failed write by completing every pending
// command from the writing goroutine, closing their channels while its
// reader goroutine may still be delivering FETCH data to one of them: a
// data race, and a "send on closed channel" panic when the close comes
// first. A scan has searches and fetches in flight while it reads, so a
// connection that drops mid-scan can fail a write at any moment.
//
// writeGuard makes a failed write wait until the reader has stopped: it
// closes the connection, which ends the reader's next read, and waits for
// the client's Closed channel before returning the error. imapclient then
// completes the pending commands with no reader left to race with.
type writeGuard struct {
	net.Conn
	readerDone atomic.Pointer[<-chan struct{}] // the client's Closed, once it has one
}

// guardWrites returns conn wrapped; call watch once the client exists.
func guardWrites(conn net.Conn) *writeGuard { return &writeGuard{Conn: conn} }

// watch gives the guard the client's Closed channel.
func (g *writeGuard) watch(closed <-chan struct{}) { g.readerDone.Store(&closed) }

func (g *writeGuard) Write(p []byte) (int, error) {
	n, err := g.Conn.Write(p)
	if err != nil {
		if done := g.readerDone.Load(); done != nil {
			g.Conn.Close()
			<-*done
		}
	}
	return n, err
}
