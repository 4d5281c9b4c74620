// Package sqlstore implements checklists.Store on SQL databases: SQLite
// (modernc.org/sqlite, no cgo) as the embedded default, and PostgreSQL
// (jackc/pgx through database/sql) for teams that share state. One set of
// statements serves both: $n placeholders, TEXT times, no auto-increment,
// ON CONFLICT upserts.
//
// Writers serialise on the audit chain's head row: every change begins by
// locking it (UPDATE audit_head SET seq = seq), which in PostgreSQL holds a
// row lock until commit. SQLite runs in WAL mode with a busy timeout and
// takes its write lock when a transaction begins, so several processes can
// share one state file.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"modernc.org/sqlite"             // registers the "sqlite" driver
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/acctsetup/acctsetup/checklists"
	"github.com/acctsetup/acctsetup/checklists/audit"
)

// busyTimeout is how long a writer waits for another process's transaction;
// every acctsetup transaction is a handful of rows, so seconds are plenty.
const busyTimeout = 10 * time.Second

// Store is a checklists.Store on a SQL database.
type Store struct {
	db       *sql.DB
	postgres bool
}

var _ checklists.Store = (*Store)(nil)

// Open opens the store named by dsn and brings its schema up to date: a
// SQLite file ("sqlite://PATH" or a bare path), created if needed, or a
// PostgreSQL database ("postgres://user@host/db"). created reports whether
// a SQLite file was new.
func Open(ctx context.Context, dsn string) (s *Store, created bool, err error) {
	if isPostgres(dsn) {
		s, err := openPostgres(ctx, dsn)
		return s, false, err
	}
	path, err := sqlitePath(dsn)
	if err != nil {
		return nil, false, err
	}
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, false, fmt.Errorf("sqlstore: create state directory: %w: %w", checklists.ErrUnavailable, err)
		}
		// Create the file 0600 before SQLite does: SQLite gives the -wal and
		// -shm files the database's mode, and they hold recent changes.
		f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		switch {
		case err == nil:
			created = true
			f.Close()
		case !errors.Is(err, os.ErrExist): // another process just made it
			return nil, false, fmt.Errorf("sqlstore: create %s: %w: %w", path, checklists.ErrUnavailable, err)
		}
	}
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+escapePath(path)+"?"+q.Encode())
	if err != nil {
		return nil, false, fmt.Errorf("sqlstore: open %s: %w: %w", path, checklists.ErrUnavailable, err)
	}
	// Processes opening a new file at once race to switch it to WAL mode,
	// and SQLite reports that race as busy without waiting on the busy
	// timeout; waiting and trying again is SQLite's own advice.
	deadline := time.Now().Add(busyTimeout)
	for wait := 10 * time.Millisecond; ; wait = min(2*wait, 200*time.Millisecond) {
		s, err = OpenDB(ctx, db)
		if err == nil || !isBusy(err) || time.Now().After(deadline) {
			break
		}
		time.Sleep(wait)
	}
	if err != nil {
		db.Close()
		return nil, false, fmt.Errorf("sqlstore: %s: %w", path, err)
	}
	return s, created, nil
}

// openPostgres connects through pgx's database/sql driver.
func openPostgres(ctx context.Context, dsn string) (*Store, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: PostgreSQL: %w", err) // a malformed DSN; pgx's message names no password
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlstore: PostgreSQL: %w: %w", checklists.ErrUnavailable, err)
	}
	s, err := OpenDB(ctx, db)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlstore: PostgreSQL: %w", err)
	}
	return s, nil
}

// OpenDB wraps an open SQLite or PostgreSQL database and brings its schema
// up to date. The Store owns db from then on: Close closes it.
func OpenDB(ctx context.Context, db *sql.DB) (*Store, error) {
	_, isPgx := db.Driver().(*stdlib.Driver)
	s := &Store{db: db, postgres: isPgx}
	if err := s.migrate(ctx); err != nil {
		return nil, fmt.Errorf("%w: %w", checklists.ErrUnavailable, err)
	}
	return s, nil
}

func isPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// escapePath keeps SQLite from reading URI syntax in a file name: "?" and
// "#" would end the path and "%" would start an escape.
func escapePath(path string) string {
	return strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
}

// sqlitePath extracts the file path from a "sqlite://" DSN or a bare path.
func sqlitePath(dsn string) (string, error) {
	scheme, rest, found := strings.Cut(dsn, "://")
	switch {
	case !found:
		return dsn, nil
	case scheme == "sqlite":
		if rest == "" {
			return "", fmt.Errorf("sqlstore: %q names no file", dsn)
		}
		return rest, nil
	}
	return "", fmt.Errorf("sqlstore: unknown database %q: use sqlite://PATH or postgres://USER@HOST/DB", scheme+"://")
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// change runs fn and appends ev to the audit chain in one transaction.
func (s *Store) change(ctx context.Context, ev audit.Event, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlstore: begin: %w", unavailable(err))
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	// Lock the chain's head before anything else, so that concurrent
	// writers take turns and each sees the head the last one left.
	if _, err := tx.ExecContext(ctx, `UPDATE audit_head SET seq = seq WHERE id = 1`); err != nil {
		return fmt.Errorf("sqlstore: lock audit head: %w", unavailable(err))
	}
	if fn != nil {
		if err := fn(tx); err != nil {
			return err
		}
	}
	if err := appendEvent(ctx, tx, ev); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlstore: commit: %w", unavailable(err))
	}
	return nil
}

// unavailable marks errors that mean the database could not be had (another
// process held it past the busy timeout, or the caller gave up) as
// checklists.ErrUnavailable.
func unavailable(err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || isBusy(err) {
		return fmt.Errorf("%w: %w", checklists.ErrUnavailable, err)
	}
	return err
}

// isBusy reports whether SQLite said another connection holds the lock.
func isBusy(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && (se.Code()&0xff == sqlite3.SQLITE_BUSY || se.Code()&0xff == sqlite3.SQLITE_LOCKED)
}

func appendEvent(ctx context.Context, tx *sql.Tx, ev audit.Event) error {
	var head audit.Head
	if err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&head.Seq, &head.Hash); err != nil {
		return fmt.Errorf("sqlstore: read audit head: %w", err)
	}
	head = audit.Seal(&ev, head)
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_events
		(seq, at, actor, action, provider, environment, subject, detail, prev_hash, hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		ev.Seq, ev.At.Format(audit.TimeFormat), ev.Actor, ev.Action, ev.Provider, ev.Environment,
		ev.Subject, ev.Detail, ev.PrevHash, ev.Hash); err != nil {
		return fmt.Errorf("sqlstore: append audit event: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1`, head.Seq, head.Hash); err != nil {
		return fmt.Errorf("sqlstore: move audit head: %w", err)
	}
	return nil
}

// Audit records an event with no state change.
func (s *Store) Audit(ctx context.Context, ev audit.Event) error {
	return s.change(ctx, ev, nil)
}

// AuditHead returns the recorded head of the chain.
func (s *Store) AuditHead(ctx context.Context) (audit.Head, error) {
	var h audit.Head
	err := s.db.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&h.Seq, &h.Hash)
	if err != nil {
		return h, fmt.Errorf("sqlstore: read audit head: %w", err)
	}
	return h, nil
}

// AuditEvents returns events in sequence order.
func (s *Store) AuditEvents(ctx context.Context, f checklists.AuditFilter) ([]audit.Event, error) {
	query := `SELECT seq, at, actor, action, provider, environment, subject, detail, prev_hash, hash
		FROM audit_events WHERE ($1 = '' OR provider = $1) AND at >= $2 ORDER BY seq`
	rows, err := s.db.QueryContext(ctx, query, f.Provider, formatTime(f.Since))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: read audit events: %w", err)
	}
	return collect(rows, func(r *sql.Rows) (audit.Event, error) {
		var ev audit.Event
		var at string
		err := r.Scan(&ev.Seq, &at, &ev.Actor, &ev.Action, &ev.Provider, &ev.Environment, &ev.Subject, &ev.Detail, &ev.PrevHash, &ev.Hash)
		// An unreadable time is left zero rather than failing the read:
		// the event's hash then fails to verify, and audit verify names it.
		ev.At, _ = parseTime(at)
		return ev, err
	})
}

// collect scans every row with scan and closes rows.
func collect[T any](rows *sql.Rows, scan func(*sql.Rows) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: scan: %w", err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: read rows: %w", err)
	}
	return out, nil
}

// formatTime stores times as fixed-width UTC text, which sorts correctly
// and reads the same in SQLite and PostgreSQL. The zero time is "".
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(audit.TimeFormat)
}

func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.Parse(audit.TimeFormat, s)
}
