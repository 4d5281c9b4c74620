package readiness_test

import (
	"slices"
	"testing"
	"time"

	"github.com/acctsetup/acctsetup/checklists"
	"github.com/acctsetup/acctsetup/checklists/readiness"
	"github.com/acctsetup/acctsetup/providers"
)

// calendarTOML has a step to start a clock, an unverified step, and one
// obligation of each shape: a one-off deadline, a yearly one after a step,
// and a quarterly one from a first date, warned 10 days ahead.
const calendarTOML = `
id = "cal"
name = "Calendar Books"
portal_url = "https://developer.cal.example"

[[environments]]
name = "production"

[[steps]]
id = "certify"
title = "Pass certification"
kind = "approval"
instructions = "Wait for the e-mail."
source = "https://developer.cal.example/certification"

[[steps]]
id = "sign-agreement"
title = "Sign the partner agreement"
kind = "agreement"
instructions = "Sign it."
source = "unverified"
source_note = "the portal shows the agreement only to partners"

[[calendar]]
id = "migrate-scopes"
title = "Move to the new scopes"
instructions = "Migrate."
due = "2026-06-21"
source = "https://developer.cal.example/scopes"

[[calendar]]
id = "security-review"
title = "Annual security review"
instructions = "Fill it in."
every = "12mo"
after = "certify"
source = "https://developer.cal.example/security"

[[calendar]]
id = "tier-review"
title = "Review the tier's connection cap"
instructions = "Count connections."
every = "3mo"
due = "2026-05-01"
warn = "10d"
source = "https://developer.cal.example/pricing"
`

func TestCalendarFindings(t *testing.T) {
	t.Parallel()
	p, err := providers.Decode("cal.toml", []byte(calendarTOML))
	if err != nil {
		t.Fatal(err)
	}
	// now is 2026-06-01 12:00 UTC.
	certified := checklists.StepRecord{Step: "certify", Status: checklists.Done, Actor: "priya", At: time.Date(2025, 6, 15, 9, 0, 0, 0, time.UTC)}
	met := func(id string, at time.Time, next time.Time) checklists.ObligationRecord {
		return checklists.ObligationRecord{Provider: "cal", Environment: "production", Obligation: id, MetAt: at, NextDue: next, Actor: "priya"}
	}
	const fixPrefix = "acctsetup calendar done cal "
	tests := []struct {
		name        string
		records     map[string]checklists.StepRecord
		obligations map[string]checklists.ObligationRecord
		want        []readiness.Finding // calendar findings only
	}{
		{
			name: "deadline 20 days ahead warns; tier review past its first date fails; yearly review waits for its step",
			want: []readiness.Finding{
				{ID: "cal/production/calendar-due/migrate-scopes", Severity: readiness.Warn,
					Message: "Move to the new scopes (migrate-scopes) is due on 2026-06-21, in 20 days",
					Fix:     fixPrefix + "migrate-scopes --env production --evidence REF"},
				{ID: "cal/production/calendar-overdue/tier-review", Severity: readiness.Error,
					Message: "Review the tier's connection cap (tier-review) was due on 2026-05-01, 32 days ago",
					Fix:     fixPrefix + "tier-review --env production --evidence REF"},
			},
		},
		{
			name:    "a year after certification the review is 14 days ahead; met obligations move on",
			records: map[string]checklists.StepRecord{"certify": certified},
			obligations: map[string]checklists.ObligationRecord{
				"migrate-scopes": met("migrate-scopes", time.Date(2026, 5, 20, 0, 0, 0, 0, time.UTC), time.Time{}),
				// Met on 2026-03-05: next due 2026-06-05, inside its 10-day warning.
				"tier-review": met("tier-review", time.Date(2026, 3, 5, 10, 0, 0, 0, time.UTC), time.Time{}),
			},
			want: []readiness.Finding{
				{ID: "cal/production/calendar-due/security-review", Severity: readiness.Warn,
					Message: "Annual security review (security-review) is due on 2026-06-15, in 14 days",
					Fix:     fixPrefix + "security-review --env production --evidence REF"},
				{ID: "cal/production/calendar-due/tier-review", Severity: readiness.Warn,
					Message: "Review the tier's connection cap (tier-review) is due on 2026-06-05, in 4 days",
					Fix:     fixPrefix + "tier-review --env production --evidence REF"},
			},
		},
		{
			name:    "a next due date the team set wins over the recurrence",
			records: map[string]checklists.StepRecord{"certify": certified},
			obligations: map[string]checklists.ObligationRecord{
				"migrate-scopes":  met("migrate-scopes", time.Date(2026, 5, 20, 0, 0, 0, 0, time.UTC), time.Time{}),
				"tier-review":     met("tier-review", time.Date(2026, 5, 20, 0, 0, 0, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)),
				"security-review": met("security-review", time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 5, 31, 0, 0, 0, 0, time.UTC)),
			},
			want: []readiness.Finding{
				{ID: "cal/production/calendar-overdue/security-review", Severity: readiness.Error,
					Message: "Annual security review (security-review) was due on 2026-05-31, 2 days ago",
					Fix:     fixPrefix + "security-review --env production --evidence REF"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := readiness.Input{Provider: p, Env: providers.Production, Now: now,
				Facts: checklists.Facts{Records: tt.records, Obligations: tt.obligations}}
			r := readiness.Evaluate(in, readiness.Error)
			got := slices.DeleteFunc(r.Findings, func(f readiness.Finding) bool {
				c := checkOf(f.ID)
				return c != "calendar-due" && c != "calendar-overdue"
			})
			if !slices.Equal(got, tt.want) {
				t.Errorf("calendar findings:\n got %v\nwant %v", got, tt.want)
			}
		})
	}
}

func TestUnverifiedStepIsInfo(t *testing.T) {
	t.Parallel()
	p, err := providers.Decode("cal.toml", []byte(calendarTOML))
	if err != nil {
		t.Fatal(err)
	}
	want := readiness.Finding{ID: "cal/production/step-unverified/sign-agreement", Severity: readiness.Info,
		Message: "no documented source backs step sign-agreement (Sign the partner agreement): the portal shows the agreement only to partners; check the portal as you do it",
		Fix:     "acctsetup providers show cal"}
	in := readiness.Input{Provider: p, Env: providers.Production, Now: now}
	if r := readiness.Evaluate(in, readiness.Error); !slices.Contains(r.Findings, want) {
		t.Errorf("findings %v\nlack %v", r.Findings, want)
	}
	in.Facts.Records = map[string]checklists.StepRecord{"sign-agreement": {Step: "sign-agreement", Status: checklists.Done, At: now}}
	for _, f := range readiness.Evaluate(in, readiness.Error).Findings {
		if checkOf(f.ID) == "step-unverified" {
			t.Errorf("done step still reported: %v", f)
		}
	}
}
