package report_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/acctsetup/acctsetup/checklists"
	"github.com/acctsetup/acctsetup/checklists/audit"
	"github.com/acctsetup/acctsetup/checklists/report"
	"github.com/acctsetup/acctsetup/checklists/sqlstore"
)

// TestLoad: with more runs than the chart holds, Load reads the newest
// HistoryLength and, only when since is older than all of them, the one
// run before since; the events start at that baseline.
func TestLoad(t *testing.T) {
	t.Parallel()
	st, _, err := sqlstore.Open(t.Context(), filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	const runs = report.HistoryLength + 8
	for day := range runs {
		at := monday.AddDate(0, 0, day)
		saved, err := st.SaveCheckRun(t.Context(), checklists.CheckRun{At: at, Actor: "ci", Report: []byte(`{"results":[]}`)},
			audit.Event{At: at, Actor: "ci", Action: "check.run"})
		if err != nil || saved.ID != int64(day+1) {
			t.Fatalf("SaveCheckRun day %d = %+v, %v", day, saved, err)
		}
	}
	for _, tc := range []struct {
		name     string
		since    time.Time
		wantRuns int
		wantBase int64
	}{
		{"a week back: every run it needs is charted", monday.AddDate(0, 0, runs-8), report.HistoryLength, runs - 7},
		{"further back than the chart: one more run", monday.AddDate(0, 0, 2), report.HistoryLength + 1, 3},
		{"before every run: the earliest charted", monday.Add(-time.Hour), report.HistoryLength, runs - report.HistoryLength + 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in, err := report.Load(t.Context(), st, tc.since, monday.AddDate(0, 0, runs))
			if err != nil {
				t.Fatal(err)
			}
			base, ok := report.Baseline(in.Runs, tc.since)
			if len(in.Runs) != tc.wantRuns || !ok || base.ID != tc.wantBase {
				t.Errorf("Load read %d runs, baseline %d (%v); want %d runs, baseline %d", len(in.Runs), base.ID, ok, tc.wantRuns, tc.wantBase)
			}
			if len(in.Events) == 0 || in.Events[0].Seq != base.Head.Seq {
				t.Errorf("events start at %v, want the baseline's event %d", in.Events, base.Head.Seq)
			}
			r, err := report.Build(in)
			if err != nil || len(r.History) != report.HistoryLength {
				t.Errorf("Build = %d points, %v; want %d", len(r.History), err, report.HistoryLength)
			}
		})
	}
}
