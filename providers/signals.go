package providers

import (
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
)

// Speaks reports whether domain is one of the listed domains or a subdomain
// of one. Letters compare case-insensitively, ASCII only: a domain holding
// anything but letters, digits, hyphens and dots (an internationalised name
// must be in its xn-- form), an empty label or a trailing dot never speaks.
// So look-alikes such as "evilxero.com", "xero.com.evil.io" and "xero.com."
// do not count for "xero.com".
func (s Signals) Speaks(domain string) bool {
	d := strings.ToLower(domain)
	if !isHostname(d) {
		return false
	}
	for _, listed := range s.Domains {
		l := strings.ToLower(strings.TrimSuffix(listed, "."))
		if l != "" && (d == l || strings.HasSuffix(d, "."+l)) {
			return true
		}
	}
	return false
}

// Relayed reports whether address (lower case) is one of the Relays: the
// address itself, or an address at a relay domain or a subdomain of one.
func (s Signals) Relayed(address string) bool {
	_, domain, _ := strings.Cut(address, "@")
	for _, r := range s.Relays {
		r = strings.ToLower(r)
		if address == r || (!strings.Contains(r, "@") && (domain == r || strings.HasSuffix(domain, "."+r))) {
			return true
		}
	}
	return false
}

// isHostname reports whether d is dot-separated, non-empty labels of
// lower-case ASCII letters, digits and hyphens.
func isHostname(d string) bool {
	if d == "" || d[0] == '.' || d[len(d)-1] == '.' || strings.Contains(d, "..") {
		return false
	}
	for i := 0; i < len(d); i++ {
		c := d[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' && c != '.' {
			return false
		}
	}
	return true
}

// Classify returns the rule a decoded e-mail subject matches and whether one
// does. A rejection wins over every other rule; otherwise the first matching
// rule in descriptor order does (see [Signals]).
func (s Signals) Classify(subject string) (Signal, bool) {
	first := -1
	lower := strings.ToLower(subject)
	for i, r := range s.Rules {
		if !r.matches(subject, lower) {
			continue
		}
		if r.Event == EventRejected {
			return r, true
		}
		if first < 0 {
			first = i
		}
	}
	if first < 0 {
		return Signal{}, false
	}
	return s.Rules[first], true
}

// matches reports whether the subject (and lower, the same lower-cased)
// matches the rule. Rules of a decoded or validated provider use what was
// compiled then; a hand-built rule is compiled on each call, and one that
// does not compile matches nothing. A subject holding none of the rule's
// words cannot match, and most do not: the expression runs only on the rest.
func (r Signal) matches(subject, lower string) bool {
	if r.subject == nil {
		if err := r.compile(); err != nil {
			return false
		}
	}
	if r.words != nil && !slices.ContainsFunc(r.words, func(w string) bool { return strings.Contains(lower, w) }) {
		return false
	}
	return r.subject.MatchString(subject)
}

// compile compiles Subject and finds the words one of which every match
// contains.
func (r *Signal) compile() error {
	re, err := regexp.Compile(r.Subject)
	if err != nil {
		return err
	}
	r.subject = re
	r.words = nil
	if tree, err := syntax.Parse(r.Subject, syntax.Perl); err == nil {
		r.words = required(tree)
	}
	return nil
}

// Words returns lower-case strings one of which every subject the rule
// matches contains, or nil when it can match without any: a mail server can
// narrow a search with them (case-insensitive SUBJECT substrings).
func (r Signal) Words() []string {
	if r.subject == nil && r.compile() != nil {
		return nil
	}
	return r.words
}

// required returns strings one of which every match of re contains,
// lower-cased, or nil when re can match without any. Of a concatenation's
// parts it picks the one whose shortest string is longest: the search it
// makes matches the fewest messages.
func required(re *syntax.Regexp) []string {
	switch re.Op {
	case syntax.OpLiteral:
		return []string{strings.ToLower(string(re.Rune))}
	case syntax.OpCapture, syntax.OpPlus:
		return required(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min > 0 {
			return required(re.Sub[0])
		}
	case syntax.OpConcat:
		var best []string
		for _, sub := range re.Sub {
			if words := required(sub); words != nil && (best == nil || shortest(words) > shortest(best)) {
				best = words
			}
		}
		return best
	case syntax.OpAlternate:
		var all []string
		for _, sub := range re.Sub {
			words := required(sub)
			if words == nil {
				return nil
			}
			all = append(all, words...)
		}
		return all
	}
	return nil
}

// shortest returns the length of the shortest of words.
func shortest(words []string) int {
	n := len(words[0])
	for _, w := range words[1:] {
		n = min(n, len(w))
	}
	return n
}

// Brands returns the words that name the provider in mail (see
// [Signals.Brands]): the listed brands, or the provider's ID if none are.
func (p *Provider) Brands() []string {
	if len(p.Signals.Brands) > 0 {
		return p.Signals.Brands
	}
	return []string{p.ID}
}
