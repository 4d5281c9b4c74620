package report_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/acctsetup/acctsetup/checklists"
	"github.com/acctsetup/acctsetup/checklists/audit"
	"github.com/acctsetup/acctsetup/checklists/readiness"
	"github.com/acctsetup/acctsetup/checklists/report"
)

var update = flag.Bool("update", false, "rewrite testdata/golden.*")

// sample is a week with a regression, a fix, a rotation, an answer and an
// expiring secret, over four weekly runs for the chart.
func sample(t *testing.T) *report.Report {
	t.Helper()
	login, verify := "xero/production/step-todo/create-login", "xero/production/step-todo/verify-email"
	var runs []checklists.CheckRun
	for week := range 4 {
		at := monday.Add(time.Duration(week-3) * 7 * 24 * time.Hour)
		fs := []readiness.Finding{finding(verify, readiness.Error)}
		if week == 3 {
			fs = []readiness.Finding{finding(login, readiness.Error)}
		}
		runs = append([]checklists.CheckRun{run(t, int64(week+1), at, int64(week*10+1),
			result("xero", "production", false, fs...), result("codat", "production", week >= 1))}, runs...)
	}
	events := []audit.Event{
		event(22, "step.done", "xero", "production", "verify-email", "evidence: <v1@xero.com>"),
		event(23, "secret.rotate", "xero", "production", "client_secret", "stored at age://xero/production/client_secret"),
		event(24, "step.undo", "xero", "production", "create-login", "note: wrong shared mailbox"),
		event(25, "questionnaire.answer", "xero", "", "hosting", "evidence: policy.pdf"),
		event(26, "mailbox.advanced", "xero", "", "pass-certification", `<c1@xero.com> from apps@xero.com: "Certification complete"`),
	}
	secrets := []checklists.SecretMeta{{Provider: "xero", Environment: "production", Field: "client_secret", ExpiresAt: monday.Add(20 * 24 * time.Hour)}}
	r, err := report.Build(report.Input{Since: monday.Add(-7 * 24 * time.Hour), Now: monday, Runs: runs, Events: events, Secrets: secrets})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestRenderGolden pins each format's output (go test -update rewrites).
func TestRenderGolden(t *testing.T) {
	t.Parallel()
	r := sample(t)
	for _, format := range report.Formats {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			var b bytes.Buffer
			if err := report.Render(&b, r, format); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", "golden."+format)
			if *update {
				if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(b.Bytes(), want) {
				t.Errorf("%s output differs from %s (go test -update rewrites it):\n%s", format, path, b.String())
			}
		})
	}
}

// TestFormatsSayTheSame: every format names the same changes.
func TestFormatsSayTheSame(t *testing.T) {
	t.Parallel()
	r := sample(t)
	for _, format := range report.Formats {
		var b bytes.Buffer
		if err := report.Render(&b, r, format); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"create-login", "verify-email", "client_secret", "hosting", "pass-certification", r.To.Head} {
			if !strings.Contains(b.String(), want) {
				t.Errorf("%s output lacks %q", format, want)
			}
		}
	}
	if err := report.Render(&bytes.Buffer{}, r, "pdf"); err == nil {
		t.Errorf("Render(pdf) = nil error")
	}
}
