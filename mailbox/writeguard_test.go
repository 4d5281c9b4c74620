package mailbox

import (
	"errors"
	"io"
	"net"
	"testing"
	"time"
)

// TestWriteGuard: a write that fails closes the connection and returns
// only once the reader has stopped; a write before the guard knows the
// reader, or one that succeeds, returns at once.
func TestWriteGuard(t *testing.T) {
	t.Parallel()
	ours, theirs := net.Pipe()
	g := guardWrites(ours)
	go io.Copy(io.Discard, theirs)
	if _, err := g.Write([]byte("a1 NOOP\r\n")); err != nil {
		t.Fatalf("Write on a working connection: %v", err)
	}

	readerDone := make(chan struct{})
	g.watch(readerDone)
	theirs.Close() // the connection drops
	returned := make(chan error, 1)
	go func() {
		_, err := g.Write([]byte("a2 UID FETCH 1:* (UID)\r\n"))
		returned <- err
	}()
	select {
	case err := <-returned:
		t.Fatalf("failed Write returned (%v) while the reader was still running", err)
	case <-time.After(100 * time.Millisecond):
	}
	if _, err := ours.Read(make([]byte, 1)); !errors.Is(err, io.ErrClosedPipe) {
		t.Errorf("after a failed write, reading the connection gives %v, want it closed", err)
	}
	close(readerDone)
	select {
	case err := <-returned:
		if err == nil {
			t.Error("failed Write returned no error")
		}
	case <-time.After(guard):
		t.Fatal("failed Write did not return once the reader stopped")
	}
}
