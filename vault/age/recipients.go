package agevault

import (
	"fmt"
	"strings"

	"filippo.io/age"
	"filippo.io/age/agessh"
)

// ParseRecipients parses public keys to encrypt the vault to, one per
// element: X25519 keys ("age1...") as printed by age-keygen, or SSH keys
// ("ssh-ed25519 AAAA... comment" or "ssh-rsa AAAA... comment") as found in
// ~/.ssh/*.pub and authorized_keys files. Blank elements and elements starting
// with "#" are skipped. An error names the element that failed to parse, and
// quotes it unless it holds a private key.
func ParseRecipients(lines []string) ([]age.Recipient, error) {
	var rs []age.Recipient
	for i, line := range lines {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		var r age.Recipient
		var err error
		upper := strings.ToUpper(line)
		switch {
		// Never echo a private key, wherever in the element it is.
		case strings.Contains(upper, "AGE-SECRET-KEY-"):
			err = fmt.Errorf("this is a private key (AGE-SECRET-KEY-...): give its public key (age1...) instead")
		case strings.Contains(upper, "PRIVATE KEY"):
			err = fmt.Errorf("this is a private key (PRIVATE KEY): give its public key (ssh-ed25519 ... or ssh-rsa ...) instead")
		case strings.HasPrefix(line, "age1"):
			r, err = age.ParseX25519Recipient(line)
		case strings.HasPrefix(line, "ssh-"):
			r, err = agessh.ParseRecipient(line)
		default:
			err = fmt.Errorf("unknown recipient type %q: want an age1... or ssh-ed25519/ssh-rsa public key", line)
		}
		if err != nil {
			return nil, fmt.Errorf("agevault: recipient %d: %w", i+1, err)
		}
		rs = append(rs, r)
	}
	return rs, nil
}
