package providers

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/xrash/smetrics"
)

// Registry is a set of providers keyed by ID.
type Registry struct {
	byID map[string]*Provider
	ids  []string // sorted
}

// NewRegistry builds a registry, refusing duplicate IDs.
func NewRegistry(ps ...*Provider) (*Registry, error) {
	r := &Registry{byID: make(map[string]*Provider, len(ps))}
	for _, p := range ps {
		if _, dup := r.byID[p.ID]; dup {
			return nil, fmt.Errorf("providers: provider %q is registered twice", p.ID)
		}
		r.byID[p.ID] = p
		r.ids = append(r.ids, p.ID)
	}
	slices.Sort(r.ids)
	return r, nil
}

// Override returns a registry in which ps replace the providers of the same
// ID and add the others (descriptors from --providers-dir).
func (r *Registry) Override(ps ...*Provider) *Registry {
	out := &Registry{byID: make(map[string]*Provider, len(r.byID)+len(ps))}
	for id, p := range r.byID {
		out.byID[id] = p
	}
	for _, p := range ps {
		out.byID[p.ID] = p
	}
	for id := range out.byID {
		out.ids = append(out.ids, id)
	}
	slices.Sort(out.ids)
	return out
}

// All returns every provider, sorted by ID.
func (r *Registry) All() []*Provider {
	ps := make([]*Provider, len(r.ids))
	for i, id := range r.ids {
		ps[i] = r.byID[id]
	}
	return ps
}

// Lookup returns the provider with the given ID, or an *UnknownError that
// suggests the closest known ID.
func (r *Registry) Lookup(id string) (*Provider, error) {
	if p, ok := r.byID[id]; ok {
		return p, nil
	}
	return nil, Unknown("provider", id, r.ids)
}

// UnknownError reports a name that is not a known provider, step, question or
// credential, with the closest known name when one is close enough.
type UnknownError struct {
	What       string // "provider", "step", ...
	Name       string
	Suggestion string
	// Matches are the known names that hold Name, when there are several
	// ("sage": sage200, sage50, ...): no one of them is the closest.
	Matches []string
	Known   []string
}

// Unknown returns the error for a name that is none of known, with what it
// may have meant.
func Unknown(what, name string, known []string) *UnknownError {
	e := &UnknownError{What: what, Name: name, Suggestion: Suggest(name, known), Known: known}
	if lower := strings.ToLower(name); len(lower) >= 3 {
		for _, k := range known {
			if strings.Contains(strings.ToLower(k), lower) {
				e.Matches = append(e.Matches, k)
			}
		}
	}
	if len(e.Matches) < 2 {
		e.Matches = nil
	}
	return e
}

func (e *UnknownError) Error() string {
	msg := fmt.Sprintf("unknown %s %q", e.What, e.Name)
	if len(e.Matches) > 1 {
		quoted := make([]string, len(e.Matches))
		for i, m := range e.Matches {
			quoted[i] = strconv.Quote(m)
		}
		return msg + " (did you mean one of " + strings.Join(quoted, ", ") + "?)"
	}
	if e.Suggestion != "" {
		return msg + fmt.Sprintf(" (did you mean %q?)", e.Suggestion)
	}
	if len(e.Known) > 0 && len(e.Known) <= 20 {
		return msg + " (known: " + strings.Join(e.Known, ", ") + ")"
	}
	return msg
}

// Suggest returns the candidate closest to s, or "" when none is close.
func Suggest(s string, candidates []string) string {
	best, bestScore := "", 0.0
	s = strings.ToLower(s)
	for _, c := range candidates {
		score := smetrics.JaroWinkler(s, strings.ToLower(c), 0.7, 4)
		if len(s) >= 3 && strings.Contains(strings.ToLower(c), s) {
			score = max(score, 0.9)
		}
		if score > bestScore {
			best, bestScore = c, score
		}
	}
	if bestScore < 0.8 {
		return ""
	}
	return best
}
