package agevault_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"

	"github.com/acctsetup/acctsetup/vault"
	agevault "github.com/acctsetup/acctsetup/vault/age"
)

var (
	refID     = vault.Ref{Provider: "xero", Environment: "production", Field: "client_id"}
	refSecret = vault.Ref{Provider: "xero", Environment: "production", Field: "client_secret"}
)

// Values stored by these tests. No error may ever contain one.
const (
	valueID     = "agevault-test-client-id-Zq81xP"
	valueSecret = "agevault-test-client-secret-Vb93kL"
)

// newIdentity creates an identity file in dir and returns the identity and its path.
func newIdentity(t *testing.T, dir, name string) (*age.X25519Identity, string) {
	t.Helper()
	path := filepath.Join(dir, name)
	id, created, err := agevault.LoadOrCreateIdentity(path)
	if err != nil || !created {
		t.Fatalf("LoadOrCreateIdentity(%q) = %v, %v", path, created, err)
	}
	return id, path
}

// seeded returns a vault at dir/vault.age holding valueID and valueSecret,
// encrypted to a fresh identity (also returned, with its file).
func seeded(t *testing.T) (v *agevault.Vault, path string, id *age.X25519Identity, idPath string) {
	t.Helper()
	dir := t.TempDir()
	id, idPath = newIdentity(t, dir, "identity.txt")
	path = filepath.Join(dir, "vault.age")
	v = agevault.Open(path, id, nil, agevault.WithIdentityPath(idPath))
	set(t, v, refID, valueID)
	set(t, v, refSecret, valueSecret)
	return v, path, id, idPath
}

func set(t *testing.T, v *agevault.Vault, ref vault.Ref, value string) {
	t.Helper()
	if err := v.Set(context.Background(), ref, vault.NewSecret(value), vault.Meta{}); err != nil {
		t.Fatalf("Set(%s) error = %v", ref, err)
	}
}

func get(t *testing.T, v *agevault.Vault, ref vault.Ref) string {
	t.Helper()
	s, err := v.Get(context.Background(), ref)
	if err != nil {
		t.Fatalf("Get(%s) error = %v", ref, err)
	}
	return s.Reveal()
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// encryptTo writes plaintext to path, age-encrypted to r.
func encryptTo(t *testing.T, path string, plaintext []byte, r age.Recipient) {
	t.Helper()
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, r)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(plaintext); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

// noSecrets fails t if err mentions any stored value.
func noSecrets(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	for _, v := range []string{valueID, valueSecret} {
		if strings.Contains(err.Error(), v) {
			t.Errorf("error %q contains a secret value", err)
		}
	}
}

// allOps runs every Vault method on v and returns the errors, labelled.
func allOps(v *agevault.Vault) map[string]error {
	ctx := context.Background()
	_, getErr := v.Get(ctx, refID)
	_, listErr := v.List(ctx)
	return map[string]error{
		"Get":    getErr,
		"List":   listErr,
		"Set":    v.Set(ctx, refID, vault.NewSecret("agevault-test-new-value"), vault.Meta{}),
		"Delete": v.Delete(ctx, refSecret),
	}
}
