package sqlstore_test

import (
	"slices"
	"testing"
	"time"

	"github.com/acctsetup/acctsetup/checklists"
	"github.com/acctsetup/acctsetup/checklists/sqlstore"
)

func TestLatestCheckRuns(t *testing.T) {
	t.Parallel()
	s, _ := openStore(t)
	testLatestCheckRuns(t, s)
}

func TestPostgreSQLLatestCheckRuns(t *testing.T) {
	t.Parallel()
	testLatestCheckRuns(t, openPostgres(t, postgresSchema(t)))
}

// testLatestCheckRuns saves five daily runs and reads the newest few, at
// any time or at or before one.
func testLatestCheckRuns(t *testing.T, s *sqlstore.Store) {
	ctx := t.Context()
	for day := range 5 {
		run := checklists.CheckRun{At: t0.AddDate(0, 0, day), Actor: "ci", Report: []byte("{}")}
		if _, err := s.SaveCheckRun(ctx, run, event("check.run", "", "", "", "", run.At)); err != nil {
			t.Fatal(err)
		}
	}
	ids := func(runs []checklists.CheckRun) []int64 {
		out := []int64{}
		for _, r := range runs {
			out = append(out, r.ID)
		}
		return out
	}
	for _, tc := range []struct {
		before time.Time
		n      int
		want   []int64
	}{
		{time.Time{}, 2, []int64{5, 4}},
		{time.Time{}, 9, []int64{5, 4, 3, 2, 1}},
		{t0.AddDate(0, 0, 2), 2, []int64{3, 2}},                    // at counts
		{t0.AddDate(0, 0, 2).Add(-time.Nanosecond), 1, []int64{2}}, // just before
		{t0.Add(-time.Hour), 3, []int64{}},
	} {
		got, err := s.LatestCheckRuns(ctx, tc.before, tc.n)
		if err != nil || !slices.Equal(ids(got), tc.want) {
			t.Errorf("LatestCheckRuns(%v, %d) = %v, %v; want %v", tc.before, tc.n, ids(got), err, tc.want)
		}
	}
}
