package report_test

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/acctsetup/acctsetup/checklists"
	"github.com/acctsetup/acctsetup/checklists/audit"
	"github.com/acctsetup/acctsetup/checklists/readiness"
	"github.com/acctsetup/acctsetup/checklists/report"
)

var monday = time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)

func finding(id string, sev readiness.Severity) readiness.Finding {
	return readiness.Finding{ID: id, Severity: sev, Message: "finding " + id, Fix: "acctsetup fix " + id}
}

// run stores a check run of results at t, with the audit head seq.
func run(t *testing.T, id int64, at time.Time, seq int64, results ...readiness.Result) checklists.CheckRun {
	t.Helper()
	rep := readiness.Report{At: at, Results: results}
	rep.Summarise()
	body, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	return checklists.CheckRun{ID: id, At: at, Ready: rep.Ready, Report: body, Head: audit.Head{Seq: seq, Hash: "h"}}
}

func result(provider, env string, ready bool, fs ...readiness.Finding) readiness.Result {
	return readiness.Result{Provider: provider, Name: map[string]string{"xero": "Xero", "codat": "Codat"}[provider],
		Environment: env, Ready: ready, Findings: fs}
}

func event(seq int64, action, provider, env, subject, detail string) audit.Event {
	return audit.Event{Seq: seq, At: monday.Add(time.Duration(seq) * time.Hour), Actor: "priya", Action: action,
		Provider: provider, Environment: env, Subject: subject, Detail: detail}
}

func ids(fs []readiness.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.ID)
	}
	return out
}

func subjects(cs []report.Change) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Action+" "+c.Subject)
	}
	return out
}

// TestBuild: a week in which a step was done (its todo finding fixed, the
// next step's appearing without counting), a secret rotated, a step undone
// (a regression), a secret expiring, and codat ready throughout.
func TestBuild(t *testing.T) {
	t.Parallel()
	const (
		loginTodo  = "xero/production/step-todo/create-login"
		verifyTodo = "xero/production/step-todo/verify-email"
		appTodo    = "xero/production/step-todo/create-app"
		mfa        = "xero/production/mfa-not-enrolled/enrol-mfa"
		expiring   = "xero/production/credential-expiring/client_secret"
	)
	lastWeek := run(t, 1, monday, 3,
		result("xero", "production", false, finding(verifyTodo, readiness.Error), finding(mfa, readiness.Error)),
		result("codat", "production", true))
	thisWeek := run(t, 2, monday.Add(7*24*time.Hour), 9,
		result("xero", "production", false, finding(loginTodo, readiness.Error), finding(mfa, readiness.Error),
			finding(appTodo, readiness.Error), finding(expiring, readiness.Warn)),
		result("codat", "production", true))
	events := []audit.Event{
		event(3, "check.run", "", "", "", "not ready"),
		event(4, "step.done", "xero", "production", "verify-email", "evidence: <v1@xero.com>"),
		event(5, "secret.rotate", "xero", "production", "client_secret", "stored at age://xero/production/client_secret"),
		event(6, "step.undo", "xero", "production", "create-login", ""),
		event(7, "secret.reveal", "xero", "production", "client_secret", ""),
		event(8, "questionnaire.answer", "xero", "", "hosting", "evidence: policy.pdf"),
		event(9, "check.run", "", "", "", "not ready"),
		event(10, "step.done", "codat", "production", "create-account", "after the run"),
	}
	secrets := []checklists.SecretMeta{
		{Provider: "xero", Environment: "production", Field: "client_secret", ExpiresAt: monday.Add(20 * 24 * time.Hour)},
		{Provider: "codat", Environment: "production", Field: "api_key", ExpiresAt: monday.Add(90 * 24 * time.Hour)},
	}
	r, err := report.Build(report.Input{Since: monday.Add(24 * time.Hour), Now: monday.Add(7 * 24 * time.Hour),
		Runs: []checklists.CheckRun{thisWeek, lastWeek}, Events: events, Secrets: secrets})
	if err != nil {
		t.Fatal(err)
	}
	if r.From == nil || r.From.ID != 1 || r.To.ID != 2 || r.From.Head != "3:h" || r.To.Head != "9:h" {
		t.Fatalf("From %+v, To %+v: want runs 1 and 2 with their heads", r.From, r.To)
	}
	if !r.Regressed {
		t.Errorf("Regressed = false, want true: a step was undone")
	}
	if len(r.Checklists) != 2 {
		t.Fatalf("%d checklists, want xero production and xero's provider-wide answers: %+v", len(r.Checklists), r.Checklists)
	}
	prod := r.Checklists[0]
	if prod.Provider != "xero" || prod.Environment != "production" || !prod.Regressed {
		t.Fatalf("first checklist %s/%s regressed %v, want xero/production regressed", prod.Provider, prod.Environment, prod.Regressed)
	}
	// create-app's todo appears because the steps before it were done: no
	// event concerns it, so it is progress, not a failure.
	if got, want := ids(prod.NewlyFailing), []string{loginTodo, expiring}; !slices.Equal(got, want) {
		t.Errorf("newly failing %v, want %v", got, want)
	}
	if got, want := ids(prod.NewlyFixed), []string{verifyTodo}; !slices.Equal(got, want) {
		t.Errorf("newly fixed %v, want %v", got, want)
	}
	for name, got := range map[string][]string{
		"steps done":   subjects(prod.StepsDone),
		"steps undone": subjects(prod.StepsUndone),
		"secrets":      subjects(prod.Secrets),
	} {
		want := map[string][]string{
			"steps done":   {"step.done verify-email"},
			"steps undone": {"step.undo create-login"},
			"secrets":      {"secret.rotate client_secret"},
		}[name]
		if !slices.Equal(got, want) {
			t.Errorf("%s %v, want %v", name, got, want)
		}
	}
	wide := r.Checklists[1]
	if wide.Environment != "" || wide.Name != "Xero" || !slices.Equal(subjects(wide.Answers), []string{"questionnaire.answer hosting"}) || wide.Regressed {
		t.Errorf("provider-wide entry %+v, want xero's answer, not regressed", wide)
	}
	if len(r.Expiring) != 1 || r.Expiring[0].Field != "client_secret" {
		t.Errorf("expiring %+v, want xero's client_secret only", r.Expiring)
	}
	if len(r.History) != 2 || r.History[0].Ready != 1 || r.History[0].Total != 2 || r.History[1].Errors != 3 {
		t.Errorf("history %+v, want two points, oldest first", r.History)
	}
}

func TestBaseline(t *testing.T) {
	t.Parallel()
	runs := []checklists.CheckRun{
		run(t, 3, monday.Add(48*time.Hour), 0), run(t, 2, monday.Add(24*time.Hour), 0), run(t, 1, monday, 0),
	}
	tests := []struct {
		since  time.Time
		want   int64
		wantOK bool
	}{
		{monday.Add(30 * time.Hour), 2, true}, // the last at or before since
		{monday.Add(24 * time.Hour), 2, true}, // at since counts
		{monday.Add(-time.Hour), 1, true},     // every run later: the earliest
		{monday.Add(72 * time.Hour), 2, true}, // since after the latest: the one before it
	}
	for _, tt := range tests {
		got, ok := report.Baseline(runs, tt.since)
		if ok != tt.wantOK || got.ID != tt.want {
			t.Errorf("Baseline(since %v) = run %d, %v; want %d", tt.since, got.ID, ok, tt.want)
		}
	}
	if _, ok := report.Baseline(runs[:1], monday); ok {
		t.Errorf("Baseline of one run found one")
	}
	if _, err := report.Build(report.Input{}); err != report.ErrNoRuns {
		t.Errorf("Build without runs: %v, want ErrNoRuns", err)
	}
}

// TestReadyNoLonger: a checklist that was ready and is not is a regression
// even when its finding is a step's todo with no event (a derived step).
func TestReadyNoLonger(t *testing.T) {
	t.Parallel()
	before := run(t, 1, monday, 1, result("codat", "production", true))
	after := run(t, 2, monday.Add(time.Hour), 2, result("codat", "production", false,
		finding("codat/production/credential-missing/api_key", readiness.Error)))
	r, err := report.Build(report.Input{Since: monday, Now: monday, Runs: []checklists.CheckRun{after, before}})
	if err != nil {
		t.Fatal(err)
	}
	if !r.Regressed || len(r.Checklists) != 1 || !r.Checklists[0].WasReady || r.Checklists[0].Ready {
		t.Errorf("report %+v, want codat/production no longer ready, regressed", r)
	}
}
