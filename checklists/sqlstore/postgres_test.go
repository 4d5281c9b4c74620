package sqlstore_test

import (
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/acctsetup/acctsetup/checklists"
	"github.com/acctsetup/acctsetup/checklists/audit"
	"github.com/acctsetup/acctsetup/checklists/sqlstore"
)

// postgresDSN returns the server the PostgreSQL tests use, or skips them;
// .ci/run starts one and sets ACCTSETUP_REQUIRE_TOOLS so they never skip.
func postgresDSN(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv("ACCTSETUP_TEST_POSTGRES_DSN")
	if dsn == "" {
		if os.Getenv("ACCTSETUP_REQUIRE_TOOLS") != "" {
			t.Fatal("ACCTSETUP_TEST_POSTGRES_DSN is not set, and ACCTSETUP_REQUIRE_TOOLS is")
		}
		t.Skip("no PostgreSQL: set ACCTSETUP_TEST_POSTGRES_DSN=postgres://USER:PASSWORD@127.0.0.1/DB (.ci/run starts one)")
	}
	return dsn
}

// postgresSchema makes an empty schema for one test and returns a DSN whose
// connections use it, so tests never see each other's tables.
func postgresSchema(t *testing.T) string {
	t.Helper()
	dsn := postgresDSN(t)
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	schema := fmt.Sprintf("acctsetup_test_%d", time.Now().UnixNano())
	if _, err := admin.ExecContext(t.Context(), "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() { admin.Exec("DROP SCHEMA " + schema + " CASCADE") })
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	return dsn + sep + "search_path=" + schema
}

func openPostgres(t *testing.T, dsn string) *sqlstore.Store {
	t.Helper()
	s, created, err := sqlstore.Open(t.Context(), dsn)
	if err != nil {
		t.Fatalf("Open(PostgreSQL) = %v", err)
	}
	if created {
		t.Error("Open(PostgreSQL) created = true; only SQLite files are created")
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestPostgreSQLRoundTrips runs every kind of record through PostgreSQL
// with the statements SQLite runs, and checks the audit chain.
func TestPostgreSQLRoundTrips(t *testing.T) {
	t.Parallel()
	s := openPostgres(t, postgresSchema(t))
	ctx := t.Context()

	done := stepRecord("xero", "production", "create-app", checklists.Done, t0.In(cet))
	done.Forced = true
	saveStep(t, s, done)
	saveStep(t, s, stepRecord("xero", "sandbox", "create-app", checklists.Blocked, t0.Add(time.Hour)))
	steps, err := s.Steps(ctx, "xero", "production")
	want := done
	want.At = want.At.UTC()
	if err != nil || len(steps) != 1 || steps[0] != want {
		t.Errorf("Steps(xero, production) = %+v, %v; want [%+v]", steps, err, want)
	}
	saveStep(t, s, stepRecord("xero", "production", "create-app", checklists.Todo, t0.Add(2*time.Hour)))
	if steps, _ := s.Steps(ctx, "", ""); len(steps) != 1 || steps[0].Environment != "sandbox" {
		t.Errorf("after Todo, Steps = %+v, want only the sandbox record", steps)
	}

	for i, text := range []string{"first", "second"} {
		a := checklists.Answer{Provider: "quickbooksonline", Question: "hosting", Text: text, Actor: "ana", At: t0.Add(time.Duration(i) * time.Minute)}
		if err := s.SaveAnswer(ctx, a, event("questionnaire.answer", a.Provider, "", a.Question, "", a.At)); err != nil {
			t.Fatal(err)
		}
	}
	if answers, err := s.Answers(ctx, "quickbooksonline"); err != nil || len(answers) != 1 || answers[0].Text != "second" {
		t.Errorf("Answers = %+v, %v; want the replaced answer", answers, err)
	}

	so := checklists.SignOff{Provider: "quickbooksonline", Environment: "production", Actor: "cleo", Note: "ok", At: t0.Add(time.Hour)}
	if err := s.SaveSignOff(ctx, so, event("questionnaire.signoff", so.Provider, so.Environment, "", "", so.At)); err != nil {
		t.Fatal(err)
	}
	if got, err := s.SignOffs(ctx, "quickbooksonline", "production"); err != nil || len(got) != 1 || got[0] != so {
		t.Errorf("SignOffs = %+v, %v; want [%+v]", got, err, so)
	}

	meta := checklists.SecretMeta{Provider: "businesscentral", Environment: "production", Field: "client_secret",
		Reference: "age://businesscentral/production/client_secret", SetAt: t0, SetBy: "ana", ExpiresAt: t0.AddDate(2, 0, 0)}
	if err := s.SaveSecret(ctx, meta, event("secret.set", meta.Provider, meta.Environment, meta.Field, "", t0)); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Secrets(ctx, ""); err != nil || len(got) != 1 || got[0] != meta {
		t.Errorf("Secrets = %+v, %v; want [%+v]", got, err, meta)
	}

	for i := range 2 {
		run := checklists.CheckRun{At: t0.Add(time.Duration(i) * time.Hour), Actor: "ci", Ready: i == 1, Report: []byte(`{"ready":false}`)}
		saved, err := s.SaveCheckRun(ctx, run, event("check.run", "", "", "", "", run.At))
		if err != nil || saved.ID != int64(i+1) {
			t.Errorf("SaveCheckRun #%d = %d, %v; want id %d", i+1, saved.ID, err, i+1)
		}
	}
	if runs, err := s.CheckRuns(ctx, t0.Add(30*time.Minute)); err != nil || len(runs) != 1 || !runs[0].Ready {
		t.Errorf("CheckRuns(since) = %+v, %v; want the newer, ready run", runs, err)
	}

	verifyChain(t, s, 9)
}

// TestPostgreSQLConcurrentWriters has several stores append at once: the
// head lock must make them take turns, with no duplicate sequence numbers,
// and the chain must verify. Opening them at once also races migrations.
func TestPostgreSQLConcurrentWriters(t *testing.T) {
	t.Parallel()
	dsn := postgresSchema(t)
	const writers, each = 4, 15
	stores := make([]*sqlstore.Store, writers)
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for i := range writers {
		wg.Go(func() {
			s, _, err := sqlstore.Open(t.Context(), dsn)
			if err != nil {
				errs <- fmt.Errorf("Open #%d: %w", i, err)
				return
			}
			stores[i] = s
		})
	}
	wg.Wait()
	for i := range writers {
		if stores[i] == nil {
			continue
		}
		defer stores[i].Close()
		wg.Go(func() {
			for n := range each {
				r := stepRecord("xero", "production", fmt.Sprintf("step-%d-%d", i, n), checklists.Done, t0)
				if err := stores[i].SaveStep(t.Context(), r, event("step.done", "xero", "production", r.Step, "", t0)); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if stores[0] != nil {
		verifyChain(t, stores[0], writers*each)
	}
}

// TestPostgreSQLTampering: a row changed behind acctsetup's back is named.
func TestPostgreSQLTampering(t *testing.T) {
	t.Parallel()
	dsn := postgresSchema(t)
	s := openPostgres(t, dsn)
	for i := range 3 {
		saveStep(t, s, stepRecord("xero", "sandbox", fmt.Sprintf("s%d", i), checklists.Done, t0))
	}
	raw, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.ExecContext(t.Context(), `UPDATE audit_events SET actor = 'mallory' WHERE seq = 2`); err != nil {
		t.Fatal(err)
	}
	events, head := chainOf(t, s)
	var ce *audit.ChainError
	if err := audit.Verify(events, head); !errors.As(err, &ce) || ce.Seq != 2 {
		t.Errorf("Verify = %v, want a ChainError for event 2", err)
	}
}
