package all

import (
	"mime"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emersion/go-message/charset"

	"github.com/acctsetup/acctsetup/mailbox"
	"github.com/acctsetup/acctsetup/providers"
)

// addressParser decodes display names in any charset, as a scan does.
var addressParser = mail.AddressParser{WordDecoder: &mime.WordDecoder{CharsetReader: charset.Reader}}

// sampleAuthserv is the receiving server of the sample e-mails, except
// those received by Exchange Online.
const sampleAuthserv = "mx.acctsetup.test"

// TestSampleMail runs each module's sample e-mails, providers/<id>/testdata/
// mail/*.eml, through mailbox.Classify with every built-in provider. A
// sample says what it must come to in its header, and its name starts with
// the same outcome:
//
//	X-Acctsetup-Expect: advance <rule-id>   authentic, and matches the rule
//	X-Acctsetup-Expect: review [<rule-id>]  for a person, matching the rule if given
//	X-Acctsetup-Expect: ignore              concerns no provider
//	X-Acctsetup-Reason: <text>              part of the review reason (review only)
//	X-Acctsetup-Trust: exchange_online      received by Exchange Online (Microsoft 365),
//	                                        whose Authentication-Results name no server;
//	                                        otherwise by mx.acctsetup.test
//
// Every module with signal rules has a sample that advances each rule and
// one that advances none, and the scan's search terms (mailbox.SearchTerms)
// find every sample that is not ignored.
func TestSampleMail(t *testing.T) {
	t.Parallel()
	ps := registry(t).All()
	terms := mailbox.SearchTerms(ps)
	samples := func(p *providers.Provider) []string {
		paths, err := filepath.Glob(filepath.Join("..", p.ID, "testdata", "mail", "*.eml"))
		if err != nil {
			t.Fatal(err)
		}
		return paths
	}
	runSamples(t, ps, "e-mail", samples, func(t *testing.T, p *providers.Provider, path string) string {
		m, expect, wantReason, trust := readSample(t, path)
		outcome, rule, _ := strings.Cut(expect, " ")
		if !strings.HasPrefix(filepath.Base(path), outcome+"-") {
			t.Errorf("%s: expects %q, so its name must start with %q", path, expect, outcome+"-")
		}
		want := mailbox.Verdict{Provider: p.ID, Advance: outcome == "advance"}
		switch outcome {
		case "advance", "review":
		case "ignore":
			want.Provider = ""
		default:
			t.Errorf("%s: X-Acctsetup-Expect: %q, want advance, review or ignore", path, expect)
		}
		v := trust.Classify(m, ps)
		if v.Provider != want.Provider || v.Advance != want.Advance || v.Signal.ID != rule || !strings.Contains(v.Reason, wantReason) {
			t.Errorf("%s: Classify() = {provider %q, advance %v, signal %q, reason %q}; want %s, reason holding %q",
				path, v.Provider, v.Advance, v.Signal.ID, v.Reason, expect, wantReason)
		}
		if outcome != "ignore" && !found(terms, m) {
			t.Errorf("%s: no search term finds it (From %q, Subject %q)", path, m.From, m.Subject)
		}
		if !want.Advance {
			return ""
		}
		return rule
	})
}

// readSample builds the Message a scan would fetch of an .eml file, with
// its X-Acctsetup-Expect and X-Acctsetup-Reason headers and the trust rule
// of the server that received it.
func readSample(t *testing.T, path string) (m mailbox.Message, expect, reason string, trust mailbox.Trust) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	msg, err := mail.ReadMessage(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	h := msg.Header
	m.MessageID = strings.Trim(h.Get("Message-Id"), "<>")
	m.Subject = mailbox.DecodeHeader(h.Get("Subject"))
	if addr, err := addressParser.Parse(h.Get("From")); err == nil {
		m.From, m.FromName = strings.ToLower(addr.Address), mailbox.DecodeHeader(addr.Name)
	}
	m.AuthResults = h["Authentication-Results"]
	switch h.Get("X-Acctsetup-Trust") {
	case "":
		trust.AuthservID = sampleAuthserv
	case "exchange_online":
		trust.ExchangeOnline = true
	default:
		t.Errorf("%s: X-Acctsetup-Trust: %q, want exchange_online or none", path, h.Get("X-Acctsetup-Trust"))
	}
	return m, h.Get("X-Acctsetup-Expect"), h.Get("X-Acctsetup-Reason"), trust
}

// found reports whether a server search with the terms finds the message.
func found(terms mailbox.Terms, m mailbox.Message) bool {
	from := strings.ToLower(m.FromName + " <" + m.From + ">")
	subject := strings.ToLower(m.Subject)
	return terms.All || containsAny(from, terms.From) || containsAny(subject, terms.Subject)
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
