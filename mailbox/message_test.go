package mailbox

import (
	"strings"
	"testing"
	"time"
)

func TestMessageKey(t *testing.T) {
	t.Parallel()
	sent := time.Date(2025, 6, 2, 10, 0, 0, 0, time.UTC)
	m := Message{Folder: "INBOX", UIDValidity: 1, UID: 7, MessageID: "abc@mail.example", From: "noreply@xero.com", Subject: "Approved", Date: sent}
	if got := m.Key(); got != "abc@mail.example" {
		t.Errorf("Key() = %q, want the Message-ID", got)
	}

	// Without a Message-ID: the same sender, date and subject are the same
	// message, wherever it lies; anything else is another.
	m.MessageID = ""
	key := m.Key()
	if !strings.HasPrefix(key, "sha256:") {
		t.Errorf("Key() without Message-ID = %q, want a sha256: digest", key)
	}
	moved := m
	moved.Folder, moved.UIDValidity, moved.UID = "Archive", 2, 1
	moved.Date = sent.In(time.FixedZone("CEST", 2*60*60))
	if moved.Key() != key {
		t.Error("the same message in another folder, with its date in another zone, has another key")
	}
	for name, change := range map[string]func(*Message){
		"sender":  func(m *Message) { m.From = "noreply@xero-billing.com" },
		"subject": func(m *Message) { m.Subject = "Rejected" },
		"date":    func(m *Message) { m.Date = sent.Add(time.Second) },
	} {
		other := m
		change(&other)
		if other.Key() == key {
			t.Errorf("a message with another %s has the same key", name)
		}
	}
}
