package mailbox

import (
	"testing"

	"github.com/acctsetup/acctsetup/providers"
)

func TestMentions(t *testing.T) {
	t.Parallel()
	xero := &providers.Provider{ID: "xero", Name: "Xero", Signals: providers.Signals{Domains: []string{"xero.com"}}}
	for text, want := range map[string]bool{
		"from: noreply@xero.com":          true,
		"see https://go.xero.com/app.":    true,
		"ends with xero.com.":             true,
		"evilxero.com wrote":              false,
		"xero.com.evil.io/login":          false,
		"xero-com.example":                false,
		"evilxero.com, then xero.com too": true,
		"":                                false,
	} {
		if got := mentions(xero, text); got != want {
			t.Errorf("mentions(xero, %q) = %v, want %v", text, got, want)
		}
	}
}
