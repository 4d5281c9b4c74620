package agevault_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	agevault "github.com/acctsetup/acctsetup/vault/age"
)

// ageTool returns the path of the age command-line tool, or skips the test
// when it is missing; CI sets ACCTSETUP_REQUIRE_TOOLS so it fails instead.
func ageTool(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("age")
	if err != nil {
		if os.Getenv("ACCTSETUP_REQUIRE_TOOLS") != "" {
			t.Fatal("age tool not installed, and ACCTSETUP_REQUIRE_TOOLS is set")
		}
		t.Skip("age tool not installed; .ci/run installs it (apt-get install age)")
	}
	return p
}

// TestAgeToolDecrypts checks that the standard age tool, given the identity
// file LoadOrCreateIdentity wrote, decrypts the vault to the documented JSON.
func TestAgeToolDecrypts(t *testing.T) {
	t.Parallel()
	tool := ageTool(t)
	_, path, _, idPath := seeded(t)

	var stdout, stderr bytes.Buffer
	cmd := exec.Command(tool, "-d", "-i", idPath, path)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("age -d: %v\n%s", err, stderr.String())
	}
	var got struct {
		Version int `json:"version"`
		Secrets []struct {
			Provider, Environment, Field, Value string
		} `json:"secrets"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
		t.Fatalf("age -d output is not JSON: %v", err)
	}
	if got.Version != 2 || len(got.Secrets) != 2 {
		t.Fatalf("age -d output has version %d and %d secrets, want 2 and 2", got.Version, len(got.Secrets))
	}
	if s := got.Secrets[0]; s.Provider != "xero" || s.Environment != "production" || s.Field != "client_id" || s.Value != valueID {
		t.Errorf("first secret = %s/%s/%s, want xero/production/client_id with the value set", s.Provider, s.Environment, s.Field)
	}
	if got.Secrets[1].Field != "client_secret" || got.Secrets[1].Value != valueSecret {
		t.Errorf("second secret = %s, want client_secret with the value set", got.Secrets[1].Field)
	}
}

// TestAgeToolEncrypts checks the other direction: a vault file written by the
// age tool (for example after editing a decrypted copy by hand) is readable,
// here in the version 1 format, whose updated_at is read as set_at.
func TestAgeToolEncrypts(t *testing.T) {
	t.Parallel()
	tool := ageTool(t)
	dir := t.TempDir()
	id, idPath := newIdentity(t, dir, "identity.txt")
	plain := filepath.Join(dir, "vault.json")
	path := filepath.Join(dir, "vault.age")
	content := `{"version":1,"secrets":[{"provider":"xero","environment":"production","field":"client_id","value":"` +
		valueID + `","updated_at":"2025-01-02T03:04:05Z"}]}`
	if err := os.WriteFile(plain, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(tool, "-e", "-i", idPath, "-o", path, plain).CombinedOutput(); err != nil {
		t.Fatalf("age -e: %v\n%s", err, out)
	}
	v := agevault.Open(path, id, nil)
	if got := get(t, v, refID); got != valueID {
		t.Error("Get returned a different value than the age tool encrypted")
	}
	entries, err := v.List(context.Background())
	if err != nil || len(entries) != 1 || entries[0].SetAt.Format(time.RFC3339) != "2025-01-02T03:04:05Z" {
		t.Errorf("List() = %v, %v; want one entry set at 2025-01-02T03:04:05Z", entries, err)
	}
}
