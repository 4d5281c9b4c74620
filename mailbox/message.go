// Package mailbox reads the team mailbox over IMAP (go-imap v2) and decides
// what each provider e-mail means: which provider speaks, whether the sender
// is authentic by the receiving server's Authentication-Results, and which
// checklist step the message may advance. It never writes to the state store
// itself; callers record what it reports.
package mailbox

import (
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// Message is what a scan fetched of one e-mail: the header fields matching
// needs and its size. A scan never reads a message's text: a server keeps
// the header fields in its index, while the text must come from the
// message itself.
type Message struct {
	Folder      string
	UIDValidity uint32
	UID         uint32
	Size        int64 // the whole message's size on the server (RFC822.SIZE)

	MessageID string    // the Message-ID header without angle brackets; "" if absent
	From      string    // the From header's address, lower case
	FromName  string    // the From header's display name, decoded like Subject; "" if none
	Subject   string    // decoded (RFC 2047 and the charset), whitespace folded
	Date      time.Time // the Date header; zero if absent or unreadable
	// AuthResults holds the raw Authentication-Results header values in
	// header order: the first is the one the receiving server added last.
	AuthResults []string
}

// Key is what makes a message the same message wherever and whenever it is
// read: its Message-ID, or for the rare one without, a digest of its
// sender, date and subject. A copy in another folder, or the message read
// again after a dropped connection or after the server renumbered its
// folder, has the same key, so a caller that records each key once counts
// every message once. (A scan may hand a message over more than once: its
// checkpoint never moves past a message it has not handed over.)
func (m Message) Key() string {
	if m.MessageID != "" {
		return m.MessageID
	}
	sum := sha256.Sum256([]byte(m.From + "\n" + m.Date.UTC().Format(time.RFC3339) + "\n" + m.Subject))
	return "sha256:" + hex.EncodeToString(sum[:12])
}

// Checkpoint is where the last scan of one folder stopped. A changed
// UIDValidity means the server renumbered the folder: the scan starts again
// from the first message.
type Checkpoint struct {
	Folder      string
	UIDValidity uint32
	LastUID     uint32
}
