package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/acctsetup/acctsetup/checklists"
	"github.com/acctsetup/acctsetup/checklists/audit"
	"github.com/acctsetup/acctsetup/checklists/sqlstore"
)

// t0 is a fixed instant with nanoseconds, so that round trips are exact.
var t0 = time.Date(2026, 3, 1, 9, 30, 0, 123456789, time.UTC)

// cet is a zone other than UTC: the store must keep the instant, in UTC.
var cet = time.FixedZone("CET", 3600)

// openStore opens a new store in a temporary directory.
func openStore(t *testing.T) (*sqlstore.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "state.db")
	s, created, err := sqlstore.Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open(%s) = %v", path, err)
	}
	if !created {
		t.Fatalf("Open(%s) created = false, want true", path)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close = %v", err)
		}
	})
	return s, path
}

// rawDB opens the store's file the way someone with the sqlite3 tool would:
// directly, without acctsetup.
func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func event(action, provider, env, subject, detail string, at time.Time) audit.Event {
	return audit.Event{At: at, Actor: "ana@example.com", Action: action, Provider: provider,
		Environment: env, Subject: subject, Detail: detail}
}

func stepRecord(provider, env, step string, status checklists.Status, at time.Time) checklists.StepRecord {
	return checklists.StepRecord{Provider: provider, Environment: env, Step: step, Status: status,
		Evidence: "TICKET-" + step, Note: "note for " + step, Actor: "ana@example.com", At: at}
}

func saveStep(t *testing.T, s *sqlstore.Store, r checklists.StepRecord) {
	t.Helper()
	ev := event("step."+string(r.Status), r.Provider, r.Environment, r.Step, r.Evidence, r.At)
	if err := s.SaveStep(t.Context(), r, ev); err != nil {
		t.Fatalf("SaveStep(%s/%s/%s) = %v", r.Provider, r.Environment, r.Step, err)
	}
}

// chainOf reads the whole audit chain and its head.
func chainOf(t *testing.T, s *sqlstore.Store) ([]audit.Event, audit.Head) {
	t.Helper()
	events, err := s.AuditEvents(t.Context(), checklists.AuditFilter{})
	if err != nil {
		t.Fatalf("AuditEvents = %v", err)
	}
	head, err := s.AuditHead(t.Context())
	if err != nil {
		t.Fatalf("AuditHead = %v", err)
	}
	return events, head
}

// verifyChain asserts that the chain holds n events and verifies.
func verifyChain(t *testing.T, s *sqlstore.Store, n int) []audit.Event {
	t.Helper()
	events, head := chainOf(t, s)
	if len(events) != n {
		t.Errorf("len(AuditEvents) = %d, want %d", len(events), n)
	}
	for i, ev := range events {
		if ev.Seq != int64(i+1) {
			t.Errorf("events[%d].Seq = %d, want %d", i, ev.Seq, i+1)
			break
		}
	}
	if head.Seq != int64(n) {
		t.Errorf("AuditHead().Seq = %d, want %d", head.Seq, n)
	}
	if err := audit.Verify(events, head); err != nil {
		t.Errorf("Verify = %v, want nil", err)
	}
	return events
}

func fileMode(t *testing.T, path string) os.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

func TestOpenCreatesAndReopens(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new", "state")
	path := filepath.Join(dir, "state.db")

	s, created, err := sqlstore.Open(t.Context(), "sqlite://"+path)
	if err != nil {
		t.Fatalf("first Open = %v", err)
	}
	if !created {
		t.Errorf("first Open created = false, want true")
	}
	if got := fileMode(t, path); got != 0o600 {
		t.Errorf("state file mode = %v, want 0600", got)
	}
	if got := fileMode(t, dir); got != 0o700 {
		t.Errorf("state directory mode = %v, want 0700", got)
	}
	saveStep(t, s, stepRecord("xero", "sandbox", "create-app", checklists.Done, t0))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, created, err = sqlstore.Open(t.Context(), path)
	if err != nil {
		t.Fatalf("second Open = %v", err)
	}
	defer s.Close()
	if created {
		t.Errorf("second Open created = true, want false")
	}
	recs, err := s.Steps(t.Context(), "", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs[0].Step != "create-app" {
		t.Errorf("Steps after reopening = %+v, want the create-app record", recs)
	}
	verifyChain(t, s, 1)
}

func TestMigrationsIdempotent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	type row struct {
		version   int
		appliedAt string
	}
	read := func() []row {
		t.Helper()
		rows, err := rawDB(t, path).QueryContext(t.Context(), `SELECT version, applied_at FROM schema_migrations ORDER BY version`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.version, &r.appliedAt); err != nil {
				t.Fatal(err)
			}
			out = append(out, r)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}

	var first []row
	for i := range 3 {
		s, _, err := sqlstore.Open(t.Context(), path)
		if err != nil {
			t.Fatalf("Open #%d = %v", i+1, err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		got := read()
		if len(got) == 0 {
			t.Fatalf("schema_migrations is empty after Open #%d", i+1)
		}
		for j, r := range got {
			if r.version != j+1 {
				t.Errorf("schema_migrations[%d].version = %d, want %d (one row per migration, in order)", j, r.version, j+1)
			}
			if _, err := time.Parse(audit.TimeFormat, r.appliedAt); err != nil {
				t.Errorf("schema_migrations[%d].applied_at = %q: %v", j, r.appliedAt, err)
			}
		}
		if i == 0 {
			first = got
		} else if !slices.Equal(got, first) {
			t.Errorf("schema_migrations after Open #%d = %v, want unchanged %v", i+1, got, first)
		}
	}

	var head int
	if err := rawDB(t, path).QueryRowContext(t.Context(), `SELECT COUNT(*) FROM audit_head`).Scan(&head); err != nil {
		t.Fatal(err)
	}
	if head != 1 {
		t.Errorf("audit_head rows = %d, want 1", head)
	}
}

func TestOpenDSN(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tests := []struct {
		name     string
		dsn      string
		wantFile string // for a DSN that opens
		wantErr  string
	}{
		{name: "sqlite URL", dsn: "sqlite://" + filepath.Join(dir, "url.db"), wantFile: filepath.Join(dir, "url.db")},
		{name: "bare path", dsn: filepath.Join(dir, "bare.db"), wantFile: filepath.Join(dir, "bare.db")},
		{name: "sqlite URL without a path", dsn: "sqlite://", wantErr: `sqlstore: "sqlite://" names no file`},
		{name: "mysql", dsn: "mysql://x", wantErr: `sqlstore: unknown database "mysql://": use sqlite://PATH or postgres://USER@HOST/DB`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, created, err := sqlstore.Open(t.Context(), tt.dsn)
			if tt.wantErr != "" {
				if err == nil {
					s.Close()
					t.Fatalf("Open(%q) = nil error, want %q", tt.dsn, tt.wantErr)
				}
				if err.Error() != tt.wantErr {
					t.Errorf("Open(%q) error = %q, want %q", tt.dsn, err.Error(), tt.wantErr)
				}
				// A DSN the store cannot use is a configuration error
				// (exit 2), not an unreachable backend (exit 3).
				if errors.Is(err, checklists.ErrUnavailable) {
					t.Errorf("Open(%q) error wraps ErrUnavailable, want a configuration error", tt.dsn)
				}
				return
			}
			if err != nil {
				t.Fatalf("Open(%q) = %v", tt.dsn, err)
			}
			defer s.Close()
			if !created {
				t.Errorf("Open(%q) created = false, want true", tt.dsn)
			}
			if _, err := os.Stat(tt.wantFile); err != nil {
				t.Errorf("Open(%q) did not create %s: %v", tt.dsn, tt.wantFile, err)
			}
		})
	}
}

// A PostgreSQL server that does not answer is an unreachable backend
// (exit 3). Port 1 on loopback is closed: nothing leaves the machine.
func TestOpenPostgresUnreachable(t *testing.T) {
	t.Parallel()
	for _, dsn := range []string{
		"postgres://acct:hunter2@127.0.0.1:1/acctsetup?connect_timeout=5",
		"postgresql://acct:hunter2@127.0.0.1:1/acctsetup?connect_timeout=5",
	} {
		s, _, err := sqlstore.Open(t.Context(), dsn)
		if err == nil {
			s.Close()
			t.Fatalf("Open(%q) = nil error, want one", dsn)
		}
		if !errors.Is(err, checklists.ErrUnavailable) {
			t.Errorf("Open(%q) error = %v, want one wrapping ErrUnavailable", dsn, err)
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("Open(%q) error %q shows the password", dsn, err)
		}
	}
}

func TestOpenUnusableFile(t *testing.T) {
	t.Parallel()
	notDB := filepath.Join(t.TempDir(), "notes.txt")
	content := []byte(strings.Repeat("these are not the tables you are looking for\n", 100))
	if err := os.WriteFile(notDB, content, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		path string
	}{
		{"a directory", t.TempDir()},
		{"not a database", notDB},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _, err := sqlstore.Open(t.Context(), tt.path)
			if err == nil {
				s.Close()
				t.Fatalf("Open(%s) = nil error, want one", tt.path)
			}
			if !errors.Is(err, checklists.ErrUnavailable) {
				t.Errorf("Open(%s) = %v, want it to wrap ErrUnavailable", tt.path, err)
			}
			if !strings.Contains(err.Error(), tt.path) {
				t.Errorf("Open(%s) = %q, want the error to name the file", tt.path, err)
			}
		})
	}
	got, err := os.ReadFile(notDB)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(content) {
		t.Errorf("Open changed a file that is not a database")
	}
}

func TestSteps(t *testing.T) {
	t.Parallel()
	s, path := openStore(t)
	ctx := t.Context()

	xs := stepRecord("xero", "sandbox", "create-app", checklists.Done, t0.In(cet))
	xs.Forced = true
	xp := stepRecord("xero", "production", "create-app", checklists.Blocked, t0.Add(time.Hour))
	xp.Note = "waiting for the partner manager"
	ms := stepRecord("myob", "sandbox", "register", checklists.Done, t0.Add(2*time.Hour))
	for _, r := range []checklists.StepRecord{xs, xp, ms} {
		saveStep(t, s, r)
	}
	utc := func(r checklists.StepRecord) checklists.StepRecord { r.At = r.At.UTC(); return r }

	tests := []struct {
		name          string
		provider, env string
		want          []checklists.StepRecord
	}{
		{"all", "", "", []checklists.StepRecord{utc(ms), utc(xp), utc(xs)}},
		{"provider", "xero", "", []checklists.StepRecord{utc(xp), utc(xs)}},
		{"environment", "", "sandbox", []checklists.StepRecord{utc(ms), utc(xs)}},
		{"provider and environment", "xero", "sandbox", []checklists.StepRecord{utc(xs)}},
		{"unknown provider", "sage", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Steps(ctx, tt.provider, tt.env)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Steps(%q, %q) =\n%+v\nwant\n%+v", tt.provider, tt.env, got, tt.want)
			}
		})
	}

	// Times are stored as fixed-width UTC text.
	var at string
	if err := rawDB(t, path).QueryRowContext(ctx, `SELECT at FROM steps WHERE provider = 'xero' AND environment = 'sandbox'`).Scan(&at); err != nil {
		t.Fatal(err)
	}
	if want := "2026-03-01T09:30:00.123456789Z"; at != want {
		t.Errorf("stored at = %q, want %q", at, want)
	}

	// Blocking a done step replaces its record.
	blocked := stepRecord("xero", "sandbox", "create-app", checklists.Blocked, t0.Add(3*time.Hour))
	saveStep(t, s, blocked)
	got, err := s.Steps(ctx, "xero", "sandbox")
	if err != nil {
		t.Fatal(err)
	}
	if want := []checklists.StepRecord{utc(blocked)}; !slices.Equal(got, want) {
		t.Errorf("Steps after blocking = %+v, want %+v", got, want)
	}

	// Todo deletes the record, and only that one.
	saveStep(t, s, checklists.StepRecord{Provider: "xero", Environment: "sandbox", Step: "create-app", Status: checklists.Todo, Actor: "ana@example.com", At: t0.Add(4 * time.Hour)})
	got, err = s.Steps(ctx, "xero", "")
	if err != nil {
		t.Fatal(err)
	}
	if want := []checklists.StepRecord{utc(xp)}; !slices.Equal(got, want) {
		t.Errorf("Steps after undo = %+v, want %+v", got, want)
	}
	verifyChain(t, s, 5)
}

func TestAnswers(t *testing.T) {
	t.Parallel()
	s, _ := openStore(t)
	ctx := t.Context()
	save := func(a checklists.Answer) {
		t.Helper()
		if err := s.SaveAnswer(ctx, a, event("questionnaire.answer", a.Provider, "", a.Question, a.Evidence, a.At)); err != nil {
			t.Fatalf("SaveAnswer(%s/%s) = %v", a.Provider, a.Question, err)
		}
	}
	a1 := checklists.Answer{Provider: "quickbooksonline", Question: "data-use", Text: "Lending decisions", Evidence: "DOC-1", Actor: "ana@example.com", At: t0}
	a2 := checklists.Answer{Provider: "quickbooksonline", Question: "app-name", Text: "Acme Lend", Actor: "ana@example.com", At: t0.Add(time.Minute)}
	b1 := checklists.Answer{Provider: "xero", Question: "data-use", Text: "Payments", Actor: "bo@example.com", At: t0.In(cet)}
	for _, a := range []checklists.Answer{a1, a2, b1} {
		save(a)
	}
	replaced := checklists.Answer{Provider: "quickbooksonline", Question: "data-use", Text: "Lending and payments", Evidence: "DOC-2", Actor: "bo@example.com", At: t0.Add(time.Hour)}
	save(replaced)
	b1.At = b1.At.UTC()

	tests := []struct {
		name     string
		provider string
		want     []checklists.Answer
	}{
		{"one provider, replaced answer", "quickbooksonline", []checklists.Answer{a2, replaced}},
		{"other provider", "xero", []checklists.Answer{b1}},
		{"all", "", []checklists.Answer{a2, replaced, b1}},
		{"none", "myob", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Answers(ctx, tt.provider)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Answers(%q) =\n%+v\nwant\n%+v", tt.provider, got, tt.want)
			}
		})
	}
	verifyChain(t, s, 4)
}

func TestSignOffs(t *testing.T) {
	t.Parallel()
	s, _ := openStore(t)
	ctx := t.Context()
	so := func(provider, env string, at time.Time) checklists.SignOff {
		return checklists.SignOff{Provider: provider, Environment: env, Actor: "cleo@example.com", Note: "reviewed " + env, At: at}
	}
	xp1 := so("xero", "production", t0)
	xs := so("xero", "sandbox", t0.Add(time.Hour))
	xp2 := so("xero", "production", t0.Add(2*time.Hour))
	mp := so("myob", "production", t0.Add(3*time.Hour))
	// Saved out of time order: the store, not the caller, orders them.
	for _, x := range []checklists.SignOff{xp2, mp, xp1, xs} {
		if err := s.SaveSignOff(ctx, x, event("questionnaire.signoff", x.Provider, x.Environment, "", x.Note, x.At)); err != nil {
			t.Fatalf("SaveSignOff = %v", err)
		}
	}
	tests := []struct {
		name          string
		provider, env string
		want          []checklists.SignOff
	}{
		{"all, newest first", "", "", []checklists.SignOff{mp, xp2, xs, xp1}},
		{"provider and environment", "xero", "production", []checklists.SignOff{xp2, xp1}},
		{"provider", "xero", "", []checklists.SignOff{xp2, xs, xp1}},
		{"environment", "", "production", []checklists.SignOff{mp, xp2, xp1}},
		{"none", "sage", "production", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.SignOffs(ctx, tt.provider, tt.env)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("SignOffs(%q, %q) =\n%+v\nwant\n%+v", tt.provider, tt.env, got, tt.want)
			}
		})
	}
	verifyChain(t, s, 4)
}

func TestSecrets(t *testing.T) {
	t.Parallel()
	s, path := openStore(t)
	ctx := t.Context()
	save := func(m checklists.SecretMeta) {
		t.Helper()
		if err := s.SaveSecret(ctx, m, event("secret.set", m.Provider, m.Environment, m.Field, "", m.SetAt)); err != nil {
			t.Fatalf("SaveSecret = %v", err)
		}
	}
	// Never rotated, no maximum age: the zero times must read back zero.
	plain := checklists.SecretMeta{Provider: "xero", Environment: "production", Field: "client_id",
		Reference: "age://xero/production/client_id", SetAt: t0, SetBy: "ana@example.com"}
	full := checklists.SecretMeta{Provider: "businesscentral", Environment: "production", Field: "client_secret",
		Reference: "op://Integrations/businesscentral-production/client_secret", SetAt: t0.In(cet), SetBy: "ana@example.com",
		RotatedAt: t0.Add(24 * time.Hour), RotatedBy: "bo@example.com", ExpiresAt: t0.AddDate(2, 0, 0)}
	sandbox := checklists.SecretMeta{Provider: "xero", Environment: "sandbox", Field: "client_id",
		Reference: "age://xero/sandbox/client_id", SetAt: t0, SetBy: "ana@example.com"}
	for _, m := range []checklists.SecretMeta{plain, full, sandbox} {
		save(m)
	}
	full.SetAt = full.SetAt.UTC()

	got, err := s.Secrets(ctx, "xero")
	if err != nil {
		t.Fatal(err)
	}
	if want := []checklists.SecretMeta{plain, sandbox}; !slices.Equal(got, want) {
		t.Errorf("Secrets(xero) =\n%+v\nwant\n%+v", got, want)
	}
	for _, m := range got {
		if !m.RotatedAt.IsZero() || !m.ExpiresAt.IsZero() {
			t.Errorf("%s/%s: RotatedAt, ExpiresAt = %v, %v; want zero times", m.Environment, m.Field, m.RotatedAt, m.ExpiresAt)
		}
	}
	var rotated, expires string
	if err := rawDB(t, path).QueryRowContext(ctx, `SELECT rotated_at, expires_at FROM secrets WHERE provider = 'xero' AND environment = 'production'`).Scan(&rotated, &expires); err != nil {
		t.Fatal(err)
	}
	if rotated != "" || expires != "" {
		t.Errorf("stored rotated_at, expires_at = %q, %q; want empty for zero times", rotated, expires)
	}

	// Rotation replaces the metadata.
	rotatedMeta := plain
	rotatedMeta.RotatedAt, rotatedMeta.RotatedBy = t0.Add(48*time.Hour), "bo@example.com"
	save(rotatedMeta)

	got, err = s.Secrets(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if want := []checklists.SecretMeta{full, rotatedMeta, sandbox}; !slices.Equal(got, want) {
		t.Errorf("Secrets(\"\") =\n%+v\nwant\n%+v", got, want)
	}

	// Removal deletes one secret's metadata, and is idempotent.
	for range 2 {
		if err := s.DeleteSecret(ctx, "xero", "production", "client_id", event("secret.rm", "xero", "production", "client_id", "", t0)); err != nil {
			t.Fatalf("DeleteSecret = %v", err)
		}
	}
	got, err = s.Secrets(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if want := []checklists.SecretMeta{full, sandbox}; !slices.Equal(got, want) {
		t.Errorf("Secrets(\"\") after DeleteSecret =\n%+v\nwant\n%+v", got, want)
	}
	verifyChain(t, s, 6)
}

func TestCheckRuns(t *testing.T) {
	t.Parallel()
	s, _ := openStore(t)
	ctx := t.Context()
	runs := []checklists.CheckRun{
		{At: t0, Actor: "ci", Ready: false, Report: []byte(`{"ready":false}`)},
		{At: t0.Add(7 * 24 * time.Hour), Actor: "ci", Ready: true, Report: []byte(`{"ready":true}`)},
		{At: t0.Add(14 * 24 * time.Hour).In(cet), Actor: "ana@example.com", Ready: true, Report: []byte(`{"ready":true,"results":[]}`)},
	}
	for i, run := range runs {
		saved, err := s.SaveCheckRun(ctx, run, event("check.run", "", "", "", "", run.At))
		if err != nil {
			t.Fatalf("SaveCheckRun #%d = %v", i+1, err)
		}
		if saved.ID != int64(i+1) {
			t.Errorf("SaveCheckRun #%d ID = %d, want %d", i+1, saved.ID, i+1)
		}
		// The run's head is the chain's head right after its own event.
		if head, err := s.AuditHead(ctx); err != nil || saved.Head != head {
			t.Errorf("SaveCheckRun #%d head %v, chain head %v (%v): want equal", i+1, saved.Head, head, err)
		}
		runs[i].ID, runs[i].Head = saved.ID, saved.Head
		runs[i].At = run.At.UTC()
	}
	tests := []struct {
		name  string
		since time.Time
		want  []checklists.CheckRun
	}{
		{"all, newest first", time.Time{}, []checklists.CheckRun{runs[2], runs[1], runs[0]}},
		{"since the second (inclusive)", runs[1].At, []checklists.CheckRun{runs[2], runs[1]}},
		{"since just after the second", runs[1].At.Add(time.Nanosecond), []checklists.CheckRun{runs[2]}},
		{"since, in another zone", runs[1].At.In(cet), []checklists.CheckRun{runs[2], runs[1]}},
		{"after all", runs[2].At.Add(time.Hour), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.CheckRuns(ctx, tt.since)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("CheckRuns(%v) returned %d runs, want %d: %+v", tt.since, len(got), len(tt.want), got)
			}
			for i := range got {
				g, w := got[i], tt.want[i]
				if g.ID != w.ID || !g.At.Equal(w.At) || g.Actor != w.Actor || g.Ready != w.Ready || string(g.Report) != string(w.Report) || g.Head != w.Head {
					t.Errorf("CheckRuns(%v)[%d] = {%d %v %s %v %s %v}, want {%d %v %s %v %s %v}", tt.since, i,
						g.ID, g.At, g.Actor, g.Ready, g.Report, g.Head, w.ID, w.At, w.Actor, w.Ready, w.Report, w.Head)
				}
			}
		})
	}
	verifyChain(t, s, 3)
}

// TestEverySaveAudits checks that each change appends exactly one event with
// the fields given, sealed onto the chain.
func TestEverySaveAudits(t *testing.T) {
	t.Parallel()
	s, _ := openStore(t)
	ctx := t.Context()
	tests := []struct {
		name string
		ev   audit.Event
		save func(ev audit.Event) error
	}{
		{
			name: "SaveStep done",
			ev:   event("step.done", "xero", "sandbox", "create-app", "TICKET-1", t0),
			save: func(ev audit.Event) error {
				return s.SaveStep(ctx, stepRecord("xero", "sandbox", "create-app", checklists.Done, t0), ev)
			},
		},
		{
			name: "SaveStep todo",
			ev:   event("step.undo", "xero", "sandbox", "create-app", "", t0.Add(time.Minute)),
			save: func(ev audit.Event) error {
				return s.SaveStep(ctx, checklists.StepRecord{Provider: "xero", Environment: "sandbox", Step: "create-app", Status: checklists.Todo}, ev)
			},
		},
		{
			name: "SaveAnswer",
			ev:   event("questionnaire.answer", "xero", "", "data-use", "DOC-1", t0.Add(2*time.Minute)),
			save: func(ev audit.Event) error {
				return s.SaveAnswer(ctx, checklists.Answer{Provider: "xero", Question: "data-use", Text: "Lending", At: ev.At}, ev)
			},
		},
		{
			name: "SaveSignOff",
			ev:   event("questionnaire.signoff", "xero", "production", "", "looks fine", t0.Add(3*time.Minute).In(cet)),
			save: func(ev audit.Event) error {
				return s.SaveSignOff(ctx, checklists.SignOff{Provider: "xero", Environment: "production", Actor: "cleo", At: ev.At}, ev)
			},
		},
		{
			name: "SaveSecret",
			ev:   event("secret.set", "xero", "production", "client_secret", "", t0.Add(4*time.Minute)),
			save: func(ev audit.Event) error {
				return s.SaveSecret(ctx, checklists.SecretMeta{Provider: "xero", Environment: "production", Field: "client_secret", Reference: "age://xero/production/client_secret", SetAt: ev.At}, ev)
			},
		},
		{
			name: "SaveCheckRun",
			ev:   event("check.run", "", "", "", "not ready", t0.Add(5*time.Minute)),
			save: func(ev audit.Event) error {
				_, err := s.SaveCheckRun(ctx, checklists.CheckRun{At: ev.At, Actor: "ci", Report: []byte("{}")}, ev)
				return err
			},
		},
		{
			name: "Audit",
			ev:   event("secret.reveal", "xero", "production", "client_secret", "", t0.Add(6*time.Minute)),
			save: func(ev audit.Event) error { return s.Audit(ctx, ev) },
		},
	}
	// Sequential: each case appends onto the chain the previous ones built.
	for i, tt := range tests {
		before, head := chainOf(t, s)
		if err := tt.save(tt.ev); err != nil {
			t.Fatalf("%s = %v", tt.name, err)
		}
		after, newHead := chainOf(t, s)
		if len(after) != len(before)+1 {
			t.Fatalf("%s: events %d -> %d, want exactly one more", tt.name, len(before), len(after))
		}
		got := after[len(after)-1]
		want := tt.ev
		want.Seq, want.At, want.PrevHash, want.Hash = int64(i+1), tt.ev.At.UTC(), head.Hash, got.Hash
		if got != want {
			t.Errorf("%s: event =\n%+v\nwant\n%+v", tt.name, got, want)
		}
		if newHead != (audit.Head{Seq: int64(i + 1), Hash: got.Hash}) {
			t.Errorf("%s: head = %+v, want {%d %s}", tt.name, newHead, i+1, got.Hash)
		}
		if err := audit.Verify(after, newHead); err != nil {
			t.Errorf("%s: Verify = %v", tt.name, err)
		}
	}
}

func TestAuditEventsFilter(t *testing.T) {
	t.Parallel()
	s, _ := openStore(t)
	ctx := t.Context()
	for i, p := range []string{"xero", "myob", "xero", "", "myob", "xero"} {
		if err := s.Audit(ctx, event("secret.reveal", p, "production", "client_id", "", t0.Add(time.Duration(i)*time.Hour))); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name    string
		filter  checklists.AuditFilter
		wantSeq []int64
	}{
		{"all", checklists.AuditFilter{}, []int64{1, 2, 3, 4, 5, 6}},
		{"provider", checklists.AuditFilter{Provider: "xero"}, []int64{1, 3, 6}},
		{"since (inclusive)", checklists.AuditFilter{Since: t0.Add(3 * time.Hour)}, []int64{4, 5, 6}},
		{"since, in another zone", checklists.AuditFilter{Since: t0.Add(3 * time.Hour).In(cet)}, []int64{4, 5, 6}},
		{"provider and since", checklists.AuditFilter{Provider: "myob", Since: t0.Add(2 * time.Hour)}, []int64{5}},
		{"none", checklists.AuditFilter{Provider: "sage"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events, err := s.AuditEvents(ctx, tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			var seqs []int64
			for _, ev := range events {
				seqs = append(seqs, ev.Seq)
			}
			if !slices.Equal(seqs, tt.wantSeq) {
				t.Errorf("AuditEvents(%+v) seqs = %v, want %v", tt.filter, seqs, tt.wantSeq)
			}
		})
	}
}

// TestFailedChangeLeavesNoEvent checks that a change and its audit event are
// one transaction: when either fails, neither is written.
func TestFailedChangeLeavesNoEvent(t *testing.T) {
	t.Parallel()
	signOff := checklists.SignOff{Provider: "xero", Environment: "production", Actor: "cleo", At: t0}
	tests := []struct {
		name string
		// setup prepares the store, which already holds one step record
		// and its event.
		setup func(t *testing.T, s *sqlstore.Store, path string)
		// change must fail.
		change func(ctx context.Context, s *sqlstore.Store) error
		// wantIs, when set, is an error the change's error must wrap.
		wantIs error
		// check inspects the state afterwards.
		check func(t *testing.T, s *sqlstore.Store)
	}{
		{
			name:   "context cancelled",
			wantIs: context.Canceled,
			change: func(ctx context.Context, s *sqlstore.Store) error {
				ctx, cancel := context.WithCancel(ctx)
				cancel()
				return s.SaveStep(ctx, stepRecord("xero", "sandbox", "store-keys", checklists.Done, t0), event("step.done", "xero", "sandbox", "store-keys", "", t0))
			},
			check: func(t *testing.T, s *sqlstore.Store) {
				recs, err := s.Steps(t.Context(), "xero", "sandbox")
				if err != nil {
					t.Fatal(err)
				}
				if len(recs) != 1 || recs[0].Step != "create-app" {
					t.Errorf("Steps = %+v, want only create-app", recs)
				}
			},
		},
		{
			name: "duplicate sign-off",
			setup: func(t *testing.T, s *sqlstore.Store, _ string) {
				if err := s.SaveSignOff(t.Context(), signOff, event("questionnaire.signoff", "xero", "production", "", "", t0)); err != nil {
					t.Fatal(err)
				}
			},
			change: func(ctx context.Context, s *sqlstore.Store) error {
				// Same provider, environment and time: the primary key refuses it.
				return s.SaveSignOff(ctx, signOff, event("questionnaire.signoff", "xero", "production", "", "again", t0))
			},
		},
		{
			name: "table gone",
			setup: func(t *testing.T, _ *sqlstore.Store, path string) {
				if _, err := rawDB(t, path).ExecContext(t.Context(), `DROP TABLE answers`); err != nil {
					t.Fatal(err)
				}
			},
			change: func(ctx context.Context, s *sqlstore.Store) error {
				return s.SaveAnswer(ctx, checklists.Answer{Provider: "xero", Question: "q", Text: "a", At: t0}, event("questionnaire.answer", "xero", "", "q", "", t0))
			},
		},
		{
			name: "audit event cannot be written",
			setup: func(t *testing.T, _ *sqlstore.Store, path string) {
				// Someone inserted the next event by hand; appending the
				// real one collides with it.
				if _, err := rawDB(t, path).ExecContext(t.Context(), `INSERT INTO audit_events
					(seq, at, actor, action, provider, environment, subject, detail, prev_hash, hash)
					SELECT seq + 1, at, actor, action, provider, environment, subject, detail, hash, 'x' FROM audit_events WHERE seq = 1`); err != nil {
					t.Fatal(err)
				}
			},
			change: func(ctx context.Context, s *sqlstore.Store) error {
				return s.SaveStep(ctx, stepRecord("xero", "sandbox", "store-keys", checklists.Done, t0), event("step.done", "xero", "sandbox", "store-keys", "", t0))
			},
			check: func(t *testing.T, s *sqlstore.Store) {
				recs, err := s.Steps(t.Context(), "xero", "sandbox")
				if err != nil {
					t.Fatal(err)
				}
				if len(recs) != 1 || recs[0].Step != "create-app" {
					t.Errorf("Steps = %+v, want only create-app: the step was saved without its audit event", recs)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, path := openStore(t)
			saveStep(t, s, stepRecord("xero", "sandbox", "create-app", checklists.Done, t0))
			if tt.setup != nil {
				tt.setup(t, s, path)
			}
			before, head := chainOf(t, s)
			err := tt.change(t.Context(), s)
			if err == nil {
				t.Fatal("change = nil error, want it to fail")
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("change = %v, want it to wrap %v", err, tt.wantIs)
			}
			after, newHead := chainOf(t, s)
			if newHead != head {
				t.Errorf("head moved from %+v to %+v after a failed change", head, newHead)
			}
			if !slices.Equal(after, before) {
				t.Errorf("audit events after a failed change =\n%+v\nwant unchanged\n%+v", after, before)
			}
			if tt.check != nil {
				tt.check(t, s)
			}
		})
	}
}

// TestTamperingDetected changes the file behind acctsetup's back, as someone
// with the sqlite3 tool would, and checks that Verify names the event.
func TestTamperingDetected(t *testing.T) {
	t.Parallel()
	const n = 5
	tests := []struct {
		name       string
		sql        string
		args       []any
		wantSeq    int64
		wantReason string
	}{
		{
			name:    "detail updated",
			sql:     `UPDATE audit_events SET detail = 'forged evidence' WHERE seq = 3`,
			wantSeq: 3, wantReason: "its content does not match its hash (changed)",
		},
		{
			name:    "actor updated",
			sql:     `UPDATE audit_events SET actor = 'mallory@example.com' WHERE seq = 1`,
			wantSeq: 1, wantReason: "its content does not match its hash (changed)",
		},
		{
			name:    "at updated to an unparsable string",
			sql:     `UPDATE audit_events SET at = 'yesterday' WHERE seq = 2`,
			wantSeq: 2, wantReason: "its content does not match its hash (changed)",
		},
		{
			name:    "at moved by a second",
			sql:     `UPDATE audit_events SET at = '2026-03-01T09:30:01.123456789Z' WHERE seq = 1`,
			wantSeq: 1, wantReason: "its content does not match its hash (changed)",
		},
		{
			name:    "middle event deleted",
			sql:     `DELETE FROM audit_events WHERE seq = 3`,
			wantSeq: 3, wantReason: "it is missing (deleted)",
		},
		{
			name:    "last event deleted",
			sql:     `DELETE FROM audit_events WHERE seq = 5`,
			wantSeq: 5, wantReason: "it is missing (deleted from the end)",
		},
		{
			name:    "all events deleted",
			sql:     `DELETE FROM audit_events`,
			wantSeq: 1, wantReason: "it is missing (deleted from the end)",
		},
		{
			name:    "head hash updated",
			sql:     `UPDATE audit_head SET hash = (SELECT hash FROM audit_events WHERE seq = 4)`,
			wantSeq: 5, wantReason: "it does not match the recorded head of the chain (changed)",
		},
		{
			name:    "head seq moved back",
			sql:     `UPDATE audit_head SET seq = 4`,
			wantSeq: 5, wantReason: "it was added outside acctsetup",
		},
		{
			name:    "head seq moved forward",
			sql:     `UPDATE audit_head SET seq = 6`,
			wantSeq: 6, wantReason: "it is missing (deleted from the end)",
		},
		{
			name: "event appended without moving the head",
			sql: `INSERT INTO audit_events (seq, at, actor, action, provider, environment, subject, detail, prev_hash, hash)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			args:    nil, // filled in below from a correctly sealed event
			wantSeq: 6, wantReason: "it was added outside acctsetup",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, path := openStore(t)
			for i := range n {
				saveStep(t, s, stepRecord("xero", "sandbox", fmt.Sprintf("step-%d", i+1), checklists.Done, t0.Add(time.Duration(i)*time.Minute)))
			}
			events, head := chainOf(t, s)
			if err := audit.Verify(events, head); err != nil {
				t.Fatalf("Verify before tampering = %v", err)
			}
			args := tt.args
			if strings.HasPrefix(tt.sql, "INSERT") {
				ev := event("step.done", "xero", "sandbox", "step-6", "", t0.Add(time.Hour))
				audit.Seal(&ev, head)
				args = []any{ev.Seq, ev.At.Format(audit.TimeFormat), ev.Actor, ev.Action, ev.Provider, ev.Environment, ev.Subject, ev.Detail, ev.PrevHash, ev.Hash}
			}
			res, err := rawDB(t, path).ExecContext(t.Context(), tt.sql, args...)
			if err != nil {
				t.Fatalf("tamper: %v", err)
			}
			if n, err := res.RowsAffected(); err != nil || n == 0 {
				t.Fatalf("tamper changed %d rows (%v), want some", n, err)
			}

			events, head = chainOf(t, s)
			err = audit.Verify(events, head)
			var ce *audit.ChainError
			if !errors.As(err, &ce) {
				t.Fatalf("Verify after tampering = %v, want *audit.ChainError", err)
			}
			if ce.Seq != tt.wantSeq || ce.Reason != tt.wantReason {
				t.Errorf("ChainError = {%d %q}, want {%d %q}", ce.Seq, ce.Reason, tt.wantSeq, tt.wantReason)
			}
		})
	}
}

// TestTamperingResealed recomputes the changed event's hash too: the next
// event's link gives it away.
func TestTamperingResealed(t *testing.T) {
	t.Parallel()
	s, path := openStore(t)
	for i := range 4 {
		saveStep(t, s, stepRecord("xero", "sandbox", fmt.Sprintf("step-%d", i+1), checklists.Done, t0))
	}
	events, _ := chainOf(t, s)
	forged := events[1]
	forged.Detail = "forged"
	audit.Seal(&forged, audit.Head{Seq: forged.Seq - 1, Hash: forged.PrevHash})
	if _, err := rawDB(t, path).ExecContext(t.Context(), `UPDATE audit_events SET detail = $1, hash = $2 WHERE seq = 2`, forged.Detail, forged.Hash); err != nil {
		t.Fatal(err)
	}
	events, head := chainOf(t, s)
	var ce *audit.ChainError
	if err := audit.Verify(events, head); !errors.As(err, &ce) || ce.Seq != 3 {
		t.Errorf("Verify = %v, want a ChainError for event 3", err)
	}
}
