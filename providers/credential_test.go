package providers

import (
	"errors"
	"strings"
	"testing"
)

func TestCredentialCheck(t *testing.T) {
	t.Parallel()
	var (
		uuid     = Credential{Name: "client_id", Rule: "uuid"}
		hex32    = Credential{Name: "client_id", Rule: "alphanum,len=32"}
		secret   = Credential{Name: "client_secret", Secret: true, Rule: "token,min=20,max=128"}
		token    = Credential{Name: "api_key", Secret: true, Rule: "token"}
		whsec    = Credential{Name: "webhook_signing_secret", Secret: true, Rule: "token,min=30,max=128", Pattern: `^whsec_[A-Za-z0-9+/=]{24,}$`}
		baseline = `value breaks rule "token": every credential must be printable, with no white space or control characters`
	)
	tests := []struct {
		name    string
		cred    Credential
		value   string
		wantErr string // "" means the value is accepted
	}{
		{name: "uuid lower case", cred: uuid, value: "3f2504e0-4f89-41d3-9a0c-0305e82c3301"},
		{name: "uuid upper case", cred: uuid, value: "3F2504E0-4F89-41D3-9A0C-0305E82C3301"},
		{name: "uuid without hyphens", cred: uuid, value: "3f2504e04f8941d39a0c0305e82c3301", wantErr: `client_id: value breaks rule "uuid": it must be a GUID like 123e4567-e89b-12d3-a456-426614174000`},
		{name: "uuid with a stray letter", cred: uuid, value: "3f2504e0-4f89-41d3-9a0c-0305e82c330Z", wantErr: `client_id: value breaks rule "uuid": it must be a GUID like 123e4567-e89b-12d3-a456-426614174000`},

		{name: "alphanum 32", cred: hex32, value: "0A1B2C3D4E5F60718293A4B5C6D7E8F9"},
		{name: "alphanum 31", cred: hex32, value: "0A1B2C3D4E5F60718293A4B5C6D7E8F", wantErr: `client_id: value breaks "len=32" of rule "alphanum,len=32": it must be exactly 32 characters`},
		{name: "alphanum 33", cred: hex32, value: "0A1B2C3D4E5F60718293A4B5C6D7E8F9Q", wantErr: `client_id: value breaks "len=32" of rule "alphanum,len=32": it must be exactly 32 characters`},
		{name: "alphanum with a hyphen", cred: hex32, value: "0A1B2C3D-4E5F60718293A4B5C6D7E8F", wantErr: `client_id: value breaks "alphanum" of rule "alphanum,len=32": it must be letters and digits only`},

		{name: "token 20", cred: secret, value: "SeKrEt-ValuE_0123456"},
		{name: "token 128", cred: secret, value: strings.Repeat("Zq", 64)},
		{name: "token printable punctuation", cred: secret, value: "s3cr3t!#$%&'()*+,-./:;<=>?@[]^_`{|}~"},
		{name: "token too short", cred: secret, value: "ShortSecretXyz19chr", wantErr: `client_secret: value breaks "min=20" of rule "token,min=20,max=128": it must be at least 20 characters`},
		{name: "token too long for its rule", cred: secret, value: strings.Repeat("Zq", 64) + "Z", wantErr: `client_secret: value breaks "max=128" of rule "token,min=20,max=128": it must be at most 128 characters`},

		{name: "pattern match", cred: whsec, value: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"},
		{name: "pattern wrong prefix", cred: whsec, value: "whsex_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", wantErr: "webhook_signing_secret: value breaks \"pattern ^whsec_[A-Za-z0-9+/=]{24,}$\" of rule \"token,min=30,max=128\": it does not match the pattern"},
		{name: "pattern wrong alphabet", cred: whsec, value: "whsec_MfKQ9r8GKYqrTwjUPD8I-LPZIo2LaLaSw", wantErr: "webhook_signing_secret: value breaks \"pattern ^whsec_[A-Za-z0-9+/=]{24,}$\" of rule \"token,min=30,max=128\": it does not match the pattern"},
		{name: "rule checked before pattern", cred: whsec, value: "whsec_MfKQ9r8GKYqrTwjUPD8", wantErr: `webhook_signing_secret: value breaks "min=30" of rule "token,min=30,max=128": it must be at least 30 characters`},

		{name: "empty", cred: secret, value: "", wantErr: `client_secret: value breaks rule "required": the value is empty`},
		{name: "space inside", cred: secret, value: "HunterTwo HunterTwo Hunter", wantErr: "client_secret: " + baseline},
		{name: "leading space", cred: secret, value: " LeadingSpaceSecret0123", wantErr: "client_secret: " + baseline},
		{name: "trailing newline from a paste", cred: secret, value: "TrailingNewlineSecret01\n", wantErr: "client_secret: " + baseline},
		{name: "tab inside", cred: secret, value: "TabbedSecret\t0123456789", wantErr: "client_secret: " + baseline},
		{name: "no-break space", cred: secret, value: "NoBreakSecret\u00a00123456789", wantErr: "client_secret: " + baseline},
		{name: "zero-width space", cred: secret, value: "ZeroWidthSecret\u200b0123456789", wantErr: "client_secret: " + baseline},
		{name: "NUL", cred: secret, value: "NulByteSecret\x000123456789", wantErr: "client_secret: " + baseline},
		{name: "escape character", cred: secret, value: "EscapeSecret\x1b[0m0123456789", wantErr: "client_secret: " + baseline},
		{name: "baseline before own rule", cred: uuid, value: "3f2504e0 4f89", wantErr: "client_id: " + baseline},

		{name: "4096 bytes", cred: token, value: strings.Repeat("K", 4096)},
		{name: "4097 bytes", cred: token, value: strings.Repeat("K", 4097), wantErr: `api_key: value breaks "max=4096" of rule "token,max=4096": it must be at most 4096 characters`},
		{name: "very long", cred: secret, value: strings.Repeat("LongSecret", 1000), wantErr: `client_secret: value breaks "max=4096" of rule "token,max=4096": it must be at most 4096 characters`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.cred.Check(tt.value)
			if tt.wantErr == "" {
				if err != nil {
					t.Errorf("Check() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Check() = nil, want %q", tt.wantErr)
			}
			if err.Error() != tt.wantErr {
				t.Errorf("Check() = %q, want %q", err, tt.wantErr)
			}
			var re *RuleError
			if !errors.As(err, &re) {
				t.Errorf("Check() error is %T, want *RuleError", err)
			} else if re.Field != tt.cred.Name {
				t.Errorf("RuleError.Field = %q, want %q", re.Field, tt.cred.Name)
			}
			// The message is printed for secret fields too: it must never
			// carry the value, nor a recognisable part of it.
			if tt.value != "" {
				for _, part := range []string{tt.value, strings.TrimSpace(tt.value), tt.value[:min(len(tt.value), 12)]} {
					if strings.Contains(err.Error(), part) {
						t.Errorf("Check() error %q contains the rejected value's %q", err, part)
					}
				}
			}
		})
	}
}

func TestRuleErrorMessage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  RuleError
		want string
	}{
		{name: "whole rule", err: RuleError{Field: "client_id", Rule: "uuid", Broke: "uuid", Why: "it must be a GUID like 123e4567-e89b-12d3-a456-426614174000"}, want: `client_id: value breaks rule "uuid": it must be a GUID like 123e4567-e89b-12d3-a456-426614174000`},
		{name: "without an explanation", err: RuleError{Field: "api_key", Rule: "required", Broke: "required"}, want: `api_key: value breaks rule "required"`},
		{name: "part of a rule", err: RuleError{Field: "client_id", Rule: "alphanum,len=32", Broke: "len=32", Why: "it must be exactly 32 characters"}, want: `client_id: value breaks "len=32" of rule "alphanum,len=32": it must be exactly 32 characters`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("Error() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCredentialAppliesTo(t *testing.T) {
	t.Parallel()
	all := Credential{Name: "client_id"}
	prod := Credential{Name: "client_id", Environments: []string{Production}}
	if !all.AppliesTo(Sandbox) || !all.AppliesTo(Production) {
		t.Errorf("credential without environments: AppliesTo = false, want true in every environment")
	}
	if prod.AppliesTo(Sandbox) || !prod.AppliesTo(Production) {
		t.Errorf("production-only credential: AppliesTo(sandbox) = %v, AppliesTo(production) = %v; want false, true",
			prod.AppliesTo(Sandbox), prod.AppliesTo(Production))
	}
}
