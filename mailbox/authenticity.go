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

// Trust says whose Authentication-Results header fields vouch for a
// message's sender: those of the receiving server named AuthservID, or,
// with ExchangeOnline, the one Exchange Online (Microsoft 365) adds, which
// names no server.
type Trust struct {
	// AuthservID trusts the top-most field with this authserv-id (RFC 8601
	// section 2.5), such as "mx.google.com": see authenticate.
	AuthservID string
	// ExchangeOnline trusts the top-most field, and only when it has no
	// authserv-id, as Exchange Online writes it: see authenticateExchange.
	// AuthservID is not used then.
	ExchangeOnline bool
}

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
func authenticate(m Message, p *providers.Provider, trust Trust) (bool, string) {
	if trust.ExchangeOnline {
		return authenticateExchange(m, p)
	}
	authservID := trust.AuthservID
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

// exchangeOnline names Exchange Online's field in reasons.
const exchangeOnline = "Exchange Online"

// authenticateExchange is authenticate for a mailbox in Exchange Online,
// whose Authentication-Results name no server.
//
// Exchange Online Protection records the SPF, DKIM and DMARC results of
// every inbound message in an Authentication-Results field without an
// authserv-id: "spf=pass (sender IP is 192.168.0.1)
// smtp.mailfrom=contoso.com; dkim=pass (signature was verified)
// header.d=contoso.com;dmarc=pass action=none header.from=contoso.com;
// compauth=pass reason=100"
// (https://learn.microsoft.com/en-us/defender-office-365/message-headers-eop-mdo#authentication-results-message-header).
// Like every receiving server it adds the field above the header it
// received, and Microsoft reads the results from "the last
// Authentication-Results header"
// (https://learn.microsoft.com/en-us/defender-office-365/email-authentication-arc-configure#validate-a-trusted-arc-sealer):
// the top-most field is Exchange's own, and anything a sender wrote lies
// below it. Microsoft documents no removal of inbound copies (its header
// firewall removes X-MS-Exchange-Organization-* and routing headers, not
// these), so a field below Exchange's can be anyone's, and only the top-most
// counts. A top-most field that names a server is not Exchange's (something
// added it after Exchange: a relay, a rule, a message put in the mailbox by
// other means): nothing is trusted then.
//
// ARC-Authentication-Results never count. Exchange writes its own as
// "i=N; mx.microsoft.com 1; ..." (same page), but that name is Microsoft's
// service, not this organisation's Exchange; a sender can write an ARC set
// of any instance under it; whether a set is Microsoft's shows only in its
// seal's signature, checked against DNS, which reading header fields does
// not do; and Microsoft documents no removal of inbound ARC sets either.
//
// What no header can show: a field copying Exchange's form, without an
// authserv-id, placed above Exchange's own. Mail delivered through
// Exchange cannot carry one; only someone who can write into the mailbox
// directly can put one there.
//
// Exchange writes "action=none" without the ptype RFC 8601 asks for, and
// in some routings a bare domain between results ("...; contoso.com;
// dkim=..."): both are read, the bare domains skipped.
func authenticateExchange(m Message, p *providers.Provider) (bool, string) {
	if len(m.AuthResults) == 0 {
		return false, "no authentication results from " + exchangeOnline
	}
	top := stripComments(m.AuthResults[0])
	first, _, _ := strings.Cut(top, ";")
	if first = strings.TrimSpace(first); !strings.Contains(first, "=") {
		if first == "" {
			return false, "the top-most Authentication-Results is empty, so none from " + exchangeOnline + " can be found"
		}
		return false, fmt.Sprintf("the top-most Authentication-Results names %s, so it was added after %s, which names none; nothing below it is trusted",
			printable(strings.Join(strings.Fields(first), " ")), exchangeOnline)
	}
	var kept []string
	for _, part := range strings.Split(top, ";") {
		if strings.Contains(part, "=") {
			kept = append(kept, part)
		}
	}
	// authres reads a field that starts with its authserv-id.
	_, results, err := authres.Parse("exchange.invalid; " + strings.Join(kept, ";"))
	return judge(results, err, p, exchangeOnline)
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
