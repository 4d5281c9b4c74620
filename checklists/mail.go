package checklists

import "time"

// MailStatus is what became of a provider e-mail the mailbox recorded.
type MailStatus string

// Mail statuses.
const (
	MailAdvanced  MailStatus = "advanced"  // authentic and matched a rule: recorded on its step
	MailReview    MailStatus = "review"    // waits for a person
	MailAccepted  MailStatus = "accepted"  // a person applied it to a step as evidence
	MailDismissed MailStatus = "dismissed" // a person decided it needs nothing
)

// MailMessage is a provider e-mail the mailbox recorded. It is keyed by its
// Message-ID, so the same message is recorded, and counts, once: a
// second copy in another folder or after the server renumbered a folder
// is recognised.
type MailMessage struct {
	MessageID string // the Message-ID, or "sha256:..." of sender, date and subject when it has none
	Folder    string
	From      string
	Subject   string
	Date      time.Time
	Provider  string
	Signal    string // the rule that matched; "" if none
	Event     string // what the rule says the message means
	Step      string // the step the rule names; "" if none
	Status    MailStatus
	Reason    string    // why it waits for a person, or what was done
	SeenAt    time.Time // when the mailbox recorded it
	Actor     string    // who accepted or dismissed it; the mailbox otherwise
	DecidedAt time.Time // when a person accepted or dismissed it
}

// MailCheckpoint is where the last scan of one mailbox folder stopped.
type MailCheckpoint struct {
	Folder      string
	UIDValidity uint32
	LastUID     uint32
}
