package readiness_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/acctsetup/acctsetup/checklists"
	"github.com/acctsetup/acctsetup/checklists/readiness"
	"github.com/acctsetup/acctsetup/providers"
)

// A ready checklist has no findings, and "check --json" must still say
// "findings": [] (DESIGN.md's JSON contract), not null: jq '.findings[]'
// fails on null. Evaluate initialises Findings to []Finding{} and then
// overwrites it with the nil f.list.
func TestReadyResultFindingsIsEmptyList(t *testing.T) {
	t.Parallel()
	p := acme(t)
	r := readiness.Evaluate(ready(t, p, providers.Production), readiness.Error)
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"findings":[]`) {
		t.Errorf("json = %s, want \"findings\":[]", b)
	}
}

// int(left.Hours()/24)+1 rounds up partial days but adds one to whole ones:
// a secret that expires in exactly 10 days is said to expire "in 11 days".
func TestExpiringWholeDays(t *testing.T) {
	t.Parallel()
	p := acme(t)
	in := clone(ready(t, p, providers.Production))
	in.Facts.Credentials["client_secret"] = withMeta(in.Facts.Credentials["client_secret"], func(m *checklists.SecretMeta) {
		m.ExpiresAt = now.Add(10 * 24 * time.Hour)
	})
	r := readiness.Evaluate(in, readiness.Error)
	want := "Client secret expires on 2026-06-11, in 10 days"
	if len(r.Findings) != 1 || r.Findings[0].Message != want {
		t.Errorf("Findings = %s, want one with message %q", lines(r.Findings), want)
	}
}

// A blocked step is reported with its note even when steps it depends on
// are not done: the block is news, the wait is not.
func TestBlockedStepWithUndoneDependencies(t *testing.T) {
	t.Parallel()
	p := acme(t)
	in := clone(ready(t, p, providers.Production))
	delete(in.Facts.Records, "create-app")
	in.Facts.Records["sign-terms"] = checklists.StepRecord{Provider: p.ID, Environment: providers.Production,
		Step: "sign-terms", Status: checklists.Blocked, Note: "legal has not reviewed the terms", Actor: "ana", At: now}
	r := readiness.Evaluate(in, readiness.Error)
	var got *readiness.Finding
	for i, f := range r.Findings {
		if f.ID == "acme/production/step-blocked/sign-terms" {
			got = &r.Findings[i]
		}
	}
	if got == nil || !strings.Contains(got.Message, "legal has not reviewed the terms") {
		t.Errorf("Findings = %s, want acme/production/step-blocked/sign-terms with the note", lines(r.Findings))
	}
}
