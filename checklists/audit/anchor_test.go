package audit_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/acctsetup/acctsetup/checklists/audit"
)

func TestParseHead(t *testing.T) {
	t.Parallel()
	_, head := chain(t, 3)
	got, err := audit.ParseHead(" " + head.String() + "\n")
	if err != nil || got != head {
		t.Errorf("ParseHead(String()) = %v, %v; want %v", got, err, head)
	}
	for _, bad := range []string{"", "3", "3:", ":" + head.Hash, "0:" + head.Hash, "x:" + head.Hash,
		"3:" + strings.ToUpper(head.Hash), "3:" + head.Hash[:63], "3:" + head.Hash + "0"} {
		if _, err := audit.ParseHead(bad); err == nil {
			t.Errorf("ParseHead(%q) = nil error, want one", bad)
		}
	}
}

// TestVerifyAnchor: a rewrite that reseals every event passes Verify but
// not the anchor taken before it; events added after the anchor do not
// disturb it.
func TestVerifyAnchor(t *testing.T) {
	t.Parallel()
	events, _ := chain(t, 5)
	anchor := audit.Head{Seq: events[3].Seq, Hash: events[3].Hash}
	if err := audit.VerifyAnchor(events, anchor); err != nil {
		t.Errorf("untouched chain: %v", err)
	}

	// Rewrite event 2 and reseal it and everything after: a consistent chain.
	rewritten := append([]audit.Event(nil), events...)
	rewritten[1].Detail = "evidence that was never given"
	head := audit.Head{Seq: rewritten[0].Seq, Hash: rewritten[0].Hash}
	for i := 1; i < len(rewritten); i++ {
		rewritten[i].PrevHash = head.Hash
		head = audit.Seal(&rewritten[i], head)
	}
	if err := audit.Verify(rewritten, head); err != nil {
		t.Fatalf("the resealed chain must verify on its own: %v", err)
	}
	err := audit.VerifyAnchor(rewritten, anchor)
	var ce *audit.ChainError
	if !errors.As(err, &ce) || ce.Seq != 4 || !strings.Contains(ce.Reason, "rewritten") {
		t.Errorf("rewritten chain: %v, want event 4 rewritten", err)
	}

	if err := audit.VerifyAnchor(events[:3], anchor); err == nil || !strings.Contains(err.Error(), "no longer reaches") {
		t.Errorf("truncated chain: %v", err)
	}
}
