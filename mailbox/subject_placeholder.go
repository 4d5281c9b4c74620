package mailbox

// PLACEHOLDER: the matcher's DecodeHeader replaces this file at merge; scan.go
// calls decodeSubject only, so the swap is one line there.

import (
	"mime"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-message/charset"
	"golang.org/x/text/encoding/charmap"
)

// wordDecoder decodes RFC 2047 encoded words in any charset go-message
// knows (ISO-8859-*, Windows-125*, KOI8, Shift JIS, GB18030, ...).
var wordDecoder = &mime.WordDecoder{CharsetReader: charset.Reader}

// decodeSubject returns a Subject header's value as UTF-8 with runs of white
// space folded to one space. Raw 8-bit bytes that are not UTF-8 are read as
// Windows-1252 (a superset of Latin-1), the usual charset of such mail; then
// encoded words are decoded. It never fails: what it cannot decode stays as
// it is, with invalid bytes replaced by U+FFFD.
func decodeSubject(raw string) string {
	if !utf8.ValidString(raw) {
		if d, err := charmap.Windows1252.NewDecoder().String(raw); err == nil {
			raw = d
		}
	}
	s, err := wordDecoder.DecodeHeader(raw)
	if err != nil {
		s = raw
	}
	return strings.Join(strings.Fields(strings.ToValidUTF8(s, "\uFFFD")), " ")
}
