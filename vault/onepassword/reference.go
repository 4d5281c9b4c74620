package onepassword

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
)

// opRef is a parsed secret reference,
// op://vault/item[/section]/field[?query].
type opRef struct {
	vault, item, section, field string
	query                       string
}

// parseReference checks the form of a secret reference without asking
// 1Password (the SDK's own validator would load its WebAssembly core). It
// does not echo a string that does not start with "op://": that may be a
// secret pasted in the wrong place.
func parseReference(s string) (opRef, error) {
	rest, ok := strings.CutPrefix(s, "op://")
	if !ok {
		return opRef{}, errors.New("onepassword: invalid secret reference: it does not start with op://")
	}
	path, query, _ := strings.Cut(rest, "?")
	parts := strings.Split(path, "/")
	bad := len(parts) < 3 || len(parts) > 4
	for _, p := range parts {
		bad = bad || strings.TrimSpace(p) == "" || strings.ContainsFunc(p, unicode.IsControl)
	}
	if bad {
		return opRef{}, fmt.Errorf("onepassword: invalid secret reference %q: want op://vault/item[/section]/field", s)
	}
	r := opRef{vault: parts[0], item: parts[1], field: parts[len(parts)-1], query: query}
	if len(parts) == 4 {
		r.section = parts[2]
	}
	return r, nil
}
