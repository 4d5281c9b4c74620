package checklists

import (
	"context"
	"errors"
	"time"

	"github.com/acctsetup/acctsetup/checklists/audit"
)

// ErrUnavailable wraps errors from a store that cannot be reached (a locked
// or unreadable database file, a database server that does not answer), as
// opposed to a query that failed.
var ErrUnavailable = errors.New("state store unavailable")

// CheckRun is one saved readiness check, for "report" to compare against.
type CheckRun struct {
	ID     int64
	At     time.Time
	Actor  string
	Ready  bool
	Report []byte // the check's JSON output; holds no secrets
	// Head is the audit chain's head once the run was recorded: its own
	// check.run event. Runs saved before heads were kept have none.
	Head audit.Head
}

// AuditFilter selects audit events; zero fields select everything.
type AuditFilter struct {
	Provider string
	Since    time.Time
}

// Store persists checklist state. Every change is written in one
// transaction together with the audit event that describes it, so the
// trail never misses a change nor records one that did not happen.
// Implementations are safe for concurrent use, including by several
// processes sharing one database.
type Store interface {
	// Steps returns the step records of a provider and environment; empty
	// arguments select all.
	Steps(ctx context.Context, provider, env string) ([]StepRecord, error)
	// SaveStep writes r; a Todo record deletes the step's record.
	SaveStep(ctx context.Context, r StepRecord, ev audit.Event) error

	Answers(ctx context.Context, provider string) ([]Answer, error)
	SaveAnswer(ctx context.Context, a Answer, ev audit.Event) error

	// SignOffs returns sign-offs, newest first.
	SignOffs(ctx context.Context, provider, env string) ([]SignOff, error)
	SaveSignOff(ctx context.Context, s SignOff, ev audit.Event) error

	// Obligations returns the calendar obligations met; empty arguments
	// select all.
	Obligations(ctx context.Context, provider, env string) ([]ObligationRecord, error)
	// SaveObligation records that an obligation was met, replacing the
	// previous record.
	SaveObligation(ctx context.Context, r ObligationRecord, ev audit.Event) error

	// Secrets returns secret metadata of a provider ("" for all).
	Secrets(ctx context.Context, provider string) ([]SecretMeta, error)
	SaveSecret(ctx context.Context, m SecretMeta, ev audit.Event) error
	// DeleteSecret removes a secret's metadata, if there is any.
	DeleteSecret(ctx context.Context, provider, env, field string, ev audit.Event) error

	// SaveCheckRun stores the run with its audit event, and returns the
	// run with its ID and Head set.
	SaveCheckRun(ctx context.Context, run CheckRun, ev audit.Event) (CheckRun, error)
	// CheckRuns returns the saved runs since t, newest first.
	CheckRuns(ctx context.Context, since time.Time) ([]CheckRun, error)
	// LatestCheckRuns returns the newest n runs at or before t (zero: any),
	// newest first.
	LatestCheckRuns(ctx context.Context, before time.Time, n int) ([]CheckRun, error)

	// RecordMail records a provider e-mail and, in the same transaction,
	// the step records it brings (none for one that waits for review).
	// A message already recorded changes nothing and returns false: the
	// same message never counts twice.
	RecordMail(ctx context.Context, m MailMessage, steps []StepRecord, ev audit.Event) (bool, error)
	// Mail returns recorded messages with the status ("" for all), oldest first.
	Mail(ctx context.Context, status MailStatus) ([]MailMessage, error)
	// DecideMail records a person's decision on a message waiting for
	// review (MailAccepted or MailDismissed), with the step records an
	// acceptance brings.
	DecideMail(ctx context.Context, m MailMessage, steps []StepRecord, ev audit.Event) error
	// MailCheckpoints returns where the last scan of each folder stopped.
	MailCheckpoints(ctx context.Context) ([]MailCheckpoint, error)
	// SaveMailCheckpoint records where a scan of a folder stopped. It is
	// not audited: it records progress, not a change to any checklist.
	SaveMailCheckpoint(ctx context.Context, cp MailCheckpoint) error

	// Audit records an event that comes with no state change.
	Audit(ctx context.Context, ev audit.Event) error
	// AuditEvents returns events in sequence order.
	AuditEvents(ctx context.Context, f AuditFilter) ([]audit.Event, error)
	// AuditHead returns the recorded head of the chain.
	AuditHead(ctx context.Context) (audit.Head, error)

	Close() error
}
