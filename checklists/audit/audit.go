// Package audit defines the audit trail: one event per change, hash-chained
// so that changing, inserting or deleting any event is detected by [Verify].
//
// Each event's hash is SHA-256 over its fields and the previous event's hash.
// The store also keeps the chain's head (last sequence number and hash) so
// that deleting the newest events is detected too. Events never hold secret
// values: subjects are step IDs, field names and question IDs.
package audit

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Event is one audited change.
type Event struct {
	Seq         int64     `json:"seq"`
	At          time.Time `json:"at"`
	Actor       string    `json:"actor"`
	Action      string    `json:"action"` // "step.done", "secret.set", "check.run", ...
	Provider    string    `json:"provider,omitempty"`
	Environment string    `json:"environment,omitempty"`
	Subject     string    `json:"subject,omitempty"` // step ID, field name, question ID
	Detail      string    `json:"detail,omitempty"`  // evidence, note; never a secret
	PrevHash    string    `json:"prev_hash"`
	Hash        string    `json:"hash"`
}

// TimeFormat is how event times are stored and hashed: fixed-width UTC, so
// the stored text sorts and hashes the same everywhere.
const TimeFormat = "2006-01-02T15:04:05.000000000Z"

// Head is the newest event of the chain, kept apart from the events.
// Printed as SEQ:HASH it is an anchor a team keeps outside the database
// (VerifyAnchor).
type Head struct {
	Seq  int64  `json:"seq"`
	Hash string `json:"hash"`
}

// String returns the head as SEQ:HASH.
func (h Head) String() string { return fmt.Sprintf("%d:%s", h.Seq, h.Hash) }

var headPattern = regexp.MustCompile(`^([0-9]+):([0-9a-f]{64})$`)

// ParseHead reads a head written as SEQ:HASH, the form String and
// "acctsetup audit head" print.
func ParseHead(s string) (Head, error) {
	m := headPattern.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return Head{}, fmt.Errorf("audit: head %q is not SEQ:HASH (a sequence number, a colon and 64 hex digits)", s)
	}
	seq, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil || seq < 1 {
		return Head{}, fmt.Errorf("audit: head %q: the sequence number must be 1 or more", s)
	}
	return Head{Seq: seq, Hash: m[2]}, nil
}

// VerifyAnchor checks that the chain still holds an anchor kept outside the
// database: the event at the anchor's sequence number has the anchor's
// hash. Whoever can write the database can rewrite the whole chain
// consistently, and Verify cannot tell; no one can rewrite an event before
// an anchor and keep its hash. Run it after Verify.
func VerifyAnchor(events []Event, anchor Head) error {
	i, found := slices.BinarySearchFunc(events, anchor.Seq, func(ev Event, seq int64) int { return cmp.Compare(ev.Seq, seq) })
	switch {
	case !found:
		return &ChainError{Seq: anchor.Seq, Reason: "the chain no longer reaches the anchored head (truncated or renumbered)"}
	case events[i].Hash != anchor.Hash:
		return &ChainError{Seq: anchor.Seq, Reason: "its hash differs from the anchored head: the chain up to it was rewritten"}
	}
	return nil
}

// Seal sets the event's sequence number, previous hash and hash so that it
// follows head, and returns the new head.
func Seal(ev *Event, head Head) Head {
	ev.Seq = head.Seq + 1
	ev.At = ev.At.UTC().Truncate(time.Nanosecond)
	ev.PrevHash = head.Hash
	ev.Hash = hash(*ev)
	return Head{Seq: ev.Seq, Hash: ev.Hash}
}

func hash(ev Event) string {
	// A JSON array of the fields is an unambiguous encoding: no field can
	// bleed into the next.
	fields, _ := json.Marshal([]any{ev.Seq, ev.At.UTC().Format(TimeFormat), ev.Actor, ev.Action,
		ev.Provider, ev.Environment, ev.Subject, ev.Detail, ev.PrevHash})
	sum := sha256.Sum256(fields)
	return hex.EncodeToString(sum[:])
}

// ChainError names the first event that does not verify.
type ChainError struct {
	Seq    int64
	Reason string
}

func (e *ChainError) Error() string {
	return fmt.Sprintf("audit: event %d does not verify: %s", e.Seq, e.Reason)
}

// Verify checks events, in sequence order, against each other and the head.
// It returns a *ChainError for the first event that was changed, inserted or
// deleted, or nil.
func Verify(events []Event, head Head) error {
	prev := Head{}
	for _, ev := range events {
		switch {
		case ev.Seq > prev.Seq+1:
			return &ChainError{Seq: prev.Seq + 1, Reason: "it is missing (deleted)"}
		case ev.Seq <= prev.Seq:
			return &ChainError{Seq: ev.Seq, Reason: "its sequence number repeats or goes backwards"}
		case ev.PrevHash != prev.Hash:
			return &ChainError{Seq: ev.Seq, Reason: "its link to the previous event is broken (changed)"}
		case hash(ev) != ev.Hash:
			return &ChainError{Seq: ev.Seq, Reason: "its content does not match its hash (changed)"}
		}
		prev = Head{Seq: ev.Seq, Hash: ev.Hash}
	}
	switch {
	case head.Seq > prev.Seq:
		return &ChainError{Seq: prev.Seq + 1, Reason: "it is missing (deleted from the end)"}
	case head.Seq < prev.Seq:
		return &ChainError{Seq: head.Seq + 1, Reason: "it was added outside acctsetup"}
	case head.Hash != prev.Hash:
		return &ChainError{Seq: prev.Seq, Reason: "it does not match the recorded head of the chain (changed)"}
	}
	return nil
}
