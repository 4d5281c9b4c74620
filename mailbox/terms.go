package mailbox

import (
	"slices"
	"strings"

	"github.com/acctsetup/acctsetup/providers"
)

// Terms narrow a scan's server-side search to the messages Classify may find
// relevant: a message is worth fetching when its From header contains one
// of From or its Subject one of Subject. The scanner ORs them all, as IMAP
// SEARCH FROM and SUBJECT keys, which match case-insensitive substrings.
// The lists are lower case, sorted and minimal: no term contains another.
//
// Sender domains alone would miss look-alikes and forwards, so From holds
// the providers' brand words as well as their domains, and Subject holds
// them too, plus, for every signal rule, words one of which each subject it
// matches must contain. A forward whose subject holds none of those and
// names the provider only in its text is not found.
type Terms struct {
	From    []string
	Subject []string
	// All is set when some rule can match a subject holding no fixed
	// words (its expression is too loose): only searching every message
	// then catches that rule's forwards.
	All bool
}

// SearchTerms returns the terms for the providers that speak by e-mail.
func SearchTerms(ps []*providers.Provider) Terms {
	var t Terms
	for _, p := range ps {
		if len(p.Signals.Domains) == 0 {
			continue
		}
		names := append(slices.Clone(p.Brands()), p.Signals.Domains...)
		t.From = append(t.From, names...)
		t.Subject = append(t.Subject, names...)
		for _, r := range p.Signals.Rules {
			words := r.Words()
			if words == nil {
				t.All = true
				continue
			}
			t.Subject = append(t.Subject, words...)
		}
	}
	t.From, t.Subject = minimal(t.From), minimal(t.Subject)
	return t
}

// minimal lower-cases and sorts terms, dropping repeats and every term that
// contains another: a substring search for the shorter finds it anyway.
func minimal(terms []string) []string {
	var out []string
	for _, t := range terms {
		t = strings.ToLower(t)
		if t != "" && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	slices.SortFunc(out, func(a, b string) int { return len(a) - len(b) })
	var kept []string
	for _, t := range out {
		if !slices.ContainsFunc(kept, func(k string) bool { return strings.Contains(t, k) }) {
			kept = append(kept, t)
		}
	}
	slices.Sort(kept)
	return kept
}

// selectsAll reports whether t selects every message: All is set, or no
// term is given (the zero Terms).
func (t Terms) selectsAll() bool {
	nonEmpty := func(s string) bool { return s != "" }
	return t.All || !slices.ContainsFunc(t.From, nonEmpty) && !slices.ContainsFunc(t.Subject, nonEmpty)
}
