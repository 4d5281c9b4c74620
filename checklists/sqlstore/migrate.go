package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// migrations are applied in order, each once, each in its own transaction.
// Never edit a released migration: append a new one.
var migrations = []string{
	1: `
CREATE TABLE steps (
	provider    TEXT NOT NULL,
	environment TEXT NOT NULL,
	step        TEXT NOT NULL,
	status      TEXT NOT NULL,
	evidence    TEXT NOT NULL,
	note        TEXT NOT NULL,
	actor       TEXT NOT NULL,
	at          TEXT NOT NULL,
	forced      INTEGER NOT NULL,
	PRIMARY KEY (provider, environment, step)
);
CREATE TABLE answers (
	provider TEXT NOT NULL,
	question TEXT NOT NULL,
	text     TEXT NOT NULL,
	evidence TEXT NOT NULL,
	actor    TEXT NOT NULL,
	at       TEXT NOT NULL,
	PRIMARY KEY (provider, question)
);
CREATE TABLE signoffs (
	provider    TEXT NOT NULL,
	environment TEXT NOT NULL,
	actor       TEXT NOT NULL,
	note        TEXT NOT NULL,
	at          TEXT NOT NULL,
	PRIMARY KEY (provider, environment, at)
);
CREATE TABLE secrets (
	provider    TEXT NOT NULL,
	environment TEXT NOT NULL,
	field       TEXT NOT NULL,
	reference   TEXT NOT NULL,
	set_at      TEXT NOT NULL,
	set_by      TEXT NOT NULL,
	rotated_at  TEXT NOT NULL,
	rotated_by  TEXT NOT NULL,
	expires_at  TEXT NOT NULL,
	PRIMARY KEY (provider, environment, field)
);
CREATE TABLE check_runs (
	id     BIGINT PRIMARY KEY,
	at     TEXT NOT NULL,
	actor  TEXT NOT NULL,
	ready  INTEGER NOT NULL,
	report TEXT NOT NULL
);
CREATE TABLE audit_events (
	seq         BIGINT PRIMARY KEY,
	at          TEXT NOT NULL,
	actor       TEXT NOT NULL,
	action      TEXT NOT NULL,
	provider    TEXT NOT NULL,
	environment TEXT NOT NULL,
	subject     TEXT NOT NULL,
	detail      TEXT NOT NULL,
	prev_hash   TEXT NOT NULL,
	hash        TEXT NOT NULL
);
CREATE INDEX audit_events_provider ON audit_events (provider, seq);
CREATE TABLE audit_head (
	id   INTEGER PRIMARY KEY CHECK (id = 1),
	seq  BIGINT NOT NULL,
	hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');
`,
	2: `
CREATE TABLE mail_messages (
	message_id TEXT PRIMARY KEY,
	folder     TEXT NOT NULL,
	sender     TEXT NOT NULL,
	subject    TEXT NOT NULL,
	sent_at    TEXT NOT NULL,
	provider   TEXT NOT NULL,
	signal     TEXT NOT NULL,
	event      TEXT NOT NULL,
	step       TEXT NOT NULL,
	status     TEXT NOT NULL,
	reason     TEXT NOT NULL,
	seen_at    TEXT NOT NULL,
	actor      TEXT NOT NULL,
	decided_at TEXT NOT NULL
);
CREATE INDEX mail_messages_status ON mail_messages (status, seen_at);
CREATE TABLE mail_checkpoints (
	folder       TEXT PRIMARY KEY,
	uid_validity BIGINT NOT NULL,
	last_uid     BIGINT NOT NULL
);
`,
	3: `
CREATE TABLE obligations (
	provider    TEXT NOT NULL,
	environment TEXT NOT NULL,
	obligation  TEXT NOT NULL,
	met_at      TEXT NOT NULL,
	next_due    TEXT NOT NULL,
	evidence    TEXT NOT NULL,
	note        TEXT NOT NULL,
	actor       TEXT NOT NULL,
	PRIMARY KEY (provider, environment, obligation)
);
`,
	4: `
ALTER TABLE check_runs ADD COLUMN head_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE check_runs ADD COLUMN head_hash TEXT NOT NULL DEFAULT '';
`,
}

// migrate applies the migrations the database lacks, each in a transaction
// that first takes the database's write lock (SQLite) or an advisory lock
// (PostgreSQL): two processes starting at once take turns, and the second
// finds the work done.
func (s *Store) migrate(ctx context.Context) error {
	if !s.postgres {
		// SQLite: outside a transaction, as the first statement a new
		// connection runs (PostgreSQL creates it under its lock in apply).
		if err := createMigrationsTable(ctx, s.db); err != nil {
			return err
		}
	}
	for version := 1; version < len(migrations); version++ {
		if err := s.apply(ctx, version); err != nil {
			return fmt.Errorf("migration %d: %w", version, err)
		}
	}
	return nil
}

func (s *Store) apply(ctx context.Context, version int) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	if s.postgres {
		// PostgreSQL lets two transactions read "not applied" at once, and
		// even races CREATE TABLE IF NOT EXISTS; an advisory lock makes the
		// second wait and then find the work done. (SQLite's immediate
		// transactions already serialise this.)
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7400101)`); err != nil {
			return err
		}
		if err := createMigrationsTable(ctx, tx); err != nil {
			return err
		}
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = $1`, version).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, migrations[version]); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)`,
		version, formatTime(time.Now())); err != nil {
		return err
	}
	return tx.Commit()
}

func createMigrationsTable(ctx context.Context, db interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		applied_at TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	return nil
}
