package mailbox

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
)

// idleRestart is how long one IDLE lasts before Watch ends it and scans the
// folder again. RFC 9051 lets a server drop a client idle for 30 minutes, and
// some drop it after 10 (imapclient itself restarts IDLE only after 28); the
// rescan also catches mail from a server that failed to announce it.
const idleRestart = 9 * time.Minute

// Watcher scans folders as new mail arrives, until its context ends.
//
// It keeps one connection per folder, because IDLE watches only the selected
// folder (NOTIFY, which could watch several, is rare and not in go-imap). On
// a server that offers IDLE it waits in IDLE and scans when the server
// announces new messages, and at least every few minutes; elsewhere it scans
// at the poll interval (WithPollInterval). A dropped connection is dialled
// again after an exponential, jittered delay (1s doubling to 5 minutes), and
// the scan resumes from the last checkpoint, so no message is lost or
// handled twice.
//
// With OAuth 2.0 (Tokens), each connection logs in with a current access
// token, and ends when that token is due for renewal: the folder is dialled
// again at once with the next token, before the server would end the
// session itself (Exchange Online does when the token expires).
type Watcher struct {
	Config Config
	// Secret returns the password or access token. It is called before every
	// connection; an error stops Watch.
	Secret func(ctx context.Context) (string, error)
	// Tokens, if set, supplies OAuth 2.0 access tokens instead of Secret,
	// for Config.Auth = AuthXOAUTH2 (see DialOAuth). An error from it stops
	// Watch only if asking again cannot help (see TokenSource).
	Tokens TokenSource
	// Terms narrow the server-side search as in Client.Scan.
	Terms Terms
	// Handle is called once for each new message, in UID order within a
	// folder, never concurrently. An error stops Watch, which returns it
	// wrapped in a *HandlerError; the message is handled again by the next
	// scan or watch.
	Handle func(Message) error
	// Save, if set, is called with a folder's checkpoint after every scan that
	// moved it, never concurrently with itself or Handle. An error stops
	// Watch.
	Save func(Checkpoint) error
	// Options are passed to Dial and Client.Scan, and set the poll interval
	// and the event hook.
	Options []Option
}

// Watch watches every folder of w.Config, starting from the checkpoints
// given (a folder without one starts from its first message), and returns
// nil once ctx is cancelled. It returns early, with the error, only when
// retrying cannot help: a handler or Save error, refused credentials, an
// unusable configuration, a server certificate that does not verify, a
// server that will not start TLS, a folder that does not exist, or an error
// from Secret or a refusal from Tokens. Any other failure is retried.
func (w *Watcher) Watch(ctx context.Context, from []Checkpoint) error {
	cfg, err := w.Config.normalized()
	if err != nil {
		return err
	}
	if (w.Secret == nil && w.Tokens == nil) || w.Handle == nil {
		return fmt.Errorf("mailbox: watch %s: Secret or Tokens, and Handle, must be set: %w", cfg.addr(), ErrInvalidConfig)
	}
	if w.Tokens != nil && cfg.Auth != AuthXOAUTH2 {
		return fmt.Errorf("mailbox: watch %s: Tokens needs auth=%q, not %q: %w", cfg.addr(), AuthXOAUTH2, cfg.Auth, ErrInvalidConfig)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	r := &watchRun{w: w, cfg: cfg, opts: newOptions(w.Options)}
	errs := make(chan error, len(cfg.Folders))
	for _, folder := range cfg.Folders {
		cp := Checkpoint{Folder: folder}
		for _, c := range from {
			if c.Folder == folder {
				cp = c
			}
		}
		go func() {
			err := r.watchFolder(ctx, cp)
			if err != nil {
				cancel() // one folder's fatal error stops the others
			}
			errs <- err
		}()
	}
	var first error
	for range cfg.Folders {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}

// watchRun is one call of Watch.
type watchRun struct {
	w    *Watcher
	cfg  Config
	opts options
	mu   sync.Mutex // serializes Handle and Save across folders
}

// fatalError marks an error that retrying cannot fix.
type fatalError struct{ err error }

func (e *fatalError) Error() string { return e.err.Error() }
func (e *fatalError) Unwrap() error { return e.err }

// errRenew ends a session whose access token is due for renewal.
var errRenew = errors.New("the access token is due for renewal")

// fatal reports whether err is one Watch must not retry.
func fatal(err error) bool {
	var (
		fe      *fatalError
		herr    *HandlerError
		certErr *tls.CertificateVerificationError
		imapErr *imap.Error
	)
	switch {
	case errors.As(err, &fe), errors.As(err, &herr), errors.As(err, &certErr),
		errors.Is(err, ErrAuthFailed), errors.Is(err, ErrInvalidConfig), errors.Is(err, errNoStartTLS):
		return true
	case errors.As(err, &imapErr):
		return imapErr.Code == imap.ResponseCodeNonExistent
	}
	return false
}

// Event is one thing Watch did on a folder, for a log line or a health
// check: it prints as "INBOX: watching (idle)".
type Event struct {
	Folder string
	// State is the folder's state after the event, or "" for an event that
	// does not change it (a scan that fetched messages).
	State State
	Text  string
}

func (e Event) String() string { return e.Folder + ": " + e.Text }

// State is where Watch stands on one folder.
type State string

// Folder states.
const (
	StateConnected    State = "connected"    // logged in, catching up with a scan
	StateWatching     State = "watching"     // waiting in IDLE or between polls
	StateReconnecting State = "reconnecting" // waiting to dial again after a failure
	StateStopped      State = "stopped"      // done: cancelled, or given up
)

func (r *watchRun) event(folder string, state State, format string, args ...any) {
	if r.opts.event != nil {
		r.opts.event(Event{Folder: folder, State: state, Text: fmt.Sprintf(format, args...)})
	}
}

// watchFolder runs sessions on one folder until ctx ends or one fails for
// good, waiting between them with exponential backoff and jitter. The delay
// starts again from the minimum after a session that got as far as waiting
// for new mail.
func (r *watchRun) watchFolder(ctx context.Context, cp Checkpoint) error {
	delay := r.opts.backoffMin
	for {
		healthy, err := r.session(ctx, &cp)
		if ctx.Err() != nil {
			r.event(cp.Folder, StateStopped, "stopped")
			return nil
		}
		if errors.Is(err, errRenew) {
			r.event(cp.Folder, "", "renewing the session: %v", err)
			delay = r.opts.backoffMin
			continue
		}
		if fatal(err) {
			r.event(cp.Folder, StateStopped, "giving up: %v", err)
			return err
		}
		if healthy {
			delay = r.opts.backoffMin
		}
		// Equal jitter: between half the delay and the whole of it, so that
		// folders (and watchers) that lost the server together do not come
		// back in step.
		wait := delay/2 + rand.N(delay/2+1)
		r.event(cp.Folder, StateReconnecting, "reconnecting in %s: %v", wait.Round(time.Millisecond), err)
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			r.event(cp.Folder, StateStopped, "stopped")
			return nil
		case <-timer.C:
		}
		delay = min(delay*2, r.opts.backoffMax)
	}
}

// session dials, then scans and waits for new mail until the connection
// fails or ctx ends. healthy says it got as far as waiting.
func (r *watchRun) session(ctx context.Context, cp *Checkpoint) (healthy bool, err error) {
	addr := r.cfg.addr()
	c, renewAt, err := r.dial(ctx)
	if err != nil {
		return false, err
	}
	defer c.Close()
	r.event(cp.Folder, StateConnected, "connected to %s", addr)
	var renew <-chan time.Time // nil: the secret does not expire
	if !renewAt.IsZero() {
		timer := time.NewTimer(time.Until(renewAt))
		defer timer.Stop()
		renew = timer.C
	}

	idle := !r.opts.forcePoll && c.imap.Caps().Has(imap.CapIdle)
	for {
		// A report of new mail that arrives from here on is kept for the
		// wait below, so none is lost between the scan and the IDLE.
		select {
		case <-c.newMail:
		default:
		}
		next, stats, err := c.Scan(ctx, *cp, r.w.Terms, r.handle)
		if next != *cp {
			if serr := r.save(next); serr != nil {
				return healthy, &fatalError{fmt.Errorf("mailbox: save checkpoint for %s: %w", cp.Folder, serr)}
			}
			*cp = next
		}
		if stats.Messages > 0 {
			r.event(cp.Folder, "", "fetched %s (%d bytes)", plural(stats.Messages, "message"), stats.Bytes)
		}
		if err != nil {
			return healthy, err
		}
		// The first wait of a session says what it does, once it does it.
		announce := func() {
			if !healthy {
				healthy = true
				if idle {
					r.event(cp.Folder, StateWatching, "watching (idle)")
				} else {
					r.event(cp.Folder, StateWatching, "watching (polling every %s)", r.opts.pollInterval)
				}
			}
		}
		if idle {
			err = c.waitIdle(ctx, announce, renew)
		} else {
			announce()
			err = c.waitPoll(ctx, r.opts.pollInterval, renew)
		}
		if err != nil || ctx.Err() != nil {
			return healthy, err
		}
	}
}

// dial logs in with the secret or a current access token, and returns when
// that token is due for renewal (zero for a secret).
func (r *watchRun) dial(ctx context.Context) (*Client, time.Time, error) {
	if r.w.Tokens != nil {
		return dialOAuth(ctx, r.cfg, r.w.Tokens, r.opts)
	}
	secret, err := r.w.Secret(ctx)
	if err != nil {
		return nil, time.Time{}, &fatalError{fmt.Errorf("mailbox: secret for %s: %w", r.cfg.addr(), err)}
	}
	c, err := dial(ctx, r.cfg, secret, r.opts)
	return c, time.Time{}, err
}

func (r *watchRun) handle(m Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.w.Handle(m)
}

func (r *watchRun) save(cp Checkpoint) error {
	if r.w.Save == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.w.Save(cp)
}

// waitIdle sits in IDLE until the server reports new mail, idleRestart
// passes, ctx ends (which closes the connection), the connection drops or
// renew fires (then it returns errRenew). It calls started once the server
// has accepted the IDLE.
func (c *Client) waitIdle(ctx context.Context, started func(), renew <-chan time.Time) error {
	stop := context.AfterFunc(ctx, func() { c.imap.Close() })
	defer stop()
	idle, err := c.imap.Idle()
	if err != nil {
		return fmt.Errorf("mailbox: IDLE on %s: %w", c.addr, err)
	}
	started()
	timer := time.NewTimer(idleRestart)
	defer timer.Stop()
	var end error
	select {
	case <-c.newMail:
	case <-timer.C:
	case <-renew:
		end = errRenew
	case <-ctx.Done():
		<-c.imap.Closed() // closed by the AfterFunc above, which ends the IDLE too
		return nil
	case <-c.imap.Closed():
		return fmt.Errorf("mailbox: %s closed the connection", c.addr)
	}
	// IDLE must end before any other command is sent.
	if err := idle.Close(); err != nil {
		return fmt.Errorf("mailbox: end IDLE on %s: %w", c.addr, err)
	}
	if err := idle.Wait(); err != nil {
		return fmt.Errorf("mailbox: IDLE on %s: %w", c.addr, err)
	}
	return end
}

// waitPoll waits for the poll interval, ctx, the connection to drop, or
// renew (then it returns errRenew).
func (c *Client) waitPoll(ctx context.Context, interval time.Duration, renew <-chan time.Time) error {
	timer := time.NewTimer(interval)
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-renew:
		return errRenew
	case <-ctx.Done():
	case <-c.imap.Closed():
		return fmt.Errorf("mailbox: %s closed the connection", c.addr)
	}
	return nil
}

// plural is "1 message", "2 messages".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
