package quickbooksonline

import "testing"

func TestNew(t *testing.T) {
	p, err := New()
	if err != nil {
		t.Fatal(err)
	}
	if p.ID != ID {
		t.Errorf("ID = %q, want %q", p.ID, ID)
	}
}
