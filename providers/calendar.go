package providers

import (
	"slices"
	"time"
)

// DefaultWarn is how long before an obligation falls due that check warns,
// when the obligation does not say.
var DefaultWarn = Age{n: 30, unit: "d"}

// Obligation is a duty that outlives onboarding and comes round on a date:
// an annual security assessment, a certification or agreement renewal, a
// review of a pricing tier's connection cap, a provider's deadline. It is
// data in the descriptor; check turns it into dated findings.
//
// When it falls due:
//   - Due alone: once, on that date (a provider's deadline).
//   - Every and After: Every after the step After was done, then Every
//     after each time it is met (an annual review after approval).
//   - Every and Due: first on Due, then Every after each time it is met.
//
// A team can set the next due date itself when it meets an obligation (an
// agreement's renewal date comes from the signed document).
type Obligation struct {
	ID           string `toml:"id" validate:"required,stepid"`
	Title        string `toml:"title" validate:"required"`
	Instructions string `toml:"instructions" validate:"required"`
	URL          string `toml:"url" validate:"omitempty,https_url"`
	// Every is how often it recurs, like "12mo"; empty for a one-off.
	Every Age `toml:"every"`
	// After names the step whose completion starts the clock.
	After string `toml:"after"`
	// Due is a fixed date, YYYY-MM-DD: the only one, or the first.
	Due string `toml:"due" validate:"omitempty,datetime=2006-01-02"`
	// Warn is how long ahead check warns; DefaultWarn when empty.
	Warn Age `toml:"warn"`
	// Environments limits the obligation to some environments; empty means all.
	Environments []string `toml:"environments" validate:"dive,oneof=sandbox production"`
	Source       string   `toml:"source"`
	SourceNote   string   `toml:"source_note"`
}

// AppliesTo reports whether the obligation belongs to the environment.
func (o Obligation) AppliesTo(env string) bool {
	return len(o.Environments) == 0 || slices.Contains(o.Environments, env)
}

// DueDate returns the fixed due date, or the zero time when there is none.
// Dates are midnight UTC.
func (o Obligation) DueDate() time.Time {
	t, err := time.Parse(time.DateOnly, o.Due)
	if err != nil {
		return time.Time{} // validated on decode: only an empty Due gets here
	}
	return t
}

// WarnAhead returns how long before the due date check warns.
func (o Obligation) WarnAhead() Age {
	if o.Warn.IsZero() {
		return DefaultWarn
	}
	return o.Warn
}

// CalendarFor returns the obligations of one environment, in order.
func (p *Provider) CalendarFor(env string) []Obligation {
	var out []Obligation
	for _, o := range p.Calendar {
		if o.AppliesTo(env) {
			out = append(out, o)
		}
	}
	return out
}

// Obligation returns the calendar obligation with the given ID.
func (p *Provider) Obligation(id string) (Obligation, bool) {
	i := slices.IndexFunc(p.Calendar, func(o Obligation) bool { return o.ID == id })
	if i < 0 {
		return Obligation{}, false
	}
	return p.Calendar[i], true
}
