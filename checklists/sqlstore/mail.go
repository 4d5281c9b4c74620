package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/acctsetup/acctsetup/checklists"
	"github.com/acctsetup/acctsetup/checklists/audit"
)

// errRecorded stops a transaction whose message was recorded before.
var errRecorded = errors.New("sqlstore: message already recorded")

// RecordMail records a message and its step records, once per Message-ID.
func (s *Store) RecordMail(ctx context.Context, m checklists.MailMessage, steps []checklists.StepRecord, ev audit.Event) (bool, error) {
	err := s.change(ctx, ev, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO mail_messages (message_id, folder, sender, subject, sent_at, provider,
			signal, event, step, status, reason, seen_at, actor, decided_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) ON CONFLICT (message_id) DO NOTHING`,
			m.MessageID, m.Folder, m.From, m.Subject, formatTime(m.Date), m.Provider, m.Signal, m.Event, m.Step,
			string(m.Status), m.Reason, formatTime(m.SeenAt), m.Actor, formatTime(m.DecidedAt))
		if err != nil {
			return fmt.Errorf("sqlstore: record message %s: %w", m.MessageID, err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return errRecorded // rolls back: no steps, no audit event
		}
		return writeSteps(ctx, tx, steps)
	})
	if errors.Is(err, errRecorded) {
		return false, nil
	}
	return err == nil, err
}

func writeSteps(ctx context.Context, tx *sql.Tx, steps []checklists.StepRecord) error {
	for _, r := range steps {
		if err := writeStep(ctx, tx, r); err != nil {
			return err
		}
	}
	return nil
}

// Mail returns recorded messages with the status, oldest first.
func (s *Store) Mail(ctx context.Context, status checklists.MailStatus) ([]checklists.MailMessage, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT message_id, folder, sender, subject, sent_at, provider, signal, event, step,
		status, reason, seen_at, actor, decided_at FROM mail_messages WHERE ($1 = '' OR status = $1)
		ORDER BY seen_at, message_id`, string(status))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: read messages: %w", err)
	}
	return collect(rows, func(r *sql.Rows) (checklists.MailMessage, error) {
		var m checklists.MailMessage
		var sent, seen, decided string
		err := r.Scan(&m.MessageID, &m.Folder, &m.From, &m.Subject, &sent, &m.Provider, &m.Signal, &m.Event, &m.Step,
			&m.Status, &m.Reason, &seen, &m.Actor, &decided)
		return m, firstErr(err, parseInto(&m.Date, sent), parseInto(&m.SeenAt, seen), parseInto(&m.DecidedAt, decided))
	})
}

// DecideMail records a person's decision on a message under review.
func (s *Store) DecideMail(ctx context.Context, m checklists.MailMessage, steps []checklists.StepRecord, ev audit.Event) error {
	return s.change(ctx, ev, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE mail_messages SET status = $1, step = $2, actor = $3, decided_at = $4
			WHERE message_id = $5 AND status = $6`,
			string(m.Status), m.Step, m.Actor, formatTime(m.DecidedAt), m.MessageID, string(checklists.MailReview))
		if err != nil {
			return fmt.Errorf("sqlstore: decide message %s: %w", m.MessageID, err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return fmt.Errorf("sqlstore: message %s is not waiting for review", m.MessageID)
		}
		return writeSteps(ctx, tx, steps)
	})
}

// MailCheckpoints returns where the last scan of each folder stopped.
func (s *Store) MailCheckpoints(ctx context.Context) ([]checklists.MailCheckpoint, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT folder, uid_validity, last_uid FROM mail_checkpoints ORDER BY folder`)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: read mail checkpoints: %w", err)
	}
	return collect(rows, func(r *sql.Rows) (checklists.MailCheckpoint, error) {
		var cp checklists.MailCheckpoint
		var validity, last int64
		err := r.Scan(&cp.Folder, &validity, &last)
		cp.UIDValidity, cp.LastUID = uint32(validity), uint32(last)
		return cp, err
	})
}

// SaveMailCheckpoint records where a scan of a folder stopped.
func (s *Store) SaveMailCheckpoint(ctx context.Context, cp checklists.MailCheckpoint) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO mail_checkpoints (folder, uid_validity, last_uid) VALUES ($1, $2, $3)
		ON CONFLICT (folder) DO UPDATE SET uid_validity = excluded.uid_validity, last_uid = excluded.last_uid`,
		cp.Folder, int64(cp.UIDValidity), int64(cp.LastUID))
	if err != nil {
		return fmt.Errorf("sqlstore: save mail checkpoint of %s: %w", cp.Folder, unavailable(err))
	}
	return nil
}
