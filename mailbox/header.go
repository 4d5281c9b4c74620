package mailbox

import (
	"mime"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/emersion/go-message/charset"
	"golang.org/x/text/encoding/charmap"
)

// wordDecoder decodes RFC 2047 encoded-words in any charset go-message
// knows (ISO-8859-*, Windows-125*, KOI8, Shift_JIS, GB18030, ...).
var wordDecoder = mime.WordDecoder{CharsetReader: charset.Reader}

// DecodeHeader turns a raw header value (a Subject, a display name) into
// the text a person reads: RFC 2047 encoded-words decoded from their
// charset, raw 8-bit bytes that are not UTF-8 read as Windows-1252 (a
// superset of Latin-1's printable characters, what such mail almost always
// is), control characters dropped and white space folded to single spaces.
// It never fails: what cannot be decoded is kept as it came.
func DecodeHeader(raw string) string {
	s := raw
	if !utf8.ValidString(s) {
		// Windows-1252 maps every byte, so this decoding cannot fail.
		s, _ = charmap.Windows1252.NewDecoder().String(s)
	}
	if decoded, err := wordDecoder.DecodeHeader(s); err == nil {
		s = decoded
	}
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}
