package vault_test

import (
	"testing"

	"github.com/acctsetup/acctsetup/vault"
)

func TestParseRef(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		want    vault.Ref
		wantErr string
	}{
		{name: "valid", in: "xero/production/client_id", want: vault.Ref{Provider: "xero", Environment: "production", Field: "client_id"}},
		{name: "digits", in: "p2/env1/f2_x", want: vault.Ref{Provider: "p2", Environment: "env1", Field: "f2_x"}},
		{name: "too few segments", in: "xero/production", wantErr: `vault: invalid ref "xero/production": want provider/environment/field`},
		{name: "too many segments", in: "a/b/c/d", wantErr: `vault: invalid ref "a/b/c/d": want provider/environment/field`},
		{name: "empty", in: "", wantErr: `vault: invalid ref "": want provider/environment/field`},
		{name: "empty provider", in: "/production/client_id", wantErr: `vault: invalid ref "/production/client_id": provider "" must match [a-z0-9]+`},
		{name: "empty environment", in: "xero//client_id", wantErr: `vault: invalid ref "xero//client_id": environment "" must match [a-z0-9]+`},
		{name: "empty field", in: "xero/production/", wantErr: `vault: invalid ref "xero/production/": field "" must match [a-z][a-z0-9_]*`},
		{name: "upper-case provider", in: "Xero/production/client_id", wantErr: `vault: invalid ref "Xero/production/client_id": provider "Xero" must match [a-z0-9]+`},
		{name: "hyphen in environment", in: "xero/pro-d/client_id", wantErr: `vault: invalid ref "xero/pro-d/client_id": environment "pro-d" must match [a-z0-9]+`},
		{name: "field starts with digit", in: "xero/production/1id", wantErr: `vault: invalid ref "xero/production/1id": field "1id" must match [a-z][a-z0-9_]*`},
		{name: "field with hyphen", in: "xero/production/client-id", wantErr: `vault: invalid ref "xero/production/client-id": field "client-id" must match [a-z][a-z0-9_]*`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := vault.ParseRef(tt.in)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("ParseRef(%q) error = %v, want %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseRef(%q) error = %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("ParseRef(%q) = %#v, want %#v", tt.in, got, tt.want)
			}
			if got.String() != tt.in {
				t.Errorf("String() = %q, want %q", got.String(), tt.in)
			}
		})
	}
}

func TestRefValidate(t *testing.T) {
	t.Parallel()
	if err := (vault.Ref{}).Validate(); err == nil {
		t.Error("zero Ref: Validate() = nil, want error")
	}
	if err := (vault.Ref{Provider: "xero", Environment: "sandbox", Field: "client_secret"}).Validate(); err != nil {
		t.Errorf("Validate() = %v, want nil", err)
	}
}
