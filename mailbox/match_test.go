package mailbox_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/acctsetup/acctsetup/mailbox"
	"github.com/acctsetup/acctsetup/providers"
	"github.com/acctsetup/acctsetup/providers/all"
)

const (
	authserv = "mx.acctsetup.test"
	exchange = "Exchange Online"
)

func builtins(t *testing.T) []*providers.Provider {
	t.Helper()
	reg, err := all.Registry()
	if err != nil {
		t.Fatal(err)
	}
	return reg.All()
}

// verdictCase is a message and what Classify must say of it: reason is a
// part of the reason, or "" when the message must advance or be ignored.
type verdictCase struct {
	name     string
	m        mailbox.Message
	provider string // "" for a message Classify must ignore
	signal   string // the rule that must match, "" for none
	advance  bool
	reason   string
}

func checkVerdicts(t *testing.T, trust mailbox.Trust, tests []verdictCase) {
	t.Helper()
	ps := builtins(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v := trust.Classify(tt.m, ps)
			if plain := mailbox.Classify(tt.m, ps, trust.AuthservID); !trust.ExchangeOnline && !reflect.DeepEqual(plain, v) {
				t.Errorf("Classify() = %+v, but Trust.Classify() = %+v", plain, v)
			}
			if v.Provider != tt.provider || v.Signal.ID != tt.signal || v.Advance != tt.advance {
				t.Errorf("Classify() = {provider %q, signal %q, advance %v}, want {%q, %q, %v}; reason %q",
					v.Provider, v.Signal.ID, v.Advance, tt.provider, tt.signal, tt.advance, v.Reason)
			}
			if v.Review() != (tt.provider != "" && !tt.advance) {
				t.Errorf("Review() = %v with provider %q and advance %v", v.Review(), v.Provider, v.Advance)
			}
			switch {
			case tt.reason == "" && v.Reason != "":
				t.Errorf("Reason = %q, want none", v.Reason)
			case !strings.Contains(v.Reason, tt.reason):
				t.Errorf("Reason = %q, want it to hold %q", v.Reason, tt.reason)
			}
		})
	}
}

// fromXero is a certification pass notice from xero.com with the given
// Authentication-Results fields.
func fromXero(results ...string) mailbox.Message {
	return mailbox.Message{From: "noreply@xero.com", FromName: "Xero", Subject: "Your certification was successful", AuthResults: results}
}

func TestAuthenticity(t *testing.T) {
	t.Parallel()
	const noPass = "no DKIM or DMARC pass for a Xero domain"
	advance := func(name string, m mailbox.Message) verdictCase {
		return verdictCase{name: name, m: m, provider: "xero", signal: "certification-passed", advance: true}
	}
	review := func(name string, m mailbox.Message, reason string) verdictCase {
		return verdictCase{name: name, m: m, provider: "xero", signal: "certification-passed", reason: reason}
	}
	checkVerdicts(t, mailbox.Trust{AuthservID: authserv}, []verdictCase{
		advance("dkim pass for the domain", fromXero(authserv+"; dkim=pass header.d=xero.com header.s=s1")),
		advance("dkim pass for a subdomain", fromXero(authserv+"; dkim=pass header.d=mail.xero.com")),
		advance("dkim pass with header.i only", fromXero(authserv+"; dkim=pass header.i=@xero.com header.s=s1 header.b=AbC")),
		advance("dmarc pass", fromXero(authserv+"; spf=fail smtp.mailfrom=bounce.example; dmarc=pass header.from=xero.com")),
		advance("dmarc pass in quotes", fromXero(authserv+`; dmarc=pass header.from="xero.com"`)),
		advance("results in comments", fromXero(authserv+"; spf=pass (mx.acctsetup.test: domain of b@mail.xero.com designates 192.0.2.1 as permitted sender) smtp.mailfrom=b@mail.xero.com; dmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=xero.com")),
		advance("semicolon in a comment", fromXero(authserv+"; dkim=pass (1024-bit key; secure) header.d=xero.com header.i=@xero.com")),
		advance("version number", fromXero(authserv+" 1; dkim=pass header.d=xero.com")),
		advance("authserv-id in another case", fromXero("MX.Acctsetup.TEST; dkim=pass header.d=xero.com")),
		advance("a failing signature beside a passing one", fromXero(authserv+"; dkim=fail header.d=sendgrid.net; dkim=pass header.d=xero.com")),
		advance("top-most trusted pass, older trusted fail", fromXero(authserv+"; dkim=pass header.d=xero.com", authserv+"; dkim=fail header.d=xero.com")),
		advance("untrusted fields around the trusted one", fromXero("internal.acctsetup.test; dkim=fail", authserv+"; dmarc=pass header.from=xero.com", "mx.sender.example; dkim=fail")),

		review("look-alike header.d", fromXero(authserv+"; dkim=pass header.d=xero.com.evil.io"), "dkim=pass header.d=xero.com.evil.io ("+authserv+"): "+noPass),
		review("header.d with a prefix", fromXero(authserv+"; dkim=pass header.d=evilxero.com"), "dkim=pass header.d=evilxero.com"),
		review("dmarc pass for another domain", fromXero(authserv+"; dmarc=pass header.from=notxero.com"), "dmarc=pass header.from=notxero.com ("+authserv+"): "+noPass),
		review("dkim pass for a mailing service, dmarc fail", fromXero(authserv+"; dkim=pass header.d=sendgrid.net; dmarc=fail header.from=xero.com"),
			"dkim=pass header.d=sendgrid.net, dmarc=fail header.from=xero.com ("+authserv+"): "+noPass),
		review("dkim and dmarc fail", fromXero(authserv+"; dkim=fail reason=\"bad signature\" header.d=xero.com; dmarc=fail header.from=xero.com"), "dkim=fail header.d=xero.com, dmarc=fail"),
		review("dkim pass for another provider", fromXero(authserv+"; dkim=pass header.d=intuit.com"), "dkim=pass header.d=intuit.com"),
		review("pass only in a comment", fromXero(authserv+"; dkim=fail (header.d=xero.com dkim=pass) header.d=evil.example"), "dkim=fail header.d=evil.example"),
		review("trusted fail, untrusted pass", fromXero(authserv+"; dkim=fail header.d=xero.com", "x.example; dkim=pass header.d=xero.com"),
			"dkim=fail header.d=xero.com ("+authserv+"): "+noPass+"; authentication results from another server (x.example) are not trusted"),
		review("top-most trusted fail, forged trusted pass below", fromXero(authserv+"; dkim=fail header.d=xero.com", authserv+"; dkim=pass header.d=xero.com"), "dkim=fail header.d=xero.com"),
		review("only untrusted results", fromXero("x.example; dkim=pass header.d=xero.com", "y.example; dmarc=pass header.from=xero.com"),
			"no authentication results from "+authserv+"; authentication results from another server (x.example, y.example) are not trusted"),
		review("authserv-id with a Kelvin sign", fromXero("mx.acctsetup.tes\u212A; dkim=pass header.d=xero.com"), "no authentication results from "+authserv),
		review("no results", fromXero(), "no authentication results from "+authserv),
		review("results say none", fromXero(authserv+"; none"), "no DKIM or DMARC result from "+authserv),
		review("only spf", fromXero(authserv+"; spf=pass smtp.mailfrom=xero.com"), "no DKIM or DMARC result from "+authserv),
		review("malformed trusted field", fromXero(authserv+"; dkim"), "unreadable authentication results from "+authserv),
		review("unsupported version", fromXero(authserv+" 2; dkim=pass header.d=xero.com"), "no authentication results from "+authserv),
		review("unclosed comment", fromXero(authserv+"; dkim=pass (unclosed header.d=xero.com"), "dkim=pass header.d= ("+authserv+")"),
		review("garbage", fromXero("\x00\xff;;(;=;\"", ";", ""), "no authentication results from "+authserv+"; authentication results from another server (??) are not trusted"),
		review("control characters in a domain", fromXero(authserv+"; dkim=pass header.d=\x1b[2Jevil.example"), "header.d=?[2Jevil.example"),
	})
}

// TestAuthenticityExchangeOnline checks the Exchange Online rule on fields
// in the form Microsoft documents: the top-most field counts, only without
// an authserv-id, and nothing below it.
func TestAuthenticityExchangeOnline(t *testing.T) {
	t.Parallel()
	const (
		noPass = "no DKIM or DMARC pass for a Xero domain"
		pass   = "spf=pass (sender IP is 192.0.2.11) smtp.mailfrom=mail.xero.com; dkim=pass (signature was verified) header.d=xero.com;dmarc=pass action=none header.from=xero.com;compauth=pass reason=100"
		fail   = "spf=fail (sender IP is 203.0.113.9) smtp.mailfrom=xero-mail.example; dkim=none (message not signed) header.d=none;dmarc=fail action=oreject header.from=xero.com;compauth=fail reason=000"
	)
	advance := func(name string, m mailbox.Message) verdictCase {
		return verdictCase{name: name, m: m, provider: "xero", signal: "certification-passed", advance: true}
	}
	review := func(name string, m mailbox.Message, reason string) verdictCase {
		return verdictCase{name: name, m: m, provider: "xero", signal: "certification-passed", reason: reason}
	}
	checkVerdicts(t, mailbox.Trust{ExchangeOnline: true}, []verdictCase{
		advance("documented form", fromXero(pass)),
		advance("dmarc pass after a modified body", fromXero("spf=pass (sender IP is 192.0.2.11) smtp.mailfrom=mail.xero.com; dkim=fail (body hash did not verify) header.d=xero.com;dmarc=pass action=none header.from=xero.com;compauth=pass reason=100")),
		advance("dkim pass for a subdomain", fromXero("spf=none smtp.mailfrom=bounce.example; dkim=pass (signature was verified) header.d=mail.xero.com;dmarc=none action=none header.from=xero.com;compauth=softpass reason=201")),
		advance("bare domains between results", fromXero("spf=pass (sender IP is 192.0.2.11) smtp.mailfrom=xero.com; acme.example; dkim=pass (signature was verified) header.d=xero.com;acme.example; dmarc=pass action=none header.from=xero.com;compauth=pass reason=100")),
		advance("a failing copy below is not read", fromXero(pass, fail)),

		review("top-most fails, forged pass below", fromXero(fail, pass), "dkim=none header.d=none, dmarc=fail header.from=xero.com ("+exchange+"): "+noPass),
		review("top-most fails, forged pass below naming Microsoft", fromXero(fail, "mx.microsoft.com; dkim=pass header.d=xero.com; dmarc=pass header.from=xero.com"), "dmarc=fail header.from=xero.com ("+exchange+"): "+noPass),
		review("forged pass above, naming a server", fromXero("mx.microsoft.com; dkim=pass header.d=xero.com; dmarc=pass header.from=xero.com", fail),
			"the top-most Authentication-Results names mx.microsoft.com, so it was added after "+exchange+", which names none; nothing below it is trusted"),
		review("forged pass above, with a version", fromXero("outlook.office365.com 1; dkim=pass header.d=xero.com", pass), "names outlook.office365.com 1, so it was added after"),
		review("no DMARC record", fromXero("spf=pass (sender IP is 192.0.2.11) smtp.mailfrom=xero.com; dkim=none (message not signed) header.d=none;dmarc=bestguesspass action=none header.from=xero.com;compauth=pass reason=109"),
			"dmarc=bestguesspass header.from=xero.com ("+exchange+"): "+noPass),
		review("dkim pass for a look-alike", fromXero("spf=pass (sender IP is 203.0.113.9) smtp.mailfrom=xero-billing.example; dkim=pass (signature was verified) header.d=xero-billing.example;dmarc=none action=none header.from=xero.com;compauth=fail reason=001"),
			"dkim=pass header.d=xero-billing.example"),
		review("composite pass alone", fromXero("spf=pass (sender IP is 192.0.2.11) smtp.mailfrom=xero.com;compauth=pass reason=100"), "no DKIM or DMARC result from "+exchange),
		review("no results", fromXero(), "no authentication results from "+exchange),
		review("empty top-most field", fromXero("", pass), "the top-most Authentication-Results is empty"),
	})
}

func TestAuthenticityNeedsAnAuthservID(t *testing.T) {
	t.Parallel()
	checkVerdicts(t, mailbox.Trust{}, []verdictCase{{
		name: "no authserv_id", m: fromXero("; dkim=pass header.d=xero.com"),
		provider: "xero", signal: "certification-passed", reason: "no authserv_id is configured",
	}})
}

func TestClassify(t *testing.T) {
	t.Parallel()
	pass := func(domain string) []string {
		return []string{authserv + "; dkim=pass header.d=" + domain + "; dmarc=pass header.from=" + domain}
	}
	teammate := func(subject string) mailbox.Message {
		return mailbox.Message{From: "priya@acme.example", FromName: "Priya Shah", Subject: subject, AuthResults: pass("acme.example")}
	}
	checkVerdicts(t, mailbox.Trust{AuthservID: authserv}, []verdictCase{
		{name: "approval", m: mailbox.Message{From: "partners@xero.com", Subject: "Partner application approved", AuthResults: pass("xero.com")},
			provider: "xero", signal: "certification-passed", advance: true},
		{name: "rejection wins over approval", m: mailbox.Message{From: "partners@xero.com", Subject: "Your certification was not approved", AuthResults: pass("xero.com")},
			provider: "xero", signal: "certification-declined", advance: true},
		{name: "another provider", m: mailbox.Message{From: "no-reply@notification.intuit.com", Subject: "Production keys are now available", AuthResults: pass("notification.intuit.com")},
			provider: "quickbooksonline", signal: "production-approved", advance: true},
		{name: "newsletter from a provider domain", m: mailbox.Message{From: "news@xero.com", Subject: "Xero developer newsletter: November", AuthResults: pass("xero.com")},
			provider: "xero", reason: "from a Xero domain but matches no rule"},
		{name: "password reset", m: mailbox.Message{From: "noreply@intuit.com", Subject: "Reset your password", AuthResults: pass("intuit.com")},
			provider: "quickbooksonline", reason: "from a QuickBooks Online domain but matches no rule"},
		{name: "no rule and no results", m: mailbox.Message{From: "news@xero.com", Subject: "Webinar"},
			provider: "xero", reason: "matches no rule; no authentication results from " + authserv},
		{name: "reply from the provider", m: mailbox.Message{From: "partners@xero.com", Subject: "RE: Partner application approved?", AuthResults: pass("xero.com")},
			provider: "xero", signal: "certification-passed", reason: `the subject "RE: Partner application approved?" is a reply, not Xero's own notice`},
		{name: "forward from the provider", m: mailbox.Message{From: "partners@xero.com", Subject: "Fwd: Fw: Partner application approved", AuthResults: pass("xero.com")},
			provider: "xero", signal: "certification-passed", reason: "is a forward"},

		{name: "look-alike domain", m: mailbox.Message{From: "partners@xero-mail.com", Subject: "Partner application approved", AuthResults: pass("xero-mail.com")},
			provider: "xero", signal: "certification-passed", reason: "sender domain look-alike xero-mail.com is not a Xero domain"},
		{name: "look-alike suffix", m: mailbox.Message{From: "partners@xero.com.evil.io", Subject: "Partner application approved", AuthResults: pass("xero.com.evil.io")},
			provider: "xero", signal: "certification-passed", reason: "sender domain look-alike xero.com.evil.io"},
		{name: "look-alike prefix", m: mailbox.Message{From: "partners@evilxero.com", Subject: "Hello", AuthResults: pass("evilxero.com")},
			provider: "xero", reason: "sender domain look-alike evilxero.com"},
		{name: "spaced-out brand", m: mailbox.Message{From: "billing@quick-books.example", Subject: "Invoice"},
			provider: "quickbooksonline", reason: "sender domain look-alike quick-books.example is not a QuickBooks Online domain"},
		{name: "brand in the address", m: mailbox.Message{From: "xero.partners@gmail.com", Subject: "Partner application approved"},
			provider: "xero", signal: "certification-passed", reason: "sender address xero.partners@gmail.com names Xero but is not from a Xero domain"},
		{name: "brand in the name", m: mailbox.Message{From: "certify@partnerdesk.io", FromName: "Xero Certification", Subject: "Your certification was successful", AuthResults: pass("partnerdesk.io")},
			provider: "xero", signal: "certification-passed", reason: `sender name "Xero Certification" names Xero but certify@partnerdesk.io is not from a Xero domain`},
		{name: "second brand in the name", m: mailbox.Message{From: "team@mailer.example", FromName: "QuickBooks Team", Subject: "Production access granted"},
			provider: "quickbooksonline", signal: "production-approved", reason: `sender name "QuickBooks Team"`},
		{name: "brand across words is no brand", m: mailbox.Message{From: "max@eros.example", FromName: "Max Eros", Subject: "Partner application approved"}},
		// Ordinary words that hold a brand (brand_exceptions) name no provider.
		{name: "messages hold sage", m: mailbox.Message{From: "messages-noreply@linkedin.com", FromName: "LinkedIn Messages", Subject: "You have 2 new messages", AuthResults: pass("linkedin.com")}},
		{name: "usage holds sage", m: mailbox.Message{From: "billing@cloud.example", FromName: "Usage Alerts", Subject: "Your usage report"}},
		{name: "xerox holds xero", m: mailbox.Message{From: "noreply@xerox.com", FromName: "Xerox", Subject: "Your printer account is ready", AuthResults: pass("xerox.com")}},
		{name: "intuitive holds intuit", m: mailbox.Message{From: "news@intuitive.example", FromName: "Intuitive Surgical", Subject: "Quarterly update"}},
		{name: "a brand beside an exception still names it", m: mailbox.Message{From: "api@sage-messages.example", Subject: "Your Sage 200 API credentials"},
			provider: "sage200", signal: "credentials-issued", reason: "sender domain look-alike sage-messages.example is not a Sage 200 Standard domain"},

		{name: "forward by a teammate", m: teammate("Fwd: Your certification was successful"),
			provider: "xero", signal: "certification-passed", reason: "forwarded by priya@acme.example, not sent by Xero"},
		{name: "German forward of another provider's notice", m: teammate("WG: Production keys are now available"),
			provider: "quickbooksonline", signal: "production-approved", reason: "forwarded by priya@acme.example, not sent by QuickBooks Online"},
		{name: "reply by a teammate naming the brand", m: teammate("Re: Xero partner application"),
			provider: "xero", reason: "a reply from priya@acme.example, not sent by Xero"},
		{name: "forward naming a domain", m: teammate("Fwd: mail from developer.intuit.com"),
			provider: "quickbooksonline", reason: "forwarded by priya@acme.example, not sent by QuickBooks Online"},
		{name: "forward of something else", m: teammate("Fwd: lunch")},
		{name: "no relay, rule words only", m: teammate("Production keys are now available")},

		{name: "subject names the brand", m: mailbox.Message{From: "noreply@accounts-portal.io", Subject: "Verify your Xero account", AuthResults: pass("accounts-portal.io")},
			provider: "xero", signal: "email-verified", reason: "the subject names Xero but noreply@accounts-portal.io is not from a Xero domain"},
		{name: "no From address", m: mailbox.Message{Subject: "Verify your Xero account"},
			provider: "xero", signal: "email-verified", reason: "but an unknown sender is not from a Xero domain"},
		{name: "rule words without the brand", m: mailbox.Message{From: "noreply@github.com", Subject: "Verify your email address", AuthResults: pass("github.com")}},
		{name: "brand without a rule", m: mailbox.Message{From: "events@conference.example", Subject: "Meet Xero at our conference"}},
		{name: "provider without signals", m: mailbox.Message{From: "hello@codat.io", FromName: "Codat", Subject: "Welcome to Codat", AuthResults: pass("codat.io")}},
		{name: "empty message", m: mailbox.Message{}},
	})
}

func TestClassifySharedDomain(t *testing.T) {
	t.Parallel()
	sage := func(id, name, rule, subject string) *providers.Provider {
		return &providers.Provider{ID: id, Name: name, Signals: providers.Signals{
			Domains: []string{"sage.com"},
			Rules:   []providers.Signal{{ID: rule, Event: providers.EventKeysIssued, Step: "store-keys", Subject: subject}},
		}}
	}
	ps := []*providers.Provider{
		sage("sageaccounting", "Sage Accounting", "app-keys", "(?i)your app keys"),
		sage("sage200", "Sage 200", "credentials", "(?i)your sage 200 credentials"),
	}
	tests := []struct {
		subject, provider, signal string
	}{
		{"Your Sage 200 credentials", "sage200", "credentials"},
		{"Your app keys", "sageaccounting", "app-keys"},
		{"Sage newsletter", "sageaccounting", ""},
	}
	for _, tt := range tests {
		m := mailbox.Message{From: "noreply@sage.com", Subject: tt.subject, AuthResults: []string{authserv + "; dkim=pass header.d=sage.com"}}
		v := mailbox.Classify(m, ps, authserv)
		if v.Provider != tt.provider || v.Signal.ID != tt.signal || v.Advance != (tt.signal != "") {
			t.Errorf("Classify(%q) = {provider %q, signal %q, advance %v}, want {%q, %q, %v}",
				tt.subject, v.Provider, v.Signal.ID, v.Advance, tt.provider, tt.signal, tt.signal != "")
		}
	}
}
