package mailbox

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/emersion/go-msgauth/authres"

	"github.com/acctsetup/acctsetup/providers"
)

// authenticate reports whether the receiving server vouches for the
// message as the provider's (RFC 8601), and if not, why not.
//
// Only Authentication-Results fields whose authserv-id is authservID count:
// a sender can write any other. Of those, only the top-most counts, the one
// the receiving server added last: a server must remove or rename fields
// that claim its authserv-id before adding its own (RFC 8601 section 5), but
// one that does not would leave a forged field below its own, never above
// it. Within that field one pass is enough, a DMARC pass for a header.from in
// the provider's domains or a DKIM pass for a header.d in them (header.i's
// domain when d is not given: it must lie within d): a message may carry
// several DKIM signatures, and a failing one, a mailing service's say, takes
// nothing away from a passing one. Fields that cannot be read are a reason
// for review, never an error.
func authenticate(m Message, p *providers.Provider, authservID string) (bool, string) {
	if authservID == "" {
		return false, "no authserv_id is configured, so no Authentication-Results can be trusted"
	}
	var (
		results   []authres.Result
		err       error
		found     bool
		untrusted []string
	)
	for _, raw := range m.AuthResults {
		id, rs, perr := authres.Parse(stripComments(raw))
		switch {
		case asciiEqualFold(id, authservID):
			if !found {
				results, err, found = rs, perr, true
			}
		case id != "" && !slices.Contains(untrusted, printable(id)):
			untrusted = append(untrusted, printable(id))
		}
	}
	ok, reason := false, fmt.Sprintf("no authentication results from %s", authservID)
	if found {
		ok, reason = judge(results, err, p, authservID)
	}
	if ok {
		return true, ""
	}
	if len(untrusted) > 0 {
		reason += fmt.Sprintf("; authentication results from another server (%s) are not trusted", strings.Join(untrusted, ", "))
	}
	return false, reason
}

// judge reads the results of the trusted Authentication-Results field.
func judge(results []authres.Result, err error, p *providers.Provider, authservID string) (bool, string) {
	if err != nil {
		return false, fmt.Sprintf("unreadable authentication results from %s: %v", authservID, err)
	}
	var seen []string
	for _, r := range results {
		var method, key, domain string
		var value authres.ResultValue
		switch r := r.(type) {
		case *authres.DKIMResult:
			method, key, value, domain = "dkim", "header.d", r.Value, unquote(r.Domain)
			if domain == "" {
				_, domain, _ = strings.Cut(unquote(r.Identifier), "@")
			}
		case *authres.DMARCResult:
			method, key, value, domain = "dmarc", "header.from", r.Value, unquote(r.From)
		default:
			continue
		}
		if value == authres.ResultPass && p.Signals.Speaks(domain) {
			return true, ""
		}
		seen = append(seen, printable(fmt.Sprintf("%s=%s %s=%s", method, value, key, domain)))
	}
	if len(seen) == 0 {
		return false, fmt.Sprintf("no DKIM or DMARC result from %s", authservID)
	}
	return false, fmt.Sprintf("%s (%s): no DKIM or DMARC pass for a %s domain", strings.Join(seen, ", "), authservID, p.Name)
}

// stripComments removes RFC 5322 comments, which may nest and may hold
// ";" ("dkim=pass (1024-bit key; secure) header.d=..."), so that they
// neither split a result nor pass for a property. Quoted strings are kept.
// An unclosed comment runs to the end.
func stripComments(s string) string {
	var b strings.Builder
	depth, quoted := 0, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && (depth > 0 || quoted):
			if depth == 0 && i+1 < len(s) {
				b.WriteByte(c)
				b.WriteByte(s[i+1])
			}
			i++
		case c == '"' && depth == 0:
			quoted = !quoted
			b.WriteByte(c)
		case c == '(' && !quoted:
			depth++
		case c == ')' && depth > 0:
			depth--
			if depth == 0 {
				b.WriteByte(' ')
			}
		case depth == 0:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// unquote removes the quotes of a property value written as a quoted
// string (header.from="example.com").
func unquote(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return s[1 : len(s)-1]
	}
	return s
}

// asciiEqualFold is strings.EqualFold for ASCII letters only, so that no
// Unicode folding (the Kelvin sign for k, say) makes a forged authserv-id
// equal the configured one.
func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// printable replaces what a terminal would act on (escape sequences, other
// control characters) and bytes that are not UTF-8 in header text quoted in
// a reason.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if r == utf8.RuneError || !unicode.IsPrint(r) {
			return '?'
		}
		return r
	}, s)
}
