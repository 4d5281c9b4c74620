package mailbox_test

import (
	"slices"
	"testing"

	"github.com/acctsetup/acctsetup/mailbox"
	"github.com/acctsetup/acctsetup/providers"
)

func TestSearchTermsBuiltins(t *testing.T) {
	t.Parallel()
	got := mailbox.SearchTerms(builtins(t))
	wantFrom := []string{"freeagent", "intacct", "intuit", "myob", "quickbooks", "sage", "xero"}
	wantSubject := []string{
		"activate", "app partner", "assessment", "certification", "confirm", "developer ", "freeagent", "intacct",
		"intuit", "myob", "partner application", "production ", "questionnaire", "quickbooks", "sage", "security ",
		"sender ", "verify", "web services ", "welcome to ", "xero",
	}
	if !slices.Equal(got.From, wantFrom) || !slices.Equal(got.Subject, wantSubject) || got.All {
		t.Errorf("SearchTerms() = From %q, Subject %q, All %v; want From %q, Subject %q, not All", got.From, got.Subject, got.All, wantFrom, wantSubject)
	}
}

func TestSearchTermsRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		subject string
		want    []string // besides the brand and the domain
		all     bool
	}{
		{subject: `(?i)app approved`, want: []string{"app approved"}},
		{subject: `(?i)(approved|granted)`, want: []string{"approved", "granted"}},
		{subject: `(?i)keys? (issued|ready)`, want: []string{"issued", "ready"}},
		{subject: `(?i)(declined|not (approved|rejected))`, want: []string{"approved", "declined", "rejected"}},
		// The parser factors a common prefix out: a(?:pproved|ccepted).
		{subject: `(?i)(accepted|approved)`, want: []string{"ccepted", "pproved"}},
		{subject: `(?i)(verify|confirm) your e-?mail`, want: []string{" your e"}},
		{subject: `(app)+ live`, want: []string{" live"}},
		{subject: `(?:approved){2,}`, want: []string{"approved"}},
		{subject: `^Approved$`, want: []string{"approved"}},
		{subject: `(?i)approved|`, all: true},
		{subject: `.*`, all: true},
		{subject: `(?i)[a-z]+ done`, want: []string{" done"}},
		{subject: `(?i)(approved)?`, all: true},
	}
	for _, tt := range tests {
		p := &providers.Provider{ID: "examplebooks", Signals: providers.Signals{
			Domains: []string{"Example.COM"},
			Rules:   []providers.Signal{{ID: "r", Event: providers.EventApproved, Step: "go-live", Subject: tt.subject}},
		}}
		got := mailbox.SearchTerms([]*providers.Provider{p, {ID: "nosignals"}})
		want := append([]string{"example.com", "examplebooks"}, tt.want...)
		slices.Sort(want)
		if !slices.Equal(got.Subject, want) || got.All != tt.all {
			t.Errorf("rule %q: Subject = %q, All = %v; want %q, %v", tt.subject, got.Subject, got.All, want, tt.all)
		}
		if wantFrom := []string{"example.com", "examplebooks"}; !slices.Equal(got.From, wantFrom) {
			t.Errorf("rule %q: From = %q, want %q", tt.subject, got.From, wantFrom)
		}
	}
}
