package providers

import (
	"testing"
	"time"
)

func TestProviderAccessors(t *testing.T) {
	t.Parallel()
	p, err := Decode(testFile, []byte(baseDescriptor))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := p.Environment("staging"); ok {
		t.Errorf("Environment(staging) found, want not found")
	}
	if _, ok := p.Step("no-such-step"); ok {
		t.Errorf("Step(no-such-step) found, want not found")
	}
	if _, ok := p.Credential("client_secret"); ok {
		t.Errorf("Credential(client_secret) found, want not found")
	}
	if _, ok := p.Question("hosting"); ok {
		t.Errorf("Question(hosting) found, want not found")
	}
	if got := len(p.CredentialsFor(Sandbox)); got != 1 {
		t.Errorf("len(CredentialsFor(sandbox)) = %d, want 1", got)
	}
	if got := p.StepsFor("staging"); len(got) != 2 {
		t.Errorf("StepsFor(staging) = %d steps, want the 2 that apply everywhere", len(got))
	}
}

func TestStepKind(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind          StepKind
		derived       bool
		needsEvidence bool
	}{
		{KindAction, false, false},
		{KindCredential, true, false},
		{KindMFA, true, false},
		{KindQuestionnaire, true, false},
		{KindAgreement, false, true},
		{KindApproval, false, true},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind), func(t *testing.T) {
			t.Parallel()
			if got := tt.kind.Derived(); got != tt.derived {
				t.Errorf("%s.Derived() = %v, want %v", tt.kind, got, tt.derived)
			}
			if got := tt.kind.NeedsEvidence(); got != tt.needsEvidence {
				t.Errorf("%s.NeedsEvidence() = %v, want %v", tt.kind, got, tt.needsEvidence)
			}
		})
	}
}

func TestCredentialExpiresAt(t *testing.T) {
	t.Parallel()
	stored := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	if got := (Credential{}).ExpiresAt(stored); !got.IsZero() {
		t.Errorf("no maximum age: ExpiresAt = %v, want zero", got)
	}
	age, err := ParseAge("24mo")
	if err != nil {
		t.Fatal(err)
	}
	c := Credential{MaxAge: age}
	if got, want := c.ExpiresAt(stored), time.Date(2028, 11, 26, 9, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("24mo: ExpiresAt = %v, want %v", got, want)
	}
}
