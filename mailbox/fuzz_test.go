package mailbox

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/emersion/go-msgauth/authres"

	"github.com/acctsetup/acctsetup/providers"
)

// FuzzDecodeHeader decodes arbitrary header values. The result is what a
// person reads: valid UTF-8 without control characters, its white space
// folded to single spaces; and text that needs no decoding (UTF-8 without
// encoded-words or control characters) keeps every word.
func FuzzDecodeHeader(f *testing.F) {
	for _, raw := range []string{
		"Verify your email address",
		"=?UTF-8?B?SWhyZSBCZXN0w6R0aWd1bmc=?=",
		"=?ISO-8859-1?Q?Best=E4tigung_Ihrer_E-Mail?=",
		"=?koi8-r?B?8NLJ18XU?=",
		"=?utf-8?q?Xe?= =?utf-8?q?ro?=",
		"Gr\xfc\xdfe =?utf-8?q?caf=C3=A9?=",
		"Your certification\r\n\t was   successful ",
		"Approved\x1b[2J\x00now",
		"=?utf-8?b?!!!?=",
	} {
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got := DecodeHeader(raw)
		if why := unreadable(got); why != "" {
			t.Fatalf("DecodeHeader(%q) = %q: %s", raw, got, why)
		}
		plain := utf8.ValidString(raw) && !strings.Contains(raw, "=?") &&
			!strings.ContainsFunc(raw, func(r rune) bool { return unicode.IsControl(r) && !unicode.IsSpace(r) || r == utf8.RuneError })
		if want := strings.Join(strings.Fields(raw), " "); plain && got != want {
			t.Fatalf("DecodeHeader(%q) = %q, want the text as it is: %q", raw, got, want)
		}
	})
}

// unreadable says why s is not text a person reads safely in a terminal,
// or returns "".
func unreadable(s string) string {
	switch {
	case !utf8.ValidString(s):
		return "not UTF-8"
	case strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) || r == utf8.RuneError }):
		return "holds a control character or U+FFFD"
	case s != strings.Join(strings.Fields(s), " "):
		return "white space not folded"
	}
	return ""
}

// fuzzAuthserv is the receiving server FuzzClassify trusts, the one of the
// sample e-mails.
const fuzzAuthserv = "mx.acctsetup.test"

// FuzzClassify parses arbitrary header blocks as a scan does and classifies
// them against the built-in providers. Seeds: every sample e-mail,
// providers/*/testdata/mail/*.eml. Whatever the header:
//
//   - the fields a person reads (Message-ID, From, its name, Subject) are
//     UTF-8 without control characters, so no header can drive the
//     terminal that "mailbox review" prints to, and the reason is printable;
//   - the verdict is consistent: a message about no provider has no signal
//     and no reason; one that waits for review says why; one that advances
//     has a rule of its provider, a sender from its domains who is no relay,
//     no Fwd: or Re:, and the receiving server's Authentication-Results;
//   - an Authentication-Results field added below the receiving server's
//     own changes nothing: only the top-most of them counts.
func FuzzClassify(f *testing.F) {
	paths, err := filepath.Glob(filepath.Join("..", "providers", "*", "testdata", "mail", "*.eml"))
	if err != nil || len(paths) == 0 {
		f.Fatalf("no sample e-mails: %v", err)
	}
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		header, _, _ := bytes.Cut(data, []byte("\n\n"))
		f.Add(header)
	}
	reg, err := providersForFuzzing()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, block []byte) {
		var m Message
		parseHeader(&m, block)
		for name, v := range map[string]string{"Message-ID": m.MessageID, "From": m.From} {
			if strings.ContainsFunc(v, func(r rune) bool { return !unicode.IsPrint(r) }) || !utf8.ValidString(v) {
				t.Fatalf("%s = %q: not printable", name, v)
			}
		}
		for name, v := range map[string]string{"From name": m.FromName, "Subject": m.Subject} {
			if why := unreadable(v); why != "" {
				t.Fatalf("%s = %q: %s", name, v, why)
			}
		}
		v := Classify(m, reg, fuzzAuthserv)
		checkVerdict(t, m, reg, v)
		if !trusted(m) {
			return
		}
		forged := m
		_, domain := splitAddress(m.From)
		forged.AuthResults = append(slices.Clone(m.AuthResults),
			fuzzAuthserv+"; dkim=pass header.d="+domain+"; dmarc=pass header.from="+domain)
		if fv := Classify(forged, reg, fuzzAuthserv); fv.Advance != v.Advance {
			t.Fatalf("a forged Authentication-Results field below the trusted one changed Advance from %v to %v (%s)", v.Advance, fv.Advance, fv.Reason)
		}
	})
}

func providersForFuzzing() ([]*providers.Provider, error) {
	reg, err := providers.Builtin()
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(reg.All(), func(p *providers.Provider) bool { return p.Retired }), nil
}

// checkVerdict checks that v is a consistent verdict on m.
func checkVerdict(t *testing.T, m Message, ps []*providers.Provider, v Verdict) {
	t.Helper()
	if strings.ContainsFunc(v.Reason, func(r rune) bool { return !unicode.IsPrint(r) }) || !utf8.ValidString(v.Reason) {
		t.Fatalf("Reason %q is not printable", v.Reason)
	}
	if v.Provider == "" {
		if v.Advance || v.Signal.ID != "" || v.Reason != "" {
			t.Fatalf("a verdict about no provider: %+v", v)
		}
		return
	}
	i := slices.IndexFunc(ps, func(p *providers.Provider) bool { return p.ID == v.Provider })
	if i < 0 {
		t.Fatalf("verdict about unknown provider %q", v.Provider)
	}
	p := ps[i]
	if v.Signal.ID != "" && !slices.ContainsFunc(p.Signals.Rules, func(r providers.Signal) bool { return r.ID == v.Signal.ID && r.Step == v.Signal.Step }) {
		t.Fatalf("signal %q (step %q) is not a rule of %s", v.Signal.ID, v.Signal.Step, p.ID)
	}
	if !v.Advance {
		if v.Reason == "" {
			t.Fatalf("message about %s waits for review without a reason", p.ID)
		}
		return
	}
	_, domain := splitAddress(m.From)
	_, relay := stripRelay(m.Subject)
	switch {
	case v.Signal.ID == "" || v.Reason != "":
		t.Fatalf("advances without a signal or with a reason: %+v", v)
	case !p.Signals.Speaks(domain):
		t.Fatalf("advances for %s, but %q is not from its domains", p.ID, m.From)
	case p.Signals.Relayed(m.From):
		t.Fatalf("advances for %s, but %q relays its customers' mail", p.ID, m.From)
	case relay != "":
		t.Fatalf("advances for %s, but %q is a %s", p.ID, m.Subject, relay)
	case !trusted(m):
		t.Fatalf("advances for %s without Authentication-Results from %s: %q", p.ID, fuzzAuthserv, m.AuthResults)
	}
}

// trusted reports whether m has an Authentication-Results field from
// fuzzAuthserv.
func trusted(m Message) bool {
	return slices.ContainsFunc(m.AuthResults, func(raw string) bool {
		id, _, _ := authres.Parse(stripComments(raw))
		return asciiEqualFold(id, fuzzAuthserv)
	})
}
