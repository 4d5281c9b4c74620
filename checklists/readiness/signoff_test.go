package readiness_test

import (
	"slices"
	"testing"
	"time"

	"github.com/acctsetup/acctsetup/checklists"
	"github.com/acctsetup/acctsetup/checklists/readiness"
	"github.com/acctsetup/acctsetup/providers"
)

// TestSignOffMaxAge: with readiness.signoff_max_age, a production sign-off
// is a warning inside the warning time before it reaches the age, and an
// error after; without it, none.
func TestSignOffMaxAge(t *testing.T) {
	t.Parallel()
	p := acme(t)
	year, err := providers.ParseAge("12mo")
	if err != nil {
		t.Fatal(err)
	}
	fix := "acctsetup questionnaire signoff acme --env production"
	tests := []struct {
		name   string
		signed time.Time
		maxAge providers.Age
		want   []readiness.Finding
	}{
		{"recent", now.AddDate(0, -6, 0), year, nil},
		{"reaches the age in 20 days", now.AddDate(-1, 0, 20), year, []readiness.Finding{{
			ID: "acme/production/questionnaire-signoff-ageing", Severity: readiness.Warn, Fix: fix,
			Message: "the questionnaire sign-off by lena on 2025-06-21 reaches 12mo (readiness.signoff_max_age) on 2026-06-21, in 20 days"}}},
		{"older than the age", now.AddDate(-1, -1, 0), year, []readiness.Finding{{
			ID: "acme/production/questionnaire-signoff-expired", Severity: readiness.Error, Fix: fix,
			Message: "the questionnaire sign-off by lena on 2025-05-01 is older than 12mo (readiness.signoff_max_age): a reviewer must sign it off again"}}},
		{"no maximum age", now.AddDate(-3, 0, 0), providers.Age{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := ready(t, p, providers.Production)
			for q, a := range in.Facts.Answers {
				a.At = tt.signed.Add(-time.Hour)
				in.Facts.Answers[q] = a
			}
			in.Facts.SignOff = &checklists.SignOff{Provider: "acme", Environment: providers.Production, Actor: "lena", At: tt.signed}
			in.SignOffMaxAge = tt.maxAge
			var got []readiness.Finding
			for _, f := range readiness.Evaluate(in, readiness.Error).Findings {
				if c := checkOf(f.ID); c == "questionnaire-signoff-ageing" || c == "questionnaire-signoff-expired" {
					got = append(got, f)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("findings\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}
