package vault_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/acctsetup/acctsetup/vault"
)

const plain = "hunter2-s3cr3t"

func TestSecretReveal(t *testing.T) {
	t.Parallel()
	s := vault.NewSecret(plain)
	if got := s.Reveal(); got != plain {
		t.Errorf("Reveal() = %q, want %q", got, plain)
	}
	if s.IsZero() {
		t.Error("IsZero() = true for a non-empty secret")
	}
	if !(vault.Secret{}).IsZero() || !vault.NewSecret("").IsZero() {
		t.Error("IsZero() = false for an empty secret")
	}
}

func TestSecretFormat(t *testing.T) {
	t.Parallel()
	s := vault.NewSecret(plain)
	type exported struct {
		Name  string
		Value vault.Secret
	}
	tests := []struct {
		name string
		got  string
	}{
		{"v", fmt.Sprintf("%v", s)},
		{"+v", fmt.Sprintf("%+v", s)},
		{"#v", fmt.Sprintf("%#v", s)},
		{"s", fmt.Sprintf("%s", s)},
		{"q", fmt.Sprintf("%q", s)},
		{"x", fmt.Sprintf("%x", s)},
		{"X", fmt.Sprintf("%X", s)},
		{"d", fmt.Sprintf("%d", s)},
		{"width", fmt.Sprintf("%40s", s)},
		{"pointer", fmt.Sprintf("%v", &s)},
		{"Sprint", fmt.Sprint(s)},
		{"Sprintln", fmt.Sprintln(s)},
		{"slice", fmt.Sprintf("%v", []vault.Secret{s})},
		{"map", fmt.Sprintf("%v", map[string]vault.Secret{"k": s})},
		{"struct +v", fmt.Sprintf("%+v", exported{"n", s})},
		{"struct #v", fmt.Sprintf("%#v", exported{"n", s})},
		{"error wrap", fmt.Errorf("bad value %v: %s", s, s).Error()},
		{"String", s.String()},
		{"GoString", s.GoString()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if strings.Contains(tt.got, plain) || strings.Contains(tt.got, fmt.Sprintf("%x", plain)) {
				t.Errorf("output %q contains the secret", tt.got)
			}
			if !strings.Contains(tt.got, "[redacted]") {
				t.Errorf("output %q does not say [redacted]", tt.got)
			}
		})
	}
}

func TestSecretMarshal(t *testing.T) {
	t.Parallel()
	s := vault.NewSecret(plain)
	text, err := s.MarshalText()
	if err != nil || string(text) != "[redacted]" {
		t.Errorf("MarshalText() = %q, %v, want [redacted]", text, err)
	}

	b, err := json.Marshal(struct {
		Value vault.Secret            `json:"value"`
		Ptr   *vault.Secret           `json:"ptr"`
		Map   map[string]vault.Secret `json:"map"`
	}{s, &s, map[string]vault.Secret{"k": s}})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"value":"[redacted]","ptr":"[redacted]","map":{"k":"[redacted]"}}`
	if string(b) != want {
		t.Errorf("json.Marshal = %s, want %s", b, want)
	}

	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("m", "secret", s)
	slog.New(slog.NewTextHandler(&buf, nil)).Info("m", "secret", s)
	if strings.Contains(buf.String(), plain) {
		t.Errorf("slog output contains the secret: %s", buf.String())
	}
}
