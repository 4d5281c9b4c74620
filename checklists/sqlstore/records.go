package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/acctsetup/acctsetup/checklists"
	"github.com/acctsetup/acctsetup/checklists/audit"
)

// Steps returns step records; empty provider or env select all.
func (s *Store) Steps(ctx context.Context, provider, env string) ([]checklists.StepRecord, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT provider, environment, step, status, evidence, note, actor, at, forced
		FROM steps WHERE ($1 = '' OR provider = $1) AND ($2 = '' OR environment = $2)
		ORDER BY provider, environment, step`, provider, env)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: read steps: %w", err)
	}
	return collect(rows, func(r *sql.Rows) (checklists.StepRecord, error) {
		var rec checklists.StepRecord
		var at string
		var forced int
		err := r.Scan(&rec.Provider, &rec.Environment, &rec.Step, &rec.Status, &rec.Evidence, &rec.Note, &rec.Actor, &at, &forced)
		rec.Forced = forced != 0
		return rec, firstErr(err, parseInto(&rec.At, at))
	})
}

// SaveStep writes r, or deletes the step's record when r.Status is Todo.
func (s *Store) SaveStep(ctx context.Context, r checklists.StepRecord, ev audit.Event) error {
	return s.change(ctx, ev, func(tx *sql.Tx) error { return writeStep(ctx, tx, r) })
}

func writeStep(ctx context.Context, tx *sql.Tx, r checklists.StepRecord) error {
	var err error
	if r.Status == checklists.Todo {
		_, err = tx.ExecContext(ctx, `DELETE FROM steps WHERE provider = $1 AND environment = $2 AND step = $3`,
			r.Provider, r.Environment, r.Step)
	} else {
		_, err = tx.ExecContext(ctx, `INSERT INTO steps (provider, environment, step, status, evidence, note, actor, at, forced)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
			ON CONFLICT (provider, environment, step) DO UPDATE SET status = excluded.status,
			evidence = excluded.evidence, note = excluded.note, actor = excluded.actor, at = excluded.at, forced = excluded.forced`,
			r.Provider, r.Environment, r.Step, string(r.Status), r.Evidence, r.Note, r.Actor, formatTime(r.At), boolInt(r.Forced))
	}
	if err != nil {
		return fmt.Errorf("sqlstore: save step %s/%s/%s: %w", r.Provider, r.Environment, r.Step, err)
	}
	return nil
}

// Answers returns a provider's questionnaire answers.
func (s *Store) Answers(ctx context.Context, provider string) ([]checklists.Answer, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT provider, question, text, evidence, actor, at
		FROM answers WHERE ($1 = '' OR provider = $1) ORDER BY provider, question`, provider)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: read answers: %w", err)
	}
	return collect(rows, func(r *sql.Rows) (checklists.Answer, error) {
		var a checklists.Answer
		var at string
		err := r.Scan(&a.Provider, &a.Question, &a.Text, &a.Evidence, &a.Actor, &at)
		return a, firstErr(err, parseInto(&a.At, at))
	})
}

// SaveAnswer writes or replaces an answer.
func (s *Store) SaveAnswer(ctx context.Context, a checklists.Answer, ev audit.Event) error {
	return s.change(ctx, ev, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO answers (provider, question, text, evidence, actor, at)
			VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (provider, question) DO UPDATE SET text = excluded.text, evidence = excluded.evidence,
			actor = excluded.actor, at = excluded.at`,
			a.Provider, a.Question, a.Text, a.Evidence, a.Actor, formatTime(a.At))
		if err != nil {
			return fmt.Errorf("sqlstore: save answer %s/%s: %w", a.Provider, a.Question, err)
		}
		return nil
	})
}

// SignOffs returns sign-offs, newest first.
func (s *Store) SignOffs(ctx context.Context, provider, env string) ([]checklists.SignOff, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT provider, environment, actor, note, at FROM signoffs
		WHERE ($1 = '' OR provider = $1) AND ($2 = '' OR environment = $2) ORDER BY at DESC`, provider, env)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: read sign-offs: %w", err)
	}
	return collect(rows, func(r *sql.Rows) (checklists.SignOff, error) {
		var so checklists.SignOff
		var at string
		err := r.Scan(&so.Provider, &so.Environment, &so.Actor, &so.Note, &at)
		return so, firstErr(err, parseInto(&so.At, at))
	})
}

// SaveSignOff records a sign-off.
func (s *Store) SaveSignOff(ctx context.Context, so checklists.SignOff, ev audit.Event) error {
	return s.change(ctx, ev, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO signoffs (provider, environment, actor, note, at) VALUES ($1, $2, $3, $4, $5)`,
			so.Provider, so.Environment, so.Actor, so.Note, formatTime(so.At))
		if err != nil {
			return fmt.Errorf("sqlstore: save sign-off %s/%s: %w", so.Provider, so.Environment, err)
		}
		return nil
	})
}

// Obligations returns the calendar obligations met; empty provider or env
// select all.
func (s *Store) Obligations(ctx context.Context, provider, env string) ([]checklists.ObligationRecord, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT provider, environment, obligation, met_at, next_due, evidence, note, actor
		FROM obligations WHERE ($1 = '' OR provider = $1) AND ($2 = '' OR environment = $2)
		ORDER BY provider, environment, obligation`, provider, env)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: read obligations: %w", err)
	}
	return collect(rows, func(r *sql.Rows) (checklists.ObligationRecord, error) {
		var o checklists.ObligationRecord
		var metAt, nextDue string
		err := r.Scan(&o.Provider, &o.Environment, &o.Obligation, &metAt, &nextDue, &o.Evidence, &o.Note, &o.Actor)
		return o, firstErr(err, parseInto(&o.MetAt, metAt), parseInto(&o.NextDue, nextDue))
	})
}

// SaveObligation records that an obligation was met.
func (s *Store) SaveObligation(ctx context.Context, o checklists.ObligationRecord, ev audit.Event) error {
	return s.change(ctx, ev, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO obligations (provider, environment, obligation, met_at, next_due, evidence, note, actor)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
			ON CONFLICT (provider, environment, obligation) DO UPDATE SET met_at = excluded.met_at,
			next_due = excluded.next_due, evidence = excluded.evidence, note = excluded.note, actor = excluded.actor`,
			o.Provider, o.Environment, o.Obligation, formatTime(o.MetAt), formatTime(o.NextDue), o.Evidence, o.Note, o.Actor)
		if err != nil {
			return fmt.Errorf("sqlstore: save obligation %s/%s/%s: %w", o.Provider, o.Environment, o.Obligation, err)
		}
		return nil
	})
}

// Secrets returns secret metadata.
func (s *Store) Secrets(ctx context.Context, provider string) ([]checklists.SecretMeta, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT provider, environment, field, reference, set_at, set_by, rotated_at, rotated_by, expires_at
		FROM secrets WHERE ($1 = '' OR provider = $1) ORDER BY provider, environment, field`, provider)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: read secrets: %w", err)
	}
	return collect(rows, func(r *sql.Rows) (checklists.SecretMeta, error) {
		var m checklists.SecretMeta
		var setAt, rotatedAt, expiresAt string
		err := r.Scan(&m.Provider, &m.Environment, &m.Field, &m.Reference, &setAt, &m.SetBy, &rotatedAt, &m.RotatedBy, &expiresAt)
		return m, firstErr(err, parseInto(&m.SetAt, setAt), parseInto(&m.RotatedAt, rotatedAt), parseInto(&m.ExpiresAt, expiresAt))
	})
}

// SaveSecret writes or replaces secret metadata.
func (s *Store) SaveSecret(ctx context.Context, m checklists.SecretMeta, ev audit.Event) error {
	return s.change(ctx, ev, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO secrets (provider, environment, field, reference, set_at, set_by, rotated_at, rotated_by, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
			ON CONFLICT (provider, environment, field) DO UPDATE SET reference = excluded.reference,
			set_at = excluded.set_at, set_by = excluded.set_by, rotated_at = excluded.rotated_at,
			rotated_by = excluded.rotated_by, expires_at = excluded.expires_at`,
			m.Provider, m.Environment, m.Field, m.Reference, formatTime(m.SetAt), m.SetBy,
			formatTime(m.RotatedAt), m.RotatedBy, formatTime(m.ExpiresAt))
		if err != nil {
			return fmt.Errorf("sqlstore: save secret metadata %s/%s/%s: %w", m.Provider, m.Environment, m.Field, err)
		}
		return nil
	})
}

// DeleteSecret removes a secret's metadata; metadata that is not there is
// not an error, so a half-finished removal can be run again.
func (s *Store) DeleteSecret(ctx context.Context, provider, env, field string, ev audit.Event) error {
	return s.change(ctx, ev, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM secrets WHERE provider = $1 AND environment = $2 AND field = $3`, provider, env, field)
		if err != nil {
			return fmt.Errorf("sqlstore: delete secret metadata %s/%s/%s: %w", provider, env, field, err)
		}
		return nil
	})
}

// SaveCheckRun stores a check run and returns it with its ID and the audit
// head its event makes.
func (s *Store) SaveCheckRun(ctx context.Context, run checklists.CheckRun, ev audit.Event) (checklists.CheckRun, error) {
	err := s.change(ctx, ev, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) + 1 FROM check_runs`).Scan(&run.ID); err != nil {
			return fmt.Errorf("sqlstore: number check run: %w", err)
		}
		// The head is locked by change: the run's event will seal onto it,
		// exactly as sealing a copy here does.
		var head audit.Head
		if err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&head.Seq, &head.Hash); err != nil {
			return fmt.Errorf("sqlstore: read audit head: %w", err)
		}
		sealed := ev
		run.Head = audit.Seal(&sealed, head)
		_, err := tx.ExecContext(ctx, `INSERT INTO check_runs (id, at, actor, ready, report, head_seq, head_hash) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			run.ID, formatTime(run.At), run.Actor, boolInt(run.Ready), string(run.Report), run.Head.Seq, run.Head.Hash)
		if err != nil {
			return fmt.Errorf("sqlstore: save check run: %w", err)
		}
		return nil
	})
	if err != nil {
		return checklists.CheckRun{}, err
	}
	return run, nil
}

// CheckRuns returns runs since t, newest first.
func (s *Store) CheckRuns(ctx context.Context, since time.Time) ([]checklists.CheckRun, error) {
	return s.checkRuns(ctx, `WHERE at >= $1 ORDER BY id DESC`, formatTime(since))
}

// LatestCheckRuns returns the newest n runs at or before t (zero: any),
// newest first.
func (s *Store) LatestCheckRuns(ctx context.Context, before time.Time, n int) ([]checklists.CheckRun, error) {
	return s.checkRuns(ctx, `WHERE ($1 = '' OR at <= $1) ORDER BY id DESC LIMIT $2`, formatTime(before), n)
}

func (s *Store) checkRuns(ctx context.Context, where string, args ...any) ([]checklists.CheckRun, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, at, actor, ready, report, head_seq, head_hash FROM check_runs `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: read check runs: %w", err)
	}
	return collect(rows, func(r *sql.Rows) (checklists.CheckRun, error) {
		var run checklists.CheckRun
		var at, report string
		var ready int
		err := r.Scan(&run.ID, &at, &run.Actor, &ready, &report, &run.Head.Seq, &run.Head.Hash)
		run.Ready, run.Report = ready != 0, []byte(report)
		return run, firstErr(err, parseInto(&run.At, at))
	})
}

func parseInto(t *time.Time, s string) error {
	v, err := parseTime(s)
	*t = v
	return err
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
