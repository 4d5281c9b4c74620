package report

import (
	"context"
	"time"

	"github.com/acctsetup/acctsetup/checklists"
)

// Load reads what a report since since needs from the store: the newest
// HistoryLength runs (for the chart), the baseline run when it is older
// than those, the audit events from the baseline on, and every secret's
// metadata. It never reads a run it does not need.
func Load(ctx context.Context, st checklists.Store, since, now time.Time) (Input, error) {
	in := Input{Since: since, Now: now}
	runs, err := st.LatestCheckRuns(ctx, time.Time{}, HistoryLength)
	if err != nil {
		return in, err
	}
	if base, ok := Baseline(runs, since); len(runs) == HistoryLength && (!ok || base.At.After(since)) {
		// Every charted run is later than since: the baseline is older.
		older, err := st.LatestCheckRuns(ctx, since, 1)
		if err != nil {
			return in, err
		}
		runs = append(runs, older...)
	}
	in.Runs = runs
	if base, ok := Baseline(runs, since); ok {
		if in.Events, err = st.AuditEvents(ctx, checklists.AuditFilter{Since: base.At}); err != nil {
			return in, err
		}
	}
	in.Secrets, err = st.Secrets(ctx, "")
	return in, err
}
