package agevault

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// Polling bounds for a contended lock. Polling (rather than a blocking
// flock) lets a waiter give up when its context is done; vault writes take
// milliseconds, so a short cap keeps waiters responsive.
const (
	lockPollMin = time.Millisecond
	lockPollMax = 20 * time.Millisecond
)

// lock takes a flock(2) on path, creating it with mode 0600 if needed; a
// symbolic link there is refused, never followed (see openFile). how
// is unix.LOCK_SH or unix.LOCK_EX. The returned func releases the lock.
func lock(ctx context.Context, path string, how int) (unlock func(), err error) {
	f, err := openFile("lock file", path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	fd := int(f.Fd())
	for delay := lockPollMin; ; delay = min(2*delay, lockPollMax) {
		err := unix.Flock(fd, how|unix.LOCK_NB)
		if err == nil {
			// Closing the file releases the lock.
			return func() { _ = f.Close() }, nil
		}
		if !errors.Is(err, unix.EWOULDBLOCK) && !errors.Is(err, unix.EINTR) {
			_ = f.Close()
			return nil, fmt.Errorf("agevault: lock %q: %w", path, err)
		}
		select {
		case <-ctx.Done():
			_ = f.Close()
			return nil, fmt.Errorf("agevault: waiting for lock %q: %w", path, ctx.Err())
		case <-time.After(delay):
		}
	}
}
