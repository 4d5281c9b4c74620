package onepassword_test

import (
	"context"
	"os"
	"strings"
	"testing"

	sdk "github.com/1password/onepassword-sdk-go"

	"github.com/acctsetup/acctsetup/vault"
	"github.com/acctsetup/acctsetup/vault/onepassword"
	"github.com/acctsetup/acctsetup/vault/vaulttest"
)

// TestLive runs the conformance suite against 1Password itself when
// OP_SERVICE_ACCOUNT_TOKEN and ACCTSETUP_TEST_OP_VAULT (a vault title or ID)
// are set. The vault must hold no acctsetup items, so that the suite cannot
// touch real secrets; the items each subtest creates are deleted after it.
// One run costs about 45 reads and 60 writes, more than half of a Teams
// service account's hourly 100 writes.
func TestLive(t *testing.T) {
	token, name := os.Getenv("OP_SERVICE_ACCOUNT_TOKEN"), os.Getenv("ACCTSETUP_TEST_OP_VAULT")
	if token == "" || name == "" {
		t.Skip("set OP_SERVICE_ACCOUNT_TOKEN and ACCTSETUP_TEST_OP_VAULT to run against 1Password")
	}
	ctx := context.Background()
	client, err := onepassword.Connect(ctx, token, "test")
	if err != nil {
		t.Fatal(err)
	}
	vaultID := liveVaultID(t, client, name)
	if made := liveItems(t, client, vaultID); len(made) > 0 {
		t.Fatalf("vault %q already holds %d acctsetup items; use a vault of its own for this test", name, len(made))
	}
	vaulttest.Run(t, func(t *testing.T) vault.Vault {
		t.Cleanup(func() {
			for _, o := range liveItems(t, client, vaultID) {
				if err := client.Items().Delete(ctx, vaultID, o.ID); err != nil {
					t.Errorf("clean up: delete item %q: %v", o.Title, err)
				}
			}
		})
		return onepassword.New(client, name)
	})
}

func liveVaultID(t *testing.T, client *sdk.Client, name string) string {
	t.Helper()
	vaults, err := client.Vaults().List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vaults {
		if v.ID == name || strings.EqualFold(v.Title, name) {
			return v.ID
		}
	}
	t.Fatalf("no vault %q shared with the service account", name)
	return ""
}

// liveItems returns the vault's items, active or archived, that look like
// acctsetup's.
func liveItems(t *testing.T, client *sdk.Client, vaultID string) []sdk.ItemOverview {
	t.Helper()
	all, err := client.Items().List(context.Background(), vaultID,
		sdk.NewItemListFilterTypeVariantByState(&sdk.ItemListFilterByStateInner{Active: true, Archived: true}))
	if err != nil {
		t.Fatal(err)
	}
	var ours []sdk.ItemOverview
	for _, o := range all {
		if strings.HasPrefix(o.Title, "acctsetup-") {
			ours = append(ours, o)
		}
	}
	return ours
}
