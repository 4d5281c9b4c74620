package onepassword_test

import (
	"context"
	"maps"
	"testing"

	sdk "github.com/1password/onepassword-sdk-go"

	"github.com/acctsetup/acctsetup/vault"
	"github.com/acctsetup/acctsetup/vault/onepassword"
	"github.com/acctsetup/acctsetup/vault/onepassword/optest"
)

const vaultName = "Integrations"

var (
	refID     = vault.Ref{Provider: "xero", Environment: "production", Field: "client_id"}
	refSecret = vault.Ref{Provider: "xero", Environment: "production", Field: "client_secret"}
	refTOTP   = vault.Ref{Provider: "xero", Environment: "production", Field: onepassword.TOTPField}
)

// Values stored by these tests. No error may ever contain one.
const (
	valueID     = "onepassword-test-client-id-Qw72pL"
	valueSecret = "onepassword-test-client-secret-Hj31mN"
	// seedURI is the RFC 6238 test seed ("12345678901234567890").
	seedURI = "otpauth://totp/Xero:ops@example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Xero"
)

// newVault returns a Vault over a new fake account holding vaultName.
func newVault(t *testing.T) (*optest.Service, *onepassword.Vault) {
	t.Helper()
	svc := optest.New(vaultName)
	return svc, onepassword.New(svc, vaultName)
}

func set(t *testing.T, v vault.Vault, ref vault.Ref, value string) {
	t.Helper()
	if err := v.Set(context.Background(), ref, vault.NewSecret(value), vault.Meta{}); err != nil {
		t.Fatalf("Set(%s) error = %v", ref, err)
	}
}

func get(t *testing.T, v vault.Vault, ref vault.Ref) string {
	t.Helper()
	s, err := v.Get(context.Background(), ref)
	if err != nil {
		t.Fatalf("Get(%s) error = %v", ref, err)
	}
	return s.Reveal()
}

// items returns the items of vaultName in the fake, by title.
func items(t *testing.T, svc *optest.Service) map[string]sdk.Item {
	t.Helper()
	out := make(map[string]sdk.Item)
	for _, it := range svc.VaultItems(svc.VaultID(vaultName)) {
		if _, dup := out[it.Title]; dup {
			t.Fatalf("two items titled %q", it.Title)
		}
		out[it.Title] = it
	}
	return out
}

// wantCalls fails t unless the fake saw exactly want since its last
// ResetCalls, then resets the counts.
func wantCalls(t *testing.T, svc *optest.Service, want map[string]int) {
	t.Helper()
	got := svc.Calls()
	maps.DeleteFunc(got, func(_ string, n int) bool { return n == 0 })
	if !maps.Equal(got, want) {
		t.Errorf("API calls = %v, want %v", got, want)
	}
	svc.ResetCalls()
}

// createItem adds an item as a person would in the 1Password app.
func createItem(t *testing.T, svc *optest.Service, params sdk.ItemCreateParams) sdk.Item {
	t.Helper()
	params.VaultID = svc.VaultID(vaultName)
	it, err := svc.Items().Create(context.Background(), params)
	if err != nil {
		t.Fatalf("Items.Create(%q) error = %v", params.Title, err)
	}
	return it
}

// editItem changes the item titled title as a person would in the
// 1Password app.
func editItem(t *testing.T, svc *optest.Service, title string, edit func(*sdk.Item)) {
	t.Helper()
	it, ok := items(t, svc)[title]
	if !ok {
		t.Fatalf("no item %q", title)
	}
	edit(&it)
	if _, err := svc.Items().Put(context.Background(), it); err != nil {
		t.Fatalf("Items.Put(%q) error = %v", title, err)
	}
}

// editedByPerson returns an account whose vault holds refID's item as
// changed by edit.
func editedByPerson(t *testing.T, edit func(*sdk.Item)) *optest.Service {
	t.Helper()
	svc, v := newVault(t)
	set(t, v, refID, valueID)
	editItem(t, svc, "acctsetup-xero-production", edit)
	return svc
}

func ptr[T any](v T) *T { return &v }
