package providers

import (
	"slices"
	"strings"
	"testing"
)

func TestSignalsSpeaks(t *testing.T) {
	t.Parallel()
	s := Signals{Domains: []string{"xero.com", "Intuit.COM."}}
	tests := []struct {
		domain string
		want   bool
	}{
		{"xero.com", true},
		{"XERO.com", true},
		{"mail.xero.com", true},
		{"a.b.xero.com", true},
		{"intuit.com", true},
		{"notification.intuit.com", true},
		{"evilxero.com", false},
		{"xero.com.evil.io", false},
		{"xero-mail.com", false},
		{"xero.co", false},
		{"xero.com.", false},
		{".xero.com", false},
		{"mail..xero.com", false},
		{"xero.com ", false},
		{"bob@xero.com", false},
		{"\u212Aero.com", false}, // not an x, and EqualFold would fold the Kelvin sign to k
		{"xеro.com", false},      // Cyrillic е
		{"", false},
		{"com", false},
	}
	for _, tt := range tests {
		if got := s.Speaks(tt.domain); got != tt.want {
			t.Errorf("Speaks(%q) = %v, want %v", tt.domain, got, tt.want)
		}
	}
	if (Signals{}).Speaks("xero.com") {
		t.Errorf("Signals with no domains speaks for xero.com")
	}
}

func TestSignalsClassify(t *testing.T) {
	t.Parallel()
	p, err := Decode(testFile, []byte(baseDescriptor))
	if err != nil {
		t.Fatal(err)
	}
	rules := []Signal{
		{ID: "approved", Event: EventApproved, Step: "go-live", Subject: `(?i)approved`},
		{ID: "keys", Event: EventKeysIssued, Step: "go-live", Subject: `(?i)keys|approved`},
		{ID: "declined", Event: EventRejected, Step: "go-live", Subject: `(?i)not approved|declined`},
		{ID: "broken", Event: EventApproved, Step: "go-live", Subject: `[`},
	}
	validated := *p
	validated.Signals = Signals{Domains: []string{"example.com"}, Rules: slices.Clone(rules[:3])}
	if err := validated.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, s := range []struct {
		name string
		sigs Signals
	}{
		{"validated", validated.Signals},
		{"hand-built", Signals{Domains: []string{"example.com"}, Rules: rules}},
	} {
		tests := []struct {
			subject string
			want    string
		}{
			{"App approved", "approved"},         // first of two matching rules
			{"Your keys are ready", "keys"},      // only one rule
			{"App not approved", "declined"},     // a rejection wins over earlier rules
			{"Application declined", "declined"}, // a rejection alone
			{"Newsletter", ""},
			{"", ""},
		}
		for _, tt := range tests {
			got, ok := s.sigs.Classify(tt.subject)
			if got.ID != tt.want || ok != (tt.want != "") {
				t.Errorf("%s: Classify(%q) = %q, %v; want %q", s.name, tt.subject, got.ID, ok, tt.want)
			}
		}
	}
}

func TestProviderBrands(t *testing.T) {
	t.Parallel()
	p := &Provider{ID: "quickbooksonline"}
	if got := p.Brands(); len(got) != 1 || got[0] != "quickbooksonline" {
		t.Errorf("Brands() without signals.brands = %q, want the ID", got)
	}
	p.Signals.Brands = []string{"intuit", "quickbooks"}
	if got := p.Brands(); len(got) != 2 || got[0] != "intuit" || got[1] != "quickbooks" {
		t.Errorf("Brands() = %q, want signals.brands", got)
	}
}

func TestSignalsRelayed(t *testing.T) {
	t.Parallel()
	s := Signals{Domains: []string{"xero.com", "intuit.com"}, Relays: []string{"post.xero.com", "QuickBooks@notification.intuit.com"}}
	for addr, want := range map[string]bool{
		"messaging-service@post.xero.com":    true,
		"x@eu.post.xero.com":                 true,
		"appcertification@xero.com":          false,
		"x@notpost.xero.com":                 false,
		"quickbooks@notification.intuit.com": true,
		"developer@notification.intuit.com":  false,
		"":                                   false,
	} {
		if got := s.Relayed(addr); got != want {
			t.Errorf("Relayed(%q) = %v, want %v", addr, got, want)
		}
	}
}

// TestSignalWords: the words are what a subject must contain for the rule
// to match, so skipping the expression when none is present changes nothing.
func TestSignalWords(t *testing.T) {
	t.Parallel()
	tests := []struct {
		expr string
		want []string
	}{
		{`(?i)app approved`, []string{"app approved"}},
		{`(?i)(verify|confirm) your (xero )?(e-?mail|account)`, []string{"verify", "confirm"}},
		{`(?i)security (self[- ])?assessment`, []string{"assessment"}},
		{`(?i)(approved|granted)`, []string{"approved", "granted"}},
		{`.*`, nil},
	}
	for _, tt := range tests {
		r := Signal{Subject: tt.expr}
		if got := r.Words(); !slices.Equal(got, tt.want) {
			t.Errorf("Words(%q) = %q, want %q", tt.expr, got, tt.want)
		}
	}
	r := Signal{Subject: `(?i)certification.*\b(approved|passed)\b`}
	for subject, want := range map[string]bool{
		"Your certification was APPROVED": true,
		"Certification: passed":           true,
		"Certification pending":           false,
		"approved":                        false,
	} {
		if got := r.matches(subject, strings.ToLower(subject)); got != want {
			t.Errorf("matches(%q) = %v, want %v", subject, got, want)
		}
	}
}
