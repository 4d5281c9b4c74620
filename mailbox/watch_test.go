package mailbox

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// runningWatch is a Watcher running in the background with everything it
// reports recorded.
type runningWatch struct {
	handled chan Message
	events  chan string
	done    chan error
	cancel  context.CancelFunc

	concurrent, maxConcurrent atomic.Int32 // calls of Handle running at once

	mu    sync.Mutex
	saved []Checkpoint
}

// fastRetry makes reconnections quick, so tests need not wait seconds.
func fastRetry(o *options) {
	o.backoffMin, o.backoffMax = 10*time.Millisecond, 100*time.Millisecond
}

func forcePoll(o *options) { o.forcePoll = true }

// startWatch runs a Watcher on srv's INBOX from cp; t's end cancels it.
func startWatch(t *testing.T, srv testServer, cp Checkpoint, opts ...Option) *runningWatch {
	t.Helper()
	return startWatchFolders(t, srv, []string{"INBOX"}, []Checkpoint{cp}, opts...)
}

// startWatchFolders runs a Watcher on folders; t's end cancels it.
func startWatchFolders(t *testing.T, srv testServer, folders []string, from []Checkpoint, opts ...Option) *runningWatch {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	rw := &runningWatch{
		handled: make(chan Message, 100),
		events:  make(chan string, 1000),
		done:    make(chan error, 1),
		cancel:  cancel,
	}
	cfg := srv.config()
	cfg.Folders = folders
	w := &Watcher{
		Config: cfg,
		Secret: func(context.Context) (string, error) { return srv.password(), nil },
		Handle: func(m Message) error {
			n := rw.concurrent.Add(1)
			defer rw.concurrent.Add(-1)
			for { // record the highest concurrency seen
				if old := rw.maxConcurrent.Load(); n <= old || rw.maxConcurrent.CompareAndSwap(old, n) {
					break
				}
			}
			rw.handled <- m
			return nil
		},
		Save: func(cp Checkpoint) error {
			rw.mu.Lock()
			rw.saved = append(rw.saved, cp)
			rw.mu.Unlock()
			return nil
		},
		Options: append([]Option{fastRetry, WithEvents(func(e Event) {
			select {
			case rw.events <- e.String():
			default: // a test that stopped reading events must not stall the watcher
			}
		})}, opts...),
	}
	go func() { rw.done <- w.Watch(ctx, from) }()
	t.Cleanup(func() {
		cancel()
		<-rw.done
	})
	return rw
}

// waitEvent waits for an event line containing want.
func (rw *runningWatch) waitEvent(t *testing.T, want string) {
	t.Helper()
	timer := time.NewTimer(guard)
	defer timer.Stop()
	for {
		select {
		case line := <-rw.events:
			if strings.Contains(line, want) {
				return
			}
		case err := <-rw.done:
			t.Fatalf("Watch returned %v while waiting for an event %q", err, want)
		case <-timer.C:
			t.Fatalf("no event %q within %s", want, guard)
		}
	}
}

// expect waits for the next handled message and fails unless its subject is
// want.
func (rw *runningWatch) expect(t *testing.T, want string) {
	t.Helper()
	if got := rw.waitHandled(t); got != want {
		t.Fatalf("handled %q, want %q", got, want)
	}
}

// stopQuiet is stop, failing if anything more was handled.
func (rw *runningWatch) stopQuiet(t *testing.T) {
	t.Helper()
	if rest := rw.stop(t); len(rest) != 0 {
		t.Errorf("handled %q more, want nothing", rest)
	}
}

// waitHandled waits for the next handled message and returns its subject.
func (rw *runningWatch) waitHandled(t *testing.T) string {
	t.Helper()
	select {
	case m := <-rw.handled:
		return m.Subject
	case err := <-rw.done:
		t.Fatalf("Watch returned %v while waiting for a message", err)
	case <-time.After(guard):
		t.Fatalf("no message handled within %s", guard)
	}
	return ""
}

// stop cancels the watch, checks that it returns nil, and returns what it
// handled that the test had not taken yet.
func (rw *runningWatch) stop(t *testing.T) []string {
	t.Helper()
	rw.cancel()
	select {
	case err := <-rw.done:
		if err != nil {
			t.Errorf("Watch returned %v after cancel, want nil", err)
		}
		rw.done <- err // for the cleanup
	case <-time.After(guard):
		t.Fatalf("Watch did not return within %s of cancel", guard)
	}
	var rest []string
	for {
		select {
		case m := <-rw.handled:
			rest = append(rest, m.Subject)
		default:
			return rest
		}
	}
}

func (rw *runningWatch) lastSaved() Checkpoint {
	rw.mu.Lock()
	defer rw.mu.Unlock()
	if len(rw.saved) == 0 {
		return Checkpoint{}
	}
	return rw.saved[len(rw.saved)-1]
}

// TestWatchIdle checks that a message delivered while the watcher sits in
// IDLE is handled, after the ones already there.
func TestWatchIdle(t *testing.T) {
	t.Parallel()
	forEachServer(t, func(t *testing.T, srv testServer) {
		srv.deliver(t, email("noreply@xero.com", "before"))
		rw := startWatch(t, srv, Checkpoint{Folder: "INBOX"})
		rw.expect(t, "before")
		rw.waitEvent(t, "INBOX: watching (idle)")
		srv.deliver(t, email("noreply@xero.com", "while idle"))
		rw.expect(t, "while idle")
		rw.stopQuiet(t)
		if cp := rw.lastSaved(); cp.LastUID < 2 || cp.Folder != "INBOX" {
			t.Errorf("last saved checkpoint %+v, want INBOX past two messages", cp)
		}
	})
}

// TestWatchFolders checks that every folder is watched, each on its own
// connection, and that Handle is never called concurrently.
func TestWatchFolders(t *testing.T) {
	t.Parallel()
	forEachServer(t, func(t *testing.T, srv testServer) {
		srv.createFolder(t, "Approvals")
		rw := startWatchFolders(t, srv, []string{"INBOX", "Approvals"}, nil)
		rw.waitEvent(t, "watching (idle)")
		rw.waitEvent(t, "watching (idle)")
		srv.deliverTo(t, "Approvals", email("noreply@xero.com", "filed"))
		srv.deliver(t, email("noreply@xero.com", "inbox"))
		got := []string{rw.waitHandled(t), rw.waitHandled(t)}
		slices.Sort(got)
		if want := []string{"filed", "inbox"}; !slices.Equal(got, want) {
			t.Errorf("handled %q, want %q", got, want)
		}
		rw.stopQuiet(t)
		if n := rw.maxConcurrent.Load(); n != 1 {
			t.Errorf("Handle ran %d at a time, want 1", n)
		}
	})
}

// TestWatchPoll checks the polling fallback for servers without IDLE.
func TestWatchPoll(t *testing.T) {
	t.Parallel()
	forEachServer(t, func(t *testing.T, srv testServer) {
		rw := startWatch(t, srv, Checkpoint{Folder: "INBOX"}, forcePoll, WithPollInterval(20*time.Millisecond))
		rw.waitEvent(t, "INBOX: watching (polling every 20ms)")
		srv.deliver(t, email("noreply@xero.com", "polled"))
		rw.expect(t, "polled")
		rw.stopQuiet(t)
	})
}

// TestWatchSurvivesRestart stops the server under a watcher, delivers a
// message while it is down, and starts it again on the same port: the
// watcher must reconnect and handle that message and the next one, each
// exactly once.
func TestWatchSurvivesRestart(t *testing.T) {
	t.Parallel()
	forEachServer(t, func(t *testing.T, srv testServer) {
		srv.deliver(t, email("noreply@xero.com", "first"))
		rw := startWatch(t, srv, Checkpoint{Folder: "INBOX"})
		got := []string{rw.waitHandled(t)}
		rw.waitEvent(t, "INBOX: watching (idle)")

		srv.stop(t)
		rw.waitEvent(t, "INBOX: reconnecting in ")
		srv.deliver(t, email("noreply@xero.com", "while down"))
		srv.start(t)
		got = append(got, rw.waitHandled(t))
		rw.waitEvent(t, "INBOX: watching (idle)")

		srv.deliver(t, email("noreply@xero.com", "after restart"))
		got = append(got, rw.waitHandled(t))
		got = append(got, rw.stop(t)...)
		if want := []string{"first", "while down", "after restart"}; !slices.Equal(got, want) {
			t.Errorf("handled %q, want %q: each exactly once", got, want)
		}
	})
}

// TestWatchResumesFromCheckpoint checks that a watcher started from a saved
// checkpoint handles only what came after it.
func TestWatchResumesFromCheckpoint(t *testing.T) {
	t.Parallel()
	srv := newMemServer(t, memOptions{})
	srv.deliver(t, email("noreply@xero.com", "old"))
	cp, _, _ := scanAll(t, dialServer(t, srv), Checkpoint{Folder: "INBOX"})
	srv.deliver(t, email("noreply@xero.com", "new"))
	rw := startWatch(t, srv, cp)
	rw.expect(t, "new")
	rw.waitEvent(t, "INBOX: watching (idle)")
	rw.stopQuiet(t)
}

// TestWatchCancel checks that cancelling the context ends Watch with nil,
// whether it is in IDLE or waiting to reconnect.
func TestWatchCancel(t *testing.T) {
	t.Parallel()
	t.Run("idle", func(t *testing.T) {
		t.Parallel()
		srv := newMemServer(t, memOptions{})
		rw := startWatch(t, srv, Checkpoint{Folder: "INBOX"})
		rw.waitEvent(t, "INBOX: watching (idle)")
		rw.stop(t)
	})
	t.Run("reconnecting", func(t *testing.T) {
		t.Parallel()
		srv := newMemServer(t, memOptions{})
		srv.stop(t)
		rw := startWatch(t, srv, Checkpoint{Folder: "INBOX"})
		rw.waitEvent(t, "INBOX: reconnecting in ")
		rw.stop(t)
	})
}

// TestWatchFatal checks the errors Watch does not retry.
func TestWatchFatal(t *testing.T) {
	t.Parallel()
	srv := newMemServer(t, memOptions{})
	srv.deliver(t, email("noreply@xero.com", "refused"))
	refuse := errors.New("disk full")
	tests := []struct {
		name   string
		change func(w *Watcher)
		want   func(error) bool
	}{
		{"wrong password", func(w *Watcher) {
			w.Secret = func(context.Context) (string, error) { return "wrong", nil }
		}, func(err error) bool { return errors.Is(err, ErrAuthFailed) }},
		{"secret", func(w *Watcher) {
			w.Secret = func(context.Context) (string, error) { return "", refuse }
		}, func(err error) bool { return errors.Is(err, refuse) }},
		{"handler", func(w *Watcher) {
			w.Handle = func(Message) error { return refuse }
		}, func(err error) bool { var h *HandlerError; return errors.As(err, &h) && errors.Is(err, refuse) }},
		{"save", func(w *Watcher) {
			w.Save = func(Checkpoint) error { return refuse }
		}, func(err error) bool { return errors.Is(err, refuse) }},
		{"no such folder", func(w *Watcher) {
			w.Config.Folders = []string{"INBOX", "Approvals"}
		}, func(err error) bool { return err != nil && strings.Contains(err.Error(), "scan Approvals") }},
		{"no handler", func(w *Watcher) {
			w.Handle = nil
		}, func(err error) bool { return errors.Is(err, ErrInvalidConfig) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := &Watcher{
				Config:  srv.config(),
				Secret:  func(context.Context) (string, error) { return memPassword, nil },
				Handle:  func(Message) error { return nil },
				Options: []Option{fastRetry},
			}
			tt.change(w)
			done := make(chan error, 1)
			go func() { done <- w.Watch(context.Background(), nil) }()
			select {
			case err := <-done:
				if !tt.want(err) {
					t.Errorf("Watch = %v, not the error expected", err)
				}
			case <-time.After(guard):
				t.Fatalf("Watch did not give up within %s", guard)
			}
		})
	}
}
