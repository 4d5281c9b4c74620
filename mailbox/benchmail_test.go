package mailbox

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestBenchMail checks the benchmark mailbox against the built-in providers,
// so that a change to their signals shows here rather than minutes into a
// benchmark: the scan's search must find exactly the messages of the kinds
// meant to hold a search word, and Classify must make of each what its kind
// says.
func TestBenchMail(t *testing.T) {
	t.Parallel()
	ps := activeProviders(t)
	terms := SearchTerms(ps)
	for i := range 2000 {
		raw := benchMail(i)
		kind := kindOf(i)
		header, _, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
		var m Message
		parseHeader(&m, header)

		from, subject := strings.ToLower(m.FromName+" <"+m.From+">"), strings.ToLower(m.Subject)
		found := slices.ContainsFunc(terms.From, func(s string) bool { return strings.Contains(from, s) }) ||
			slices.ContainsFunc(terms.Subject, func(s string) bool { return strings.Contains(subject, s) })
		if want := kind >= kindSearchWord; found != want {
			t.Errorf("message %d (kind %d, From %q, Subject %q): found by the search = %v, want %v", i, kind, from, m.Subject, found, want)
		}

		v := Classify(m, ps, benchAuthserv)
		wantAdvance := kind == kindSignal
		wantReview := kind >= kindProviderNews
		if v.Advance != wantAdvance || v.Review() != wantReview {
			t.Errorf("message %d (kind %d, From %q, Subject %q): advance %v, review %v (%s); want %v and %v",
				i, kind, from, m.Subject, v.Advance, v.Review(), v.Reason, wantAdvance, wantReview)
		}
	}
}

// benchAuthserv is the receiving server that added the Authentication-Results
// of the benchmark mail, and the one the benchmarks' Classify trusts.
const benchAuthserv = "mx.acctsetup.test"

// mailKind is one sort of message in the benchmark mailbox.
type mailKind int

// The sorts of message in the benchmark mailbox. From kindSearchWord on,
// the scan's search finds them; from kindSignal on, they are about a
// provider; from kindProviderNews on, they wait for review.
const (
	kindColleague    mailKind = iota // internal mail, plain text, 0.5-3 KB
	kindNotification                 // a tool's notice (tickets, builds, calendar), 2-6 KB
	kindNewsletter                   // text and HTML alternatives, 5-12 KB
	kindAttachment                   // internal mail with a PDF of 100-400 KB
	kindSearchWord                   // concerns no provider, but its subject holds a search word
	kindSignal                       // a provider's notice matching a rule, authentic: advances
	kindProviderNews                 // a provider's newsletter, matching no rule: review
	kindUnauthentic                  // a provider's notice whose DKIM and DMARC fail: review
	kindForward                      // a colleague forwarding a provider's notice: review
	kindLookalike                    // a look-alike of a provider's domain: review
)

// mailKinds says how many of every 1000 messages are of each kind: 5% are
// about providers, 3% more hold a word the search looks for.
var mailKinds = []struct {
	kind     mailKind
	perMille int
}{
	{kindColleague, 310},
	{kindNotification, 300},
	{kindNewsletter, 300},
	{kindAttachment, 10},
	{kindSearchWord, 30},
	{kindSignal, 30},
	{kindProviderNews, 10},
	{kindUnauthentic, 3},
	{kindForward, 4},
	{kindLookalike, 3},
}

// mailRand is the random source of message i: the same i always makes the
// same message, whichever goroutine asks.
func mailRand(i int) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(i), 0x6d61696c626f78))
}

// kindOf returns the kind of message i.
func kindOf(i int) mailKind {
	return pickKind(mailRand(i))
}

func pickKind(r *rand.Rand) mailKind {
	n := r.IntN(1000)
	for _, k := range mailKinds {
		if n < k.perMille {
			return k.kind
		}
		n -= k.perMille
	}
	panic("mailKinds do not add up to 1000")
}

// wantVerdicts counts what Classify must make of messages 0 to n-1: how many
// advance a step and how many wait for review.
func wantVerdicts(n int) (advance, review int) {
	for i := range n {
		switch kind := kindOf(i); {
		case kind == kindSignal:
			advance++
		case kind >= kindProviderNews:
			review++
		}
	}
	return advance, review
}

// providerMail is a provider's sender and the subjects of its notices that
// match one of its rules.
type providerMail struct {
	name, domain, sender string
	signals              []string
	news                 []string
}

var providerMails = []providerMail{
	{
		name: "Xero", domain: "xero.com", sender: "Xero App Partner Programme <appcertification@xero.com>",
		signals: []string{
			"Verify your Xero email",
			"Your Xero App Partner certification is complete",
			"Security self-assessment for your Xero app",
		},
		news: []string{"Xero product news: what's new this month", "Join us at Xerocon"},
	},
	{
		name: "Intuit", domain: "intuit.com", sender: "Intuit Developer <noreply@developer.intuit.com>",
		signals: []string{
			"Verify your Intuit account",
			"Action required: complete your app assessment questionnaire",
			"Your app assessment has been approved",
		},
		news: []string{"QuickBooks tips for accountants", "Intuit developer newsletter"},
	},
}

// Subjects of the kinds that concern no provider. Only searchWordSubjects
// hold a word the scan's search looks for; the others must hold none.
var (
	colleagueSubjects = []string{
		"Lunch on Thursday?", "Notes from the planning meeting", "Re: Q3 roadmap draft",
		"Holiday cover next week", "Invoice batch for March", "Can you review the onboarding doc?",
		"Team offsite agenda", "Re: customer call follow-up", "Updated pricing sheet", "Hiring panel feedback",
	}
	notificationSubjects = []string{
		"[JIRA] (FIN-%d) Reconcile ledger export", "[GitHub] Pull request #%d merged",
		"Invitation: Weekly sync @ Tue 10:00 (%d)", "Your expense report %d was submitted",
		"Build #%d passed", "Daily digest: %d new comments",
	}
	newsletterSubjects = []string{
		"This week in fintech: issue #%d", "The Ledger: edition %d", "5 ways to speed up month-end close (%d)",
		"Webinar %d: open banking in 2026", "Your weekly product digest #%d",
	}
	searchWordSubjects = []string{
		"Please confirm your subscription", "Verify your email address for Notion",
		"Security alert: new sign-in to your account", "Production deploy of billing-api finished",
		"Customer satisfaction questionnaire", "Activate your new card", "Annual risk assessment reminder",
		"Your cloud certification exam is booked",
	}
	firstNames = []string{"Priya", "Tom", "Ana", "Kwame", "Mei", "Lars", "Sofia", "Jonas", "Aisha", "Pedro"}
	lastNames  = []string{"Shah", "Becker", "Costa", "Mensah", "Wong", "Nilsen", "Rossi", "Weber", "Khan", "Silva"}
	words      = strings.Fields(`the a of to and in for on with by from at as is are was be will
		account ledger invoice payment customer report month quarter budget team meeting plan draft
		review update number total balance export import receipt order vendor supplier project
		deadline schedule agenda summary notes figure table chart growth revenue cost margin cash
		flow forecast target goal task ticket issue build release change request comment thread
		note please thanks regards best today tomorrow week next last new old early late quick`)
)

// benchMail returns message i of the benchmark mailbox, with CRLF line
// endings as IMAP has them.
func benchMail(i int) []byte {
	r := mailRand(i)
	kind := pickKind(r)
	m := mailBuilder{r: r, i: i}
	colleague := fmt.Sprintf("%s %s", pick(r, firstNames), pick(r, lastNames))
	colleagueAddr := strings.ToLower(strings.ReplaceAll(colleague, " ", ".")) + "@acme.example"
	switch kind {
	case kindColleague:
		m.header(colleague+" <"+colleagueAddr+">", pick(r, colleagueSubjects), "acme.example", "pass")
		m.text(500 + r.IntN(2500))
	case kindNotification:
		m.header("Notifications <notify@tools.example>", fmt.Sprintf(pick(r, notificationSubjects), 100+r.IntN(9000)), "tools.example", "pass")
		m.text(2000 + r.IntN(4000))
	case kindNewsletter:
		m.header("The Ledger <news@ledger-weekly.example>", fmt.Sprintf(pick(r, newsletterSubjects), 1+r.IntN(300)), "ledger-weekly.example", "pass",
			"List-Unsubscribe: <https://ledger-weekly.example/u/"+fmt.Sprint(i)+">")
		m.alternative(1500+r.IntN(1500), 3000+r.IntN(6000))
	case kindAttachment:
		m.header(colleague+" <"+colleagueAddr+">", "Signed contract and figures attached", "acme.example", "pass")
		m.attachment(800+r.IntN(1500), 100_000+r.IntN(300_000))
	case kindSearchWord:
		m.header("Service <no-reply@service.example>", pick(r, searchWordSubjects), "service.example", "pass")
		m.text(1000 + r.IntN(3000))
	case kindSignal, kindProviderNews, kindUnauthentic:
		p := pick(r, providerMails)
		subject, result := pick(r, p.signals), "pass"
		if kind == kindProviderNews {
			subject = pick(r, p.news)
		}
		if kind == kindUnauthentic {
			result = "fail"
		}
		m.header(p.sender, subject, p.domain, result)
		if kind == kindSignal && r.IntN(10) == 0 { // the odd notice comes with a PDF
			m.attachment(1500, 100_000+r.IntN(200_000))
		} else {
			m.text(1500 + r.IntN(3000))
		}
	case kindForward:
		p := pick(r, providerMails)
		subject := pick(r, p.signals)
		m.header(colleague+" <"+colleagueAddr+">", "Fwd: "+subject, "acme.example", "pass")
		fmt.Fprintf(&m.body, "FYI, see below.\r\n\r\n---------- Forwarded message ---------\r\nFrom: %s\r\nSubject: %s\r\n\r\n", p.sender, subject)
		m.text(1000 + r.IntN(2000))
	case kindLookalike:
		p := pick(r, providerMails)
		lookalike := strings.Replace(p.domain, ".", "-billing.", 1) // xero-billing.com
		m.header(p.name+" Billing <billing@"+lookalike+">", "Your "+p.name+" subscription invoice is overdue", lookalike, "pass")
		m.text(1000 + r.IntN(2000))
	}
	return m.bytes()
}

func pick[T any](r *rand.Rand, list []T) T {
	return list[r.IntN(len(list))]
}

// mailBuilder writes one message: a header as a receiving server leaves it
// (Return-Path, Received, Authentication-Results, a DKIM signature), then a
// body.
type mailBuilder struct {
	r          *rand.Rand
	i          int
	head, body bytes.Buffer
}

// benchEpoch is the Date of message 0; message i came i minutes later.
var benchEpoch = time.Date(2025, 6, 2, 8, 0, 0, 0, time.UTC)

// header writes the header fields of a message from sender (a From value)
// whose DKIM and DMARC results for domain are result, with extra fields
// after the usual ones.
func (m *mailBuilder) header(from, subject, domain, result string, extra ...string) {
	h := &m.head
	date := benchEpoch.Add(time.Duration(m.i) * time.Minute).Format(time.RFC1123Z)
	fmt.Fprintf(h, "Return-Path: <bounce-%d@%s>\r\nDelivered-To: integrations@acme.example\r\n", m.i, domain)
	fmt.Fprintf(h, "Received: from mx.acctsetup.test (localhost [127.0.0.1])\r\n\tby imap.acctsetup.test (Postfix) with ESMTP id %X\r\n\tfor <integrations@acme.example>; %s\r\n", m.r.Uint32(), date)
	fmt.Fprintf(h, "Received: from mail.%s (mail.%s [192.0.2.%d])\r\n\tby mx.acctsetup.test with ESMTPS id %X\r\n\tfor <integrations@acme.example>; %s\r\n", domain, domain, 1+m.r.IntN(250), m.r.Uint64(), date)
	fmt.Fprintf(h, "Authentication-Results: %s;\r\n\tdkim=%s header.d=%s header.s=s1 header.b=%s;\r\n\tspf=pass smtp.mailfrom=bounce-%d@%s;\r\n\tdmarc=%s (p=REJECT sp=REJECT dis=NONE) header.from=%s\r\n",
		benchAuthserv, result, domain, m.token(8), m.i, domain, result, domain)
	fmt.Fprintf(h, "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=%s; s=s1;\r\n\th=from:to:subject:date:message-id:mime-version:content-type;\r\n\tbh=%s;\r\n\tb=%s\r\n",
		domain, m.token(44), m.token(344))
	fmt.Fprintf(h, "From: %s\r\nTo: Integrations <integrations@acme.example>\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <bench-%d.%X@%s>\r\nMIME-Version: 1.0\r\n",
		from, subject, date, m.i, m.r.Uint32(), domain)
	for _, f := range extra {
		h.WriteString(f + "\r\n")
	}
}

// token is n characters of base64, as in a DKIM signature.
func (m *mailBuilder) token(n int) string {
	b := make([]byte, n*3/4+3)
	for i := range b {
		b[i] = byte(m.r.Uint32())
	}
	return base64.StdEncoding.EncodeToString(b)[:n]
}

// prose writes about n bytes of words to w in lines of at most 76.
func (m *mailBuilder) prose(w *bytes.Buffer, n int) {
	line := 0
	for end := w.Len() + n; w.Len() < end; {
		word := pick(m.r, words)
		if line+len(word) > 75 {
			w.WriteString("\r\n")
			line = 0
		}
		w.WriteString(word + " ")
		line += len(word) + 1
	}
	w.WriteString("\r\n")
}

// text makes the message a plain text of about n bytes.
func (m *mailBuilder) text(n int) {
	m.head.WriteString("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n")
	m.prose(&m.body, n)
}

// alternative makes the message a text part of about text bytes and an HTML
// part of about html bytes.
func (m *mailBuilder) alternative(text, html int) {
	const boundary = "=_alt_b0undary"
	m.head.WriteString("Content-Type: multipart/alternative; boundary=\"" + boundary + "\"\r\n")
	fmt.Fprintf(&m.body, "--%s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n", boundary)
	m.prose(&m.body, text)
	fmt.Fprintf(&m.body, "--%s\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><body><table><tr><td><p>\r\n", boundary)
	m.prose(&m.body, html)
	fmt.Fprintf(&m.body, "</p></td></tr></table></body></html>\r\n--%s--\r\n", boundary)
}

// attachment makes the message a text of about text bytes and a PDF of
// size bytes, base64-encoded.
func (m *mailBuilder) attachment(text, size int) {
	const boundary = "=_mixed_b0undary"
	m.head.WriteString("Content-Type: multipart/mixed; boundary=\"" + boundary + "\"\r\n")
	fmt.Fprintf(&m.body, "--%s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n", boundary)
	m.prose(&m.body, text)
	fmt.Fprintf(&m.body, "--%s\r\nContent-Type: application/pdf; name=\"document.pdf\"\r\nContent-Transfer-Encoding: base64\r\n"+
		"Content-Disposition: attachment; filename=\"document.pdf\"\r\n\r\n", boundary)
	pdf := make([]byte, size)
	for i := 0; i < size; i += 8 {
		v := m.r.Uint64()
		for j := 0; j < 8 && i+j < size; j++ {
			pdf[i+j] = byte(v >> (8 * j))
		}
	}
	enc := base64.StdEncoding.EncodeToString(pdf)
	for len(enc) > 76 {
		m.body.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	fmt.Fprintf(&m.body, "%s\r\n--%s--\r\n", enc, boundary)
}

// bytes is the whole message.
func (m *mailBuilder) bytes() []byte {
	return append(append(m.head.Bytes(), "\r\n"...), m.body.Bytes()...)
}
