package sqlstore_test

import (
	"slices"
	"testing"
	"time"

	"github.com/acctsetup/acctsetup/checklists"
	"github.com/acctsetup/acctsetup/checklists/sqlstore"
)

func TestObligations(t *testing.T) {
	t.Parallel()
	s, _ := openStore(t)
	testObligations(t, s)
}

func TestPostgreSQLObligations(t *testing.T) {
	t.Parallel()
	testObligations(t, openPostgres(t, postgresSchema(t)))
}

// testObligations records obligations met, replaces one, and reads them
// back by provider and environment, each change audited.
func testObligations(t *testing.T, s *sqlstore.Store) {
	ctx := t.Context()
	review := checklists.ObligationRecord{Provider: "xero", Environment: "production", Obligation: "security-self-assessment",
		MetAt: t0, Evidence: "ticket 42", Note: "passed", Actor: "priya"}
	scopes := checklists.ObligationRecord{Provider: "xero", Environment: "sandbox", Obligation: "granular-scopes-migration",
		MetAt: t0, NextDue: t0.AddDate(1, 0, 0), Actor: "sam"}
	renewed := review
	renewed.MetAt, renewed.Evidence, renewed.Actor = t0.AddDate(1, 0, 0), "ticket 99", "sam"
	for i, r := range []checklists.ObligationRecord{review, scopes, renewed} {
		ev := event("calendar.done", r.Provider, r.Environment, r.Obligation, r.Evidence, r.MetAt)
		if err := s.SaveObligation(ctx, r, ev); err != nil {
			t.Fatalf("SaveObligation #%d: %v", i+1, err)
		}
	}
	verifyChain(t, s, 3)
	utc := func(r checklists.ObligationRecord) checklists.ObligationRecord {
		r.MetAt, r.NextDue = r.MetAt.UTC(), r.NextDue.UTC()
		if r.NextDue.Equal(time.Time{}.UTC()) {
			r.NextDue = time.Time{}
		}
		return r
	}
	for _, tc := range []struct {
		provider, env string
		want          []checklists.ObligationRecord
	}{
		{"", "", []checklists.ObligationRecord{utc(renewed), utc(scopes)}},
		{"xero", "production", []checklists.ObligationRecord{utc(renewed)}},
		{"xero", "sandbox", []checklists.ObligationRecord{utc(scopes)}},
		{"quickbooksonline", "", nil},
	} {
		got, err := s.Obligations(ctx, tc.provider, tc.env)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("Obligations(%q, %q) = %+v, %v; want %+v", tc.provider, tc.env, got, err, tc.want)
		}
	}
}
