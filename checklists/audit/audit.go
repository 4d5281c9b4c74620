// Package audit defines the audit trail: one event per change, hash-chained
// so that changing, inserting or deleting any event is detected by [Verify].
//
// Each event's hash is SHA-256 over its fields and the previous event's hash.
// The store also keeps the chain's head (last sequence number and hash) so
// that deleting the newest events is detected too. Events never hold secret
// values: subjects are step IDs, field names and question IDs.
package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
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
type Head struct {
	Seq  int64
	Hash string
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
