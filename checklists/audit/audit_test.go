package audit_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/acctsetup/acctsetup/checklists/audit"
)

// base is a fixed instant so that hashes are reproducible.
var base = time.Date(2026, 3, 1, 9, 30, 0, 123456789, time.UTC)

// chain seals n events and returns them with the resulting head.
func chain(t *testing.T, n int) ([]audit.Event, audit.Head) {
	t.Helper()
	var head audit.Head
	events := make([]audit.Event, n)
	for i := range events {
		events[i] = audit.Event{
			At:          base.Add(time.Duration(i) * time.Minute),
			Actor:       fmt.Sprintf("user%d@example.com", i+1),
			Action:      "step.done",
			Provider:    "xero",
			Environment: "production",
			Subject:     fmt.Sprintf("step-%d", i+1),
			Detail:      fmt.Sprintf("evidence %d", i+1),
		}
		head = audit.Seal(&events[i], head)
	}
	return events, head
}

// wantHash recomputes an event's hash from the documented encoding: SHA-256
// over a JSON array of the fields, the time in TimeFormat, and the previous
// hash.
func wantHash(t *testing.T, ev audit.Event) string {
	t.Helper()
	b, err := json.Marshal([]any{ev.Seq, ev.At.UTC().Format(audit.TimeFormat), ev.Actor, ev.Action,
		ev.Provider, ev.Environment, ev.Subject, ev.Detail, ev.PrevHash})
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// reseal recomputes ev's hash after a change, keeping its Seq and PrevHash,
// the way someone covering their tracks would.
func reseal(ev *audit.Event) {
	audit.Seal(ev, audit.Head{Seq: ev.Seq - 1, Hash: ev.PrevHash})
}

func TestSeal(t *testing.T) {
	t.Parallel()
	events, head := chain(t, 4)
	prev := ""
	for i, ev := range events {
		if ev.Seq != int64(i+1) {
			t.Errorf("events[%d].Seq = %d, want %d", i, ev.Seq, i+1)
		}
		if ev.PrevHash != prev {
			t.Errorf("events[%d].PrevHash = %q, want %q", i, ev.PrevHash, prev)
		}
		if len(ev.Hash) != 64 {
			t.Errorf("events[%d].Hash = %q, want 64 hex digits", i, ev.Hash)
		}
		if got := wantHash(t, ev); ev.Hash != got {
			t.Errorf("events[%d].Hash = %q, want %q", i, ev.Hash, got)
		}
		prev = ev.Hash
	}
	if want := (audit.Head{Seq: 4, Hash: events[3].Hash}); head != want {
		t.Errorf("head = %+v, want %+v", head, want)
	}
	if err := audit.Verify(events, head); err != nil {
		t.Errorf("Verify(sealed chain) = %v, want nil", err)
	}
}

func TestSealNormalisesTime(t *testing.T) {
	t.Parallel()
	paris := time.FixedZone("CET", 3600)
	ev := audit.Event{At: base.In(paris), Actor: "a", Action: "step.done"}
	audit.Seal(&ev, audit.Head{})
	if ev.At.Location() != time.UTC {
		t.Errorf("At.Location() = %v, want UTC", ev.At.Location())
	}
	if !ev.At.Equal(base) {
		t.Errorf("At = %v, want %v", ev.At, base)
	}
	// The same instant in another zone hashes the same: the hash covers the
	// UTC text, not the zone.
	utc := audit.Event{At: base, Actor: "a", Action: "step.done"}
	audit.Seal(&utc, audit.Head{})
	if ev.Hash != utc.Hash {
		t.Errorf("hash in CET = %s, in UTC = %s; want equal", ev.Hash, utc.Hash)
	}
}

func TestSealFollowsHead(t *testing.T) {
	t.Parallel()
	head := audit.Head{Seq: 41, Hash: "abc"}
	ev := audit.Event{At: base, Actor: "a", Action: "check.run"}
	got := audit.Seal(&ev, head)
	if ev.Seq != 42 || ev.PrevHash != "abc" {
		t.Errorf("Seq, PrevHash = %d, %q; want 42, %q", ev.Seq, ev.PrevHash, "abc")
	}
	if got != (audit.Head{Seq: 42, Hash: ev.Hash}) {
		t.Errorf("Seal returned %+v, want {42 %s}", got, ev.Hash)
	}
}

// TestHashCoversEveryField changes each hashed field in turn and checks that
// the hash changes: no field may be edited without detection.
func TestHashCoversEveryField(t *testing.T) {
	t.Parallel()
	orig := audit.Event{At: base, Actor: "a", Action: "step.done", Provider: "xero",
		Environment: "sandbox", Subject: "create-app", Detail: "ticket-1"}
	sealed := orig
	audit.Seal(&sealed, audit.Head{Seq: 3, Hash: "prev"})
	tests := []struct {
		name   string
		change func(*audit.Event)
	}{
		{"at", func(e *audit.Event) { e.At = e.At.Add(time.Nanosecond) }},
		{"actor", func(e *audit.Event) { e.Actor = "b" }},
		{"action", func(e *audit.Event) { e.Action = "step.undo" }},
		{"provider", func(e *audit.Event) { e.Provider = "myob" }},
		{"environment", func(e *audit.Event) { e.Environment = "production" }},
		{"subject", func(e *audit.Event) { e.Subject = "store-keys" }},
		{"detail", func(e *audit.Event) { e.Detail = "ticket-2" }},
		// Moving text between adjacent fields must not collide.
		{"field boundary", func(e *audit.Event) { e.Subject, e.Detail = "create-appticket-1", "" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ev := orig
			tt.change(&ev)
			audit.Seal(&ev, audit.Head{Seq: 3, Hash: "prev"})
			if ev.Hash == sealed.Hash {
				t.Errorf("hash unchanged after changing %s", tt.name)
			}
		})
	}
}

func TestVerify(t *testing.T) {
	t.Parallel()
	const (
		changed  = "its content does not match its hash (changed)"
		broken   = "its link to the previous event is broken (changed)"
		missing  = "it is missing (deleted)"
		endGone  = "it is missing (deleted from the end)"
		added    = "it was added outside acctsetup"
		repeats  = "its sequence number repeats or goes backwards"
		headDiff = "it does not match the recorded head of the chain (changed)"
	)
	tests := []struct {
		name string
		// tamper gets a fresh five-event chain and its head and returns
		// what Verify sees.
		tamper     func(events []audit.Event, head audit.Head) ([]audit.Event, audit.Head)
		wantSeq    int64 // 0: Verify must pass
		wantReason string
	}{
		{
			name:   "intact",
			tamper: func(e []audit.Event, h audit.Head) ([]audit.Event, audit.Head) { return e, h },
		},
		{
			name:   "empty chain, zero head",
			tamper: func([]audit.Event, audit.Head) ([]audit.Event, audit.Head) { return nil, audit.Head{} },
		},
		{
			name: "actor changed in event 2",
			tamper: func(e []audit.Event, h audit.Head) ([]audit.Event, audit.Head) {
				e[1].Actor = "mallory@example.com"
				return e, h
			},
			wantSeq: 2, wantReason: changed,
		},
		{
			name: "detail changed in event 3",
			tamper: func(e []audit.Event, h audit.Head) ([]audit.Event, audit.Head) {
				e[2].Detail = "forged evidence"
				return e, h
			},
			wantSeq: 3, wantReason: changed,
		},
		{
			name: "time changed in event 1",
			tamper: func(e []audit.Event, h audit.Head) ([]audit.Event, audit.Head) {
				e[0].At = e[0].At.Add(-24 * time.Hour)
				return e, h
			},
			wantSeq: 1, wantReason: changed,
		},
		{
			name: "detail changed in the last event",
			tamper: func(e []audit.Event, h audit.Head) ([]audit.Event, audit.Head) {
				e[4].Detail = "forged"
				return e, h
			},
			wantSeq: 5, wantReason: changed,
		},
		{
			name: "event 2 changed and its hash recomputed",
			tamper: func(e []audit.Event, h audit.Head) ([]audit.Event, audit.Head) {
				e[1].Detail = "forged"
				reseal(&e[1])
				return e, h
			},
			wantSeq: 3, wantReason: broken, // detected by event 3's prev_hash
		},
		{
			name: "last event changed and its hash recomputed",
			tamper: func(e []audit.Event, h audit.Head) ([]audit.Event, audit.Head) {
				e[4].Actor = "mallory@example.com"
				reseal(&e[4])
				return e, h
			},
			wantSeq: 5, wantReason: headDiff, // detected by the head
		},
		{
			name: "prev_hash of event 4 changed",
			tamper: func(e []audit.Event, h audit.Head) ([]audit.Event, audit.Head) {
				e[3].PrevHash = e[1].Hash
				return e, h
			},
			wantSeq: 4, wantReason: broken,
		},
		{
			name: "event 3 deleted",
			tamper: func(e []audit.Event, h audit.Head) ([]audit.Event, audit.Head) {
				return slices.Delete(e, 2, 3), h
			},
			wantSeq: 3, wantReason: missing,
		},
		{
			name: "first event deleted",
			tamper: func(e []audit.Event, h audit.Head) ([]audit.Event, audit.Head) {
				return e[1:], h
			},
			wantSeq: 1, wantReason: missing,
		},
		{
			name: "last event deleted, head ahead",
			tamper: func(e []audit.Event, h audit.Head) ([]audit.Event, audit.Head) {
				return e[:4], h
			},
			wantSeq: 5, wantReason: endGone,
		},
		{
			name: "last two events deleted",
			tamper: func(e []audit.Event, h audit.Head) ([]audit.Event, audit.Head) {
				return e[:3], h
			},
			wantSeq: 4, wantReason: endGone,
		},
		{
			name: "every event deleted",
			tamper: func(_ []audit.Event, h audit.Head) ([]audit.Event, audit.Head) {
				return nil, h
			},
			wantSeq: 1, wantReason: endGone,
		},
		{
			name: "last event deleted and head moved back by seq only",
			tamper: func(e []audit.Event, h audit.Head) ([]audit.Event, audit.Head) {
				return e[:4], audit.Head{Seq: 4, Hash: h.Hash}
			},
			wantSeq: 4, wantReason: headDiff,
		},
		{
			name: "event appended without moving the head",
			tamper: func(e []audit.Event, h audit.Head) ([]audit.Event, audit.Head) {
				extra := audit.Event{At: base.Add(time.Hour), Actor: "mallory@example.com", Action: "step.done"}
				audit.Seal(&extra, h) // correctly chained, but the head stays
				return append(e, extra), h
			},
			wantSeq: 6, wantReason: added,
		},
		{
			name: "event inserted in the middle, later events renumbered and resealed",
			tamper: func(e []audit.Event, h audit.Head) ([]audit.Event, audit.Head) {
				forged := audit.Event{At: e[1].At.Add(time.Second), Actor: "mallory@example.com", Action: "step.done"}
				out := append(slices.Clone(e[:2]), forged)
				out = append(out, e[2:]...)
				head := audit.Head{Seq: out[1].Seq, Hash: out[1].Hash}
				for i := 2; i < len(out); i++ {
					head = audit.Seal(&out[i], head)
				}
				return out, h // the recorded head still says 5
			},
			wantSeq: 6, wantReason: added,
		},
		{
			name: "event inserted with a repeated sequence number",
			tamper: func(e []audit.Event, h audit.Head) ([]audit.Event, audit.Head) {
				forged := audit.Event{At: e[2].At, Actor: "mallory@example.com", Action: "step.done"}
				audit.Seal(&forged, audit.Head{Seq: 2, Hash: e[1].Hash}) // seq 3, links to 2
				return slices.Insert(e, 3, forged), h
			},
			wantSeq: 3, wantReason: repeats,
		},
		{
			name: "sequence repeated",
			tamper: func(e []audit.Event, h audit.Head) ([]audit.Event, audit.Head) {
				return slices.Insert(e, 2, e[1]), h
			},
			wantSeq: 2, wantReason: repeats,
		},
		{
			name: "sequence goes backwards",
			tamper: func(e []audit.Event, h audit.Head) ([]audit.Event, audit.Head) {
				return slices.Insert(e, 3, e[0]), h // 1, 2, 3, 1, 4, 5
			},
			wantSeq: 1, wantReason: repeats,
		},
		{
			name: "events swapped",
			tamper: func(e []audit.Event, h audit.Head) ([]audit.Event, audit.Head) {
				e[2], e[3] = e[3], e[2]
				return e, h
			},
			wantSeq: 3, wantReason: missing, // 4 arrives where 3 belongs
		},
		{
			name: "head hash changed",
			tamper: func(e []audit.Event, h audit.Head) ([]audit.Event, audit.Head) {
				h.Hash = e[3].Hash
				return e, h
			},
			wantSeq: 5, wantReason: headDiff,
		},
		{
			name: "head seq moved back",
			tamper: func(e []audit.Event, h audit.Head) ([]audit.Event, audit.Head) {
				h.Seq = 3
				return e, h
			},
			wantSeq: 4, wantReason: added,
		},
		{
			name: "empty chain, head not zero",
			tamper: func([]audit.Event, audit.Head) ([]audit.Event, audit.Head) {
				return nil, audit.Head{Seq: 1, Hash: "x"}
			},
			wantSeq: 1, wantReason: endGone,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			events, head := chain(t, 5)
			events, head = tt.tamper(events, head)
			err := audit.Verify(events, head)
			if tt.wantSeq == 0 {
				if err != nil {
					t.Fatalf("Verify = %v, want nil", err)
				}
				return
			}
			var ce *audit.ChainError
			if !errors.As(err, &ce) {
				t.Fatalf("Verify = %v (%T), want *audit.ChainError", err, err)
			}
			if ce.Seq != tt.wantSeq || ce.Reason != tt.wantReason {
				t.Errorf("ChainError = {%d %q}, want {%d %q}", ce.Seq, ce.Reason, tt.wantSeq, tt.wantReason)
			}
			want := fmt.Sprintf("audit: event %d does not verify: %s", tt.wantSeq, tt.wantReason)
			if err.Error() != want {
				t.Errorf("Verify error = %q, want %q", err.Error(), want)
			}
		})
	}
}

// TestEventJSON pins the field names "audit export" writes.
func TestEventJSON(t *testing.T) {
	t.Parallel()
	ev := audit.Event{At: base, Actor: "a", Action: "step.done"}
	audit.Seal(&ev, audit.Head{})
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf(`{"seq":1,"at":"2026-03-01T09:30:00.123456789Z","actor":"a","action":"step.done","prev_hash":"","hash":%q}`, ev.Hash)
	if string(b) != want {
		t.Errorf("json = %s, want %s", b, want)
	}
}
