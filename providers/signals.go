package providers

import (
	"regexp"
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
	for i, r := range s.Rules {
		if !r.matches(subject) {
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

// matches reports whether the subject matches the rule. Rules of a decoded
// or validated provider use the expression compiled then; a hand-built rule
// is compiled on each call, and one that does not compile matches nothing.
func (r Signal) matches(subject string) bool {
	re := r.subject
	if re == nil {
		var err error
		if re, err = regexp.Compile(r.Subject); err != nil {
			return false
		}
	}
	return re.MatchString(subject)
}

// Brands returns the words that name the provider in mail (see
// [Signals.Brands]): the listed brands, or the provider's ID if none are.
func (p *Provider) Brands() []string {
	if len(p.Signals.Brands) > 0 {
		return p.Signals.Brands
	}
	return []string{p.ID}
}
