package mailbox

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/acctsetup/acctsetup/providers"
)

// Verdict is what one message means for the checklists.
type Verdict struct {
	// Provider is the ID of the provider the message concerns; "" when it
	// concerns none, and then it is neither advanced nor reviewed.
	Provider string
	// Signal is the rule the subject matched, with the event it announces
	// and the step it concerns; its ID is "" when no rule matched. A
	// forward's or reply's subject is matched without its Fwd: or Re:.
	Signal providers.Signal
	// Advance is true when the message may be recorded without a person:
	// the sender is authentic and a rule matched. Signal.Event says what
	// it means; a rejection blocks the step, it never completes it.
	Advance bool
	// Reason says why a message about a provider waits for a person.
	Reason string
}

// Review reports whether the message waits for a person (mailbox review).
func (v Verdict) Review() bool {
	return v.Provider != "" && !v.Advance
}

// Classify decides what a message means, for the providers that speak by
// e-mail (those with signal domains; the others are skipped). In order:
//
//   - From a provider's domain or a subdomain: the subject picks a rule
//     (providers.Signals.Classify). Where providers share the domain, the
//     first with a matching rule has the message, else the first of them.
//     It advances only if the receiving server's Authentication-Results
//     vouch for the sender (see authenticate) and the subject is no
//     forward or reply; otherwise, and when no rule matches (newsletters,
//     password resets), it is reviewed.
//   - A sender whose domain, address or name holds a provider's brand
//     word without being from its domains is a look-alike: reviewed.
//   - A forward or reply ("Fwd:", "Re:", "WG:", ...) whose subject names a
//     provider's domain or brand, or, without the Fwd: or Re:, matches one
//     of the provider's rules, was relayed by a person: reviewed. Its text
//     is not read: the person who reviews it names the provider it concerns
//     when accepting it (and reading any text costs some servers a listing
//     of the whole folder).
//   - Any other sender whose subject names a brand and matches one of the
//     provider's rules: reviewed.
//
// Anything else concerns no provider. Nothing here fails: headers that are
// missing or cannot be read are reasons for review.
//
// Classify trusts the Authentication-Results of the server named
// authservID; it is Trust{AuthservID: authservID}.Classify.
func Classify(m Message, ps []*providers.Provider, authservID string) Verdict {
	return Trust{AuthservID: authservID}.Classify(m, ps)
}

// Classify is the package's Classify with the authentication results t
// trusts.
func (t Trust) Classify(m Message, ps []*providers.Provider) Verdict {
	speakers := slices.DeleteFunc(slices.Clone(ps), func(p *providers.Provider) bool {
		return len(p.Signals.Domains) == 0
	})
	local, domain := splitAddress(m.From)
	subject, relay := stripRelay(m.Subject)
	sender := printable(m.From)
	if sender == "" {
		sender = "an unknown sender"
	}

	var own []*providers.Provider // providers may share a domain (sage.com)
	for _, p := range speakers {
		if p.Signals.Speaks(domain) {
			own = append(own, p)
		}
	}
	if len(own) > 0 {
		i := slices.IndexFunc(own, func(p *providers.Provider) bool {
			_, ok := p.Signals.Classify(subject)
			return ok
		})
		return fromProvider(m, own[max(i, 0)], subject, relay, t)
	}
	from := senderBrands{domain: squash(domain), local: squash(local), name: squash(m.FromName)}
	for _, p := range speakers {
		if reason := lookalike(p, m.FromName, domain, sender, from); reason != "" {
			return review(p, subject, reason)
		}
	}
	if relay != "" {
		if p := relayed(speakers, m.Subject, subject); p != nil {
			return review(p, subject, fmt.Sprintf("%s, not sent by %s", relay.by(sender), p.Name))
		}
	}
	stripped := squash(subject)
	for _, p := range speakers {
		if !stripped.names(p) {
			continue // cheaper than the rules, and most subjects name no brand
		}
		if _, ok := p.Signals.Classify(subject); ok {
			return review(p, subject, fmt.Sprintf("the subject names %s but %s is not from a %s domain", p.Name, sender, p.Name))
		}
	}
	return Verdict{}
}

// fromProvider judges a message from one of the provider's domains.
func fromProvider(m Message, p *providers.Provider, subject string, relay relay, trust Trust) Verdict {
	v := Verdict{Provider: p.ID}
	var reasons []string
	if relay != "" {
		reasons = append(reasons, fmt.Sprintf("the subject %q is a %s, not %s's own notice", m.Subject, relay, p.Name))
	}
	sig, ok := p.Signals.Classify(subject)
	if ok {
		v.Signal = sig
	} else {
		reasons = append(reasons, fmt.Sprintf("from a %s domain but matches no rule", p.Name))
	}
	if authentic, why := authenticate(m, p, trust); !authentic {
		reasons = append(reasons, why)
	}
	if p.Signals.Relayed(m.From) {
		reasons = append(reasons, fmt.Sprintf("%s carries mail %s's customers write (invoices, reminders), not %s's own notices", m.From, p.Name, p.Name))
	}
	v.Advance = len(reasons) == 0
	v.Reason = strings.Join(reasons, "; ")
	return v
}

// relayed returns the provider a forward or reply concerns: the first whose
// domain or brand its subject names, else the first with a rule that its
// stripped subject matches; nil when there is none.
func relayed(ps []*providers.Provider, subject, stripped string) *providers.Provider {
	lower, brands := strings.ToLower(subject), squash(subject)
	for _, p := range ps {
		if mentions(p, lower) || brands.names(p) {
			return p
		}
	}
	for _, p := range ps {
		if _, ok := p.Signals.Classify(stripped); ok {
			return p
		}
	}
	return nil
}

// review is the verdict on a message about p that no rule lets advance.
func review(p *providers.Provider, subject, reason string) Verdict {
	sig, _ := p.Signals.Classify(subject)
	return Verdict{Provider: p.ID, Signal: sig, Reason: reason}
}

// senderBrands is a sender's domain, local part and display name, each
// squashed once for the brand checks of every provider.
type senderBrands struct{ domain, local, name squashed }

// lookalike says why a sender outside the provider's domains looks like
// the provider, or returns "". name and domain are the sender's as written.
func lookalike(p *providers.Provider, name, domain, sender string, from senderBrands) string {
	switch {
	case from.domain.names(p):
		return fmt.Sprintf("sender domain look-alike %s is not a %s domain", printable(domain), p.Name)
	case from.local.names(p):
		return fmt.Sprintf("sender address %s names %s but is not from a %s domain", sender, p.Name, p.Name)
	case from.name.names(p):
		return fmt.Sprintf("sender name %q names %s but %s is not from a %s domain", name, p.Name, sender, p.Name)
	}
	return ""
}

// squashed is text lower-cased without the separators a look-alike puts
// inside a brand ("x-e-r-o", "Quick.Books"). Spaces stay, so that words are
// not run together ("Max Eros" does not name Xero).
type squashed string

// squash returns s squashed.
func squash(s string) squashed {
	return squashed(strings.Map(func(r rune) rune {
		switch r {
		case '-', '_', '.', '+':
			return -1
		}
		return r
	}, strings.ToLower(s)))
}

// names reports whether the text holds one of the provider's brand words
// outside the words that only contain one (Signals.BrandExceptions).
func (s squashed) names(p *providers.Provider) bool {
	text := string(s)
	for _, b := range p.Brands() {
		if !strings.Contains(text, b) {
			continue // most text names no brand: the exceptions cost nothing then
		}
		if len(p.Signals.BrandExceptions) == 0 {
			return true
		}
		for _, w := range p.Signals.BrandExceptions {
			text = strings.ReplaceAll(text, w, " ")
		}
		if strings.Contains(text, b) {
			return true
		}
	}
	return false
}

// splitAddress splits an address at its last "@". Without one, the whole
// address is the local part and the domain is "".
func splitAddress(addr string) (local, domain string) {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return addr, ""
	}
	return addr[:at], addr[at+1:]
}

// relay is how a person passed a message on, as its subject says.
type relay string

const (
	forward relay = "forward"
	reply   relay = "reply"
)

// by describes the person who relayed the message.
func (r relay) by(sender string) string {
	if r == forward {
		return "forwarded by " + sender
	}
	return "a reply from " + sender
}

// relayPrefix is one forward or reply prefix of a subject, in the
// languages mail clients commonly use; "[2]" counts replies in some.
var relayPrefix = regexp.MustCompile(`(?i)^\s*(fwd?|wg|tr|rv|enc|vs|vb|vl|doorst|re|res|aw|sv|antw)\s*(\[\d+\])?\s*:\s*`)

// forwardPrefixes are the prefixes of relayPrefix that mean a forward
// (English, German, French, Spanish, Portuguese, Nordic, Dutch); the rest
// mean a reply.
var forwardPrefixes = []string{"fw", "fwd", "wg", "tr", "rv", "enc", "vs", "vb", "vl", "doorst"}

// stripRelay removes a subject's forward and reply prefixes. relay is what
// the outermost one makes of the message, "" when there is none.
func stripRelay(subject string) (rest string, r relay) {
	if !strings.Contains(subject, ":") { // every prefix ends in one
		return strings.TrimSpace(subject), ""
	}
	rest = subject
	for {
		m := relayPrefix.FindStringSubmatchIndex(rest)
		if m == nil {
			return strings.TrimSpace(rest), r
		}
		if r == "" {
			r = reply
			if slices.Contains(forwardPrefixes, strings.ToLower(rest[m[2]:m[3]])) {
				r = forward
			}
		}
		rest = rest[m[1]:]
	}
}

// mentions reports whether lower, lower-cased text, names one of p's
// domains or a subdomain of one as a whole host name: "xero.com" and
// "go.xero.com." do, "evilxero.com" and "xero.com.evil.io" do not.
func mentions(p *providers.Provider, lower string) bool {
	for _, d := range p.Signals.Domains {
		d = strings.ToLower(d)
		for from := 0; ; {
			i := strings.Index(lower[from:], d)
			if i < 0 {
				break
			}
			start, end := from+i, from+i+len(d)
			for start > 0 && isHostByte(lower[start-1]) {
				start--
			}
			for end < len(lower) && isHostByte(lower[end]) {
				end++
			}
			if p.Signals.Speaks(strings.Trim(lower[start:end], ".-")) {
				return true
			}
			from += i + 1
		}
	}
	return false
}

func isHostByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.'
}
