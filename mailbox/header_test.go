package mailbox_test

import (
	"testing"

	"github.com/acctsetup/acctsetup/mailbox"
)

func TestDecodeHeader(t *testing.T) {
	t.Parallel()
	// raw header value: decoded text
	tests := map[string]string{
		"Verify your email address":                   "Verify your email address",         // plain
		"=?UTF-8?B?SWhyZSBCZXN0w6R0aWd1bmc=?=":        "Ihre Bestätigung",                  // utf-8 base64
		"=?utf-8?q?Best=C3=A4tigung?=":                "Bestätigung",                       // utf-8 quoted-printable
		"=?ISO-8859-1?Q?Best=E4tigung_Ihrer_E-Mail?=": "Bestätigung Ihrer E-Mail",          // latin-1
		"=?latin1?q?Gr=FC=DFe?=":                      "Grüße",                             // latin-1 alias
		"=?windows-1252?Q?=93Approved=94?=":           "“Approved”",                        // windows-1252 quotes
		"=?iso-8859-15?q?=A4100?=":                    "€100",                              // iso-8859-15 euro
		"=?koi8-r?B?8NLJ18XU?=":                       "Привет",                            // koi8-r
		"Re: =?utf-8?q?caf=C3=A9?= time":              "Re: café time",                     // words around encoded words
		"=?utf-8?q?Xe?= =?utf-8?q?ro?=":               "Xero",                              // adjacent encoded words join
		"Best\xe4tigung f\xfcr Sie":                   "Bestätigung für Sie",               // raw latin-1 bytes
		"\x93Approved\x94 \x80100":                    "“Approved” €100",                   // raw windows-1252 bytes
		"Gr\xfc\xdfe =?utf-8?q?caf=C3=A9?=":           "Grüße café",                        // raw bytes and an encoded word
		"Your certification\r\n\t was   successful ":  "Your certification was successful", // folded white space
		"Approved\x1b[2J\x00now":                      "Approved [2J now",                  // control characters
		"=?x-unknown?q?abc?=":                         "=?x-unknown?q?abc?=",               // unknown charset kept
		"=?utf-8?b?!!!?=":                             "=?utf-8?b?!!!?=",                   // bad base64 kept
		"":                                            "",                                  // empty
	}
	for raw, want := range tests {
		if got := mailbox.DecodeHeader(raw); got != want {
			t.Errorf("DecodeHeader(%q) = %q, want %q", raw, got, want)
		}
	}
}
