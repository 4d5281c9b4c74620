package checklists

import (
	"time"

	"github.com/acctsetup/acctsetup/providers"
)

// ObligationRecord is the last time a team met a calendar obligation in one
// environment (its history is in the audit trail).
type ObligationRecord struct {
	Provider    string
	Environment string
	Obligation  string
	MetAt       time.Time // when it was met
	// NextDue is the next due date the team set (from a signed agreement,
	// say); zero when the obligation's recurrence decides it.
	NextDue  time.Time
	Evidence string
	Note     string
	Actor    string
}

// Standing says how close an obligation is, for people and for check.
type Standing string

// Standings, from the calmest.
const (
	StandingPending  Standing = "pending"  // its clock has not started
	StandingMet      Standing = "met"      // a one-off, met for good
	StandingUpcoming Standing = "upcoming" // scheduled, beyond its warning time
	StandingDueSoon  Standing = "due"      // inside its warning time
	StandingOverdue  Standing = "overdue"  // past its due date
)

// Standing returns where the obligation stands at now.
func (st ObligationStatus) Standing(now time.Time) Standing {
	switch {
	case st.Due.IsZero() && st.Last == nil:
		return StandingPending
	case st.Due.IsZero():
		return StandingMet
	case !now.Before(st.Due):
		return StandingOverdue
	case !now.Before(st.Obligation.WarnAhead().Before(st.Due)):
		return StandingDueSoon
	}
	return StandingUpcoming
}

// ObligationStatus is when one obligation next falls due, and why.
type ObligationStatus struct {
	Obligation providers.Obligation
	// Due is when it next falls due; zero while its clock has not started,
	// or for a one-off met for good.
	Due  time.Time
	Last *ObligationRecord // the last time it was met, if ever
}

// Scheduled reports whether the obligation has a due date.
func (st ObligationStatus) Scheduled() bool { return !st.Due.IsZero() }

// Calendar returns the status of each calendar obligation of the
// environment, in descriptor order. statuses are the checklist's step
// statuses (Evaluate), whose done dates start recurring obligations.
func Calendar(p *providers.Provider, env string, f Facts, statuses []StepStatus) []ObligationStatus {
	var out []ObligationStatus
	for _, o := range p.CalendarFor(env) {
		st := ObligationStatus{Obligation: o}
		if r, ok := f.Obligations[o.ID]; ok {
			st.Last = &r
		}
		st.Due = dueDate(o, st.Last, statuses)
		out = append(out, st)
	}
	return out
}

// dueDate returns when o next falls due, or the zero time when it is
// pending or met for good.
func dueDate(o providers.Obligation, last *ObligationRecord, statuses []StepStatus) time.Time {
	switch {
	case last != nil && !last.NextDue.IsZero():
		return last.NextDue
	case last != nil && o.Every.IsZero():
		return time.Time{} // a one-off, met
	case last != nil:
		return o.Every.After(last.MetAt)
	case o.Due != "":
		return o.DueDate()
	}
	for _, st := range statuses {
		if st.Step.ID == o.After && st.Status == Done && !st.At.IsZero() {
			return o.Every.After(st.At)
		}
	}
	return time.Time{}
}

// Days returns how many days d spans, rounded up, so that something due in
// an hour is due "in 1 day" and something an hour late is "1 day" late.
// Negative durations count down the same way.
func Days(d time.Duration) int {
	if d < 0 {
		return -Days(-d)
	}
	return int((d + 24*time.Hour - 1) / (24 * time.Hour))
}
